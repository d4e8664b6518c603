/* Private to runtime/cgroup*.c. */
#ifndef SBX_RUNTIME_CGROUP_INTERNAL_H
#define SBX_RUNTIME_CGROUP_INTERNAL_H

#include "runtime/cgroup.h"

#include <stddef.h>

#define CGROUP_MOUNT	     "/sys/fs/cgroup"
#define CGROUP_UNIFIED_MOUNT "/sys/fs/cgroup/unified"
/* Set on parent directories sbx created, so a later process removes only those. */
#define CGROUP_CREATED_XATTR "trusted.sbx.created"
#define CGROUP_MAX_V1	     6
#define CGROUP_MAX_PROCS_TXT (8u << 20)
#define CGROUP_NESTED_MAX    16

/* One hierarchy: the sandbox's directory in it. */
struct cgroup_hier {
	const char *controller; /* "memory", "pids", ...; NULL for v2 */
	char *root;		/* the hierarchy's mount point */
	char *path;		/* root/name */
	bool owned;		/* path is the sandbox's: created here, or found by open */
	int parents_made;	/* deepest parent directories this process created */
};

struct sbx_cgroup {
	enum cgroup_layout layout;
	char *name;
	struct cgroup_hier v2; /* v2.path NULL on a pure v1 host */
	uint64_t v2_id;
	struct cgroup_hier v1[CGROUP_MAX_V1];
	size_t n_v1;
};

/* cgroup_layout.c: an sbx_cgroup with paths for every hierarchy the host has (nothing made). */
int cgroup_new(const char *name, struct sbx_cgroup **ret, struct sbx_error *err);
const struct cgroup_hier *cgroup_find_v1(const struct sbx_cgroup *cg, const char *controller);

/* cgroup_file.c: "dir/file", and writes whose messages name the file. */
int cgroup_file_path(const char *dir, const char *file, char *buf, size_t size);
int cgroup_write(const char *dir, const char *file, const char *value, struct sbx_error *err);
int cgroup_write_u64(const char *dir, const char *file, uint64_t v, struct sbx_error *err);
int cgroup_write_i64(const char *dir, const char *file, int64_t v, struct sbx_error *err);
/* A limit needs a controller this host lacks: the message names the file it would write. */
int cgroup_err_missing(struct sbx_error *err, const char *root, const char *name, const char *file);
bool cgroup_file_exists(const char *dir, const char *file);
/* "key N" lines of a flat-keyed file (memory.events, cgroup.events); -ENOENT if no such key. */
int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);
/* The pids in dir/cgroup.procs; *ret_pids malloc'd (NULL when empty). */
int cgroup_read_pids(const char *dir, pid_t **ret_pids, size_t *ret_n);
/* fn(path, data) for each cgroup below dir, children before their parent. */
int cgroup_for_each_child(const char *dir, int depth, int (*fn)(const char *path, void *data),
			  void *data);

/* cgroup_v1.c, cgroup_v2.c */
int cgroup_v1_apply(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err);
/* The limits alone (memory, pids, cpu), without the device list: for update. */
int cgroup_v1_apply_limits(struct sbx_cgroup *cg, const struct oci_resources *res,
			   struct sbx_error *err);
int cgroup_v2_enable_controllers(struct sbx_cgroup *cg, const struct oci_resources *res,
				 struct sbx_error *err);
int cgroup_v2_apply(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err);
uint64_t cgroup_shares_to_weight(uint64_t shares);

/* cgroup_kill.c: rmdir the sandbox's directories and its parents sbx made, when empty. */
int cgroup_remove_dirs(struct sbx_cgroup *cg, struct sbx_error *err);

#endif
