/* The sentry: one per sandbox. Receives seccomp user notifications, dispatches each to a
 * handler (emulate, deny), replies, and reports every decision as a struct sbx_event.
 *
 * Its entry point takes notify fds and a sandbox description; it does not care which process
 * handed them over (sbx's own container init, or later runc/crun via listenerPath). */
#ifndef SBX_SENTRY_H
#define SBX_SENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct sbx_cg_counters;
struct sbx_lsm_counters;
struct sbx_error;
struct sentry;

struct sentry_config {
	const char *id;		   /* sandbox id */
	const char *state_dir;	   /* stats are written here at the end; NULL: nowhere */
	const char *cgroup_v2;	   /* the sandbox's v2 cgroup directory (process count), or NULL */
	const char *cgroup_mem;	   /* a memory cgroup directory (limit, usage; v1 or v2), or NULL */
	uint64_t cgroup_id;	   /* inode of the v2 cgroup, carried in events; 0 if unknown */
	struct timespec boot_time; /* CLOCK_BOOTTIME when the sandbox started: sysinfo uptime */
	bool audit;		   /* policy mode audit: unhandled notifications CONTINUE */
	/* sbx.emulate names mknod / mknodat. With a gofer both are notified anyway (regular files
	 * and FIFOs are brokered): a device node is then made by the sentry only when emulated. */
	bool emulate_mknod, emulate_mknodat;
	bool log_decisions; /* log denials (info), other decisions (debug); off when the log goes
			       nowhere, so the notify path does no formatting */
	pid_t init_pid;	    /* the sandbox's init (host pid), or 0 */
	int init_pidfd;	    /* pidfd of init (the sentry ends when it has exited), or -1 */
	int control_fd;	    /* listening unix socket: more listener fds (exec), or -1 */
	int events_fd;	    /* listening SOCK_SEQPACKET socket for event subscribers, or -1 */
	/* Brokering (issue 3). The container's own mounts of its root and volumes are read-only;
	 * the sentry sends each notified file change to the gofer on gofer_fd (a connected
	 * SOCK_SEQPACKET socket, gofer/gofer.h; borrowed: keep it open until sentry_free). -1
	 * (or 0, which configs written before this field leave there): no brokering, and the
	 * brokered syscalls, if the policy notifies them anyway, fail with EROFS. */
	int gofer_fd;
	/* NULL-terminated container paths of the container's own writable mounts ("/tmp",
	 * "/dev", "/dev/shm", "/proc", "/sys", "/run", ...): a call whose path is at or under
	 * one is not brokered, the kernel runs it (CONTINUE). Borrowed; NULL: none. */
	const char *const *private_mounts;
	/* Container paths of read-only volumes: statfs keeps ST_RDONLY there (borrowed). */
	const char *const *ro_mounts;
	/* Denials of the sandbox's cgroup-BPF programs (bpf/cgroup.h), mapped from their
	 * counter map; written to the statistics. Borrowed; NULL: no such layer. */
	const volatile struct sbx_cg_counters *cgroup_bpf;
	/* Their denial ring buffer: the sentry consumes it and sends each struct sbx_cg_event
	 * to its event subscribers (owned from sentry_new on; -1: none). */
	int cgroup_bpf_events_fd;
	/* The same for the sandbox's BPF-LSM programs (bpf/lsm.h): their denial counters (NULL:
	 * no such layer) and ring of struct sbx_lsm_event (owned from sentry_new on; -1: none). */
	const volatile struct sbx_lsm_counters *lsm;
	int lsm_events_fd;
	/* pidfd of the sandbox's keeper (runtime/keeper.h), which ends the sandbox if we die and
	 * holds the BPF-LSM programs: if it exits while init runs, the sandbox is ended (owned
	 * from sentry_new on; -1 or 0: none). */
	int keeper_pidfd;
};

/* sentry_run writes the counters to <state_dir>/SENTRY_STATS_FILE when it returns, and while
 * it runs at most once a second when they changed (sbxd's metrics read it). */
#define SENTRY_STATS_FILE "sentry-stats.json"

#define SENTRY_STATUS_UNKNOWN (-1)

/* How the sandbox ended. */
enum sentry_end {
	SENTRY_END_EXIT,     /* init exited or was killed; *status is its wait status, or
				SENTRY_STATUS_UNKNOWN when init is not our child */
	SENTRY_END_POWEROFF, /* reboot(POWER_OFF or HALT): ended like a VM powering off */
	SENTRY_END_RESTART,  /* reboot(RESTART): ended, restart requested */
	SENTRY_END_HANGUP,   /* no init pidfd and every listener hung up */
};

int sentry_new(const struct sentry_config *cfg, struct sentry **ret, struct sbx_error *err);

/* Take ownership of a notify fd (SECCOMP_FILTER_FLAG_NEW_LISTENER). Sets SYNC_WAKE_UP on it
 * where the kernel has it. */
int sentry_add_listener(struct sentry *s, int notify_fd);

/* Take ownership of a connected socket on which one notify fd will arrive (SCM_RIGHTS), as on
 * the control socket: the container init's, before it has installed its filter. Served by
 * sentry_run, so the sentry can lock itself down before the sandbox starts. */
int sentry_add_pending(struct sentry *s, int conn_fd);

/* Take ownership of a connected SOCK_SEQPACKET socket as an event subscriber (sbx-trace, which
 * handed it to `sbx run` so it misses nothing from the start). It gets the HELLO record. */
int sentry_events_subscribe(struct sentry *s, int fd);

/* Drop to the capabilities the handlers need and install the sentry's own seccomp
 * allow-list. Call once setup is done, before sentry_run. */
int sentry_lockdown(struct sentry *s, struct sbx_error *err);

/* Serve until the sandbox ends. On return *ret_end says how, and *ret_status is init's wait
 * status (for POWEROFF and RESTART: as if killed by SIGINT and SIGHUP, which is what the kernel
 * does for reboot(2) in a PID namespace). */
int sentry_run(struct sentry *s, enum sentry_end *ret_end, int *ret_status, struct sbx_error *err);

/* Write the counters (per syscall and action) as JSON to `path`. */
int sentry_write_stats(struct sentry *s, const char *path);

void sentry_free(struct sentry *s);

#endif
