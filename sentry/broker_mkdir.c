/* mkdir, mkdirat, and mknod(at) of regular files and FIFOs: created by the gofer, which applies
 * the caller's umask and makes the caller the owner. */
#include "sentry/broker.h"

#include <errno.h>
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

/* A node the sentry does not emulate (sbx.emulate does not name the call): the kernel makes it on
 * a private mount, with its own checks; in the root or a volume it would need CAP_MKNOD on a
 * writable file system, and the gofer makes no devices: EPERM, as for a caller without it. */
int64_t sentry_broker_mknod_other(struct sentry_call *c, int dirfd, uint64_t path, mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
		break;
	case S_IFDIR:
		return broker_fail(c, EPERM); /* may_mknod(), before the path is looked up */
	default:
		return broker_fail(c, EINVAL);
	}
	struct broker_path p;
	int r = broker_read_path(c, path, &p);
	if (r == 0)
		r = broker_locate(c, dirfd, &p);
	if (r < 0)
		return broker_fail(c, -r);
	return p.private_mount ? broker_continue(c) : broker_fail(c, EPERM);
}

/* mode: S_IFREG, S_IFIFO or S_IFSOCK with permission bits, as mknod.c checked it. */
int64_t sentry_broker_mknod(struct sentry_call *c, int dirfd, uint64_t path, mode_t mode)
{
	struct gofer_request req = {.op = GOFER_MKNOD, .mode = mode & (S_IFMT | 07777)};
	return broker_path_op(c, dirfd, path, &req);
}
