/* setxattr, lsetxattr, removexattr, lremovexattr on paths: done by the gofer (fsetxattr and
 * fremovexattr: broker_fd.c). Name and value
 * are read once, bounded as the kernel bounds them (XATTR_NAME_MAX, XATTR_SIZE_MAX). */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <sys/xattr.h>

#include "lib/cleanup.h"

int broker_read_xattr_name(struct sentry_call *c, uint64_t addr, char *name)
{
	int r = sentry_mem_read_string(c, addr, name, XATTR_NAME_MAX + 1);
	if (r == -ENAMETOOLONG)
		return -ERANGE;
	if (r == 0 && name[0] == '\0')
		return -ERANGE;
	return r;
}

static int64_t set_xattr(struct sentry_call *c, uint64_t flags_at, const __u64 *a)
{
	uint64_t size = a[3], flags = (uint32_t)a[4];
	if (flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE))
		return broker_fail(c, EINVAL);
	if (size > XATTR_SIZE_MAX)
		return broker_fail(c, E2BIG);
	char name[XATTR_NAME_MAX + 1];
	_cleanup_free_ void *value = malloc(size ? size : 1);
	if (!value)
		return broker_fail(c, ENOMEM);
	struct broker_path p;
	int r = broker_read_path(c, a[0], &p);
	if (r == 0)
		r = broker_read_xattr_name(c, a[1], name);
	if (r == 0 && size)
		r = sentry_mem_read(c, a[2], value, size);
	if (r == 0)
		r = broker_locate(c, AT_FDCWD, &p);
	if (r < 0)
		return broker_fail(c, -r);
	struct gofer_request req = {
	    .op = GOFER_SETXATTR,
	    .flags = (uint32_t)flags,
	    .at_flags = (uint32_t)flags_at,
	    .value_len = (uint32_t)size,
	};
	broker_fd_object(c, &p, &req);
	if (p.private_mount)
		return broker_continue(c);
	return broker_call(c, &req, p.abs, NULL, name, value);
}

int64_t sentry_handle_setxattr(struct sentry_call *c)
{
	return set_xattr(c, 0, c->req->data.args);
}

int64_t sentry_handle_lsetxattr(struct sentry_call *c)
{
	return set_xattr(c, AT_SYMLINK_NOFOLLOW, c->req->data.args);
}

static int64_t remove_xattr(struct sentry_call *c, uint64_t flags_at)
{
	const __u64 *a = c->req->data.args;
	char name[XATTR_NAME_MAX + 1];
	struct broker_path p;
	int r = broker_read_path(c, a[0], &p);
	if (r == 0)
		r = broker_read_xattr_name(c, a[1], name);
	if (r == 0)
		r = broker_locate(c, AT_FDCWD, &p);
	if (r < 0)
		return broker_fail(c, -r);
	struct gofer_request req = {.op = GOFER_REMOVEXATTR, .at_flags = (uint32_t)flags_at};
	broker_fd_object(c, &p, &req);
	if (p.private_mount)
		return broker_continue(c);
	return broker_call(c, &req, p.abs, NULL, name, NULL);
}

int64_t sentry_handle_removexattr(struct sentry_call *c)
{
	return remove_xattr(c, 0);
}

int64_t sentry_handle_lremovexattr(struct sentry_call *c)
{
	return remove_xattr(c, AT_SYMLINK_NOFOLLOW);
}
