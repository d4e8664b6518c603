/* Directory entries: mkdir, mknod, unlink/rmdir, rename, link, symlink. Each resolves the parent
 * directory inside the view and acts on the last component with the *at() call, which never
 * follows it: the kernel then answers EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EXDEV... itself. */
#include "gofer/internal.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Resolve the parent of `path` and check the policy for a change at it. */
static int prepare(struct gofer_server *s, const struct gofer_msg *m, const char *op,
		   const char *path, struct gofer_where *w)
{
	gofer_where_init(w);
	int r = gofer_open_parent(s, path, w);
	if (r < 0)
		return r;
	r = gofer_policy_check(s->policy, w->canon);
	return r < 0 ? gofer_refuse(s, m, op, w->canon, NULL, r) : 0;
}

static int done(struct gofer_server *s, const struct gofer_msg *m, struct gofer_change *ch, int r)
{
	if (r < 0)
		return -errno;
	gofer_changelog(s, m, ch);
	return 0;
}

/* A refused creation of a name that exists: the kernel answers EEXIST before EROFS or EACCES
 * (a hidden name does not exist: its ENOENT stands). */
static int create_refused(const struct gofer_where *w, int r)
{
	struct stat st;
	if ((r == -EROFS || r == -EACCES) && w->dir >= 0 &&
	    fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	return r;
}

int gofer_op_mkdir(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	int r = prepare(s, m, "mkdir", m->path, &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "mkdir");
		ch.path = w.canon;
		ch.mode = m->req.mode;
		r = done(s, m, &ch, mkdirat(w.dir, w.base, m->req.mode));
	} else {
		r = create_refused(&w, r);
	}
	gofer_where_done(&w);
	return r;
}

int gofer_op_mknod(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	mode_t mode = m->req.mode;
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	int r = prepare(s, m, "mknod", m->path, &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "mknod");
		ch.path = w.canon;
		ch.mode = mode;
		r = done(s, m, &ch, mknodat(w.dir, w.base, mode, 0));
	} else {
		r = create_refused(&w, r);
	}
	gofer_where_done(&w);
	return r;
}

int gofer_op_unlink(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	bool dir = m->req.at_flags & AT_REMOVEDIR;
	const char *op = dir ? "rmdir" : "unlink";
	int r = prepare(s, m, op, m->path, &w);
	if (r == 0 && dir) {
		r = gofer_policy_check_tree(s->policy, w.canon);
		if (r < 0)
			r = gofer_refuse(s, m, op, w.canon, NULL, r);
	}
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, op);
		ch.path = w.canon;
		r = done(s, m, &ch, unlinkat(w.dir, w.base, (int)m->req.at_flags));
	}
	gofer_where_done(&w);
	return r;
}

/* Both sides of a rename: neither may carry a protected path along. */
static int rename_tree_check(struct gofer_server *s, const struct gofer_msg *m,
			     const struct gofer_where *a, const struct gofer_where *b)
{
	int r = gofer_policy_check_tree(s->policy, a->canon);
	if (r == 0)
		r = gofer_policy_check_tree(s->policy, b->canon);
	return r < 0 ? gofer_refuse(s, m, "rename", a->canon, b->canon, r) : 0;
}

int gofer_op_rename(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where a, b;
	gofer_where_init(&b);
	int r = prepare(s, m, "rename", m->path, &a);
	if (r == 0)
		r = prepare(s, m, "rename", m->path2, &b);
	if (r == 0)
		r = rename_tree_check(s, m, &a, &b);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "rename");
		ch.path = a.canon;
		ch.path2 = b.canon;
		ch.flags = m->req.flags;
		r = done(s, m, &ch, renameat2(a.dir, a.base, b.dir, b.base, m->req.flags));
	}
	gofer_where_done(&a);
	gofer_where_done(&b);
	return r;
}

/* The existing side of a link. With AT_SYMLINK_FOLLOW, a final symlink is followed inside the
 * view first; linkat() itself then follows nothing. */
static int link_source(struct gofer_server *s, const struct gofer_msg *m, struct gofer_where *a)
{
	gofer_where_init(a);
	int r = gofer_locate(s, m->path, m->req.at_flags & AT_SYMLINK_FOLLOW, a);
	if (r == 0) {
		r = gofer_policy_check(s->policy, a->canon);
		if (r < 0)
			r = gofer_refuse(s, m, "link", a->canon, NULL, r);
	}
	return r;
}

/* linkat() would follow a symlink named with a trailing slash itself: answered here instead. */
static int link_slash(const struct gofer_where *a)
{
	struct stat st;
	if (fstatat(a->dir, a->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? -EPERM : -ENOTDIR;
}

int gofer_op_link(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where a, b;
	gofer_where_init(&b);
	int r = link_source(s, m, &a);
	if (r == 0 && a.trailing_slash) /* "x/": a directory (EPERM) or not one (ENOTDIR) */
		r = link_slash(&a);
	if (r == 0)
		r = prepare(s, m, "link", m->path2, &b);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "link");
		ch.path = a.canon;
		ch.path2 = b.canon;
		r = done(s, m, &ch, linkat(a.dir, a.name, b.dir, b.base, 0));
	}
	gofer_where_done(&a);
	gofer_where_done(&b);
	return r;
}

/* linkat(fd, "", AT_EMPTY_PATH): Linux (since 6.10) links a file opened under the caller's
 * very credentials, and another's only with CAP_DAC_READ_SEARCH, ENOENT otherwise. Who opened
 * the file is not known here (the fd is the sentry's reopen of one we opened): the caller's
 * ownership of the file stands for it, as for an O_TMPFILE it made. The /proc/self/fd/N form
 * needs nothing (at_flags 0): Linux follows the magic link for any fd the caller holds. */
static bool may_link_empty_path(const struct gofer_msg *m, const struct stat *st)
{
	if (!(m->req.at_flags & AT_EMPTY_PATH))
		return true;
	return (m->req.caller.cap_eff & (1ull << CAP_DAC_READ_SEARCH)) ||
	       st->st_uid == m->req.caller.fsuid;
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), e = strlen(end);
	return n >= e && strcmp(s + n - e, end) == 0;
}

/* The container path of the file `fd` holds, for the change log only (the file is one the
 * caller holds open, not a name it chose), else "(O_TMPFILE)": no link yet, or the one the
 * kernel gave it ("dir/#<inode> (deleted)", d_tmpfile) after the first. "(unnamed)": another
 * removed file, or no /proc to ask. */
static void fd_name(struct gofer_server *s, int fd, const struct stat *st, char *buf, size_t len)
{
	char tmpfile[40];
	snprintf(tmpfile, sizeof(tmpfile), "/#%llu (deleted)", (unsigned long long)st->st_ino);
	bool named = st->st_nlink > 0 && s->proc_fd >= 0 && gofer_canon_dir(s, fd, buf, len) == 0;
	if (named && !ends_with(buf, " (deleted)"))
		return;
	bool tmp = st->st_nlink == 0 || (named && ends_with(buf, tmpfile));
	str_copy(buf, len, tmp ? "(O_TMPFILE)" : "(unnamed)");
}

/* Link the file through our own /proc/self/fd/<fd> (AT_SYMLINK_FOLLOW), which needs no
 * capability; without /proc, through the fd itself (the kernel then asks CAP_DAC_READ_SEARCH
 * of the caller's set). The kernel refuses a file on another mount than the new name (EXDEV),
 * and a file without links that is not an O_TMPFILE opened without O_EXCL (ENOENT). */
static int link_fd_at(const struct gofer_server *s, int fd, const struct gofer_where *b)
{
	char name[16];
	if (s->proc_fd < 0)
		return linkat(fd, "", b->dir, b->base, AT_EMPTY_PATH);
	snprintf(name, sizeof(name), "%d", fd);
	return linkat(s->proc_fd, name, b->dir, b->base, AT_SYMLINK_FOLLOW);
}

int gofer_op_link_fd(struct gofer_server *s, const struct gofer_msg *m, int fd)
{
	struct stat st;
	char from[GOFER_PATH_MAX];
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!may_link_empty_path(m, &st))
		return -ENOENT;
	fd_name(s, fd, &st, from, sizeof(from));
	/* The caller got the fd from an open the policy allowed; a hostile sentry might pass
	 * another view fd: a named file is checked as GOFER_LINK checks its source. */
	int r = from[0] == '/' ? gofer_policy_check(s->policy, from) : 0;
	if (r < 0)
		return gofer_refuse(s, m, "link", from, NULL, r);
	struct gofer_where b;
	r = prepare(s, m, "link", m->path2, &b);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "link");
		ch.path = from;
		ch.path2 = b.canon;
		r = done(s, m, &ch, link_fd_at(s, fd, &b));
	} else {
		r = create_refused(&b, r);
	}
	gofer_where_done(&b);
	return r;
}

int gofer_op_symlink(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	if (m->path[0] == '\0')
		return -ENOENT; /* as symlink(2) for an empty target */
	int r = prepare(s, m, "symlink", m->path2, &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "symlink");
		ch.path = w.canon;
		ch.path2 = m->path;
		r = done(s, m, &ch, symlinkat(m->path, w.dir, w.base));
	} else {
		r = create_refused(&w, r);
	}
	gofer_where_done(&w);
	return r;
}
