/* sbx.files.hidden in the convenience form's overlay root: a whiteout in the upper layer for
 * each hidden path that exists in the lower one, made before the overlay is mounted. The path
 * is then gone for every syscall, in the kernel: open, stat, exec, readdir, and the gofer's
 * view too (the same overlay). Elsewhere (--persist, OCI bundles, volumes) hidden paths are
 * masked by mounts in the container (mounts.c) and refused by the gofer.
 *
 * The lower layer is resolved with RESOLVE_IN_ROOT and named canonically (readlink of the
 * fd), so a symlink among the parents leads to the file the container would reach, and no
 * upper directory ever shadows a lower symlink. Each upper directory made on the way takes the
 * lower one's mode, owner and times: the merged view shows the upper directory's. */
#include "runtime/overlay_hide.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/oci.h"

static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Volumes are not in the overlay: their hidden paths are masked by mounts instead. */
static bool in_a_volume(const struct oci_config *c, const char *path)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (at_or_under(path, c->mounts[i].destination))
			return true;
	return false;
}

/* The parent of `path` in the lower layer as a path relative to `lower` ("" for its top) in
 * `rel`, and the last component in `base`. 0, or -ENOENT when there is nothing to hide. */
static int locate(int lowerfd, const char *lower, const char *path, char *rel, char *base)
{
	char parent[PATH_MAX], fdpath[64], canon[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	snprintf(base, NAME_MAX + 1, "%s", slash + 1);
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int fd =
	    (int)syscall(SYS_openat2, lowerfd, parent[0] ? parent : "/", &how, sizeof(how));
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	struct stat st;
	if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(fdpath, canon, sizeof(canon) - 1);
	if (n < 0)
		return -errno;
	canon[n] = '\0';
	size_t len = strlen(lower);
	if (!at_or_under(canon, lower))
		return -EXDEV; /* cannot happen with RESOLVE_IN_ROOT */
	snprintf(rel, PATH_MAX, "%s", canon[len] ? canon + len + 1 : "");
	return 0;
}

/* One level down: lower/name, and upper/name made like it. Replaces *low and *up. */
static int step(int *low, int *up, const char *name)
{
	struct stat st;
	int nlow = openat(*low, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nlow < 0 || fstat(nlow, &st) < 0 ||
	    (mkdirat(*up, name, st.st_mode & 07777) < 0 && errno != EEXIST)) {
		int e = errno;
		if (nlow >= 0)
			close(nlow);
		return -e;
	}
	int nup = openat(*up, name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nup < 0) {
		int e = errno;
		close(nlow);
		return -e;
	}
	struct timespec t[2] = {st.st_atim, st.st_mtim};
	if (fchown(nup, st.st_uid, st.st_gid) < 0 || fchmod(nup, st.st_mode & 07777) < 0 ||
	    futimens(nup, t) < 0) {
		int e = errno;
		close(nlow);
		close(nup);
		return -e;
	}
	close(*low);
	close(*up);
	*low = nlow;
	*up = nup;
	return 0;
}

/* Make upper/rel, each level like the lower one, and return an fd of it. */
static int upper_dirs(int lowerfd, int upperfd, const char *rel)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	_cleanup_close_ int low = fcntl(lowerfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_close_ int up = fcntl(upperfd, F_DUPFD_CLOEXEC, 3);
	if (low < 0 || up < 0)
		return -errno;
	char *save = NULL;
	for (char *name = strtok_r(buf, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		int r = step(&low, &up, name);
		if (r < 0)
			return r;
	}
	return TAKE_FD(up);
}

int overlay_hide(const struct oci_config *c, const char *lower, const char *upper,
		 char *const *hidden, struct sbx_error *err)
{
	if (!hidden || !*hidden)
		return 0;
	_cleanup_close_ int lowerfd = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int upperfd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lowerfd < 0 || upperfd < 0)
		return sbx_err_errno(err, errno, "open the overlay layers");
	for (; *hidden; hidden++) {
		char rel[PATH_MAX], base[NAME_MAX + 1];
		if (!strcmp(*hidden, "/") || in_a_volume(c, *hidden))
			continue;
		int r = locate(lowerfd, lower, *hidden, rel, base);
		if (r == -ENOENT)
			continue; /* nothing there to hide */
		_cleanup_close_ int dir = r < 0 ? r : upper_dirs(lowerfd, upperfd, rel);
		if (dir < 0)
			return sbx_err_errno(err, -dir, "hide %s", *hidden);
		if (mknodat(dir, base, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST)
			return sbx_err_errno(err, errno, "hide %s: whiteout", *hidden);
	}
	return 0;
}
