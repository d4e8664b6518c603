/* open, openat, creat, openat2 with write intent: the gofer opens the file in its read-write
 * view and the fd is installed in the caller. The policy notifies open/openat/creat only when
 * the flags hold O_WRONLY, O_RDWR, O_CREAT or O_TRUNC (a seccomp rule on the flags register);
 * openat2's flags are in memory, so every openat2 arrives here and the read-only ones run in
 * the kernel.
 *
 * An existing FIFO, socket or device node is no file change: the gofer answers -EOPNOTSUPP and
 * the kernel opens it (opening one writes nothing to the file system, and the container's
 * read-only mount bounds whatever the path names by then). */
#include "sentry/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>

#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
/* VALID_OPEN_FLAGS: open and openat ignore other bits, openat2 refuses them. */
#define OPEN_KNOWN                                                                                 \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |      \
	 O_SYNC | O_PATH | O_TMPFILE)

/* O_PATH ignores the access and creation flags: a read-only open can write nothing. */
static bool writes(uint64_t flags)
{
	return !(flags & O_PATH) && (flags & WRITE_FLAGS);
}

/* The gofer's answer, or CONTINUE for a special file (not for O_TMPFILE: the file system's
 * own EOPNOTSUPP). */
static int64_t special_in_kernel(struct sentry_call *c, uint64_t flags, int64_t r)
{
	if (r == -EOPNOTSUPP && (flags & __O_TMPFILE) != __O_TMPFILE)
		return broker_continue(c);
	return r;
}

static int64_t open_path(struct sentry_call *c, int dirfd, uint64_t addr, uint64_t flags,
			 uint64_t mode)
{
	if (!writes(flags))
		return broker_continue(c); /* the read-only mount bounds it */
	flags &= OPEN_KNOWN;
	struct gofer_request req = {
	    .op = GOFER_OPEN,
	    .flags = (uint32_t)flags,
	    .mode = (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE
			? (uint32_t)(mode & 07777)
			: 0,
	};
	return special_in_kernel(c, flags, broker_path_op(c, dirfd, addr, &req));
}

int64_t sentry_handle_open(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return open_path(c, AT_FDCWD, a[0], (uint32_t)a[1] | O_LARGEFILE, a[2]);
}

int64_t sentry_handle_openat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return open_path(c, (int)a[0], a[1], (uint32_t)a[2] | O_LARGEFILE, a[3]);
}

int64_t sentry_handle_creat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return open_path(c, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE, a[1]);
}

/* struct open_how as copy_struct_from_user takes it: at least VER0, bytes past what we know
 * zero, at most a page. */
static int read_how(struct sentry_call *c, uint64_t addr, uint64_t size, struct open_how *ret)
{
	unsigned char buf[4096];
	if (size < 24) /* OPEN_HOW_SIZE_VER0 */
		return -EINVAL;
	if (size > sizeof(buf))
		return -E2BIG;
	int r = sentry_mem_read(c, addr, buf, size);
	if (r < 0)
		return r;
	for (size_t i = sizeof(*ret); i < size; i++)
		if (buf[i])
			return -E2BIG;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, buf, size < sizeof(*ret) ? size : sizeof(*ret));
	return 0;
}

#define RESOLVE_KNOWN                                                                              \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |         \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)

/* What build_open_how() refuses (EINVAL); 1 for a read-only open. */
static int check_how(const struct open_how *how)
{
	uint64_t flags = how->flags;
	if ((flags & ~(uint64_t)OPEN_KNOWN) || (how->resolve & ~(uint64_t)RESOLVE_KNOWN))
		return -EINVAL;
	if (how->mode & ~(uint64_t)07777 ||
	    (how->mode && !(flags & O_CREAT) && (flags & __O_TMPFILE) != __O_TMPFILE))
		return -EINVAL;
	if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how->resolve & RESOLVE_CACHED) && (flags & (O_TRUNC | O_CREAT | __O_TMPFILE)))
		return -EAGAIN;
	return writes(flags) ? 0 : 1;
}

/* The request carries open flags only; the gofer always resolves with RESOLVE_NO_MAGICLINKS.
 * RESOLVE_BENEATH / RESOLVE_IN_ROOT (relative to a dirfd) and RESOLVE_NO_XDEV have no field in
 * the request: refused with EXDEV, as for an escape, rather than widened. RESOLVE_NO_SYMLINKS
 * becomes O_NOFOLLOW for a single name; a longer path is refused the same way. */
static int broker_flags(const struct open_how *how, const char *path, uint64_t *ret_flags)
{
	uint64_t flags = how->flags;
	if (how->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_NO_XDEV))
		return -EXDEV;
	if (how->resolve & RESOLVE_NO_SYMLINKS) {
		if (strchr(path, '/'))
			return -EXDEV;
		flags |= O_NOFOLLOW;
	}
	*ret_flags = flags;
	return 0;
}

int64_t sentry_handle_openat2(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	struct open_how how;
	struct broker_path p;
	int r = read_how(c, a[2], a[3], &how);
	if (r == 0)
		r = broker_read_path(c, a[1], &p);
	if (r == 0)
		r = check_how(&how);
	if (r == 1)
		return broker_continue(c); /* read-only: the read-only mount bounds it */
	if (r == 0)
		r = broker_locate(c, (int)a[0], &p);
	if (r == 0 && p.private_mount)
		return broker_continue(c);
	uint64_t flags = 0;
	if (r == 0)
		r = broker_flags(&how, p.arg, &flags);
	if (r < 0)
		return broker_fail(c, -r);
	struct gofer_request req = {
	    .op = GOFER_OPEN,
	    .flags = (uint32_t)(flags | O_LARGEFILE),
	    .mode = (uint32_t)how.mode,
	};
	return special_in_kernel(c, flags, broker_call(c, &req, p.abs, NULL, NULL, NULL));
}
