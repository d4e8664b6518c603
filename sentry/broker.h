/* Private to the broker (sentry/broker*.c): reading a caller's path arguments, turning them
 * into container paths, and sending a request to the gofer. */
#ifndef SBX_SENTRY_BROKER_H
#define SBX_SENTRY_BROKER_H

#include "gofer/gofer.h"
#include "sentry/internal.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* One path argument: as the caller passed it (read once), and as the container sees it. */
struct broker_path {
	char arg[PATH_MAX];
	char abs[GOFER_PATH_MAX]; /* container-absolute, not normalized (the gofer resolves it) */
	bool private_mount;	  /* at or under one of the sandbox's private mounts */
	int magic_fd;		  /* >= 0: p->abs is exactly /proc/self/fd/<magic_fd> */
};

/* Read a NUL-terminated path of at most PATH_MAX bytes: -EFAULT, -ENAMETOOLONG. Does not check
 * the notification live (broker_call does, before it sends anything). */
int broker_read_path(struct sentry_call *c, uint64_t addr, struct broker_path *ret);

/* Make p->abs from p->arg and the caller's cwd or dirfd; set p->private_mount. Reads /proc:
 * check the notification afterwards (broker_call does). */
int broker_locate(struct sentry_call *c, int dirfd, struct broker_path *p);

/* A path that is exactly the magic link /proc/self/fd/N, for a request that follows its last
 * component: the request names the file fd N holds instead (not followed any further), as the
 * kernel would. Call after broker_locate, before the private-mount check. */
void broker_fd_object(struct sentry_call *c, struct broker_path *p, struct gofer_request *req);

/* Whether a container path is at or under a private mount (lexically). */
bool broker_is_private(const struct sentry *s, const char *path);
/* At or under a mount that is read-only even for the gofer (a read-only volume). */
bool broker_is_readonly(const struct sentry *s, const char *path);

/* Let the kernel run the call (SECCOMP_USER_NOTIF_FLAG_CONTINUE); see broker.c. */
int64_t broker_continue(struct sentry_call *c);

/* A failure before the gofer was asked: the call is refused with -err. */
int64_t broker_fail(struct sentry_call *c, int err);

/* Fill the caller, check the notification is live, ask the gofer. An fd from the gofer is
 * installed in the caller (atomically with the reply) and its number returned. The gofer gone
 * (-EPIPE) ends the sandbox. Sets c->action. */
int64_t broker_call(struct sentry_call *c, struct gofer_request *req, const char *path,
		    const char *path2, const char *name, const void *value);

/* The same, passing `pass_fd` with the request (GOFER_LINK_FD); it stays ours. */
int64_t broker_call_fd(struct sentry_call *c, struct gofer_request *req, int pass_fd,
		       const char *path, const char *path2, const char *name, const void *value);

/* One path already read, one request: locate, CONTINUE on a private mount, else broker. */
int64_t broker_path_do(struct sentry_call *c, int dirfd, struct broker_path *p,
		       struct gofer_request *req);

/* The same, reading the path first. */
int64_t broker_path_op(struct sentry_call *c, int dirfd, uint64_t addr, struct gofer_request *req);

/* broker_fd.c (fd-based calls): the caller's `fd` (AT_FDCWD too when `empty_path`: the
 * call's path is "" with AT_EMPTY_PATH) on the container's read-only root or a volume is
 * brokered by its container path (AT_SYMLINK_NOFOLLOW); any other fd, a gofer fd, one on a
 * private mount, or one without a name in the container, is left to the kernel (CONTINUE). */
int64_t broker_fd_op(struct sentry_call *c, int fd, bool empty_path, struct gofer_request *req,
		     const char *name, const void *value);

/* The same for GOFER_UTIMENS, the times read (and checked) into req: both UTIME_OMIT, or
 * futimens' invalid flags or AT_FDCWD, get the kernel's answer. */
int64_t broker_fd_times(struct sentry_call *c, int fd, bool empty_path, uint64_t flags,
			struct gofer_request *req);

/* linkat(fd, "", newdirfd, newpath, AT_EMPTY_PATH) (`empty_path`), or linkat of the magic
 * link /proc/self/fd/<fd> with AT_SYMLINK_FOLLOW; newpath read. An fd on the read-only mount
 * is linked by its name (GOFER_LINK), any other (an O_TMPFILE) by the fd itself
 * (GOFER_LINK_FD); a closed fd, a nameless read-only file and most links to a private mount
 * get the kernel's answer. `req` is filled here. */
int64_t broker_fd_link(struct sentry_call *c, int fd, bool empty_path, int newdirfd,
		       struct broker_path *newp, struct gofer_request *req);

/* broker_xattr.c: an xattr name as the kernel reads it (ERANGE: empty or too long). */
int broker_read_xattr_name(struct sentry_call *c, uint64_t addr, char *name);

/* broker_transport.c: the client side of gofer/gofer.h's protocol (as gofer_call; `groups`
 * holds req->groups_len gids; `pass_fd` >= 0 goes with the request, and stays ours). */
int64_t broker_gofer_call(int sock, const struct gofer_request *req, const uint32_t *groups,
			  int pass_fd, const char *path, const char *path2, const char *name,
			  const void *value, int *ret_fd);

#endif
