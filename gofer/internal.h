/* Private to gofer/: the server state and the helpers the op families share. */
#ifndef SBX_GOFER_INTERNAL_H
#define SBX_GOFER_INTERNAL_H

#include "gofer/gofer.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* creds.c: an identity to act with: fs ids, supplementary groups, effective capabilities. */
struct gofer_identity {
	uint32_t fsuid, fsgid;
	uint32_t cap_eff[2]; /* the effective set itself (ours ∩ the caller's, or ours) */
	uint32_t ngroups;
	gid_t groups[GOFER_GROUPS_MAX];
};

/* creds.c: what is in force. A caller's identity stays in force after its request, so that a
 * run of requests from one caller switches once; `known` is false at start and after a switch
 * failed midway (the next switch then sets everything). */
struct gofer_creds_state {
	bool known;
	struct gofer_identity cur;  /* in force, when `known` */
	struct gofer_identity want; /* the caller of the request being served */
	struct gofer_identity self; /* ours, when `self_ready` */
	bool self_ready;
	bool umask_known;
	mode_t umask;	  /* in force, when `umask_known` */
	mode_t own_umask; /* ours, which the first umask() call returned */
};

struct gofer_server {
	const struct gofer_config *cfg;
	int proc_fd;			/* /proc/self/fd (O_PATH), for canonical paths; or -1 */
	char root_path[GOFER_PATH_MAX]; /* the view root as /proc/self/fd shows it */
	size_t root_len;		/* 0 when the view root shows as "/" */
	dev_t root_dev;			/* the view root, where walking ".." stops */
	ino_t root_ino;
	gid_t groups[GOFER_GROUPS_MAX]; /* our own supplementary groups, restored after ops */
	int ngroups;
	uint32_t cap_eff[2], cap_prm[2], cap_inh[2]; /* our own capabilities */
	const struct gofer_caller *caller;	     /* during an op: who asked */
	/* cfg->policy with each entry's canonical forms added (policy_canon.c); NULL: none */
	const struct gofer_files_policy *policy;
	struct gofer_files_policy policy_canon;
	struct gofer_creds_state creds;
};

/* One side of an operation: a directory and a name in it, as the kernel will see them, and
 * the container path the policy and the change log use. */
struct gofer_where {
	int dir;		 /* O_PATH directory, or -1 */
	char base[NAME_MAX + 2]; /* last component, with "/" kept when the path had one */
	char name[NAME_MAX + 1]; /* last component alone */
	bool trailing_slash;
	char dcanon[GOFER_PATH_MAX]; /* container path of `dir`, canonical */
	char canon[GOFER_PATH_MAX];  /* container path of the object, canonical */
};

void gofer_where_init(struct gofer_where *w);
void gofer_where_done(struct gofer_where *w);

/* resolve.c: everything is resolved under cfg->root_fd with RESOLVE_IN_ROOT. */
int gofer_server_init(struct gofer_server *s, const struct gofer_config *cfg);
void gofer_server_done(struct gofer_server *s);
/* The canonical container path of a directory fd. */
int gofer_canon_dir(struct gofer_server *s, int dirfd, char *buf, size_t len);
/* The parent of `path` and its last component as written ("." and ".." included): for ops on
 * directory entries, which never follow the last component. */
int gofer_open_parent(struct gofer_server *s, const char *path, struct gofer_where *w);
/* The object `path` names: its parent and a last component that is not "." or "..", and, when
 * `follow` (or the path ends in "/"), not a symlink: symlinks are followed here, inside the
 * view. The object need not exist. */
int gofer_locate(struct gofer_server *s, const char *path, bool follow, struct gofer_where *w);
/* Open w->name in w->dir, no symlink followed. */
int gofer_open_at(const struct gofer_where *w, int flags, unsigned mode);

/* creds.c: act as the caller of `m` (fsuid, fsgid, supplementary groups, umask, capabilities),
 * or as ourselves again for a moment (gofer_creds_self / gofer_creds_caller around it).
 * gofer_creds_leave ends the request but leaves the caller's identity in force; it fails only
 * when a switch failed midway and our own identity cannot be restored. gofer_creds_restore
 * makes us ourselves again, umask included (when serving ends). */
int gofer_creds_enter(struct gofer_server *s, const struct gofer_msg *m);
int gofer_creds_leave(struct gofer_server *s);
int gofer_creds_self(struct gofer_server *s);
int gofer_creds_caller(struct gofer_server *s);
int gofer_creds_restore(struct gofer_server *s);

/* policy_canon.c: `in` with the canonical forms of its entries in the view added (see there). */
int gofer_policy_canon(struct gofer_server *s, const struct gofer_files_policy *in,
		       struct gofer_files_policy *out);
void gofer_policy_canon_free(struct gofer_files_policy *p);

/* policy.c: is `canon` at or under one of the container's private mounts? */
bool gofer_policy_private(const struct gofer_files_policy *p, const char *canon);
/* private_walk.c: does `path`, missing from the view, lead onto a private mount? */
bool gofer_leads_to_private(struct gofer_server *s, const char *path);

/* policy.c: 0, or the errno the policy answers for a change at `canon`. */
int gofer_policy_check(const struct gofer_files_policy *p, const char *canon);
/* For rename and rmdir: a protected path strictly beneath `canon` may not be moved. */
int gofer_policy_check_tree(const struct gofer_files_policy *p, const char *canon);

/* attrs.c: locate the object a request names (AT_SYMLINK_NOFOLLOW honoured) and check the
 * policy; a refusal is logged under `op` (NULL: not logged). */
int gofer_prepare_object(struct gofer_server *s, const struct gofer_msg *m, const char *op,
			 struct gofer_where *w);

/* changelog.c */
struct gofer_change {
	const char *op;
	const char *path, *path2;
	int refused; /* positive errno of a policy refusal, or 0 */
	long mode;   /* -1: none */
	long long uid, gid;
	long long flags;  /* -1: none */
	long long length; /* -1: none */
	const char *name;
};
void gofer_change_init(struct gofer_change *ch, const char *op);
void gofer_changelog(struct gofer_server *s, const struct gofer_msg *m,
		     const struct gofer_change *ch);
/* A policy refusal: logged, and returned. */
int gofer_refuse(struct gofer_server *s, const struct gofer_msg *m, const char *op,
		 const char *path, const char *path2, int err);

/* The op families: each returns >= 0 or -errno; opens store the fd in *ret_fd. */
int gofer_op_open(struct gofer_server *s, const struct gofer_msg *m, int *ret_fd);
int gofer_op_mkdir(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_mknod(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_unlink(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_rename(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_link(struct gofer_server *s, const struct gofer_msg *m);
/* GOFER_LINK_FD: `fd` is the one the request carried (closed by the caller). */
int gofer_op_link_fd(struct gofer_server *s, const struct gofer_msg *m, int fd);
int gofer_op_symlink(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_chmod(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_chown(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_truncate(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_utimens(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_access_w(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_setxattr(struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_removexattr(struct gofer_server *s, const struct gofer_msg *m);

#endif
