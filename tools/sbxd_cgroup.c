/* The agent's sentries in a cgroup of their own (--sentry-cgroup NAME), outside the cgroups of
 * the pod sbxd runs in: a restart, rollout or deletion of that pod kills every process of its
 * cgroups, and would take the sentries (and, failing closed, their containers) with it.
 *
 * At start-up sbxd enters --cgroupns (the host's, so that the kernel lets it move a process to a
 * cgroup outside the pod: the check uses the cgroup namespace of whoever opens cgroup.procs, and
 * so that the cgroup paths it reads in /proc/PID/cgroup are the host's), finds every hierarchy
 * under --cgroup-root and makes NAME in each. Each sentry moves itself there after the fork and
 * before its exec (sbxd_cgroups_join), so that it never serves from the pod's cgroups. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

/* Relative, made of plain components: no "", ".", ".." (nothing above the hierarchy root). */
bool sbxd_cgroup_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
			return false;
		if (strcspn(p, "\n:") < len)
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* A cgroup file system mounted at path (not a cgroup directory inside one: another device than
 * the directory above it). */
static bool is_cgroup_mount(const char *path, dev_t above)
{
	struct statfs sf;
	struct stat st;
	return statfs(path, &sf) == 0 && stat(path, &st) == 0 && st.st_dev != above &&
	       (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

static int add_hierarchy(struct sbxd_cgroups *cg, const char *dir, struct sbx_error *err)
{
	if (cg->n == SBXD_MAX_HIERARCHIES)
		return sbx_err(err, E2BIG, "more than %d cgroup hierarchies", SBXD_MAX_HIERARCHIES);
	if (str_copy(cg->dir[cg->n], sizeof(cg->dir[0]), dir) < 0)
		return sbx_err(err, ENAMETOOLONG, "%s: path too long", dir);
	cg->n++;
	return 0;
}

/* A pure v2 host: root itself. v1 or hybrid: each subdirectory that is a cgroup mount; a
 * symlink (cpu -> cpu,cpuacct) is the same hierarchy again and is skipped. */
static int find_hierarchies(const char *root, struct sbxd_cgroups *cg, struct sbx_error *err)
{
	char path[PATH_MAX];
	struct statfs sf;
	struct stat rst;
	if (statfs(root, &sf) < 0 || stat(root, &rst) < 0)
		return sbx_err_errno(err, errno, "--cgroup-root %s", root);
	if (sf.f_type == CGROUP2_SUPER_MAGIC &&
	    path_join(path, sizeof(path), root, "cgroup.controllers") == 0 &&
	    access(path, F_OK) == 0)
		return add_hierarchy(cg, root, err);
	if (sf.f_type == CGROUP_SUPER_MAGIC)
		return sbx_err(err, EINVAL,
			       "--cgroup-root %s is one v1 hierarchy: give the directory the "
			       "hierarchies are mounted in",
			       root);
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d)
		return sbx_err_errno(err, errno, "--cgroup-root %s", root);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (path_join(path, sizeof(path), root, e->d_name) < 0)
			return sbx_err(err, ENAMETOOLONG, "%s/%s: path too long", root, e->d_name);
		int r = is_cgroup_mount(path, rst.st_dev) ? add_hierarchy(cg, path, err) : 0;
		if (r < 0)
			return r;
	}
	if (cg->n == 0)
		return sbx_err(err, ENOENT,
			       "--cgroup-root %s: no cgroup hierarchy is mounted there", root);
	return 0;
}

/* A new v1 cpuset cgroup has no cpus and no mems, and no process may join it until it has:
 * it gets its parent's. */
static int cpuset_inherit(const char *dir, const char *file)
{
	char path[PATH_MAX], parent[PATH_MAX];
	_cleanup_free_ char *mine = NULL, *theirs = NULL;
	if (path_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	if (read_file(path, 4096, &mine, NULL) < 0)
		return 0; /* not a cpuset hierarchy */
	if (mine[strspn(mine, " \n")] != '\0')
		return 0; /* already set */
	snprintf(parent, sizeof(parent), "%s/../%s", dir, file);
	int r = read_file(parent, 4096, &theirs, NULL);
	return r < 0 ? r : write_file(path, theirs);
}

/* hier/name, each component made if missing (so twice is fine). In v2 an empty cpuset.cpus
 * already means the parent's (and the root has none to copy). */
static int make_cgroup(const char *hier, const char *name, struct sbx_error *err)
{
	char path[PATH_MAX];
	struct statfs sf;
	bool v1 = statfs(hier, &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC;
	if (path_join(path, sizeof(path), hier, name) < 0)
		return sbx_err(err, ENAMETOOLONG, "%s/%s: path too long", hier, name);
	for (char *p = path + strlen(hier) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		int r = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
		if (r == 0 && v1)
			r = cpuset_inherit(path, "cpuset.cpus");
		if (r == 0 && v1)
			r = cpuset_inherit(path, "cpuset.mems");
		if (r < 0)
			return sbx_err_errno(err, -r, "make the sentry cgroup %s", path);
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* The cgroup a mount of a hierarchy shows (/proc/self/mountinfo's root field, relative to our
 * cgroup namespace): "/" for the whole hierarchy as we see it. A pod's own /sys/fs/cgroup, or
 * a host mount seen from the pod's cgroup namespace, shows something else: sentries put there
 * would still be in (or not be placed from) the pod. */
static int hierarchy_whole(const char *dir, struct sbx_error *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	char root[PATH_MAX] = "";
	size_t cap = 0;
	struct statx stx;
	if (!f)
		return sbx_err_errno(err, errno, "open /proc/self/mountinfo");
	/* The mount dir is on, by id: mountinfo's mount points are escaped, and stacked. */
	if (statx(AT_FDCWD, dir, 0, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return sbx_err_errno(err, errno ? errno : ENOTSUP, "--cgroup-root: statx %s", dir);
	bool mount_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
			  (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	while (mount_root && getline(&line, &cap, f) > 0) {
		unsigned long long id;
		char r[PATH_MAX];
		if (sscanf(line, "%llu %*d %*s %4095s", &id, r) == 2 && id == stx.stx_mnt_id)
			snprintf(root, sizeof(root), "%s", r);
	}
	if (!strcmp(root, "/"))
		return 0;
	return sbx_err(err, EINVAL,
		       "--cgroup-root: %s shows cgroup %s, not the whole hierarchy: mount the "
		       "host's /sys/fs/cgroup there (hostPath) and enter the host's cgroup "
		       "namespace (--cgroupns)",
		       dir, root[0] ? root : "(not a mount point)");
}

#define CGROUP_NS_INIT_INO 0xEFFFFFFBU /* the initial cgroup namespace (proc_ns.h) */

/* In a cgroup namespace of our own (a pod's) and at its root, every hierarchy we can mount or
 * see whole is the pod's: refuse, and say what to do. */
static int outside_the_pod(struct sbx_error *err)
{
	struct stat ns;
	char line[PATH_MAX + 8];
	bool at_root = false;
	if (stat("/proc/self/ns/cgroup", &ns) < 0 || ns.st_ino == CGROUP_NS_INIT_INO)
		return 0;
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f))
		at_root |= !strcmp(line, "0::/\n");
	if (!at_root)
		return 0;
	return sbx_err(err, EINVAL,
		       "--sentry-cgroup: sbxd is at the root of a cgroup namespace of its own (a "
		       "pod's), where every cgroup is the pod's: enter the host's (--cgroupns) and "
		       "mount the host's /sys/fs/cgroup (hostPath) as --cgroup-root");
}

int sbxd_cgroupns_enter(const char *path, struct sbx_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_errno(err, errno, "--cgroupns %s", path);
	if (setns(fd, CLONE_NEWCGROUP) < 0)
		return sbx_err_errno(err, errno, "--cgroupns %s: enter", path);
	return 0;
}

int sbxd_cgroups_setup(const char *root, const char *name, struct sbxd_cgroups *ret,
		       struct sbx_error *err)
{
	struct sbxd_cgroups cg = {0};
	if (!sbxd_cgroup_name_valid(name))
		return sbx_err(err, EINVAL,
			       "--sentry-cgroup '%s': a relative cgroup name without '.' or '..' "
			       "components",
			       name);
	int r = outside_the_pod(err);
	if (r == 0)
		r = find_hierarchies(root, &cg, err);
	for (size_t i = 0; r == 0 && i < cg.n; i++) {
		char dir[PATH_MAX];
		r = hierarchy_whole(cg.dir[i], err);
		if (r == 0)
			r = make_cgroup(cg.dir[i], name, err);
		if (r == 0 && path_join(dir, sizeof(dir), cg.dir[i], name) < 0)
			r = sbx_err(err, ENAMETOOLONG, "%s/%s: path too long", cg.dir[i], name);
		if (r == 0)
			memcpy(cg.dir[i], dir, sizeof(dir));
	}
	if (r < 0)
		return r;
	*ret = cg;
	return 0;
}

/* In the sentry's process before its exec: no allocation, the reason into msg. The v2
 * hierarchy is where a cgroup namespace can refuse (ENOENT: the cgroup is outside the
 * namespace of the process that opened cgroup.procs). */
int sbxd_cgroups_join(const struct sbxd_cgroups *cg, char *msg, size_t len)
{
	for (size_t i = 0; i < cg->n; i++) {
		char path[PATH_MAX];
		if (path_join(path, sizeof(path), cg->dir[i], "cgroup.procs") < 0)
			return -ENAMETOOLONG;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int r = fd < 0 ? -errno : 0;
		if (fd >= 0 && write(fd, "0", 1) != 1)
			r = -errno;
		if (fd >= 0)
			close(fd);
		if (r < 0) {
			snprintf(msg, len, "not started: cannot move it to %s: %s%s", cg->dir[i],
				 strerror(-r),
				 r == -ENOENT && fd >= 0
				     ? " (outside sbxd's cgroup namespace: see --cgroupns)"
				     : "");
			return r;
		}
	}
	return 0;
}
