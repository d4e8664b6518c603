/* Two paths: rename, renameat, renameat2, link, linkat; and symlink, symlinkat, whose first
 * argument is the link's text (never resolved). Both paths on private mounts: the kernel runs
 * it. One on a private mount and one not: two different mounts, EXDEV as Linux says. */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>

/* A link whose existing side is the file an fd holds: "" with AT_EMPTY_PATH (dirfd1's), or
 * exactly the magic link /proc/self/fd/N followed (AT_SYMLINK_FOLLOW; without it, Linux links
 * the magic link itself, on /proc: EXDEV below). */
static bool links_fd(const struct gofer_request *req, const struct broker_path *p1)
{
	return req->op == GOFER_LINK && (req->at_flags & AT_SYMLINK_FOLLOW) && p1->magic_fd >= 0;
}

/* `empty_path`: linkat's AT_EMPTY_PATH, where "" names the file dirfd1 holds. */
static int64_t two_paths(struct sentry_call *c, int dirfd1, uint64_t addr1, int dirfd2,
			 uint64_t addr2, bool empty_path, struct gofer_request *req)
{
	struct broker_path p1, p2;
	int r = broker_read_path(c, addr1, &p1);
	if (r == 0)
		r = broker_read_path(c, addr2, &p2);
	if (r == 0 && empty_path && p1.arg[0] == '\0')
		return broker_fd_link(c, dirfd1, true, dirfd2, &p2, req);
	if (r == 0)
		r = broker_locate(c, dirfd1, &p1);
	if (r == 0 && links_fd(req, &p1))
		return broker_fd_link(c, p1.magic_fd, false, dirfd2, &p2, req);
	if (r == 0)
		r = broker_locate(c, dirfd2, &p2);
	if (r < 0)
		return broker_fail(c, -r);
	if (p1.private_mount && p2.private_mount)
		return broker_continue(c);
	if (p1.private_mount != p2.private_mount)
		return broker_fail(c, EXDEV);
	return broker_call(c, req, p1.abs, p2.abs, NULL, NULL);
}

static int64_t do_rename(struct sentry_call *c, int od, uint64_t old, int nd, uint64_t new,
			 uint64_t flags)
{
	if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return broker_fail(c, EINVAL);
	struct gofer_request req = {.op = GOFER_RENAME, .flags = (uint32_t)flags};
	return two_paths(c, od, old, nd, new, false, &req);
}

int64_t sentry_handle_rename(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_rename(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sentry_handle_renameat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_rename(c, (int)a[0], a[1], (int)a[2], a[3], 0);
}

int64_t sentry_handle_renameat2(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_rename(c, (int)a[0], a[1], (int)a[2], a[3], (uint32_t)a[4]);
}

/* AT_EMPTY_PATH with "", or /proc/self/fd/N followed, links the file an fd holds: broker_fd.c. */
static int64_t do_link(struct sentry_call *c, int od, uint64_t old, int nd, uint64_t new,
		       uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return broker_fail(c, EINVAL);
	struct gofer_request req = {.op = GOFER_LINK,
				    .at_flags = (uint32_t)(flags & AT_SYMLINK_FOLLOW)};
	return two_paths(c, od, old, nd, new, flags & AT_EMPTY_PATH, &req);
}

int64_t sentry_handle_link(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_link(c, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sentry_handle_linkat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_link(c, (int)a[0], a[1], (int)a[2], a[3], (uint32_t)a[4]);
}

static int64_t do_symlink(struct sentry_call *c, uint64_t target, int dirfd, uint64_t linkpath)
{
	struct broker_path text, p;
	int r = broker_read_path(c, target, &text);
	if (r == 0)
		r = broker_read_path(c, linkpath, &p);
	if (r == 0 && text.arg[0] == '\0')
		r = -ENOENT;
	if (r == 0)
		r = broker_locate(c, dirfd, &p);
	if (r < 0)
		return broker_fail(c, -r);
	if (p.private_mount)
		return broker_continue(c);
	struct gofer_request req = {.op = GOFER_SYMLINK};
	return broker_call(c, &req, text.arg, p.abs, NULL, NULL);
}

int64_t sentry_handle_symlink(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_symlink(c, a[0], AT_FDCWD, a[1]);
}

int64_t sentry_handle_symlinkat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return do_symlink(c, a[0], (int)a[1], a[2]);
}
