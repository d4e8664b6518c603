/* sbx-trace's own state, shared by its files (private to tools/). */
#ifndef SBX_TOOLS_TRACE_H
#define SBX_TOOLS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>

#include "bpf/cgroup.h"
#include "bpf/events.h"
#include "bpf/lsm.h"
#include "bpf/trace.h"

struct ring_buffer;
typedef struct json_t json_t;
struct sbx_trace;
struct trace_profile;

#define TR_MAX_SANDBOXES 256
#define TR_MAX_PIDS	 32
#define TR_WINDOW_NS	 (150ull * 1000 * 1000) /* how long events wait to be merged */
#define TR_SKEW_NS	 (20ull * 1000 * 1000)	/* a decision record and its syscall's */
#define TR_QUEUE_MAX	 (1u << 17)		/* queued records: past half, the ring waits */
#define TR_FLUSH_MAX	 20000			/* records handled per pass */

enum tr_format { TR_COMPACT, TR_JSON };

/* --action: which decisions to show */
enum tr_action_bit {
	TR_A_ALLOW = 1,
	TR_A_DENY = 2,
	TR_A_EMULATE = 4,
	TR_A_BROKER = 8,
};

struct tr_opts {
	enum tr_format format;
	bool summary;	  /* -c */
	bool stream;	  /* records per syscall: not -c, or --profile */
	bool denied;	  /* --denied */
	unsigned actions; /* TR_A_*; 0: all */
	bool *syscalls;	  /* --syscall: SBX_TRACE_NR_MAX flags, or NULL for all */
	pid_t pids[TR_MAX_PIDS];
	size_t npids;
	size_t ring_bytes;
	const char *profile;  /* --profile OUT.json */
	const char *root;     /* sbx's state root */
	const char *pin_root; /* where sbx-hook pins its containers' layers */
	const char *output;   /* -O FILE, else stdout */
	bool raw_tp;	      /* --raw-tp (tests) */
	char **ids;	      /* sandboxes named, NULL-terminated; none: all */
	char **run_argv;      /* after --: the command to run and trace */
};

struct tr_sandbox {
	char id[SBX_EVENT_ID_LEN];
	char state_dir[4096];
	uint64_t cgroup_id;
	uint32_t slot;
	pid_t init_pid;
	int sub_fd;	/* the sentry's event stream, or -1 */
	int changes_fd; /* the gofer's change log, or -1 */
	char *partial;	/* an incomplete change-log line; grows (a record of two long names that
			 * are not UTF-8 takes tens of KiB) */
	size_t partial_len, partial_cap;
	bool ended;
	uint64_t sentry_lost; /* records its sentry could not send us */
	/* summary: the sentry's decisions per syscall, cgroup-BPF and BPF-LSM denials per hook */
	uint64_t (*decisions)[SBX_ACT__MAX];
	uint64_t cg_denied[SBX_CG_HOOK__MAX];
	uint64_t lsm_denied[SBX_LSM_HOOK__MAX];
	/* a container sbx-hook set up (trace_hooked.c): its cgroup.events, its denial ring */
	struct tr *t;
	char *hook_events;
	struct ring_buffer *hook_rb;
};

enum tr_src { TR_KERNEL, TR_SENTRY, TR_CGROUP, TR_LSM, TR_GOFER };

struct tr_event {
	uint64_t time_ns; /* CLOCK_REALTIME */
	enum tr_src src;
	struct tr_sandbox *sb;
	bool consumed; /* a sentry, cgroup-BPF or BPF-LSM record merged into a kernel one */
	union {
		struct sbx_event ev;	  /* TR_KERNEL, TR_SENTRY, TR_GOFER (pid only) */
		struct sbx_cg_event cg;	  /* TR_CGROUP */
		struct sbx_lsm_event lsm; /* TR_LSM */
	};
	json_t *gofer; /* TR_GOFER: the change-log record, owned */
	/* the decision shown (kernel records: after merging) */
	const char *layer, *action;
	const struct tr_event *sentry; /* the sentry record merged in, or NULL */
	const struct tr_event *bpfev;  /* the cgroup-BPF or BPF-LSM record merged in, or NULL */
};

struct tr {
	struct tr_opts o;
	FILE *out;
	struct sbx_trace *bpf;
	struct ring_buffer *rb;
	int64_t mono_to_real; /* add to a CLOCK_MONOTONIC time */
	struct tr_sandbox *sb[TR_MAX_SANDBOXES];
	size_t nsb;
	uint32_t next_slot;
	/* Waiting to be merged and printed, each in time order: kernel and gofer records in q
	 * (from index qhead), the decision records (sentry, cgroup-BPF, BPF-LSM) in dec. */
	struct tr_event *q;
	size_t qhead, nq, capq;
	struct tr_event *dec;
	size_t ndec, capdec;
	uint64_t dropped;	       /* records we had no room to queue (counted as lost) */
	uint64_t lost_seen;	       /* ring buffer losses already reported */
	struct trace_profile *profile; /* or NULL */
	sigset_t oldmask; /* before we blocked SIGINT, SIGTERM, SIGCHLD: the command gets it */
	int sigfd;	  /* those signals */
};

/* trace_sandbox.c */
struct tr_sandbox *tr_sandbox_new(struct tr *t, const char *id, const char *state_dir,
				  uint64_t cgroup_id, pid_t init_pid, int sub_fd);
/* Attach to a running sandbox by id: its cgroup into the map, its sentry's event stream. */
int tr_attach(struct tr *t, const char *id);
/* Attach to every sandbox under the root not attached yet. */
void tr_attach_all(struct tr *t);
/* Read what the sentry sent; 0, or -EPIPE once it hung up. */
int tr_sentry_read(struct tr *t, struct tr_sandbox *sb);
/* New lines of the gofer's change log. */
void tr_changes_read(struct tr *t, struct tr_sandbox *sb);
struct tr_sandbox *tr_sandbox_by_cgroup(struct tr *t, uint64_t cgroup_id);
void tr_sandbox_free(struct tr_sandbox *sb);

/* trace_hooked.c: a container sbx-hook registered with sbxd. -ENOENT when sbxd does not know
 * it (or does not answer). */
struct sbx_error;
int tr_attach_hooked(struct tr *t, const char *id, struct sbx_error *err);
/* Its denials; marks it ended once its cgroup is empty. */
void tr_hooked_poll(struct tr *t, struct tr_sandbox *sb);

/* trace_loop.c: every record lost so far (kernel ring, our queue, the sentries' sockets);
 * those of the sentries alone. */
uint64_t tr_lost_total(struct tr *t);
uint64_t tr_lost_sentry(const struct tr *t);

/* trace_queue.c */
/* Merge and print what is older than the window (everything with all). */
void tr_queue_flush(struct tr *t, bool all);
int tr_on_kernel(void *ctx, void *data, size_t size);
void tr_on_cgroup(struct tr *t, struct tr_sandbox *sb, const struct sbx_cg_event *cg);
void tr_on_lsm(struct tr *t, struct tr_sandbox *sb, const struct sbx_lsm_event *lsm);
/* The thread (tid) and process (pid) of any record. */
uint32_t tr_event_tid(const struct tr_event *e);
pid_t tr_event_pid(const struct tr_event *e);
void tr_on_sentry(struct tr *t, struct tr_sandbox *sb, const struct sbx_event *ev);
void tr_on_gofer(struct tr *t, struct tr_sandbox *sb, const char *line);

/* trace_print.c */
bool tr_pid_wanted(const struct tr *t, pid_t pid); /* --pid names it, or there is no --pid */
void tr_print(struct tr *t, const struct tr_event *e);
void tr_print_lost(struct tr *t, uint64_t n, uint64_t total);

/* trace_summary.c */
int tr_summary_print(struct tr *t);

/* trace_loop.c: block SIGINT, SIGTERM and SIGCHLD into t->sigfd. 0 or -errno. */
int tr_signals_block(struct tr *t);
/* trace_loop.c: attach or start, follow every source until the end; the exit code. */
int tr_main_loop(struct tr *t);

/* trace_run.c: start the command with SBX_TRACE set; its pid, or -errno. */
pid_t tr_run_start(struct tr *t, char **argv, int *ret_sock);

#endif
