/* Private to sentry/: the sentry's state, the call context handlers see, and the helpers the
 * loop and handlers share. */
#ifndef SBX_SENTRY_INTERNAL_H
#define SBX_SENTRY_INTERNAL_H

#include "bpf/events.h"
#include "sentry/sentry.h"

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

struct sysinfo;
#include <sys/types.h>

#include "lib/seccomp_compat.h"

#define SENTRY_MAX_LISTENERS   256  /* notify fds (init and exec'd processes) */
#define SENTRY_MAX_SUBSCRIBERS 64   /* event subscribers */
#define SENTRY_MAX_PENDING     16   /* control connections not yet sent their fd */
#define SENTRY_STATS_NR	       1024 /* syscall numbers counted individually */
#define SENTRY_STATUS_FDS      8    /* callers' status files kept open (proc.c) */
#define SENTRY_LATENCY_BUCKETS 12   /* bounded latency buckets (stats.c) */
#define SENTRY_STATS_PERIOD_MS 1000 /* statistics written at most this often while running */

struct sentry_listener {
	int fd;
	bool sync_wakeup; /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is on */
};

struct sentry_subscriber {
	int fd;
	uint64_t lost; /* events this subscriber could not take */
};

/* A BPF ring buffer the sentry consumes (ring.c). */
struct sentry_ring {
	int fd;		 /* owned; -1: none */
	size_t size;	 /* of the data area, a power of two */
	size_t rec_size; /* the size of the records forwarded; others are skipped */
	size_t page;
	void *cons, *prod; /* its mappings, or NULL */
};

struct sentry {
	/* Configuration, strings owned. */
	char *id, *state_dir, *cgroup_v2, *cgroup_mem;
	uint64_t cgroup_id;
	const volatile struct sbx_cg_counters *cgroup_bpf; /* borrowed, or NULL */
	const volatile struct sbx_lsm_counters *lsm;	   /* borrowed, or NULL */
	struct timespec boot_time;
	bool audit;
	bool emulate_mknod, emulate_mknodat; /* see struct sentry_config */
	bool log_decisions;
	pid_t init_pid;
	int init_pidfd; /* owned; reaped when readable */
	int kill_pidfd; /* owned; init's pidfd for killing when we are not its parent, or -1 */
	int control_fd; /* owned */
	int events_fd;	/* owned */
	struct sentry_ring cg_ring;  /* cgroup-BPF's denials (ring.c) */
	struct sentry_ring lsm_ring; /* BPF-LSM's */
	int keeper_pidfd;	     /* owned; see sentry_config.keeper_pidfd */

	struct sentry_listener listeners[SENTRY_MAX_LISTENERS];
	size_t nlisteners;
	struct sentry_subscriber subs[SENTRY_MAX_SUBSCRIBERS];
	size_t nsubs;
	int pending[SENTRY_MAX_PENDING];
	size_t npending;

	/* Notification buffers, sized from SECCOMP_GET_NOTIF_SIZES. */
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	/* Set by a handler that ends the sandbox (reboot). */
	bool end_requested;
	enum sentry_end end;
	int end_status;

	/* Counters. */
	uint64_t notifications;
	uint64_t lost_dropped; /* lost counts of subscribers already gone */
	uint64_t counts[SENTRY_STATS_NR + 1][SBX_ACT__MAX]; /* last row: other numbers */
	char *syscall_names[SENTRY_STATS_NR]; /* resolved at sentry_new, NULL if unknown */
	/* Round trip (RECV to SEND) per notification: counts per bucket of
	 * sentry_latency_bounds_ns, the last one unbounded, and their sum. */
	uint64_t latency_buckets[SENTRY_LATENCY_BUCKETS + 1];
	uint64_t latency_sum_ns;
	/* The statistics file is rewritten while the sandbox runs, at most every
	 * SENTRY_STATS_PERIOD_MS and only when something changed since (stats.c). */
	uint64_t stats_written_ns, stats_written_sig;

	/* sysinfo figures read from files, reused for SYSINFO_CACHE_NS (a loop calling sysinfo
	 * must not cost a dozen file reads per call). */
	struct sysinfo *si_cache;
	uint64_t si_cache_ns;

	/* proc.c: /proc/<tid>/status files of recent callers; tid 0: an empty slot. */
	struct {
		pid_t tid;
		int fd;
	} status_fds[SENTRY_STATUS_FDS];
	unsigned status_next; /* the slot to reuse next */

	gid_t groups[64]; /* the sentry's own supplementary groups, restored after mknod */
	int ngroups;
	long page_size;
	char event_path[SBX_EVENT_PATH_LEN]; /* see struct sentry_call's path_len */

	/* Brokering (broker*.c), borrowed from the config. */
	int gofer_fd;			   /* <= 0: no brokering */
	const char *const *private_mounts; /* NULL-terminated, or NULL */
	const char *const *ro_mounts; /* read-only even for the gofer; NULL-terminated or NULL */
};

/* One notification being handled. */
struct sentry_call {
	struct sentry *s;
	int notify_fd;
	const struct seccomp_notif *req;
	enum sbx_event_action action; /* set by the handler */
	bool cont;		      /* reply SECCOMP_USER_NOTIF_FLAG_CONTINUE */
	uint16_t path_len;	      /* s->event_path holds the first path read (with its NUL) */
};

/* A handler returns the syscall's return value (>= 0) or -errno, and sets c->action. */
typedef int64_t (*sentry_handler_fn)(struct sentry_call *c);

/* handlers.c */
sentry_handler_fn sentry_handler_for(int nr);
int64_t sentry_handle_unknown(struct sentry_call *c);

/* sysinfo.c, mknod.c, reboot.c */
int64_t sentry_handle_sysinfo(struct sentry_call *c);
int64_t sentry_handle_mknod(struct sentry_call *c);
int64_t sentry_handle_mknodat(struct sentry_call *c);
int64_t sentry_handle_reboot(struct sentry_call *c);

/* broker_*.c: file changes brokered to the gofer (see broker.c). */
int64_t sentry_handle_open(struct sentry_call *c);
int64_t sentry_handle_openat(struct sentry_call *c);
int64_t sentry_handle_creat(struct sentry_call *c);
int64_t sentry_handle_openat2(struct sentry_call *c);
int64_t sentry_handle_mkdir(struct sentry_call *c);
int64_t sentry_handle_mkdirat(struct sentry_call *c);
int64_t sentry_handle_unlink(struct sentry_call *c);
int64_t sentry_handle_unlinkat(struct sentry_call *c);
int64_t sentry_handle_rmdir(struct sentry_call *c);
int64_t sentry_handle_rename(struct sentry_call *c);
int64_t sentry_handle_renameat(struct sentry_call *c);
int64_t sentry_handle_renameat2(struct sentry_call *c);
int64_t sentry_handle_link(struct sentry_call *c);
int64_t sentry_handle_linkat(struct sentry_call *c);
int64_t sentry_handle_symlink(struct sentry_call *c);
int64_t sentry_handle_symlinkat(struct sentry_call *c);
int64_t sentry_handle_chmod(struct sentry_call *c);
int64_t sentry_handle_fchmodat(struct sentry_call *c);
int64_t sentry_handle_fchmodat2(struct sentry_call *c);
int64_t sentry_handle_chown(struct sentry_call *c);
int64_t sentry_handle_lchown(struct sentry_call *c);
int64_t sentry_handle_fchownat(struct sentry_call *c);
int64_t sentry_handle_truncate(struct sentry_call *c);
int64_t sentry_handle_utimes(struct sentry_call *c);
int64_t sentry_handle_utime(struct sentry_call *c);
int64_t sentry_handle_utimensat(struct sentry_call *c);
int64_t sentry_handle_futimesat(struct sentry_call *c);
int64_t sentry_handle_setxattr(struct sentry_call *c);
int64_t sentry_handle_lsetxattr(struct sentry_call *c);
int64_t sentry_handle_removexattr(struct sentry_call *c);
int64_t sentry_handle_lremovexattr(struct sentry_call *c);
int64_t sentry_handle_access(struct sentry_call *c);
int64_t sentry_handle_faccessat(struct sentry_call *c);
int64_t sentry_handle_faccessat2(struct sentry_call *c);
int64_t sentry_handle_statfs(struct sentry_call *c);
int64_t sentry_handle_fstatfs(struct sentry_call *c);
/* broker_fd.c: on an fd */
int64_t sentry_handle_fchmod(struct sentry_call *c);
int64_t sentry_handle_fchown(struct sentry_call *c);
int64_t sentry_handle_fsetxattr(struct sentry_call *c);
int64_t sentry_handle_fremovexattr(struct sentry_call *c);
/* mknod(at) of a regular file or FIFO (mknod.c passes them on). */
int64_t sentry_broker_mknod(struct sentry_call *c, int dirfd, uint64_t path, mode_t mode);
int64_t sentry_broker_mknod_other(struct sentry_call *c, int dirfd, uint64_t path, mode_t mode);

/* memory.c: the target's memory; each returns -ENOENT once the notification is stale. */
int sentry_call_valid(const struct sentry_call *c);
int sentry_mem_read(const struct sentry_call *c, uint64_t addr, void *buf, size_t len);
int sentry_mem_write(const struct sentry_call *c, uint64_t addr, const void *buf, size_t len);
/* A NUL-terminated string of at most size-1 bytes, read page by page so that a string ending
 * just before an unmapped page is read whole. -ENAMETOOLONG if no NUL within size bytes. */
int sentry_mem_read_string(const struct sentry_call *c, uint64_t addr, char *buf, size_t size);
/* The same without the check that the notification is live: the string may be another
 * process's (a reused pid). The caller checks (sentry_call_valid) before it acts on the string
 * in any way but answering this notification. */
int sentry_mem_read_string_unchecked(const struct sentry_call *c, uint64_t addr, char *buf,
				     size_t size);

/* proc.c: facts about the calling task from /proc/<tid>/status. */
struct sentry_task_status {
	pid_t tgid;
	mode_t umask;
	uid_t fsuid;
	gid_t fsgid;
	uint64_t cap_eff;
	gid_t groups[64];
	int ngroups;   /* -1: more than fit */
	char comm[16]; /* Name:, for the gofer's change log; may be empty */
};
int sentry_task_status(pid_t tid, struct sentry_task_status *ret);
/* The same for a caller, through a status file kept open per thread (see proc.c); the
 * notification must be checked live afterwards, as for sentry_task_status. */
int sentry_caller_status(struct sentry *s, pid_t tid, struct sentry_task_status *ret);
void sentry_status_fds_close(struct sentry *s);

/* listener.c */
int sentry_listener_remove(struct sentry *s, size_t i);
int sentry_control_accept(struct sentry *s);
int sentry_control_serve(struct sentry *s, size_t i);

/* events.c */
int sentry_events_accept(struct sentry *s);
void sentry_events_emit(struct sentry *s, const struct sbx_event *ev);
/* Send one record of `size` bytes to every subscriber, as sentry_events_emit does. */
void sentry_events_send(struct sentry *s, const void *rec, size_t size);

/* ring.c: take a BPF denial ring (fd: owned from here on, closed on failure; -1: none) and
 * map it; forward the records of rec_size bytes it holds to the subscribers; unmap and close
 * (safe on a ring that was never opened). */
int sentry_ring_open(struct sentry_ring *r, int fd, size_t size, size_t rec_size, size_t page);
void sentry_ring_drain(struct sentry *s, struct sentry_ring *r);
void sentry_ring_close(struct sentry_ring *r);
void sentry_subscriber_remove(struct sentry *s, size_t i);

/* stats.c */
void sentry_stats_count(struct sentry *s, int nr, enum sbx_event_action action,
			uint64_t latency_ns);
/* While the sandbox runs: milliseconds until the statistics file is due (0: now), -1 when
 * nothing changed since it was last written (or there is no state dir). */
int sentry_stats_timeout(const struct sentry *s);
/* Write <state_dir>/SENTRY_STATS_FILE now. */
void sentry_stats_flush(struct sentry *s);
int sentry_stats_init(struct sentry *s);
const char *sentry_syscall_name(const struct sentry *s, int nr);
const char *sentry_action_name(enum sbx_event_action action);

/* notify.c, log.c */
int sentry_handle_one(struct sentry *s, size_t listener);
void sentry_log_event(const struct sentry *s, const struct sbx_event *ev);

/* loop.c */

/* End the sandbox (reboot): kill init, or the caller's process group without one. */
int sentry_end_sandbox(struct sentry *s, pid_t caller, enum sentry_end end, int status);

#endif
