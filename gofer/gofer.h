/* The gofer: the only process that can change a sandbox's files. The container's own mounts of
 * its root and of every volume are read-only; the sentry stops each syscall that would change a
 * file, reads its arguments from the caller once, and sends the gofer a request in the fixed
 * format below. The gofer re-validates every field as if the sentry were hostile (bubblewrap's
 * privileged-operation pattern), resolves each path inside its read-write view of the sandbox
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), applies the files policy, performs the
 * change, records it in the change log, and answers with a result (and, for opens, an fd).
 *
 * Transport: a SOCK_SEQPACKET socket; one request per message (struct gofer_request, then the
 * strings it announces, each NUL-terminated, then the caller's supplementary groups), one
 * response per message (struct gofer_response, with the fd as SCM_RIGHTS when has_fd is set).
 * A GOFER_LINK_FD request carries one fd as SCM_RIGHTS, and no other request does: an fd where
 * none belongs, a missing one, or more than one, and the request is refused with -EINVAL. */
#ifndef SBX_GOFER_H
#define SBX_GOFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sbx_error;

#define GOFER_PROTO_VERSION 3
#define GOFER_PATH_MAX	    4096  /* PATH_MAX, NUL included */
#define GOFER_VALUE_MAX	    65536 /* XATTR_SIZE_MAX */
/* Supplementary groups a request can carry. The kernel allows 65536; a caller with more is
 * refused (EPERM) by the sentry rather than sent with some dropped: a group can deny as well as
 * grant (a POSIX ACL entry, or group bits narrower than other's), so a subset is no safe guess. */
#define GOFER_GROUPS_MAX 64
#define GOFER_MSG_MAX                                                                              \
	(sizeof(struct gofer_request) + 2 * GOFER_PATH_MAX + 256 + GOFER_VALUE_MAX +               \
	 GOFER_GROUPS_MAX * sizeof(uint32_t))

enum gofer_op {
	GOFER_OPEN = 1,	   /* path, flags (open(2) flags), mode → fd */
	GOFER_MKDIR,	   /* path, mode */
	GOFER_MKNOD,	   /* path, mode (S_IFREG, S_IFIFO or S_IFSOCK only: no devices) */
	GOFER_UNLINK,	   /* path, flags (0 or AT_REMOVEDIR) */
	GOFER_RENAME,	   /* path → path2, flags (RENAME_NOREPLACE, RENAME_EXCHANGE) */
	GOFER_LINK,	   /* path (existing) → path2 (new), flags (AT_SYMLINK_FOLLOW) */
	GOFER_SYMLINK,	   /* path2 (new link) holding the text `path` (not resolved) */
	GOFER_CHMOD,	   /* path, mode, flags (AT_SYMLINK_NOFOLLOW) */
	GOFER_CHOWN,	   /* path, uid, gid ((uint32_t)-1: unchanged), flags */
	GOFER_TRUNCATE,	   /* path, length */
	GOFER_UTIMENS,	   /* path, times (UTIME_NOW / UTIME_OMIT honoured), flags */
	GOFER_SETXATTR,	   /* path, name, value, flags (XATTR_CREATE/REPLACE; AT_SYMLINK_NOFOLLOW
			      in at_flags) */
	GOFER_REMOVEXATTR, /* path, name, at_flags */
	GOFER_ACCESS_W,	   /* path, mode (R_OK|W_OK|X_OK; W_OK implied), at_flags: would a write
			      be allowed (policy and permissions)? */
	GOFER_LINK_FD,	   /* the file the passed fd holds (an O_TMPFILE too) → path2 (new); no
			      path; at_flags AT_EMPTY_PATH for linkat(fd, "", AT_EMPTY_PATH), which
			      is refused (ENOENT) to a caller with neither CAP_DAC_READ_SEARCH nor
			      the file's ownership; 0 for /proc/self/fd/N with AT_SYMLINK_FOLLOW */
	GOFER__MAX
};

/* Who asked: for ownership of new files, permission checks, and the change log. */
struct gofer_caller {
	uint32_t pid; /* thread group id, host pid namespace */
	uint32_t fsuid, fsgid;
	uint32_t umask;
	uint64_t cap_eff; /* the caller's effective capabilities */
	char comm[16];
};

struct gofer_request {
	uint32_t version;  /* GOFER_PROTO_VERSION */
	uint32_t op;	   /* enum gofer_op */
	uint64_t id;	   /* echoed in the response */
	uint32_t flags;	   /* open flags, RENAME_*, XATTR_* — per op */
	uint32_t at_flags; /* AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH */
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t _pad0;
	int64_t length;
	int64_t times[2][2]; /* {sec, nsec} for atime, mtime */
	uint32_t path_len;   /* bytes of path that follow, NUL included; 0: none */
	uint32_t path2_len;  /* then path2 */
	uint32_t name_len;   /* then an xattr name */
	uint32_t value_len;  /* then an xattr value (not NUL-terminated) */
	uint32_t groups_len; /* then this many uint32_t gids: the caller's supplementary groups
				(any values, as getgroups(2) returns them); <= GOFER_GROUPS_MAX */
	uint32_t _pad1;
	struct gofer_caller caller;
};

/* A result that is no errno: the path leads onto one of the container's private mounts, where
 * the kernel answers (the sentry lets the call run: SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
#define GOFER_RESULT_KERNEL (-4096)

struct gofer_response {
	uint64_t id;
	int64_t result; /* >= 0, or -errno as Linux would return it */
	uint32_t has_fd;
	uint32_t _pad0;
};

/* The files policy the gofer enforces ("sbx": {"files": {...}}): container paths. */
struct gofer_files_policy {
	char **writable;   /* NULL-terminated; NULL: everything writable in a writable view */
	char **readonly;   /* never writable, even under a writable path */
	char **hidden;	   /* do not exist: ENOENT on every brokered call */
	char **ro_volumes; /* container paths of read-only volumes: EROFS */
	/* Container paths of the sandbox's own writable mounts (tmpfs /tmp, /dev, /dev/shm, ...):
	 * the gofer's view has only the directories beneath them, so a path that leads there
	 * (through a symlink in the root) is answered GOFER_RESULT_KERNEL. */
	char **private_mounts;
};

struct gofer_config {
	int root_fd;	/* O_PATH directory: the read-write view of the whole sandbox */
	int changes_fd; /* append-only change log (JSON lines), or -1 */
	const struct gofer_files_policy *policy;
	const char *id; /* sandbox id, for the log */
	int proc_fd;	/* > 2: a directory fd of the gofer's own /proc/<pid>/fd, opened before it
			   lost /proc (canonical paths by readlink instead of walking ".."); 0: open
			   /proc/self/fd if there is one */
};

/* Client side (the sentry): send one request and wait for its answer. `groups` holds
 * req->groups_len gids (may be NULL when that is 0). On success returns the result (>= 0 or
 * -errno from the operation) and stores a received fd in *ret_fd (else -1). A transport
 * failure returns -EPIPE (the gofer is gone: fail closed). */
int64_t gofer_call(int sock, const struct gofer_request *req, const uint32_t *groups,
		   const char *path, const char *path2, const char *name, const void *value,
		   int *ret_fd);
/* The same, passing `pass_fd` (>= 0) with the request (GOFER_LINK_FD); it stays ours. */
int64_t gofer_call_fd(int sock, const struct gofer_request *req, const uint32_t *groups,
		      int pass_fd, const char *path, const char *path2, const char *name,
		      const void *value, int *ret_fd);

/* Server side: serve requests on `sock` until the peer hangs up. */
int gofer_serve(const struct gofer_config *cfg, int sock, struct sbx_error *err);

/* Before gofer_serve (gofer/lockdown.c): keep only the capabilities acting as the caller needs
 * (the bounding, inheritable and ambient sets emptied of the rest), no_new_privs, and a seccomp
 * allow-list of what serving calls; any other syscall kills the process. Irreversible. */
int gofer_lockdown(struct sbx_error *err);

/* Parse and validate one received message (exposed for tests and fuzzing): on success the
 * strings point into `msg`; the groups (req.groups_len of them) are copied out, as they follow
 * strings of any length and so may be misaligned in `msg`. */
struct gofer_msg {
	struct gofer_request req;
	const char *path, *path2, *name; /* NULL when absent (path: only GOFER_LINK_FD) */
	const void *value;
	uint32_t groups[GOFER_GROUPS_MAX];
};
int gofer_decode(const void *msg, size_t len, struct gofer_msg *ret);
/* Whether a decoded request came with the fds its op takes: exactly one for GOFER_LINK_FD,
 * none for the others. 0, or -EINVAL. */
int gofer_check_fds(const struct gofer_msg *m, size_t nfds);

/* The change log (cfg->changes_fd) as `sbx changes` shows it: a table (TIME OP PATH PID COMM,
 * "a -> b" for rename, link and symlink, refusals marked) or, with `json`, the JSON lines as
 * they are. `path` is opened relative to `dirfd` (AT_FDCWD for the cwd). Returns the number of
 * records printed, or -errno. */
int gofer_changes_print(int dirfd, const char *path, bool json, FILE *out);

#endif
