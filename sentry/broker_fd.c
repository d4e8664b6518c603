/* File changes on an fd: fchmod, fchown, fsetxattr, fremovexattr, futimens (utimensat and
 * futimesat with a NULL path), and the AT_EMPTY_PATH forms of fchownat, fchmodat2, utimensat
 * and linkat.
 *
 * An fd the gofer handed out points at its read-write view, an fd on a private mount at a
 * writable tmpfs: the kernel runs the call (CONTINUE, the fast path). An fd the container
 * opened itself without write intent (that open never left the kernel) points at the
 * container's read-only mount, where the kernel would answer EROFS although Linux on a writable
 * root succeeds (tar -p, cp -p, rsync, touch -r): the sentry names the file inside the
 * container and sends the gofer the matching path request, on exactly that name
 * (AT_SYMLINK_NOFOLLOW: the file itself, not what a symlink there points to).
 *
 * Brokered: an fd on a read-only mount (fstatfs ST_RDONLY) whose file has a name in the
 * caller's root leading back to the same file on the same mount (sentry_fd_in_container
 * compares the mount id), outside the private mounts. The gofer's view is another mount,
 * writable, and never the mount the container reaches by name: its fds are never brokered.
 * A read-only file with no such name (deleted, outside the root, an O_TMPFILE) keeps the
 * kernel's EROFS. A CONTINUE is safe whatever was read here (a tid reused, an fd swapped by
 * another thread): the kernel then runs the call with the caller's own fd and rights, and
 * nothing the container holds is writable in the kernel but its private mounts (broker.c).
 * A request to the gofer is sent only after broker_call has checked the notification is live.
 *
 * linkat is the exception: the kernel cannot link a file of the gofer's view into the
 * container's read-only mount (an O_TMPFILE made through the gofer has no other way to get a
 * name), so the file itself goes to the gofer (GOFER_LINK_FD, our O_PATH reopen as SCM_RIGHTS),
 * which links it into its view; the kernel there refuses a file of another mount (EXDEV) and a
 * file without links that is not a linkable O_TMPFILE (ENOENT), as for the caller.
 *
 * The caller's fd is reopened through /proc/<tid>/fd/<n> with O_PATH rather than taken with
 * pidfd_getfd: the notification names a thread, and /proc/<tid> shows that thread's fd table
 * (pidfd_getfd reads the thread group leader's, which differs after unshare(CLONE_FILES)); an
 * O_PATH reopen holds the mount and dentry, all the decision needs, without a reference to the
 * caller's open file (no lease or lock kept, nothing held open past the call); and it is what
 * the rest of the broker and the sentry's allow-list already use. The open flags (fchmod and
 * friends answer EBADF for an O_PATH fd) come from /proc/<tid>/fdinfo/<n>. */
#include "sentry/broker.h"
#include "sentry/resolve.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The caller's fd, or its cwd for AT_FDCWD, reopened O_PATH. */
static int open_caller_fd(const struct sentry_call *c, int fd)
{
	char what[64];
	if (fd == AT_FDCWD)
		snprintf(what, sizeof(what), "/proc/%d/cwd", (int)c->req->pid);
	else
		snprintf(what, sizeof(what), "/proc/%d/fd/%d", (int)c->req->pid, fd);
	int file = open(what, O_PATH | O_CLOEXEC);
	return file < 0 ? -errno : file;
}

static bool on_read_only_mount(int file)
{
	struct statfs st;
	return fstatfs(file, &st) == 0 && (st.f_flags & ST_RDONLY);
}

/* Was the caller's fd opened O_PATH? Unreadable: no (the kernel answers anyway). */
static bool is_o_path(const struct sentry_call *c, int fd)
{
	char what[64], buf[512];
	snprintf(what, sizeof(what), "/proc/%d/fdinfo/%d", (int)c->req->pid, fd);
	_cleanup_close_ int info = open(what, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return false;
	ssize_t n;
	do
		n = read(info, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *flags = strstr(buf, "flags:");
	return flags && (strtoul(flags + strlen("flags:"), NULL, 8) & O_PATH);
}

/* The container path of the file the caller's `fd` (AT_FDCWD: its cwd) holds, outside the
 * private mounts: false when there is none. */
static bool named_in_container(struct sentry_call *c, int fd, char *buf, size_t size)
{
	int r = fd == AT_FDCWD ? sentry_path_in_container(c, AT_FDCWD, "", buf, size)
			       : sentry_fd_in_container(c, fd, buf, size);
	return r == 0 && !broker_is_private(c->s, buf);
}

/* Whether a call on the caller's `fd` goes to the gofer: true with the file's container path
 * in buf; false when the kernel runs it. `empty_path`: the call names the fd with an empty
 * path and AT_EMPTY_PATH, which takes O_PATH fds and AT_FDCWD (the cwd); the plain fd calls
 * answer EBADF for both, in the kernel. */
static bool brokered_name(struct sentry_call *c, int fd, bool empty_path, char *buf, size_t size)
{
	if (fd < 0 && !(fd == AT_FDCWD && empty_path))
		return false;
	_cleanup_close_ int file = open_caller_fd(c, fd);
	if (file < 0 || !on_read_only_mount(file))
		return false; /* not open (EBADF), or writable: a gofer fd, a private mount */
	if (!empty_path && is_o_path(c, fd))
		return false;
	return named_in_container(c, fd, buf, size);
}

int64_t broker_fd_op(struct sentry_call *c, int fd, bool empty_path, struct gofer_request *req,
		     const char *name, const void *value)
{
	char path[GOFER_PATH_MAX];
	if (!brokered_name(c, fd, empty_path, path, sizeof(path)))
		return broker_continue(c);
	req->at_flags |= AT_SYMLINK_NOFOLLOW;
	return broker_call(c, req, path, NULL, name, value);
}

int64_t broker_fd_times(struct sentry_call *c, int fd, bool empty_path, uint64_t flags,
			struct gofer_request *req)
{
	if (req->times[0][1] == UTIME_OMIT && req->times[1][1] == UTIME_OMIT)
		return broker_continue(c); /* nothing to change: 0 without a look at the fd */
	if (!empty_path && (flags || fd == AT_FDCWD))
		return broker_continue(c); /* EINVAL, EFAULT */
	return broker_fd_op(c, fd, empty_path, req, NULL, NULL);
}

/* A file on the container's read-only mount, by its name: the file itself (at_flags 0, a
 * symlink not followed). No name in the container (deleted): the kernel's answer. */
static int64_t link_by_name(struct sentry_call *c, int fd, int newdirfd, struct broker_path *newp,
			    struct gofer_request *req)
{
	char old[GOFER_PATH_MAX];
	if (!named_in_container(c, fd, old, sizeof(old)))
		return broker_continue(c);
	int r = broker_locate(c, newdirfd, newp);
	if (r < 0)
		return broker_fail(c, -r);
	if (newp->private_mount)
		return broker_fail(c, EXDEV);
	req->op = GOFER_LINK;
	req->at_flags = 0;
	return broker_call(c, req, old, newp->abs, NULL, NULL);
}

/* Whether `file` lies on one of the caller's private mounts (a file it opened there itself),
 * rather than on the gofer's view. A wrong guess costs only the errno of a failing link. */
static bool on_private_mount(const struct sentry_call *c, int file)
{
	char path[GOFER_PATH_MAX + 32];
	struct stat st, m;
	if (!c->s->private_mounts || fstat(file, &st) < 0)
		return false;
	for (const char *const *p = c->s->private_mounts; *p; p++) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)c->req->pid, *p);
		if (stat(path, &m) == 0 && m.st_dev == st.st_dev)
			return true;
	}
	return false;
}

/* A new name on a private mount: the kernel's answer (EXDEV for a view fd, a link for a
 * private fd on the same mount), but for AT_EMPTY_PATH on a view fd, opened by the gofer, which
 * the kernel refuses as another's file (ENOENT) where Linux says EXDEV. */
static int64_t link_to_private(struct sentry_call *c, int file, int fd, bool empty_path)
{
	if (empty_path && fd != AT_FDCWD && !on_private_mount(c, file))
		return broker_fail(c, EXDEV);
	return broker_continue(c);
}

/* Any other file (the gofer's O_TMPFILE or write-open fd; one on a private mount, whose link
 * the kernel answers EXDEV): the gofer links the file itself, our O_PATH reopen passed along.
 * Linux asks nothing of the caller for a magic link, and of AT_EMPTY_PATH that the fd (not the
 * cwd) be the caller's own or the caller hold CAP_DAC_READ_SEARCH: at_flags tells the gofer. */
static int64_t link_by_fd(struct sentry_call *c, int file, int fd, bool empty_path, int newdirfd,
			  struct broker_path *newp, struct gofer_request *req)
{
	int r = broker_locate(c, newdirfd, newp);
	if (r < 0)
		return broker_fail(c, -r);
	if (newp->private_mount)
		return link_to_private(c, file, fd, empty_path);
	*req = (struct gofer_request){.op = GOFER_LINK_FD};
	if (empty_path && fd != AT_FDCWD)
		req->at_flags = AT_EMPTY_PATH;
	return broker_call_fd(c, req, file, NULL, newp->abs, NULL, NULL);
}

int64_t broker_fd_link(struct sentry_call *c, int fd, bool empty_path, int newdirfd,
		       struct broker_path *newp, struct gofer_request *req)
{
	if (fd < 0 && fd != AT_FDCWD)
		return broker_continue(c); /* EBADF */
	_cleanup_close_ int file = open_caller_fd(c, fd);
	if (file < 0)
		return broker_continue(c); /* not open: EBADF */
	if (on_read_only_mount(file))
		return link_by_name(c, fd, newdirfd, newp, req);
	return link_by_fd(c, file, fd, empty_path, newdirfd, newp, req);
}

int64_t sentry_handle_fchmod(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	struct gofer_request req = {.op = GOFER_CHMOD, .mode = (uint32_t)(a[1] & 07777)};
	return broker_fd_op(c, (int)a[0], false, &req, NULL, NULL);
}

int64_t sentry_handle_fchown(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	struct gofer_request req = {
	    .op = GOFER_CHOWN, .uid = (uint32_t)a[1], .gid = (uint32_t)a[2]};
	return broker_fd_op(c, (int)a[0], false, &req, NULL, NULL);
}

/* The arguments are read only once the fd is known to be brokered: the fast path reads no
 * memory, and the kernel answers its own errors. */
int64_t sentry_handle_fsetxattr(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	uint64_t size = a[3], flags = (uint32_t)a[4];
	char path[GOFER_PATH_MAX], name[XATTR_NAME_MAX + 1];
	if ((flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE)) ||
	    !brokered_name(c, (int)a[0], false, path, sizeof(path)))
		return broker_continue(c);
	int r = broker_read_xattr_name(c, a[1], name);
	if (r < 0)
		return broker_fail(c, -r);
	if (size > XATTR_SIZE_MAX)
		return broker_fail(c, E2BIG);
	_cleanup_free_ void *value = malloc(size ? size : 1);
	if (!value)
		return broker_fail(c, ENOMEM);
	r = size ? sentry_mem_read(c, a[2], value, size) : 0;
	if (r < 0)
		return broker_fail(c, -r);
	struct gofer_request req = {
	    .op = GOFER_SETXATTR,
	    .flags = (uint32_t)flags,
	    .at_flags = AT_SYMLINK_NOFOLLOW,
	    .value_len = (uint32_t)size,
	};
	return broker_call(c, &req, path, NULL, name, value);
}

int64_t sentry_handle_fremovexattr(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	char path[GOFER_PATH_MAX], name[XATTR_NAME_MAX + 1];
	if (!brokered_name(c, (int)a[0], false, path, sizeof(path)))
		return broker_continue(c);
	int r = broker_read_xattr_name(c, a[1], name);
	if (r < 0)
		return broker_fail(c, -r);
	struct gofer_request req = {.op = GOFER_REMOVEXATTR, .at_flags = AT_SYMLINK_NOFOLLOW};
	return broker_call(c, &req, path, NULL, name, NULL);
}
