#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/oci.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int open_in_root(int rootfd, const char *path, bool create_dir, bool create_file)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	int fd = openat2_in_root(rootfd, buf, O_PATH);
	if (fd >= 0 || fd != -ENOENT || (!create_dir && !create_file))
		return fd;
	/* Create the missing components one at a time, each resolved inside the root. */
	char *slash = buf;
	while (*slash == '/')
		slash++;
	for (;;) {
		char *next = strchr(slash, '/');
		bool last = !next;
		if (next)
			*next = '\0';
		if (*slash) {
			int r;
			if (last && create_file) {
				int f =
				    openat2_in_root(rootfd, buf, O_WRONLY | O_CREAT | O_NOFOLLOW);
				r = f < 0 && f != -EEXIST ? f : 0;
				if (f >= 0)
					close(f);
			} else {
				_cleanup_close_ int dfd = -1;
				char *base = strrchr(buf, '/');
				if (base && base != buf) {
					*base = '\0';
					dfd = openat2_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
					*base = '/';
				} else {
					dfd = openat2_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
				}
				if (dfd < 0)
					return dfd;
				r = mkdirat(dfd, base ? base + 1 : buf, 0755) < 0 && errno != EEXIST
					? -errno
					: 0;
			}
			if (r < 0)
				return r;
		}
		if (last)
			break;
		*next = '/';
		slash = next + 1;
	}
	return openat2_in_root(rootfd, path, O_PATH);
}

static void fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* ro, nosuid, nodev, noexec on a bind mount and every mount beneath it: a read-only volume
 * must not have writable (or device-bearing) submounts. */
static int setattr_recursive(int fd, unsigned long flags)
{
	struct mount_attr a = {0};
	if (flags & MS_RDONLY)
		a.attr_set |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		a.attr_set |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		a.attr_set |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		a.attr_set |= MOUNT_ATTR_NOEXEC;
	if (!a.attr_set)
		return 0;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/* Mount one OCI mount beneath rootfd. */
static int mount_one(int rootfd, const struct oci_mount *m, bool brokered, struct sbx_error *err)
{
	struct mount_opts mo;
	if (mount_opts_parse(m->options, &mo) < 0)
		return sbx_err(err, E2BIG, "mount %s: options too long", m->destination);
	/* With a gofer, the container's own mount of a volume is read-only: changes go through
	 * the gofer's view, so a raced argument can at worst meet EROFS. */
	if (brokered && ((mo.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"))))
		mo.flags |= MS_RDONLY | MS_REC | MS_BIND;
	const char *type = m->type;
	bool bind = (mo.flags & MS_BIND) || (type && !strcmp(type, "bind"));
	bool src_is_dir = true;
	if (bind) {
		struct stat st;
		if (!m->source || stat(m->source, &st) < 0)
			return sbx_err_errno(err, m->source ? errno : EINVAL, "mount %s: source %s",
					     m->destination, m->source ? m->source : "(none)");
		src_is_dir = S_ISDIR(st.st_mode);
		mo.flags |= MS_BIND;
	}
	if (type && !strcmp(type, "cgroup"))
		type = "cgroup2"; /* the sandbox's own v2 cgroup, through its cgroup namespace */
	int r;
	_cleanup_close_ int tfd = open_in_root(rootfd, m->destination, src_is_dir, !src_is_dir);
	if (tfd < 0)
		return sbx_err_errno(err, -tfd, "mount %s: target", m->destination);
	char target[64];
	fd_path(tfd, target, sizeof(target));
	unsigned long flags = mo.flags & ~MS_REMOUNT;
	if (bind) {
		if (mount(m->source, target, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
			return sbx_err_errno(err, errno, "bind mount %s on %s", m->source,
					     m->destination);
		/* Reopen: the target is now the mounted tree. */
		close(tfd);
		tfd = open_in_root(rootfd, m->destination, false, false);
		if (tfd < 0)
			return sbx_err_errno(err, -tfd, "mount %s: reopen", m->destination);
		fd_path(tfd, target, sizeof(target));
		unsigned long rf = flags & ~(MS_BIND | MS_REC);
		if (rf && (flags & MS_REC) && (r = setattr_recursive(tfd, rf)) < 0)
			return sbx_err_errno(err, -r, "set %s read-only/nosuid/nodev",
					     m->destination);
		if (rf && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | rf, NULL) < 0)
			return sbx_err_errno(err, errno, "remount %s", m->destination);
	} else if (mount(m->source ? m->source : type, target, type, flags,
			 mo.data[0] ? mo.data : NULL) < 0) {
		if (type && !strcmp(type, "cgroup2"))
			return 0; /* no cgroup2 for this namespace: leave the mount point empty */
		return sbx_err_errno(err, errno, "mount %s (%s) on %s", m->source ? m->source : "",
				     type ? type : "", m->destination);
	}
	if (!mo.propagation)
		return 0;
	/* Reopen: a non-bind mount was made on the directory tfd still names. */
	close(tfd);
	tfd = open_in_root(rootfd, m->destination, false, false);
	if (tfd < 0)
		return sbx_err_errno(err, -tfd, "mount %s: reopen", m->destination);
	fd_path(tfd, target, sizeof(target));
	if (mount(NULL, target, NULL, mo.propagation, NULL) < 0)
		return sbx_err_errno(err, errno, "set propagation of %s", m->destination);
	return 0;
}

struct dev_node {
	const char *name;
	unsigned maj, min;
};

static const struct dev_node default_devs[] = {
    {"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static int setup_dev(int rootfd, bool in_userns, struct sbx_error *err)
{
	_cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return 0; /* no /dev in this root: nothing to populate */
	for (size_t i = 0; i < ARRAY_SIZE(default_devs); i++) {
		const struct dev_node *d = &default_devs[i];
		if (!in_userns) {
			if (mknodat(dev, d->name, S_IFCHR | 0666, makedev(d->maj, d->min)) < 0 &&
			    errno != EEXIST)
				return sbx_err_errno(err, errno, "mknod /dev/%s", d->name);
			continue;
		}
		char host[64], target[PATH_MAX];
		snprintf(host, sizeof(host), "/dev/%s", d->name);
		snprintf(target, sizeof(target), "/dev/%s", d->name);
		_cleanup_close_ int t = open_in_root(rootfd, target, false, true);
		if (t < 0)
			return sbx_err_errno(err, -t, "create /dev/%s", d->name);
		char tp[64];
		fd_path(t, tp, sizeof(tp));
		if (mount(host, tp, NULL, MS_BIND, NULL) < 0)
			return sbx_err_errno(err, errno, "bind /dev/%s", d->name);
	}
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},	   {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},	   {"/proc/kcore", "core"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (!strcmp(links[i][1], "ptmx"))
			unlinkat(dev, "ptmx", 0);
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return sbx_err_errno(err, errno, "symlink /dev/%s", links[i][1]);
	}
	return 0;
}

static int do_pivot(const char *rootfs, struct sbx_error *err)
{
	if (chdir(rootfs) < 0)
		return sbx_err_errno(err, errno, "chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sbx_err_errno(err, errno, "pivot_root %s", rootfs);
	/* The old root is stacked under the new one: make it private, then detach it. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sbx_err_errno(err, errno, "make old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return sbx_err_errno(err, errno, "detach old root");
	if (chdir("/") < 0)
		return sbx_err_errno(err, errno, "chdir /");
	return 0;
}

/* mount(2) follows a symlink at the path, so its target is what is masked, and its type
 * decides the mask: stat, not lstat. */
static int mask_paths(char *const *paths, struct sbx_error *err)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0)
			continue; /* nothing to hide */
		int r = S_ISDIR(st.st_mode)
			    ? mount("tmpfs", paths[i], "tmpfs", MS_RDONLY, "size=0k")
			    : mount("/dev/null", paths[i], NULL, MS_BIND, NULL);
		if (r < 0 && errno != ENOENT)
			return sbx_err_errno(err, errno, "mask %s", paths[i]);
	}
	return 0;
}

static int readonly_paths(char *const *paths, struct sbx_error *err)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		if (mount(paths[i], paths[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return sbx_err_errno(err, errno, "bind %s read-only", paths[i]);
		}
		if (mount(NULL, paths[i], NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return sbx_err_errno(err, errno, "remount %s read-only", paths[i]);
	}
	return 0;
}

/* Bind the sandbox's meminfo over the new procfs's, if the container has /proc. */
static int bind_meminfo(int rootfd, const char *meminfo, struct sbx_error *err)
{
	_cleanup_close_ int t = open_in_root(rootfd, "/proc/meminfo", false, false);
	if (t < 0)
		return 0;
	char tp[64];
	fd_path(t, tp, sizeof(tp));
	if (mount(meminfo, tp, NULL, MS_BIND, NULL) < 0)
		return sbx_err_errno(err, errno, "bind the sandbox's /proc/meminfo");
	close(t);
	t = open_in_root(rootfd, "/proc/meminfo", false, false); /* now the bind mount */
	if (t < 0)
		return sbx_err_errno(err, -t, "reopen /proc/meminfo");
	fd_path(t, tp, sizeof(tp));
	if (mount(NULL, tp, NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return sbx_err_errno(err, errno, "make /proc/meminfo read-only");
	return 0;
}

int mounts_setup(const struct oci_config *c, const char *rootfs, bool in_userns,
		 const char *meminfo, bool brokered, struct sbx_error *err)
{
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sbx_err_errno(err, errno, "make / a slave mount");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sbx_err_errno(err, errno, "bind rootfs %s", rootfs);
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sbx_err_errno(err, errno, "open rootfs %s", rootfs);
	for (size_t i = 0; i < c->n_mounts; i++) {
		int r = mount_one(rootfd, &c->mounts[i], brokered, err);
		if (r < 0)
			return r;
	}
	int r = setup_dev(rootfd, in_userns, err);
	if (r < 0)
		return r;
	if (meminfo && (r = bind_meminfo(rootfd, meminfo, err)) < 0)
		return r;
	return do_pivot(rootfs, err);
}

int mounts_restrict(const struct oci_config *c, bool brokered, char *const *hidden,
		    struct sbx_error *err)
{
	int r = mask_paths(c->masked_paths, err);
	if (r < 0)
		return r;
	/* sbx.files.hidden: gone already where the root is an overlay (overlay_hide.c). */
	r = mask_paths(hidden, err);
	if (r < 0)
		return r;
	r = readonly_paths(c->readonly_paths, err);
	if (r < 0)
		return r;
	if ((c->root_readonly || brokered) &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return sbx_err_errno(err, errno, "remount / read-only");
	return 0;
}
