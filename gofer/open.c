/* GOFER_OPEN: opens with write intent, O_CREAT and O_TMPFILE.
 *
 * 1. Locate the object inside the view: its directory and a name, a final symlink followed
 *    unless O_NOFOLLOW or O_CREAT|O_EXCL (a dangling one too, as the kernel does for O_CREAT).
 * 2. Check the policy on that location.
 * 3. Open that name in that directory with RESOLVE_NO_SYMLINKS, as the caller.
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

static bool follows_last(uint32_t flags)
{
	return !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

static const char *change_kind(bool exists, uint32_t flags)
{
	if (!exists || (flags & O_TMPFILE) == O_TMPFILE)
		return "create";
	return (flags & O_TRUNC) ? "truncate" : "write";
}

/* O_CREAT | O_EXCL never opens what exists: the file is new, and regular. */
static bool creates_new(uint32_t flags)
{
	return (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
}

static int open_target(const struct gofer_where *w, uint32_t flags, unsigned mode)
{
	if (creates_new(flags))
		return gofer_open_at(w, (int)(flags | O_NOCTTY), mode);
	/* O_NONBLOCK: a FIFO swapped in meanwhile must not block the gofer. */
	int fd = gofer_open_at(w, (int)(flags | O_NOCTTY | O_NONBLOCK), mode);
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

/* Does the object exist, and is it one the gofer opens? */
static int check_target(const struct gofer_where *w, uint32_t flags, bool *ret_exists)
{
	struct stat st;
	*ret_exists = fstatat(w->dir, w->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!*ret_exists)
		return errno != ENOENT ? -errno : (flags & O_CREAT) ? 0 : -ENOENT;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;
	return 0;
}

/* The policy's answer for the object; a refusal is logged. With O_CREAT | O_EXCL the object
 * was not looked at yet (*exists false): it is now, to answer EEXIST first as the kernel does
 * (a hidden file does not exist). */
static int check_policy(struct gofer_server *s, const struct gofer_msg *m,
			const struct gofer_where *w, bool *exists)
{
	uint32_t flags = m->req.flags;
	int r = gofer_policy_check(s->policy, w->canon);
	if (r == 0)
		return 0;
	if (creates_new(flags)) {
		check_target(w, flags, exists);
		if (r != -ENOENT && *exists)
			return -EEXIST;
	}
	return gofer_refuse(s, m, change_kind(*exists, flags), w->canon, NULL, r);
}

static int open_located(struct gofer_server *s, const struct gofer_msg *m,
			const struct gofer_where *w, int *ret_fd)
{
	uint32_t flags = m->req.flags;
	bool exists = false;
	int r = 0;
	/* O_CREAT | O_EXCL needs no look first: the open answers EEXIST for anything that exists
	 * (special files too), and what it opens, it created. */
	if (!creates_new(flags))
		r = check_target(w, flags, &exists);
	if (r == 0)
		r = check_policy(s, m, w, &exists);
	if (r < 0)
		return r;
	const char *kind = change_kind(exists, flags);
	int fd = open_target(w, flags, m->req.mode);
	if (fd < 0)
		return fd;
	struct gofer_change ch;
	gofer_change_init(&ch, kind);
	ch.path = w->canon;
	ch.flags = flags;
	if (strcmp(kind, "create") == 0)
		ch.mode = m->req.mode;
	gofer_changelog(s, m, &ch);
	*ret_fd = fd;
	return 0;
}

int gofer_op_open(struct gofer_server *s, const struct gofer_msg *m, int *ret_fd)
{
	struct gofer_where w;
	gofer_where_init(&w);
	int r = gofer_locate(s, m->path, follows_last(m->req.flags), &w);
	if (r == 0)
		r = open_located(s, m, &w, ret_fd);
	gofer_where_done(&w);
	return r;
}
