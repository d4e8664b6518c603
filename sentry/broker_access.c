/* access, faccessat, faccessat2 with W_OK: answered as on a writable file system. The
 * container's mount is read-only, so the kernel would say EROFS; the gofer, which would do the
 * write, answers instead (policy and permissions; GOFER_ACCESS_W, with the whole mode so that
 * R_OK and X_OK are checked too). Without W_OK the kernel answers. */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int64_t check_access(struct sentry_call *c, int dirfd, uint64_t path, uint64_t mode,
			    uint64_t flags)
{
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return broker_fail(c, EINVAL);
	if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return broker_fail(c, EINVAL);
	if (!(mode & W_OK))
		return broker_continue(c);
	struct broker_path p;
	int r = broker_read_path(c, path, &p);
	if (r < 0)
		return broker_fail(c, -r);
	if ((flags & AT_EMPTY_PATH) && p.arg[0] == '\0')
		return broker_continue(c);
	struct gofer_request req = {
	    .op = GOFER_ACCESS_W,
	    .mode = (uint32_t)mode,
	    .at_flags = (uint32_t)(flags & ~(uint64_t)AT_EMPTY_PATH),
	};
	return broker_path_do(c, dirfd, &p, &req);
}

int64_t sentry_handle_access(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return check_access(c, AT_FDCWD, a[0], a[1], 0);
}

int64_t sentry_handle_faccessat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return check_access(c, (int)a[0], a[1], a[2], 0);
}

int64_t sentry_handle_faccessat2(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return check_access(c, (int)a[0], a[1], a[2], (uint32_t)a[3]);
}
