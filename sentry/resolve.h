/* Resolving a caller's path inside the caller's root, for handlers that act on files. */
#ifndef SBX_SENTRY_RESOLVE_H
#define SBX_SENTRY_RESOLVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct sentry_call;

struct sentry_path {
	int root;	  /* the caller's root (/proc/<tid>/root), O_PATH */
	int dir;	  /* the start directory of a relative path, O_PATH, or -1 */
	int start;	  /* root or dir: where `parent` is resolved from */
	unsigned resolve; /* RESOLVE_* flags for openat2 */
	bool trailing_slash;
	char full[PATH_MAX * 2]; /* the path to resolve from `start`, then split */
	const char *parent;
	const char *base;
};

/* Read the caller's root and start directory (dirfd as the caller passed it: AT_FDCWD or an
 * fd of the caller) and split `path`. Call sentry_path_done() whatever it returns. */
int sentry_path_prepare(const struct sentry_call *c, int dirfd, const char *path,
			struct sentry_path *ret);

/* The parent directory, opened O_PATH; fails as the kernel would for a name that cannot be
 * created (EEXIST for "/", "." and "..", ENOENT/EEXIST for a trailing slash). */
int sentry_path_open_parent(const struct sentry_path *p);

void sentry_path_done(struct sentry_path *p);

/* For the broker. The caller's path as the container sees it, not normalized: `path` itself
 * if absolute, else the container path of the caller's cwd (AT_FDCWD) or dirfd joined with it
 * ("" gives the directory itself). -EBADF for a dirfd that is not open, -ENOTDIR for one that
 * is not a directory, -ENOENT when the directory has no name inside the caller's root (deleted,
 * or outside it), -ENAMETOOLONG when the result does not fit. */
int sentry_path_in_container(const struct sentry_call *c, int dirfd, const char *path, char *buf,
			     size_t size);

/* The container path of the caller's fd `fd` (any type of file), -ENOENT when it has none
 * inside the caller's root (a pipe, a socket, a file of the gofer's view). */
int sentry_fd_in_container(const struct sentry_call *c, int fd, char *buf, size_t size);

#endif
