/* utimes, utimensat, futimesat on paths: the gofer sets the times. The times are read once
 * and checked as the kernel checks them. utimensat and futimesat with a NULL path (futimens)
 * or with "" and AT_EMPTY_PATH act on the fd: broker_fd.c. */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>

static bool nsec_ok(int64_t nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec < 1000000000);
}

static int read_timespecs(struct sentry_call *c, uint64_t addr, int64_t ret[2][2])
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_NOW}};
	if (addr) {
		int r = sentry_mem_read(c, addr, ts, sizeof(ts));
		if (r < 0)
			return r;
	}
	for (int i = 0; i < 2; i++) {
		if (!nsec_ok(ts[i].tv_nsec))
			return -EINVAL;
		ret[i][0] = ts[i].tv_sec;
		ret[i][1] = ts[i].tv_nsec;
	}
	return 0;
}

static int read_timevals(struct sentry_call *c, uint64_t addr, int64_t ret[2][2])
{
	struct timeval tv[2];
	if (!addr) {
		ret[0][1] = ret[1][1] = UTIME_NOW;
		ret[0][0] = ret[1][0] = 0;
		return 0;
	}
	int r = sentry_mem_read(c, addr, tv, sizeof(tv));
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ret[i][0] = tv[i].tv_sec;
		ret[i][1] = tv[i].tv_usec * 1000;
	}
	return 0;
}

/* The times are in req; the path is read after them, then brokered. */
static int64_t set_times(struct sentry_call *c, int dirfd, uint64_t path, uint64_t flags,
			 struct gofer_request *req)
{
	struct broker_path p;
	int r = broker_read_path(c, path, &p);
	if (r < 0)
		return broker_fail(c, -r);
	if ((flags & AT_EMPTY_PATH) && p.arg[0] == '\0')
		return broker_fd_times(c, dirfd, true, 0, req);
	if (req->times[0][1] == UTIME_OMIT && req->times[1][1] == UTIME_OMIT) {
		c->action =
		    SBX_ACT_EMULATE; /* nothing to change: Linux succeeds without a lookup */
		return 0;
	}
	return broker_path_do(c, dirfd, &p, req);
}

int64_t sentry_handle_utimensat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	uint64_t flags = (uint32_t)a[3];
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return broker_fail(c, EINVAL);
	struct gofer_request req = {
	    .op = GOFER_UTIMENS,
	    .at_flags = (uint32_t)(flags & AT_SYMLINK_NOFOLLOW),
	};
	int r = read_timespecs(c, a[2], req.times);
	if (r < 0)
		return broker_fail(c, -r);
	if (!a[1])
		return broker_fd_times(c, (int)a[0], false, flags, &req); /* futimens() */
	return set_times(c, (int)a[0], a[1], flags, &req);
}

static int64_t timeval_call(struct sentry_call *c, int dirfd, uint64_t path, uint64_t times)
{
	struct gofer_request req = {.op = GOFER_UTIMENS};
	int r = read_timevals(c, times, req.times);
	if (r < 0)
		return broker_fail(c, -r);
	if (!path)
		return broker_fd_times(c, dirfd, false, 0, &req); /* futimesat(fd, NULL, ...) */
	return set_times(c, dirfd, path, 0, &req);
}

int64_t sentry_handle_utimes(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return timeval_call(c, AT_FDCWD, a[0], a[1]);
}

int64_t sentry_handle_futimesat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return timeval_call(c, (int)a[0], a[1], a[2]);
}

/* utime(2): struct utimbuf {actime, modtime} in whole seconds; NULL means now. */
int64_t sentry_handle_utime(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	struct gofer_request req = {.op = GOFER_UTIMENS};
	if (!a[1]) {
		req.times[0][1] = req.times[1][1] = UTIME_NOW;
	} else {
		struct utimbuf ub;
		int r = sentry_mem_read(c, a[1], &ub, sizeof(ub));
		if (r < 0)
			return broker_fail(c, -r);
		req.times[0][0] = ub.actime;
		req.times[1][0] = ub.modtime;
	}
	if (!a[0])
		return broker_fail(c, EFAULT);
	return set_times(c, AT_FDCWD, a[0], 0, &req);
}
