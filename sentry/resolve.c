/* Caller paths, resolved without leaving the caller's root.
 *
 * Absolute paths resolve from /proc/<tid>/root with RESOLVE_IN_ROOT. A relative path starts at
 * the caller's cwd or dirfd; to give ".." and absolute symlinks their meaning (both relative to
 * the caller's root), the start directory is named by its path inside the root, checked to be
 * the same directory, and the joined path is resolved from the root. Where no such name works
 * (a deleted directory, one outside the root), the path resolves with RESOLVE_BENEATH from the
 * start directory: stricter than the kernel, never wider. */
#include "sentry/resolve.h"
#include "sentry/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_beneath(int dirfd, const char *path, unsigned resolve)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

static int open_proc_dir(pid_t tid, const char *what)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

static int fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return buf[0] == '/' ? 0 : -ENOENT;
}

static bool same_dir(int a, int b)
{
	struct statx sa, sb;
	unsigned mask = STATX_INO | STATX_MNT_ID;
	if (statx(a, "", AT_EMPTY_PATH, mask, &sa) < 0 ||
	    statx(b, "", AT_EMPTY_PATH, mask, &sb) < 0)
		return false;
	return sa.stx_ino == sb.stx_ino && sa.stx_dev_major == sb.stx_dev_major &&
	       sa.stx_dev_minor == sb.stx_dev_minor && (sa.stx_mask & STATX_MNT_ID) &&
	       (sb.stx_mask & STATX_MNT_ID) && sa.stx_mnt_id == sb.stx_mnt_id;
}

/* The name /proc gives `fd`, made relative to `root` (not yet checked to lead back). */
static int name_in_root(int root, int fd, char *buf, size_t size)
{
	char rootpath[PATH_MAX];
	int r = fd_path(root, rootpath, sizeof(rootpath));
	if (r == 0)
		r = fd_path(fd, buf, size);
	if (r < 0)
		return r;
	size_t n = strlen(rootpath);
	if (strcmp(rootpath, "/") != 0) {
		if (strncmp(buf, rootpath, n) != 0 || (buf[n] != '/' && buf[n] != '\0'))
			return -ENOENT;
		memmove(buf, buf + n, strlen(buf + n) + 1);
		if (buf[0] == '\0')
			strcpy(buf, "/");
	}
	return 0;
}

/* The name of `dir` inside `root` (as /proc names them), if it leads back to `dir`. */
static int dir_in_root(int root, int dir, char *buf, size_t size)
{
	int r = name_in_root(root, dir, buf, size);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open_beneath(root, buf, RESOLVE_IN_ROOT);
	if (fd < 0)
		return fd;
	return same_dir(fd, dir) ? 0 : -ENOENT;
}

/* broker: the name of any file `fd` inside `root`, if it leads back to the same file. */
static int file_in_root(int root, int fd, char *buf, size_t size)
{
	int r = name_in_root(root, fd, buf, size);
	if (r < 0)
		return r;
	struct open_how how = {
	    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int back = (int)syscall(SYS_openat2, root, buf, &how, sizeof(how));
	if (back < 0)
		return -ENOENT;
	return same_dir(back, fd) ? 0 : -ENOENT;
}

static int open_start_dir(const struct sentry_call *c, int dirfd)
{
	pid_t tid = (pid_t)c->req->pid;
	if (dirfd == AT_FDCWD)
		return open_proc_dir(tid, "cwd");
	if (dirfd < 0)
		return -EBADF;
	char what[32];
	snprintf(what, sizeof(what), "fd/%d", dirfd);
	int fd = open_proc_dir(tid, what);
	return fd == -ESRCH ? -EBADF : fd;
}

static int set_start(const struct sentry_call *c, int dirfd, const char *path,
		     struct sentry_path *p)
{
	p->start = p->root;
	p->resolve = RESOLVE_IN_ROOT;
	if (path[0] == '/') {
		snprintf(p->full, sizeof(p->full), "%s", path);
		return 0;
	}
	p->dir = open_start_dir(c, dirfd);
	if (p->dir < 0)
		return p->dir;
	char dir[PATH_MAX];
	if (dir_in_root(p->root, p->dir, dir, sizeof(dir)) == 0 &&
	    snprintf(p->full, sizeof(p->full), "%s/%s", dir, path) < (int)sizeof(p->full))
		return 0;
	p->start = p->dir;
	p->resolve = RESOLVE_BENEATH;
	snprintf(p->full, sizeof(p->full), "%s", path);
	return 0;
}

static void split(struct sentry_path *p)
{
	size_t n = strlen(p->full);
	while (n > 1 && p->full[n - 1] == '/') {
		p->full[--n] = '\0';
		p->trailing_slash = true;
	}
	char *slash = strrchr(p->full, '/');
	if (!slash) {
		p->parent = ".";
		p->base = p->full;
	} else if (slash == p->full && n == 1) {
		p->parent = "/"; /* the root itself */
		p->base = ".";
	} else {
		*slash = '\0';
		p->parent = slash == p->full ? "/" : p->full;
		p->base = slash + 1;
	}
}

int sentry_path_prepare(const struct sentry_call *c, int dirfd, const char *path,
			struct sentry_path *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->root = ret->dir = ret->start = -1;
	if (path[0] == '\0')
		return -ENOENT;
	ret->root = open_proc_dir((pid_t)c->req->pid, "root");
	if (ret->root < 0)
		return ret->root;
	int r = set_start(c, dirfd, path, ret);
	if (r < 0)
		return r;
	split(ret);
	return 0;
}

int sentry_path_open_parent(const struct sentry_path *p)
{
	int fd = open_beneath(p->start, p->parent, p->resolve);
	if (fd < 0)
		return fd == -EXDEV ? -EACCES : fd; /* the stricter fallback refused */
	if (!strcmp(p->base, ".") || !strcmp(p->base, "..")) {
		close(fd);
		return -EEXIST;
	}
	if (p->trailing_slash) {
		struct stat st;
		int exists = fstatat(fd, p->base, &st, AT_SYMLINK_NOFOLLOW) == 0;
		close(fd);
		return exists ? -EEXIST : -ENOENT;
	}
	return fd;
}

void sentry_path_done(struct sentry_path *p)
{
	if (p->root >= 0)
		close(p->root);
	if (p->dir >= 0)
		close(p->dir);
	p->root = p->dir = p->start = -1;
}

/* broker: container paths (see resolve.h). */
int sentry_path_in_container(const struct sentry_call *c, int dirfd, const char *path, char *buf,
			     size_t size)
{
	if (path[0] == '/')
		return str_copy(buf, size, path);
	_cleanup_close_ int root = open_proc_dir((pid_t)c->req->pid, "root");
	if (root < 0)
		return root;
	_cleanup_close_ int dir = open_start_dir(c, dirfd);
	if (dir < 0)
		return dir;
	char name[PATH_MAX];
	int r = dir_in_root(root, dir, name, sizeof(name));
	if (r < 0)
		return r == -ENAMETOOLONG ? r : -ENOENT; /* deleted, or not inside the root */
	if (path[0] == '\0')
		return str_copy(buf, size, name);
	return path_join(buf, size, strcmp(name, "/") ? name : "", path);
}

int sentry_fd_in_container(const struct sentry_call *c, int fd, char *buf, size_t size)
{
	if (fd < 0)
		return -EBADF;
	_cleanup_close_ int root = open_proc_dir((pid_t)c->req->pid, "root");
	if (root < 0)
		return root;
	char what[32];
	snprintf(what, sizeof(what), "/proc/%d/fd/%d", (int)c->req->pid, fd);
	_cleanup_close_ int file = open(what, O_PATH | O_CLOEXEC);
	if (file < 0)
		return errno == ENOENT ? -EBADF : -errno;
	return file_in_root(root, file, buf, size);
}
