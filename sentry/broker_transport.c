/* The sentry's side of the gofer protocol (gofer/gofer.h): one request per SOCK_SEQPACKET
 * message (GOFER_LINK_FD's with an fd as SCM_RIGHTS), one response per message, an fd as
 * SCM_RIGHTS. Written here against the request format only, as DESIGN.md's dependency graph
 * has it (sentry/ → gofer/: its request format), so the static sbx-sentry links without
 * libgofer. Anything unexpected from the gofer is a
 * transport failure: -EPIPE, and the sandbox ends. */
#include "sentry/broker.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static size_t str_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Attach `fd` to `msg` as SCM_RIGHTS, in `cbuf`. */
static void attach_fd(struct msghdr *msg, void *cbuf, size_t size, int fd)
{
	memset(cbuf, 0, size);
	msg->msg_control = cbuf;
	msg->msg_controllen = size;
	struct cmsghdr *cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
}

static int send_request(int sock, const struct gofer_request *in, const uint32_t *groups,
			int pass_fd, const char *path, const char *path2, const char *name,
			const void *value)
{
	struct gofer_request req = *in;
	req.path_len = (uint32_t)str_len(path);
	req.path2_len = (uint32_t)str_len(path2);
	req.name_len = (uint32_t)str_len(name);
	if (!value)
		req.value_len = 0;
	if (req.path_len > GOFER_PATH_MAX || req.path2_len > GOFER_PATH_MAX || req.name_len > 256 ||
	    req.value_len > GOFER_VALUE_MAX)
		return -ENAMETOOLONG;
	if (req.groups_len > GOFER_GROUPS_MAX || (req.groups_len && !groups))
		return -EPERM;
	size_t groups_size = req.groups_len * sizeof(uint32_t);
	struct iovec iov[] = {
	    {.iov_base = &req, .iov_len = sizeof(req)},
	    {.iov_base = (void *)path, .iov_len = req.path_len},
	    {.iov_base = (void *)path2, .iov_len = req.path2_len},
	    {.iov_base = (void *)name, .iov_len = req.name_len},
	    {.iov_base = (void *)value, .iov_len = req.value_len},
	    {.iov_base = (void *)groups, .iov_len = groups_size},
	};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 6};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	if (pass_fd >= 0)
		attach_fd(&msg, cbuf.buf, sizeof(cbuf.buf), pass_fd);
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	size_t want =
	    sizeof(req) + req.path_len + req.path2_len + req.name_len + req.value_len + groups_size;
	return n == (ssize_t)want ? 0 : -EPIPE;
}

/* The fd of the first SCM_RIGHTS message (others closed), or -1. */
static int take_fd(struct msghdr *msg)
{
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[4];
		memcpy(fds, CMSG_DATA(cm), (n > 4 ? 4 : n) * sizeof(int));
		for (size_t i = 0; i < n && i < 4; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]);
		}
	}
	return fd;
}

static int64_t recv_response(int sock, uint64_t id, int *ret_fd)
{
	struct gofer_response resp;
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = &resp, .iov_len = sizeof(resp)};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = cbuf.buf,
	    .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -EPIPE;
	int fd = take_fd(&msg);
	bool ok = n == sizeof(resp) && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
		  resp.id == id && (resp.has_fd != 0) == (fd >= 0) &&
		  resp.result >= GOFER_RESULT_KERNEL && resp.result <= INT32_MAX;
	if (!ok) {
		if (fd >= 0)
			close(fd);
		return -EPIPE;
	}
	*ret_fd = fd;
	return resp.result;
}

int64_t broker_gofer_call(int sock, const struct gofer_request *req, const uint32_t *groups,
			  int pass_fd, const char *path, const char *path2, const char *name,
			  const void *value, int *ret_fd)
{
	*ret_fd = -1;
	int r = send_request(sock, req, groups, pass_fd, path, path2, name, value);
	if (r < 0)
		return r;
	return recv_response(sock, req->id, ret_fd);
}
