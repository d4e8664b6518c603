/* Extended attributes: setxattrat(2) and removexattrat(2) (Linux 6.13) on the located object,
 * by name in its directory with AT_SYMLINK_NOFOLLOW (they refuse an O_PATH fd with
 * AT_EMPTY_PATH: EBADF). Nothing is followed by the kernel and nothing resolves outside the
 * view. The C library has no wrappers and Debian's kernel headers no numbers yet;
 * the numbers are the same on every architecture (the unified table). On an older kernel
 * (ENOSYS), a regular file or directory is opened read-only by its canonical path and
 * f*xattr() is used; other objects answer EPERM, as the kernel does for user.* on them. */
#include "gofer/internal.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif

struct gofer_xattr_args { /* struct xattr_args, include/uapi/linux/xattr.h */
	__aligned_u64 value;
	__u32 size;
	__u32 flags;
};

static int open_fallback(const struct gofer_where *w)
{
	struct stat st;
	if (fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EPERM;
	return gofer_open_at(w, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
}

static int set_at(const struct gofer_where *w, const struct gofer_msg *m)
{
	struct gofer_xattr_args args = {
	    .value = (__u64)(uintptr_t)m->value, .size = m->req.value_len, .flags = m->req.flags};
	if (syscall(SYS_setxattrat, w->dir, w->name, AT_SYMLINK_NOFOLLOW, m->name, &args,
		    sizeof(args)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	_cleanup_close_ int fd = open_fallback(w);
	if (fd < 0)
		return fd;
	return fsetxattr(fd, m->name, m->value, m->req.value_len, (int)m->req.flags) < 0 ? -errno
											 : 0;
}

static int remove_at(const struct gofer_where *w, const char *name)
{
	if (syscall(SYS_removexattrat, w->dir, w->name, AT_SYMLINK_NOFOLLOW, name) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	_cleanup_close_ int fd = open_fallback(w);
	if (fd < 0)
		return fd;
	return fremovexattr(fd, name) < 0 ? -errno : 0;
}

int gofer_op_setxattr(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	if (m->name[0] == '\0')
		return -ERANGE; /* as setxattr(2) for an empty name */
	int r = gofer_prepare_object(s, m, "setxattr", &w);
	if (r == 0)
		r = set_at(&w, m);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "setxattr");
		ch.path = w.canon;
		ch.name = m->name;
		ch.flags = m->req.flags;
		ch.length = m->req.value_len;
		gofer_changelog(s, m, &ch);
	}
	gofer_where_done(&w);
	return r;
}

int gofer_op_removexattr(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	if (m->name[0] == '\0')
		return -ERANGE;
	int r = gofer_prepare_object(s, m, "removexattr", &w);
	if (r == 0)
		r = remove_at(&w, m->name);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "removexattr");
		ch.path = w.canon;
		ch.name = m->name;
		gofer_changelog(s, m, &ch);
	}
	gofer_where_done(&w);
	return r;
}
