/* A sandbox's cgroups: its own cgroup v2 directory (always, where the host has a v2 hierarchy:
 * later layers attach BPF programs to it and key maps by its id) plus, on v1 and hybrid hosts,
 * one directory per v1 controller used (memory, pids, cpu, cpuacct, freezer).
 *
 * Names are relative to the root of every hierarchy, e.g. "sbx/<id>". */
#ifndef SBX_RUNTIME_CGROUP_H
#define SBX_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sbx_error;
struct oci_resources;
typedef struct json_t json_t;

enum cgroup_layout {
	CGROUP_V1,     /* v1 controllers only */
	CGROUP_V2,     /* /sys/fs/cgroup is cgroup2 */
	CGROUP_HYBRID, /* v1 controllers, controller-less v2 at /sys/fs/cgroup/unified */
};

/* From the file-system magic of /sys/fs/cgroup and /sys/fs/cgroup/unified. */
int cgroup_detect(enum cgroup_layout *ret, struct sbx_error *err);
const char *cgroup_layout_name(enum cgroup_layout layout);

struct sbx_cgroup;

/* Create the sandbox's cgroups (and missing parents) and apply res (may be NULL). Fails with
 * -EEXIST if the sandbox's cgroup exists already (which is left untouched), and with a message
 * naming the file when a limit cannot be applied. On failure nothing it created remains. */
int cgroup_create(const char *name, const struct oci_resources *res, struct sbx_cgroup **ret,
		  struct sbx_error *err);

/* The cgroups of an existing sandbox (only the directories that exist), for a later process.
 * -ENOENT if none exists. */
int cgroup_open(const char *name, struct sbx_cgroup **ret, struct sbx_error *err);

/* Move pid (0: the caller) into every cgroup of the sandbox. */
int cgroup_enter(const struct sbx_cgroup *cg, pid_t pid, struct sbx_error *err);

/* The v2 directory, NULL on a pure v1 host; its cgroup id (inode number), 0 if none. */
const char *cgroup_v2_path(const struct sbx_cgroup *cg);
/* The v2 cgroup of the sandbox's keeper (keeper.h): a sibling of the sandbox's, "<its>:keeper"
 * (no container id has a ':'), made and removed with it. 0, or -ENOENT without v2. */
int cgroup_keeper_path(const struct sbx_cgroup *cg, char *buf, size_t len);
uint64_t cgroup_v2_id(const struct sbx_cgroup *cg);

/* The directory holding memory.* files (v1 memory or v2), NULL if none. */
const char *cgroup_memory_path(const struct sbx_cgroup *cg);

/* Processes in the sandbox (the most any of its hierarchies lists), or -errno. */
int cgroup_count_procs(const struct sbx_cgroup *cg);

/* Every pid in the sandbox's cgroups (all hierarchies, nested cgroups included), sorted, each
 * once; *ret_pids malloc'd (NULL when empty). */
int cgroup_pids(const struct sbx_cgroup *cg, pid_t **ret_pids, size_t *ret_n);

/* Freeze (on) or thaw the sandbox: cgroup.freeze where the v2 directory has it, else the v1
 * freezer. Freezing waits up to wait_ms for every process to be frozen; if they are not by
 * then, it thaws again and fails with -EBUSY. -ENOTSUP without a freezer. */
int cgroup_freeze(const struct sbx_cgroup *cg, bool on, int wait_ms, struct sbx_error *err);

/* 1 if the sandbox is frozen (all of it), 0 if not or the host has no freezer, -errno. */
int cgroup_frozen(const struct sbx_cgroup *cg);
/* The same for the sandbox cgroup `name`; false when it does not exist. */
bool cgroup_name_frozen(const char *name);

/* Change the limits of a running sandbox (memory, swap, pids, cpu shares, quota and period;
 * fields left 0 are not touched). The message names the file that could not be written. */
int cgroup_update(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err);

/* Resource usage as runc's `events --stats` reports it: an object with cpu (usage in ns,
 * throttling), memory (usage, swap, raw memory.stat), pids (current, limit: 0 for none),
 * and empty blkio, hugetlb, intel_rdt. NULL when out of memory. */
json_t *cgroup_stats(const struct sbx_cgroup *cg);

/* Signal every process in the sandbox: cgroup.kill for SIGKILL where it exists, else freeze,
 * signal each listed pid, thaw. A paused sandbox stays frozen, except after SIGKILL (frozen
 * tasks die only once thawed). Returns 0 or -errno. */
int cgroup_kill_all(const struct sbx_cgroup *cg, int sig);

/* SIGKILL what remains, wait (up to 2 s) for the cgroups to empty, remove every directory of
 * the sandbox and the parents sbx created that are now empty. Idempotent: missing directories
 * are success. Does not free cg. */
int cgroup_destroy(struct sbx_cgroup *cg, struct sbx_error *err);

/* Whether the kernel OOM-killed a process of the sandbox (memory.oom_control or
 * memory.events "oom_kill N" with N > 0). */
bool cgroup_oom_killed(const struct sbx_cgroup *cg);

void cgroup_free(struct sbx_cgroup *cg);

#endif
