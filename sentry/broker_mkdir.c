/* mkdir, mkdirat, and mknod(at) of regular files and FIFOs: created by the gofer, which applies
 * the caller's umask and makes the caller the owner. */
#include "sentry/broker.h"

#include <fcntl.h>
#include <sys/stat.h>

static int64_t make_dir(struct sentry_call *c, int dirfd, uint64_t path, uint64_t mode)
{
	struct gofer_request req = {.op = GOFER_MKDIR, .mode = (uint32_t)(mode & 07777)};
	return broker_path_op(c, dirfd, path, &req);
}

int64_t sentry_handle_mkdir(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return make_dir(c, AT_FDCWD, a[0], a[1]);
}

int64_t sentry_handle_mkdirat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return make_dir(c, (int)a[0], a[1], a[2]);
}

/* mode: S_IFREG or S_IFIFO with permission bits, as mknod.c checked it. */
int64_t sentry_broker_mknod(struct sentry_call *c, int dirfd, uint64_t path, mode_t mode)
{
	struct gofer_request req = {.op = GOFER_MKNOD, .mode = mode & (S_IFMT | 07777)};
	return broker_path_op(c, dirfd, path, &req);
}
