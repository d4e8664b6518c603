/* Path resolution inside the view. Every lookup starts at cfg->root_fd with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): "..", absolute symlinks and symlinks swapped
 * in during the call all stay beneath the view root.
 *
 * Canonical container paths (what the files policy and the change log match on) come from the
 * kernel: readlink of /proc/self/fd/N for the resolved fd, minus the view root's own path. This
 * is the location the kernel actually reached, after every symlink, in O(1) syscalls whatever
 * the directory sizes, and without needing read permission on every ancestor (which walking ".."
 * and searching each parent for the child's inode would). /proc/self/fd is opened once, when the
 * server starts; readlink on it reads a string and never traverses a magic link. */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RESOLVE_RETRIES 64 /* openat2 answers EAGAIN when a rename races a ".." lookup */

static int openat2_retry(int dirfd, const char *path, uint64_t flags, uint64_t mode,
			 uint64_t resolve)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .mode = mode, .resolve = resolve};
	for (int i = 0; i < RESOLVE_RETRIES; i++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	return -EAGAIN;
}

void gofer_where_init(struct gofer_where *w)
{
	memset(w, 0, sizeof(*w));
	w->dir = -1;
}

void gofer_where_done(struct gofer_where *w)
{
	if (w->dir >= 0)
		close(w->dir);
	w->dir = -1;
}

static int read_fd_link(int proc_fd, int fd, char *buf, size_t len)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", fd);
	ssize_t n = readlinkat(proc_fd, name, buf, len);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

int gofer_canon_fd(const struct gofer_server *s, int fd, char *buf, size_t len)
{
	char tmp[2 * GOFER_PATH_MAX];
	struct stat st;
	if (s->proc_fd < 0)
		return -EACCES; /* no way to know where it is: fail closed */
	int r = read_fd_link(s->proc_fd, fd, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_nlink == 0)
		return -ENOENT; /* removed meanwhile: "... (deleted)" */
	if (tmp[0] != '/')
		return -EACCES;
	const char *rest = tmp;
	if (s->root_len) {
		if (strncmp(tmp, s->root_path, s->root_len) != 0 ||
		    (tmp[s->root_len] != '/' && tmp[s->root_len] != '\0'))
			return -EACCES; /* not beneath the view root */
		rest = tmp + s->root_len;
	}
	return str_copy(buf, len, *rest ? rest : "/");
}

static int caps_get(struct gofer_server *s)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		s->cap_eff[i] = d[i].effective;
		s->cap_prm[i] = d[i].permitted;
		s->cap_inh[i] = d[i].inheritable;
	}
	return 0;
}

int gofer_server_init(struct gofer_server *s, const struct gofer_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd >= 0) {
		int r = read_fd_link(s->proc_fd, cfg->root_fd, s->root_path, sizeof(s->root_path));
		if (r < 0)
			return r;
		s->root_len = strcmp(s->root_path, "/") == 0 ? 0 : strlen(s->root_path);
	}
	s->ngroups = getgroups(GOFER_GROUPS_MAX, s->groups);
	if (s->ngroups < 0)
		return -errno;
	return caps_get(s);
}

void gofer_server_done(struct gofer_server *s)
{
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	s->proc_fd = -1;
}

/* Split off the last component: the parent part goes to `parent`, the name to w->name. */
static int split(const char *path, char *parent, size_t plen, struct gofer_where *w)
{
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		end--;
	w->trailing_slash = end < strlen(path);
	if (end == 1) { /* "/", "//", ...: the root itself */
		w->trailing_slash = false;
		strcpy(w->name, ".");
		return str_copy(parent, plen, "/");
	}
	size_t last = end;
	while (last > 0 && path[last - 1] != '/')
		last--;
	if (end - last > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(w->name, path + last, end - last);
	w->name[end - last] = '\0';
	if (last >= plen)
		return -ENAMETOOLONG;
	memcpy(parent, path, last);
	parent[last] = '\0';
	return 0;
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static int open_parent(const struct gofer_server *s, const char *path, uint64_t resolve,
		       struct gofer_where *w)
{
	char parent[GOFER_PATH_MAX], dcanon[GOFER_PATH_MAX];
	int r = split(path, parent, sizeof(parent), w);
	if (r < 0)
		return r;
	snprintf(w->base, sizeof(w->base), "%s%s", w->name, w->trailing_slash ? "/" : "");
	r = openat2_retry(s->cfg->root_fd, parent, O_PATH | O_DIRECTORY, 0,
			  RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve);
	if (r < 0)
		return r;
	w->dir = r;
	r = gofer_canon_fd(s, w->dir, dcanon, sizeof(dcanon));
	if (r < 0)
		return r;
	/* "." and ".." as the last component: every op on them fails in the kernel; the policy
	 * sees the directory they were named from. */
	if (is_dot(w->name))
		return str_copy(w->canon, sizeof(w->canon), dcanon);
	return path_join(w->canon, sizeof(w->canon), strcmp(dcanon, "/") ? dcanon : "", w->name);
}

int gofer_open_parent(const struct gofer_server *s, const char *path, struct gofer_where *w)
{
	return open_parent(s, path, 0, w);
}

int gofer_open_parent_canon(const struct gofer_server *s, const char *canon, struct gofer_where *w)
{
	return open_parent(s, canon, RESOLVE_NO_SYMLINKS, w);
}

int gofer_open_object(const struct gofer_server *s, const char *path, bool follow,
		      struct gofer_where *w)
{
	int r = openat2_retry(s->cfg->root_fd, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0,
			      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (r < 0)
		return r;
	w->dir = r;
	return gofer_canon_fd(s, w->dir, w->canon, sizeof(w->canon));
}

/* Open a canonical path: no symlink may appear on the way (ELOOP if one was swapped in since
 * the path was computed), so the object opened is the one the policy checked. */
int gofer_open_canon(const struct gofer_server *s, const char *canon, int flags, unsigned mode)
{
	return openat2_retry(s->cfg->root_fd, canon, (uint64_t)(unsigned)flags, mode,
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
}
