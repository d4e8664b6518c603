/* Attributes of an existing object: chmod, chown, utimens, truncate, and the access(W_OK)
 * question. The object is located inside the view (a final symlink followed there or not, as
 * the caller asked), the policy is checked on where it really is, and the change is made by
 * name in its directory with AT_SYMLINK_NOFOLLOW: the kernel follows nothing more, so a
 * symlink swapped in meanwhile is at worst changed itself, inside the view. */
#include "gofer/internal.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6, same number on every architecture */
#endif

/* Locate the object a request names and check the policy for a change to it. */
int gofer_prepare_object(struct gofer_server *s, const struct gofer_msg *m, const char *op,
			 struct gofer_where *w)
{
	bool follow = !(m->req.at_flags & AT_SYMLINK_NOFOLLOW);
	struct stat st;
	gofer_where_init(w);
	int r = gofer_locate(s, m->path, follow, w);
	if (r < 0)
		return r;
	if (fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (w->trailing_slash && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	r = gofer_policy_check(s->policy, w->canon);
	if (r < 0 && op)
		return gofer_refuse(s, m, op, w->canon, NULL, r);
	return r;
}

static int done(struct gofer_server *s, const struct gofer_msg *m, struct gofer_change *ch, long r)
{
	if (r < 0)
		return -errno;
	gofer_changelog(s, m, ch);
	return 0;
}

/* chmod without following a final symlink. fchmodat2 (Linux 6.6) does it by name; before it,
 * a regular file or directory is opened with O_NOFOLLOW and changed through its fd (a symlink
 * swapped in fails with ELOOP); only other types (fifo, socket, device node) are changed by
 * name after a check, and a symlink itself cannot have its mode changed (EOPNOTSUPP, as
 * fchmodat2 answers). */
static long chmod_nofollow(int dir, const char *name, mode_t mode)
{
	long r = syscall(SYS_fchmodat2, dir, name, mode, AT_SYMLINK_NOFOLLOW);
	if (r == 0 || errno != ENOSYS)
		return r;
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return fchmodat(dir, name, mode, 0);
	_cleanup_close_ int fd =
	    openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -1 : fchmod(fd, mode);
}

int gofer_op_chmod(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	int r = gofer_prepare_object(s, m, "chmod", &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "chmod");
		ch.path = w.canon;
		ch.mode = m->req.mode;
		r = done(s, m, &ch, chmod_nofollow(w.dir, w.name, (mode_t)m->req.mode));
	}
	gofer_where_done(&w);
	return r;
}

int gofer_op_chown(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	int r = gofer_prepare_object(s, m, "chown", &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "chown");
		ch.path = w.canon;
		ch.uid = m->req.uid == (uint32_t)-1 ? -1 : (long long)m->req.uid;
		ch.gid = m->req.gid == (uint32_t)-1 ? -1 : (long long)m->req.gid;
		r = done(s, m, &ch,
			 fchownat(w.dir, w.name, m->req.uid, m->req.gid, AT_SYMLINK_NOFOLLOW));
	}
	gofer_where_done(&w);
	return r;
}

int gofer_op_utimens(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	struct timespec ts[2];
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = (time_t)m->req.times[i][0];
		ts[i].tv_nsec = (long)m->req.times[i][1];
	}
	int r = gofer_prepare_object(s, m, "utimes", &w);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "utimes");
		ch.path = w.canon;
		r = done(s, m, &ch, utimensat(w.dir, w.name, ts, AT_SYMLINK_NOFOLLOW));
	}
	gofer_where_done(&w);
	return r;
}

/* truncate(2) needs a writable fd: the object is opened O_WRONLY by name, no symlink followed,
 * which also checks write permission as the caller. */
static int truncate_at(const struct gofer_where *w, off_t length)
{
	struct stat st;
	if (fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	_cleanup_close_ int fd = gofer_open_at(w, O_WRONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	return ftruncate(fd, length) < 0 ? -errno : 0;
}

int gofer_op_truncate(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	int r = gofer_prepare_object(s, m, "truncate", &w);
	if (r == 0)
		r = truncate_at(&w, (off_t)m->req.length);
	if (r == 0) {
		struct gofer_change ch;
		gofer_change_init(&ch, "truncate");
		ch.path = w.canon;
		ch.length = m->req.length;
		gofer_changelog(s, m, &ch);
	}
	gofer_where_done(&w);
	return r;
}

/* Would a write be allowed? The policy first, then the kernel's permission check as the caller
 * (AT_EACCESS: the fs ids we switched to, not the real ids) on the object itself, by name in
 * its directory (the final symlink already followed in the view, or not, as asked), for W_OK
 * and whatever else of R_OK and X_OK the caller asked. */
int gofer_op_access_w(struct gofer_server *s, const struct gofer_msg *m)
{
	struct gofer_where w;
	int r = gofer_prepare_object(s, m, NULL, &w);
	if (r == 0 && syscall(SYS_faccessat2, w.dir, w.name, (int)(m->req.mode | W_OK),
			      AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	gofer_where_done(&w);
	return r;
}
