/* unlink, unlinkat, rmdir: removed by the gofer. */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>

static int64_t remove_path(struct sentry_call *c, int dirfd, uint64_t path, uint64_t flags)
{
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return broker_fail(c, EINVAL);
	struct gofer_request req = {.op = GOFER_UNLINK, .at_flags = (uint32_t)flags};
	return broker_path_op(c, dirfd, path, &req);
}

int64_t sentry_handle_unlink(struct sentry_call *c)
{
	return remove_path(c, AT_FDCWD, c->req->data.args[0], 0);
}

int64_t sentry_handle_unlinkat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return remove_path(c, (int)a[0], a[1], a[2]);
}

int64_t sentry_handle_rmdir(struct sentry_call *c)
{
	return remove_path(c, AT_FDCWD, c->req->data.args[0], AT_REMOVEDIR);
}
