/* GOFER_OPEN: opens with write intent, O_CREAT and O_TMPFILE.
 *
 * 1. Find the canonical location the open would reach: the object itself when it exists
 *    (following a final symlink unless O_NOFOLLOW or O_CREAT|O_EXCL), else the parent plus the
 *    new name (following a dangling final symlink as the kernel does for O_CREAT).
 * 2. Check the policy on that location.
 * 3. Open exactly that location with RESOLVE_NO_SYMLINKS, as the caller.
 *
 * An existing FIFO, socket or device node is not a file change: -EOPNOTSUPP, and the sentry
 * lets the kernel open it (the container's read-only mount bounds what that can do). */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYMLINK_MAX_FOLLOW 40 /* MAXSYMLINKS */

struct target {
	char canon[GOFER_PATH_MAX];
	bool exists;
	bool trailing_slash;
	mode_t type;
};

static bool follows_last(uint32_t flags)
{
	return !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

/* The new path a dangling symlink `w->name` in `w->dir` points to. */
static int follow_dangling(const struct gofer_where *w, char *path, size_t len)
{
	char text[GOFER_PATH_MAX], dir[GOFER_PATH_MAX];
	ssize_t n = readlinkat(w->dir, w->name, text, sizeof(text));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	text[n] = '\0';
	if (text[0] == '/')
		return str_copy(path, len, text);
	int r = str_copy(dir, sizeof(dir), w->canon);
	if (r < 0)
		return r;
	*strrchr(dir, '/') = '\0'; /* canon is "<parent>/<name>" */
	return path_join(path, len, dir, text);
}

/* The object does not exist: where O_CREAT would create it. */
static int find_new(const struct gofer_server *s, const char *path, struct target *t)
{
	char cur[GOFER_PATH_MAX];
	int r = str_copy(cur, sizeof(cur), path);
	for (int i = 0; r == 0 && i <= SYMLINK_MAX_FOLLOW; i++) {
		struct gofer_where w;
		struct stat st;
		gofer_where_init(&w);
		r = gofer_open_parent(s, cur, &w);
		if (r == 0 && w.trailing_slash)
			r = -EISDIR;
		if (r == 0 && fstatat(w.dir, w.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			r = follow_dangling(&w, cur, sizeof(cur));
			gofer_where_done(&w);
			continue;
		}
		if (r == 0)
			r = str_copy(t->canon, sizeof(t->canon), w.canon);
		gofer_where_done(&w);
		return r;
	}
	return r < 0 ? r : -ELOOP;
}

static int find_target(const struct gofer_server *s, const char *path, uint32_t flags,
		       struct target *t)
{
	struct gofer_where w;
	struct stat st;
	gofer_where_init(&w);
	size_t n = strlen(path);
	t->trailing_slash = n > 1 && path[n - 1] == '/';
	int r = gofer_open_object(s, path, follows_last(flags), &w);
	if (r == 0 && fstat(w.dir, &st) < 0)
		r = -errno;
	if (r == 0) {
		t->exists = true;
		t->type = st.st_mode & S_IFMT;
		r = str_copy(t->canon, sizeof(t->canon), w.canon);
		if (r == 0 && (flags & O_CREAT) && t->trailing_slash)
			r = -EISDIR;
	}
	gofer_where_done(&w);
	if (r == -ENOENT && (flags & O_CREAT))
		return find_new(s, path, t);
	return r;
}

static const char *change_kind(const struct target *t, uint32_t flags)
{
	if (!t->exists || (flags & O_TMPFILE) == O_TMPFILE)
		return "create";
	return (flags & O_TRUNC) ? "truncate" : "write";
}

static int open_target(const struct gofer_server *s, const struct target *t, uint32_t flags,
		       unsigned mode)
{
	char path[GOFER_PATH_MAX + 1];
	snprintf(path, sizeof(path), "%s%s", t->canon, t->trailing_slash ? "/" : "");
	/* O_NONBLOCK: a FIFO swapped in meanwhile must not block the gofer. */
	int fd = gofer_open_canon(s, path, (int)(flags | O_NOCTTY | O_NONBLOCK), mode);
	if (fd < 0 || (flags & O_NONBLOCK))
		return fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int gofer_op_open(const struct gofer_server *s, const struct gofer_msg *m, int *ret_fd)
{
	uint32_t flags = m->req.flags;
	struct target t = {0};
	int r = find_target(s, m->path, flags, &t);
	if (r < 0)
		return r;
	const char *kind = change_kind(&t, flags);
	if (t.exists && t.type != S_IFREG && t.type != S_IFDIR && t.type != S_IFLNK)
		return -EOPNOTSUPP;
	r = gofer_policy_check(s->cfg->policy, t.canon);
	if (r < 0)
		return gofer_refuse(s, m, kind, t.canon, NULL, r);
	int fd = open_target(s, &t, flags, m->req.mode);
	if (fd < 0)
		return fd;
	struct gofer_change ch;
	gofer_change_init(&ch, kind);
	ch.path = t.canon;
	ch.flags = flags;
	if (strcmp(kind, "create") == 0)
		ch.mode = m->req.mode;
	gofer_changelog(s, m, &ch);
	*ret_fd = fd;
	return 0;
}
