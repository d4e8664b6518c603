/* sbxd, one per node: the control socket (register/list), the seccomp agent for runc and crun
 * (linux.seccomp.listenerPath), garbage collection, metrics, and the node-wide pinned map.
 * Private to sbxd (tools/sbxd_*.c); its clients use lib/sbxd_client.h. */
#ifndef SBX_TOOLS_SBXD_H
#define SBX_TOOLS_SBXD_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/events.h"
#include "lib/error.h"
#include "runtime/state.h"

#define SBXD_VERSION	   "0.1"
#define SBXD_MAX_SANDBOXES 4096
#define SBXD_ID_MAX	   128

struct sbxd_opts {
	const char *socket, *agent_socket, *metrics_socket, *state, *bpffs, *sbx_root;
	const char *sentry, *sbx;  /* sbx-sentry and sbx programs */
	const char *hook_pin_root; /* where sbx-hook pins its layers (its --pin-dir), on a bpffs */
	const char *sentry_cgroup; /* the agent's sentries' cgroup name, or NULL (cgroup.c) */
	const char *cgroup_root;   /* where the host's cgroup hierarchies are mounted */
	const char *cgroupns;	   /* a cgroup namespace to enter at start-up, or NULL */
	int metrics_port;	   /* 0: none */
	int gc_interval_ms;
	bool cleanup;
};

/* One sandbox sbxd knows of. Persisted as <state>/sandboxes/<key>.json. */
struct sbxd_sandbox {
	char key[SBXD_ID_MAX + 24]; /* id, or id@pid for the agent's (one per notify fd) */
	char id[SBXD_ID_MAX + 1];
	char source[8]; /* "sbx", "hook", "agent" */
	pid_t pid;	/* the container's init */
	uint64_t pid_start;
	pid_t sentry_pid; /* the agent's sentries; 0 otherwise */
	uint64_t sentry_start;
	char *cgroup, *bundle, *policy; /* may be NULL */
	char *stats_dir;		/* where its sentry keeps sentry-stats.json, or NULL */
	uint64_t cgroup_id;		/* v2 cgroup inode, 0 if unknown */
	/* The agent's live sentry, polled by the main loop so that its death ends the container
	 * at once (not persisted; opened by registry_add/load). Only > 0 is an fd: a calloc'ed
	 * sandbox holds none. */
	int sentry_pidfd;
};

/* Counters summed over sentry-stats.json files (metrics.c). */
#define SBXD_ACTIONS	8
#define SBXD_LAT_BOUNDS 16
struct sbxd_totals {
	uint64_t by_action[SBXD_ACTIONS]; /* indexed as enum sbx_event_action */
	uint64_t denied_sentry, denied_cgroup_bpf, denied_lsm, lost;
	uint64_t lat_le_ns[SBXD_LAT_BOUNDS]; /* bucket bounds, from the first file read */
	size_t nle;
	uint64_t lat[SBXD_LAT_BOUNDS + 1]; /* per bucket, not cumulative; last: above all */
	uint64_t lat_sum_ns;
	uint64_t killed_sentry_dead; /* sbxd's own: containers ended because their sentry died */
};

/* The sentry cgroup in each hierarchy: <cgroup root>/<hierarchy>/<name>. */
#define SBXD_MAX_HIERARCHIES 16
struct sbxd_cgroups {
	size_t n; /* 0: sentries stay where sbxd is */
	char dir[SBXD_MAX_HIERARCHIES][PATH_MAX];
};

struct sbxd {
	struct sbxd_opts o;
	struct sbxd_cgroups sentry_cg;
	struct sbxd_sandbox *sb[SBXD_MAX_SANDBOXES];
	size_t n;
	/* The counters of sandboxes that are gone, so that totals never go down; kept in
	 * <state>/retired.json across restarts. */
	struct sbxd_totals retired;
	int pin_fd; /* the pinned registry map, or -1 (bpf.c) */
};

/* log.c: one JSON object per line on stderr: time, level, msg, and the fields. */
void sbxd_log(const char *level, const char *msg, json_t *fields);
#define sbxd_info(msg, ...)  sbxd_log("info", msg, json_pack(__VA_ARGS__))
#define sbxd_warn(msg, ...)  sbxd_log("warn", msg, json_pack(__VA_ARGS__))
#define sbxd_error(msg, ...) sbxd_log("error", msg, json_pack(__VA_ARGS__))

/* proc.c */
bool sbxd_alive(pid_t pid, uint64_t start);
bool sbxd_id_valid(const char *id);
/* The v2 cgroup (relative to the v2 mount) and the memory cgroup directory of a process. */
int sbxd_proc_cgroups(pid_t pid, char **ret_v2_rel, char **ret_mem_dir);
/* Where the v2 hierarchy is mounted ("" when none). */
const char *sbxd_v2_mount(void);

/* kill.c: a pidfd for pid, if pid is still the process that started at `start` (-ESRCH if
 * not); and SIGKILL the sandbox's processes (its v2 cgroup where it is still the registered
 * one, and its init by a checked pidfd). -ESRCH when its init is gone already. */
int sbxd_pidfd_checked(pid_t pid, uint64_t start);
int sbxd_kill_sandbox(const struct sbxd_sandbox *sb, bool *ret_by_cgroup);

/* registry.c: the sandboxes, in memory and in the state dir. sbxd_sentry_gone closes the
 * sentry pidfd of d->sb[i] once it has fired. */
int sbxd_registry_load(struct sbxd *d);
int sbxd_registry_add(struct sbxd *d, struct sbxd_sandbox *sb, struct sbx_error *err);
void sbxd_registry_remove(struct sbxd *d, size_t i);
json_t *sbxd_sandbox_json(const struct sbxd_sandbox *sb);
void sbxd_sandbox_free(struct sbxd_sandbox *sb);
void sbxd_sentry_gone(struct sbxd_sandbox *sb);

/* control.c: one request on a connected socket. */
void sbxd_control_serve(struct sbxd *d, int conn);

/* agent.c: one runc/crun connection on the agent socket: receive the notify fd and the state,
 * start a sentry for it. */
void sbxd_agent_serve(struct sbxd *d, int conn);

/* spawn.c: run argv detached (its own session, not our child); fds listed stay open in it.
 * Waits for the program's one report on report_fd (struct monitor_report's layout: a pid_t,
 * then a message): its pid and start time on success, -errno with err set otherwise (the
 * program is killed, by a pidfd, never by a pid that may be reused). Before its exec the program
 * joins d->sentry_cg; if it cannot, it reports why on report_w and never runs. */
int sbxd_spawn_sentry(struct sbxd *d, char *const argv[], const int *keep, size_t nkeep,
		      int report_w, int report_r, pid_t *ret_pid, uint64_t *ret_start,
		      struct sbx_error *err);

/* cgroup.c: the agent's sentries outside sbxd's pod. sbxd_cgroups_setup finds every hierarchy
 * under root and makes `name` in each (idempotent); sbxd_cgroups_join moves the calling process
 * there (in the sentry's process, before its exec; the reason in msg on failure). */
bool sbxd_cgroup_name_valid(const char *name);
int sbxd_cgroupns_enter(const char *path, struct sbx_error *err);
int sbxd_cgroups_setup(const char *root, const char *name, struct sbxd_cgroups *ret,
		       struct sbx_error *err);
int sbxd_cgroups_join(const struct sbxd_cgroups *cg, char *msg, size_t len);

/* gc.c: collect what dead sandboxes left. Returns the keys/ids collected (a JSON array). */
json_t *sbxd_gc(struct sbxd *d);
/* An agent's sandbox whose sentry is gone without recording its end (SIGKILL, OOM) while its
 * init still runs: nothing mediates it any more. */
bool sbxd_unserved(const struct sbxd_sandbox *sb);

/* metrics.c */
char *sbxd_metrics_text(struct sbxd *d);
void sbxd_metrics_serve(struct sbxd *d, int conn);
void sbxd_retire_stats(struct sbxd *d, const struct sbxd_sandbox *sb);
void sbxd_retired_load(struct sbxd *d);
void sbxd_count_sentry_kill(struct sbxd *d); /* sbx_sandboxes_killed_total, kept in retired */

/* bpf.c: the node-wide pinned map under --bpffs: cgroup ids of the sandboxes. */
int sbxd_bpf_open(struct sbxd *d);
void sbxd_bpf_update(struct sbxd *d, const struct sbxd_sandbox *sb, bool add);
int sbxd_bpf_cleanup(const struct sbxd_opts *o);

#endif
