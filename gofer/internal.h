/* Private to gofer/: the server state and the helpers the op families share. */
#ifndef SBX_GOFER_INTERNAL_H
#define SBX_GOFER_INTERNAL_H

#include "gofer/gofer.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define GOFER_GROUPS_MAX 64

struct gofer_server {
	const struct gofer_config *cfg;
	int proc_fd;			/* /proc/self/fd (O_PATH), for canonical paths; or -1 */
	char root_path[GOFER_PATH_MAX]; /* the view root as /proc/self/fd shows it */
	size_t root_len;		/* 0 when the view root shows as "/" */
	gid_t groups[GOFER_GROUPS_MAX]; /* our own supplementary groups, restored after ops */
	int ngroups;
	uint32_t cap_eff[2], cap_prm[2], cap_inh[2]; /* our own capabilities */
};

/* One side of an operation: where it happens, as the kernel will see it and as the container
 * path the policy and the change log use. */
struct gofer_where {
	int dir;		 /* O_PATH parent directory (or the object itself), or -1 */
	char base[NAME_MAX + 2]; /* last component, with "/" kept when the path had one */
	char name[NAME_MAX + 1]; /* last component alone */
	bool trailing_slash;
	char canon[GOFER_PATH_MAX]; /* container path of the object, canonical */
};

void gofer_where_init(struct gofer_where *w);
void gofer_where_done(struct gofer_where *w);

/* resolve.c: everything is resolved under cfg->root_fd with RESOLVE_IN_ROOT. */
int gofer_server_init(struct gofer_server *s, const struct gofer_config *cfg);
void gofer_server_done(struct gofer_server *s);
int gofer_canon_fd(const struct gofer_server *s, int fd, char *buf, size_t len);
int gofer_open_parent(const struct gofer_server *s, const char *path, struct gofer_where *w);
/* The parent of a canonical path, with no symlink allowed on the way. */
int gofer_open_parent_canon(const struct gofer_server *s, const char *canon, struct gofer_where *w);
int gofer_open_object(const struct gofer_server *s, const char *path, bool follow,
		      struct gofer_where *w);
int gofer_open_canon(const struct gofer_server *s, const char *canon, int flags, unsigned mode);
/* attrs.c: open the object a request names (AT_SYMLINK_NOFOLLOW honoured) and check the policy;
 * a refusal is logged under `op` (NULL: not logged). */
int gofer_prepare_object(const struct gofer_server *s, const struct gofer_msg *m, const char *op,
			 struct gofer_where *w);

/* creds.c: act as the caller (fsuid, fsgid, no groups, umask, capabilities). */
struct gofer_creds_saved {
	mode_t umask;
};
int gofer_creds_enter(const struct gofer_server *s, const struct gofer_caller *c,
		      struct gofer_creds_saved *saved);
int gofer_creds_leave(const struct gofer_server *s, const struct gofer_creds_saved *saved);

/* policy.c: 0, or the errno the policy answers for a change at `canon`. */
int gofer_policy_check(const struct gofer_files_policy *p, const char *canon);
/* For rename and rmdir: a protected path strictly beneath `canon` may not be moved. */
int gofer_policy_check_tree(const struct gofer_files_policy *p, const char *canon);

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
void gofer_changelog(const struct gofer_server *s, const struct gofer_msg *m,
		     const struct gofer_change *ch);
/* A policy refusal: logged, and returned. */
int gofer_refuse(const struct gofer_server *s, const struct gofer_msg *m, const char *op,
		 const char *path, const char *path2, int err);

/* The op families: each returns >= 0 or -errno; opens store the fd in *ret_fd. */
int gofer_op_open(const struct gofer_server *s, const struct gofer_msg *m, int *ret_fd);
int gofer_op_mkdir(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_mknod(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_unlink(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_rename(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_link(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_symlink(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_chmod(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_chown(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_truncate(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_utimens(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_access_w(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_setxattr(const struct gofer_server *s, const struct gofer_msg *m);
int gofer_op_removexattr(const struct gofer_server *s, const struct gofer_msg *m);

#endif
