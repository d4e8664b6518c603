#include "lib/fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FDPASS_MAX 16

int fd_send(int sock, const int *fds, size_t nfds, const void *data, size_t len)
{
	char dummy = 0;
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > FDPASS_MAX)
		return -EINVAL;
	if (!data || len == 0) {
		iov.iov_base = &dummy;
		iov.iov_len = 1;
	}
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)n;
}

int fd_recv(int sock, int *ret_fds, size_t maxfds, size_t *ret_nfds, void *data, size_t len)
{
	char dummy;
	struct iovec iov = {.iov_base = data, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	size_t got = 0;

	if (!data || len == 0) {
		iov.iov_base = &dummy;
		iov.iov_len = 1;
	}
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[FDPASS_MAX];
		if (cnt > FDPASS_MAX)
			cnt = FDPASS_MAX;
		memcpy(fds, CMSG_DATA(c), cnt * sizeof(int));
		for (size_t i = 0; i < cnt; i++) {
			if (got < maxfds)
				ret_fds[got++] = fds[i];
			else
				close(fds[i]);
		}
	}
	if (ret_nfds)
		*ret_nfds = got;
	return (int)n;
}

int fd_hold(const int *fds, size_t n)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	/* The other end is our peer: no queue-length limit, only the send buffer (a few hundred
	 * small messages). */
	for (size_t i = 0; i < n; i += FDPASS_MAX) {
		size_t k = n - i < FDPASS_MAX ? n - i : FDPASS_MAX;
		int r = fd_send(sp[1], fds + i, k, NULL, 0);
		if (r < 0) {
			close(sp[0]);
			close(sp[1]);
			return r;
		}
	}
	close(sp[1]);
	return sp[0];
}
