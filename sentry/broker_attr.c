/* Changes to a file's attributes by path: chmod, fchmodat(2), chown, lchown, fchownat,
 * truncate. An empty path with AT_EMPTY_PATH acts on the dirfd itself: broker_fd.c. */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>

/* Read the path once; "" with AT_EMPTY_PATH: on the dirfd itself. */
static int64_t empty_or_path(struct sentry_call *c, int dirfd, uint64_t addr, uint64_t flags,
			     struct gofer_request *req)
{
	struct broker_path p;
	int r = broker_read_path(c, addr, &p);
	if (r < 0)
		return broker_fail(c, -r);
	if ((flags & AT_EMPTY_PATH) && p.arg[0] == '\0')
		return broker_fd_op(c, dirfd, true, req, NULL, NULL);
	return broker_path_do(c, dirfd, &p, req);
}

static int64_t chmod_path(struct sentry_call *c, int dirfd, uint64_t path, uint64_t mode,
			  uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return broker_fail(c, EINVAL);
	struct gofer_request req = {
	    .op = GOFER_CHMOD,
	    .mode = (uint32_t)(mode & 07777),
	    .at_flags = (uint32_t)(flags & AT_SYMLINK_NOFOLLOW),
	};
	return empty_or_path(c, dirfd, path, flags, &req);
}

int64_t sentry_handle_chmod(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chmod_path(c, AT_FDCWD, a[0], a[1], 0);
}

int64_t sentry_handle_fchmodat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chmod_path(c, (int)a[0], a[1], a[2], 0);
}

int64_t sentry_handle_fchmodat2(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chmod_path(c, (int)a[0], a[1], a[2], (uint32_t)a[3]);
}

static int64_t chown_path(struct sentry_call *c, int dirfd, uint64_t path, uint64_t uid,
			  uint64_t gid, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return broker_fail(c, EINVAL);
	struct gofer_request req = {
	    .op = GOFER_CHOWN,
	    .uid = (uint32_t)uid,
	    .gid = (uint32_t)gid,
	    .at_flags = (uint32_t)(flags & AT_SYMLINK_NOFOLLOW),
	};
	return empty_or_path(c, dirfd, path, flags, &req);
}

int64_t sentry_handle_chown(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chown_path(c, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sentry_handle_lchown(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chown_path(c, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

int64_t sentry_handle_fchownat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return chown_path(c, (int)a[0], a[1], a[2], a[3], (uint32_t)a[4]);
}

int64_t sentry_handle_truncate(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	if ((int64_t)a[1] < 0)
		return broker_fail(c, EINVAL);
	struct gofer_request req = {.op = GOFER_TRUNCATE, .length = (int64_t)a[1]};
	return broker_path_op(c, AT_FDCWD, a[0], &req);
}
