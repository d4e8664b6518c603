/* mknod(2), mknodat(2): a short list of harmless character devices, made by the sentry itself
 * in the container's mount namespace, as the caller (fsuid, fsgid, groups, umask). Everything
 * else is refused with EPERM. Regular files, FIFOs and sockets are the gofer's (broker_mkdir.c)
 * when the sandbox has one; so is every node when sbx.emulate does not name the call (with a gofer
 * mknod is notified anyway).
 *
 * The path is read once into the sentry's memory and resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) beneath the caller's root (/proc/<tid>/root),
 * so neither "..", nor an absolute symlink, nor a raced rewrite of the path can leave it. */
#include "sentry/internal.h"
#include "sentry/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct {
	unsigned major, minor;
} allowed_devices[] = {
    {1, 3}, /* null */
    {1, 5}, /* zero */
    {1, 7}, /* full */
    {1, 8}, /* random */
    {1, 9}, /* urandom */
    {5, 0}, /* tty */
};

/* The kernel's type checks (may_mknod), then the sentry's allow-list. */
static int check_node(uint64_t mode_arg, uint64_t dev_arg, mode_t *ret_mode, dev_t *ret_dev)
{
	mode_t mode = (mode_t)(mode_arg & 0xffff); /* umode_t */
	switch (mode & S_IFMT) {
	case S_IFCHR:
		break;
	case 0:
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFBLK:
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	uint32_t d = (uint32_t)dev_arg; /* new_decode_dev() */
	unsigned major = (d & 0xfff00) >> 8, minor = (d & 0xff) | ((d >> 12) & 0xfff00);
	for (size_t i = 0; i < sizeof(allowed_devices) / sizeof(allowed_devices[0]); i++) {
		if (allowed_devices[i].major == major && allowed_devices[i].minor == minor) {
			*ret_mode = mode;
			*ret_dev = makedev(major, minor);
			return 0;
		}
	}
	return -EPERM;
}

/* Become the caller for the file system (permission checks, owner of the new node). */
static int switch_fs_creds(const struct sentry_task_status *st)
{
	if (st->ngroups < 0)
		return -EPERM; /* more groups than we can carry: refuse rather than guess */
	if (syscall(SYS_setgroups, (size_t)st->ngroups, st->groups) < 0)
		return -errno;
	syscall(SYS_setfsgid, st->fsgid);
	syscall(SYS_setfsuid, st->fsuid);
	if ((uid_t)syscall(SYS_setfsuid, -1) != st->fsuid ||
	    (gid_t)syscall(SYS_setfsgid, -1) != st->fsgid)
		return -EPERM;
	return 0;
}

static int restore_fs_creds(const struct sentry *s)
{
	syscall(SYS_setfsuid, geteuid());
	syscall(SYS_setfsgid, getegid());
	if (syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0)
		return -errno;
	return 0;
}

static int make_node(struct sentry_call *c, const struct sentry_task_status *st,
		     const struct sentry_path *p, mode_t mode, dev_t dev)
{
	int r = switch_fs_creds(st);
	if (r == 0) {
		r = sentry_path_open_parent(p);
		if (r >= 0) {
			int parent = r;
			mode_t old = umask(0);
			r = mknodat(parent, p->base, (mode & ~st->umask & 07777) | S_IFCHR, dev);
			r = r < 0 ? -errno : 0;
			umask(old);
			close(parent);
		}
	}
	int q = restore_fs_creds(c->s);
	return q < 0 ? q : r;
}

static int64_t handle(struct sentry_call *c, int dirfd, uint64_t path, uint64_t mode_arg,
		      uint64_t dev_arg)
{
	mode_t mode = (mode_t)(mode_arg & 0xffff);
	dev_t dev;
	bool emulated = c->req->data.nr == SYS_mknod ? c->s->emulate_mknod : c->s->emulate_mknodat;
	if (c->s->gofer_fd > 0 &&
	    ((mode & S_IFMT) == 0 || S_ISREG(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)))
		return sentry_broker_mknod(c, dirfd, path, (mode & S_IFMT ? mode : mode | S_IFREG));
	if (c->s->gofer_fd > 0 && !emulated)
		return sentry_broker_mknod_other(c, dirfd, path, mode);
	int r = check_node(mode_arg, dev_arg, &mode, &dev);
	if (r < 0) {
		c->action = SBX_ACT_DENY;
		return r;
	}
	c->action = SBX_ACT_EMULATE;
	char buf[PATH_MAX];
	r = sentry_mem_read_string(c, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	struct sentry_task_status st;
	r = sentry_task_status((pid_t)c->req->pid, &st);
	if (r < 0)
		return r;
	struct sentry_path p;
	r = sentry_path_prepare(c, dirfd, buf, &p);
	/* Everything read from /proc/<tid> (credentials, root, cwd, dirfd) was the caller's only
	 * if the notification is still live now: otherwise the tid may be another process's. */
	if (r == 0)
		r = sentry_call_valid(c);
	if (r == 0)
		r = make_node(c, &st, &p, mode, dev);
	sentry_path_done(&p);
	return r;
}

int64_t sentry_handle_mknod(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return handle(c, AT_FDCWD, a[0], a[1], a[2]);
}

int64_t sentry_handle_mknodat(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	return handle(c, (int)a[0], a[1], a[2], a[3]);
}
