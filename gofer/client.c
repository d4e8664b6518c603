/* The client side (the sentry): one request out, one answer back. The strings go out with
 * their NUL; lengths are filled in here from the arguments, so they cannot disagree. Anything
 * unexpected in the answer means the gofer is not behaving: -EPIPE, and the caller fails
 * closed. One call at a time per socket. */
#include "gofer/gofer.h"
#include "lib/fdpass.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

static int send_request(int sock, const struct gofer_request *req, const uint32_t *groups,
			int pass_fd, const char *path, const char *path2, const char *name,
			const void *value)
{
	struct iovec iov[6] = {
	    {(void *)req, sizeof(*req)},     {(void *)path, req->path_len},
	    {(void *)path2, req->path2_len}, {(void *)name, req->name_len},
	    {(void *)value, req->value_len}, {(void *)groups, req->groups_len * sizeof(uint32_t)},
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 6};
	if (pass_fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -EPIPE : 0;
}

static int fill_lengths(struct gofer_request *r, const uint32_t *groups, const char *path,
			const char *path2, const char *name, const void *value)
{
	size_t p = path ? strlen(path) + 1 : 0, p2 = path2 ? strlen(path2) + 1 : 0;
	size_t n = name ? strlen(name) + 1 : 0;
	if (p > GOFER_PATH_MAX || p2 > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	if (n > XATTR_NAME_MAX + 1)
		return -ERANGE;
	if (r->value_len > GOFER_VALUE_MAX)
		return -E2BIG;
	if (!value && r->value_len)
		return -EINVAL;
	if (r->groups_len > GOFER_GROUPS_MAX)
		return -EPERM; /* as the sentry: never a subset of the caller's groups */
	if (!groups && r->groups_len)
		return -EINVAL;
	r->path_len = (uint32_t)p;
	r->path2_len = (uint32_t)p2;
	r->name_len = (uint32_t)n;
	return 0;
}

int64_t gofer_call_fd(int sock, const struct gofer_request *req, const uint32_t *groups,
		      int pass_fd, const char *path, const char *path2, const char *name,
		      const void *value, int *ret_fd)
{
	struct gofer_request r = *req;
	struct gofer_response resp;
	int fd = -1;
	size_t nfds = 0;
	if (ret_fd)
		*ret_fd = -1;
	r.version = GOFER_PROTO_VERSION;
	int e = fill_lengths(&r, groups, path, path2, name, value);
	if (e < 0)
		return e;
	if (send_request(sock, &r, groups, pass_fd, path, path2, name, value) < 0)
		return -EPIPE;
	int n = fd_recv(sock, &fd, 1, &nfds, &resp, sizeof(resp));
	bool ok = n == (int)sizeof(resp) && resp.id == r.id && resp.has_fd == (nfds == 1) &&
		  (resp.result >= 0 || !resp.has_fd) && resp.result >= GOFER_RESULT_KERNEL;
	if (!ok || (nfds == 1 && !ret_fd)) {
		if (nfds == 1)
			close(fd);
		return -EPIPE;
	}
	if (ret_fd)
		*ret_fd = nfds == 1 ? fd : -1;
	return resp.result;
}

int64_t gofer_call(int sock, const struct gofer_request *req, const uint32_t *groups,
		   const char *path, const char *path2, const char *name, const void *value,
		   int *ret_fd)
{
	return gofer_call_fd(sock, req, groups, -1, path, path2, name, value, ret_fd);
}
