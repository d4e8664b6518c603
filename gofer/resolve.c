/* Path resolution inside the view. Every lookup starts at cfg->root_fd with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): "..", absolute symlinks and symlinks swapped
 * in during the call all stay beneath the view root. Only directories are resolved that way;
 * the last component is then handled by name in its directory, so it is never followed by the
 * kernel outside our control: gofer_locate() follows a final symlink itself, inside the view.
 *
 * Canonical container paths (what the files policy and the change log match on) name the
 * directory the kernel actually reached, after every symlink:
 *  - with /proc (opened once at start): readlink of /proc/self/fd/N minus the view root's own
 *    path; O(1) syscalls whatever the directory sizes. readlink reads a string, it traverses
 *    no magic link.
 *  - without (the gofer runs in an empty root): walk "..", from the directory up to the view
 *    root (st_dev/st_ino), finding each name in its parent by inode (and by stat for mount
 *    points, whose parent lists the covered inode). Reading a parent needs read permission the
 *    caller may lack (a 0711 home), and naming a directory is not an access: the walk runs with
 *    our own credentials. Directories are only ever opened O_PATH or O_RDONLY|O_DIRECTORY. */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <dirent.h>
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

/* Does the link text end as the kernel marks a removed directory ("/a/b (deleted)")? */
static bool maybe_deleted(const char *link)
{
	static const char mark[] = " (deleted)";
	size_t n = strlen(link);
	return n >= sizeof(mark) - 1 && strcmp(link + n - (sizeof(mark) - 1), mark) == 0;
}

static int canon_proc(struct gofer_server *s, int fd, char *buf, size_t len)
{
	char tmp[2 * GOFER_PATH_MAX];
	int r = read_fd_link(s->proc_fd, fd, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	/* Only such a text can be a removed directory's (or one really named so: fstat tells). */
	if (maybe_deleted(tmp)) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (st.st_nlink == 0)
			return -ENOENT; /* removed meanwhile */
	}
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

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The name of `child` in `parent`: by inode number, else (a mount point) by stat. */
static int find_name(int parent, const struct stat *child, char *name, size_t len)
{
	int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	for (int pass = 0; pass < 2; pass++) {
		struct dirent *e;
		rewinddir(d);
		while ((e = readdir(d))) {
			struct stat st;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (pass == 0 ? e->d_ino != child->st_ino
				      : e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(parent, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    same_inode(&st, child))
				return str_copy(name, len, e->d_name);
		}
	}
	return -ENOENT; /* moved or removed meanwhile */
}

/* Prepend "/name" to the path being built backwards in buf[*pos..]. */
static int prepend(char *buf, size_t *pos, const char *name)
{
	size_t n = strlen(name);
	if (n + 1 > *pos)
		return -ENAMETOOLONG;
	*pos -= n;
	memcpy(buf + *pos, name, n);
	buf[--*pos] = '/';
	return 0;
}

static int canon_walk(struct gofer_server *s, int dirfd, char *buf, size_t len)
{
	char out[GOFER_PATH_MAX], name[NAME_MAX + 1];
	size_t pos = sizeof(out) - 1;
	struct stat st;
	out[pos] = '\0';
	_cleanup_close_ int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0 || fstat(cur, &st) < 0)
		return -errno;
	for (int depth = 0; depth < GOFER_PATH_MAX / 2; depth++) {
		struct stat pst;
		if (st.st_dev == s->root_dev && st.st_ino == s->root_ino)
			return str_copy(buf, len, out[pos] ? out + pos : "/");
		int parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0)
			return -errno;
		close(cur);
		cur = parent;
		if (fstat(cur, &pst) < 0)
			return -errno;
		if (same_inode(&pst, &st))
			return -EACCES; /* a root that is not the view's: not beneath it */
		int r = find_name(cur, &st, name, sizeof(name));
		if (r == 0)
			r = prepend(out, &pos, name);
		if (r < 0)
			return r;
		st = pst;
	}
	return -ENAMETOOLONG;
}

int gofer_canon_dir(struct gofer_server *s, int dirfd, char *buf, size_t len)
{
	if (s->proc_fd >= 0)
		return canon_proc(s, dirfd, buf, len);
	bool as_caller = s->caller != NULL;
	int r = as_caller ? gofer_creds_self(s) : 0;
	if (r == 0)
		r = canon_walk(s, dirfd, buf, len);
	int q = as_caller ? gofer_creds_caller(s) : 0;
	return q < 0 ? q : r;
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
	s->proc_fd = cfg->proc_fd > 2 ? fcntl(cfg->proc_fd, F_DUPFD_CLOEXEC, 3)
				      : open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd >= 0) {
		int r = read_fd_link(s->proc_fd, cfg->root_fd, s->root_path, sizeof(s->root_path));
		if (r < 0)
			return r;
		s->root_len = strcmp(s->root_path, "/") == 0 ? 0 : strlen(s->root_path);
	}
	struct stat st;
	if (fstat(cfg->root_fd, &st) < 0)
		return -errno;
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	s->ngroups = getgroups(GOFER_GROUPS_MAX, s->groups);
	if (s->ngroups < 0)
		return -errno;
	int r = caps_get(s);
	if (r == 0 && cfg->policy &&
	    (r = gofer_policy_canon(s, cfg->policy, &s->policy_canon)) == 0)
		s->policy = &s->policy_canon;
	return r;
}

void gofer_server_done(struct gofer_server *s)
{
	gofer_policy_canon_free(&s->policy_canon);
	s->policy = NULL;
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

static int open_parent(struct gofer_server *s, const char *path, uint64_t resolve,
		       struct gofer_where *w)
{
	char parent[GOFER_PATH_MAX];
	int r = split(path, parent, sizeof(parent), w);
	if (r < 0)
		return r;
	snprintf(w->base, sizeof(w->base), "%s%s", w->name, w->trailing_slash ? "/" : "");
	r = openat2_retry(s->cfg->root_fd, parent, O_PATH | O_DIRECTORY, 0,
			  RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve);
	/* Missing from the view, but perhaps not from the container's: see private_walk.c. */
	if ((r == -ENOENT || r == -ENOTDIR) && gofer_leads_to_private(s, parent))
		return GOFER_RESULT_KERNEL;
	if (r < 0)
		return r;
	w->dir = r;
	r = gofer_canon_dir(s, w->dir, w->dcanon, sizeof(w->dcanon));
	if (r < 0)
		return r;
	/* "." and ".." as the last component: every op on directory entries fails on them in
	 * the kernel; the policy sees the directory they were named from. */
	if (is_dot(w->name))
		return str_copy(w->canon, sizeof(w->canon), w->dcanon);
	return path_join(w->canon, sizeof(w->canon), strcmp(w->dcanon, "/") ? w->dcanon : "",
			 w->name);
}

int gofer_open_parent(struct gofer_server *s, const char *path, struct gofer_where *w)
{
	return open_parent(s, path, 0, w);
}

/* Where a symlink `w->name` in `w->dir` points, as a path to resolve from the view root. */
static int link_target(const struct gofer_where *w, char *path, size_t len)
{
	char text[GOFER_PATH_MAX];
	ssize_t n = readlinkat(w->dir, w->name, text, sizeof(text));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	text[n] = '\0';
	if (n == 0)
		return -ENOENT;
	if (w->trailing_slash && n + 1 < (ssize_t)sizeof(text))
		strcat(text, "/");
	if (text[0] == '/')
		return str_copy(path, len, text);
	return path_join(path, len, strcmp(w->dcanon, "/") ? w->dcanon : "", text);
}

/* One step of gofer_locate: 1 to go on with `path` rewritten, 0 when found. */
static int locate_step(struct gofer_server *s, char *path, size_t len, bool follow,
		       struct gofer_where *w)
{
	struct stat st;
	gofer_where_done(w);
	int r = open_parent(s, path, 0, w);
	if (r < 0)
		return r;
	if (is_dot(w->name)) { /* name the directory by its canonical path instead */
		if (strcmp(w->dcanon, "/") == 0) { /* "/." and "/..": the root itself */
			strcpy(w->name, ".");
			w->trailing_slash = false;
			return 0;
		}
		r = str_copy(path, len, w->dcanon);
		if (r == 0 && w->name[1] == '.') /* lexical ".." of a canonical path is exact */
			*strrchr(path, '/') = '\0';
		if (r == 0 && path[0] == '\0')
			strcpy(path, "/");
		return r < 0 ? r : 1;
	}
	if (!(follow || w->trailing_slash) ||
	    fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	r = link_target(w, path, len);
	return r < 0 ? r : 1;
}

int gofer_locate(struct gofer_server *s, const char *path, bool follow, struct gofer_where *w)
{
	char cur[GOFER_PATH_MAX + 1];
	int r = str_copy(cur, sizeof(cur), path);
	/* MAXSYMLINKS (40) links, and the "." / ".." renamings between them. */
	for (int i = 0; r == 0 && i < 80; i++) {
		r = locate_step(s, cur, sizeof(cur), follow, w);
		if (r <= 0)
			return r;
		r = 0;
	}
	return r < 0 ? r : -ELOOP;
}

int gofer_open_at(const struct gofer_where *w, int flags, unsigned mode)
{
	return openat2_retry(w->dir, w->trailing_slash ? w->base : w->name,
			     (uint64_t)(unsigned)flags, mode,
			     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
}
