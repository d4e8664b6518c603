/* The server loop: one request per message into a fixed buffer, decoded and validated, run as
 * the caller, answered with the result (and the fd of an open, as SCM_RIGHTS). A malformed
 * request is answered -EINVAL and the loop goes on; EOF ends it. A request's fd (GOFER_LINK_FD)
 * is hostile input like the rest: at most one per message is taken, one on any other op is
 * refused, and it is closed once the request is answered. The caller's credentials stay
 * in force between requests (creds.c); if a switch failed midway and our own credentials cannot
 * be restored, the loop stops: serving on with the wrong ones is worse. */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*op_fn)(struct gofer_server *s, const struct gofer_msg *m);

static const op_fn ops[GOFER__MAX] = {
    [GOFER_MKDIR] = gofer_op_mkdir,	  [GOFER_MKNOD] = gofer_op_mknod,
    [GOFER_UNLINK] = gofer_op_unlink,	  [GOFER_RENAME] = gofer_op_rename,
    [GOFER_LINK] = gofer_op_link,	  [GOFER_SYMLINK] = gofer_op_symlink,
    [GOFER_CHMOD] = gofer_op_chmod,	  [GOFER_CHOWN] = gofer_op_chown,
    [GOFER_TRUNCATE] = gofer_op_truncate, [GOFER_UTIMENS] = gofer_op_utimens,
    [GOFER_SETXATTR] = gofer_op_setxattr, [GOFER_REMOVEXATTR] = gofer_op_removexattr,
    [GOFER_ACCESS_W] = gofer_op_access_w,
};

static int run_op(struct gofer_server *s, const struct gofer_msg *m, int in_fd, int *ret_fd)
{
	switch (m->req.op) {
	case GOFER_OPEN:
		return gofer_op_open(s, m, ret_fd);
	case GOFER_LINK_FD:
		return gofer_op_link_fd(s, m, in_fd);
	default:
		return ops[m->req.op](s, m);
	}
}

/* Run one decoded request as its caller. Returns the result; *ret_fatal on lost credentials. */
static int64_t dispatch(struct gofer_server *s, const struct gofer_msg *m, int in_fd, int *ret_fd,
			bool *ret_fatal)
{
	int r = gofer_creds_enter(s, m);
	if (r == 0)
		r = run_op(s, m, in_fd, ret_fd);
	if (gofer_creds_leave(s) < 0) {
		*ret_fatal = true;
		if (*ret_fd >= 0)
			close(*ret_fd);
		*ret_fd = -1;
		return -EIO;
	}
	return r;
}

static int respond(int sock, uint64_t id, int64_t result, int fd)
{
	struct gofer_response resp = {.id = id, .result = result, .has_fd = fd >= 0};
	int r = fd_send(sock, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0, &resp, sizeof(resp));
	return r < 0 ? r : 0;
}

/* The id of a message too broken to decode, when it has one. */
static uint64_t raw_id(const unsigned char *buf, size_t n)
{
	uint64_t id = 0;
	size_t off = offsetof(struct gofer_request, id);
	if (n >= off + sizeof(id))
		memcpy(&id, buf + off, sizeof(id));
	return id;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static int serve_loop(struct gofer_server *s, int sock, unsigned char *buf, struct sbx_error *err)
{
	for (;;) {
		/* One byte more than the largest valid message: a longer one shows as too long
		 * instead of being silently cut to a valid-looking size. Room for two fds, so
		 * that a message with more than one shows as such (fd_recv closes the rest). */
		int in[2];
		size_t nin = 0;
		int n = fd_recv(sock, in, 2, &nin, buf, GOFER_MSG_MAX + 1);
		if (n == 0) {
			close_fds(in, nin);
			return 0;
		}
		if (n < 0)
			return sbx_err_errno(err, -n, "gofer: receive request");
		struct gofer_msg m;
		int64_t result;
		int fd = -1;
		bool fatal = false;
		if (gofer_decode(buf, (size_t)n, &m) < 0 || gofer_check_fds(&m, nin) < 0) {
			result = -EINVAL;
			m.req.id = raw_id(buf, (size_t)n);
		} else {
			result = dispatch(s, &m, nin ? in[0] : -1, &fd, &fatal);
		}
		close_fds(in, nin);
		int r = respond(sock, m.req.id, result, fd);
		if (fd >= 0)
			close(fd);
		if (fatal)
			return sbx_err(err, EIO, "gofer: cannot restore own credentials");
		if (r < 0)
			return sbx_err_errno(err, -r, "gofer: send response");
	}
}

int gofer_serve(const struct gofer_config *cfg, int sock, struct sbx_error *err)
{
	struct gofer_server s;
	int r = gofer_server_init(&s, cfg);
	if (r < 0) {
		gofer_server_done(&s);
		return sbx_err_errno(err, -r, "gofer: start");
	}
	_cleanup_free_ unsigned char *buf = malloc(GOFER_MSG_MAX + 1);
	if (!buf)
		r = sbx_err_errno(err, ENOMEM, "gofer: request buffer");
	else
		r = serve_loop(&s, sock, buf, err);
	int q = gofer_creds_restore(&s);
	if (q < 0 && r == 0)
		r = sbx_err_errno(err, -q, "gofer: restore own credentials");
	gofer_server_done(&s);
	return r;
}
