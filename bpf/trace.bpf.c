/* Syscall tracing for sbx-trace: sys_enter/sys_exit and process exec/exit, for the tasks of
 * the cgroups in sbx_tr_cgroups only (everyone else pays one hash lookup per hook).
 *
 * Summary mode aggregates per (sandbox, process, syscall) in a per-CPU hash: no per-event
 * traffic. Stream mode also puts one struct sbx_event per syscall on a ring buffer; when it is
 * full the record is counted as lost, never dropped silently.
 *
 * A syscall that returns without having entered (sys_exit with no sys_enter before it) was
 * refused before the kernel ran it: seccomp's errno action, or an answer from the sentry
 * (seccomp runs before the sys_enter tracepoint). A task's first return after tracing began
 * is not counted: it may be a syscall that started before (or a child's return from fork).
 *
 * tp_btf programs where the kernel has BTF; raw_tp ones otherwise (the loader picks). The
 * raw_tp variants read registers through a fixed x86_64 layout and keep per-task state in a
 * hash; they have no exec file name and no exit code. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/events.h"
#include "bpf/trace.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool stream; /* emit one record per syscall */

struct sbx_trace_counters counters;

#define IDLE (-1)
#define EXEC (-3) /* armed during an execve: its return is the first thing traced */
#define FORK (-4) /* a child of a traced task: its first return is from fork */

/* Only tasks of traced cgroups have one (created at their first traced syscall), so on the
 * other hooks its absence says "not traced" without a cgroup lookup. */
struct task_state {
	__u64 ts;   /* sys_enter time */
	__u32 slot; /* the sandbox's, from sbx_tr_cgroups */
	__u32 _pad;
	__u64 args[6];	/* stream mode */
	__s32 pending;	/* the syscall entered + 1; 0: none seen yet; IDLE: none now */
	__u16 flags;	/* SBX_EVF_PATH / SBX_EVF_SOCKADDR */
	__u16 path_len; /* with its NUL */
	char path[SBX_EVENT_PATH_LEN];
};

/* The layout of x86_64 struct pt_regs (the ptrace ABI), for the raw_tp variants. */
struct sbx_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SBX_TRACE_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, struct sbx_trace_cgroup);
} sbx_tr_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SBX_TRACE_NR_MAX);
	__type(key, __u32);
	__type(value, __u8);
} sbx_tr_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SBX_TRACE_STATS_MAX);
	__type(key, struct sbx_trace_key);
	__type(value, struct sbx_trace_stat);
} sbx_tr_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* sbx-trace --buffer-size */
} sbx_tr_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} sbx_tr_task SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct task_state);
} sbx_tr_task_h SEC(".maps");

/* An empty state for the hash variant to copy in. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct task_state);
} sbx_tr_zero SEC(".maps");

static __always_inline struct sbx_trace_cgroup *traced(void)
{
	__u64 cg = bpf_get_current_cgroup_id();
	struct sbx_trace_cgroup *c = bpf_map_lookup_elem(&sbx_tr_cgroups, &cg);
	return c && c->armed ? c : NULL;
}

static __always_inline struct task_state *state_btf(bool create)
{
	return bpf_task_storage_get(&sbx_tr_task, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline struct task_state *state_hash(bool create)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct task_state *st = bpf_map_lookup_elem(&sbx_tr_task_h, &tid);
	struct task_state *z;

	if (st || !create || !(z = bpf_map_lookup_elem(&sbx_tr_zero, &zero)))
		return st;
	bpf_map_update_elem(&sbx_tr_task_h, &tid, z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sbx_tr_task_h, &tid);
}

/* Stream mode, at entry: the path or socket address argument, read while it is still there
 * (execve replaces the memory it points into). For display only: nothing decides on it. */
static __always_inline void read_arg(struct task_state *st, long nr)
{
	__u32 key = (__u32)nr;
	__u8 *a = bpf_map_lookup_elem(&sbx_tr_args, &key);
	long n;

	st->flags = 0;
	st->path_len = 0;
	if (!a || !*a)
		return;
	if (*a & 0x0f) {
		n = bpf_probe_read_user_str(st->path, sizeof(st->path),
					    (void *)st->args[((*a & 0x0f) - 1) & 7]);
		if (n > 0) {
			st->flags = SBX_EVF_PATH;
			st->path_len = (__u16)n;
		}
	} else {
		/* struct sockaddr_in6 is 28 bytes; sockaddr_un up to 110 */
		__u32 i = ((*a >> 4) - 1) & 7;
		__u64 len = i < 5 ? st->args[i + 1] : 0;
		if (len > 110)
			len = 110;
		if (len && bpf_probe_read_user(st->path, len & 127, (void *)st->args[i]) == 0) {
			st->flags = SBX_EVF_SOCKADDR;
			st->path_len = (__u16)len;
		}
	}
}

/* Stream mode copies the arguments first (the caller fills st->args). */
static __always_inline void on_enter(struct task_state *st, long nr)
{
	st->pending = (__s32)nr + 1;
	if (stream)
		read_arg(st, nr);
	st->ts = bpf_ktime_get_ns(); /* last: the latency is the syscall's, not ours */
}

static __always_inline void count(const struct task_state *st, __u32 nr, long ret, __u64 lat,
				  bool refused)
{
	struct sbx_trace_key k = {
	    .slot = st->slot, .pid = bpf_get_current_pid_tgid() >> 32, .nr = nr};
	struct sbx_trace_stat *s = bpf_map_lookup_elem(&sbx_tr_stats, &k);

	if (!s) {
		struct sbx_trace_stat z = {.min_ns = ~0ULL};
		bpf_map_update_elem(&sbx_tr_stats, &k, &z, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&sbx_tr_stats, &k);
		if (!s) {
			__sync_fetch_and_add(&counters.stats_full, 1);
			return;
		}
	}
	s->calls++;
	if (ret < 0 && ret >= -4095)
		s->errors++;
	if (refused) {
		s->refused++;
		return;
	}
	s->total_ns += lat;
	/* an update from BPF zeroes the other CPUs' copies: their first call sets the minimum */
	if (s->calls - s->refused == 1 || lat < s->min_ns)
		s->min_ns = lat;
	if (lat > s->max_ns)
		s->max_ns = lat;
}

static __always_inline void fill(struct sbx_event *e, __u16 kind, __s32 nr, long ret, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->version = SBX_EVENT_VERSION;
	e->source = SBX_SRC_KERNEL;
	e->action = SBX_ACT_ALLOW;
	e->kind = kind;
	e->syscall_nr = nr;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->flags = 0;
	e->path_len = 0;
	e->time_ns = now;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->result = ret;
	e->latency_ns = 0;
	__builtin_memset(e->args, 0, sizeof(e->args));
	__builtin_memset(e->sandbox, 0, sizeof(e->sandbox));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* No wake-up per record: the reader drains the ring on a short tick (sbx-trace), so the
 * traced task never pays for waking it. */
static __always_inline void submit(void *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline void fill_syscall(struct sbx_event *e, struct task_state *st, __u32 nr,
					 long ret, __u64 lat, bool refused, bool noargs)
{
	/* an entered call's return time is known: no second clock read */
	fill(e, SBX_KIND_SYSCALL, (__s32)nr, ret, refused ? bpf_ktime_get_ns() : st->ts + lat);
	e->latency_ns = lat;
	e->flags = refused ? SBX_EVF_REFUSED : SBX_EVF_ENTERED;
	if (nr & SBX_TRACE_COMPAT) {
		e->flags |= SBX_EVF_COMPAT;
		e->syscall_nr = (__s32)(nr & ~SBX_TRACE_COMPAT);
	}
	if (noargs)
		e->flags |= SBX_EVF_NOARGS;
	if (!refused)
		__builtin_memcpy(e->args, st->args, sizeof(e->args));
}

/* A record with the path is reserved, filled and submitted on a branch of its own: with one
 * reservation of either size and a second test before the copy, the 6.1 verifier (Debian's
 * guest kernel) saw the short record meet the path copy and refused the program. */
static __always_inline void emit(struct task_state *st, __u32 nr, long ret, __u64 lat, bool refused,
				 bool noargs)
{
	struct sbx_event *e;

	if (!refused && st->flags) {
		e = bpf_ringbuf_reserve(&sbx_tr_events, sizeof(*e), 0);
		if (!e) {
			__sync_fetch_and_add(&counters.lost, 1);
			return;
		}
		fill_syscall(e, st, nr, ret, lat, refused, noargs);
		e->flags |= st->flags;
		e->path_len = st->path_len;
		bpf_probe_read_kernel(e->path, sizeof(e->path), st->path);
		submit(e);
		return;
	}
	e = bpf_ringbuf_reserve(&sbx_tr_events, __builtin_offsetof(struct sbx_event, path), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.lost, 1);
		return;
	}
	fill_syscall(e, st, nr, ret, lat, refused, noargs);
	submit(e);
}

/* nr: the syscall number, | SBX_TRACE_COMPAT for a 32-bit one. */
static __always_inline void on_exit(struct task_state *st, long nr, long ret)
{
	bool refused, noargs = st->pending == EXEC;
	__u64 lat = 0;

	if (nr < 0 || (nr & ~SBX_TRACE_COMPAT) >= SBX_TRACE_NR_MAX)
		return;
	if (st->pending == FORK) {
		st->pending = IDLE; /* the child's return from fork: the parent's call */
		return;
	}
	if (st->pending == (__s32)nr + 1 || (noargs && (nr == 59 || nr == 322))) {
		lat = bpf_ktime_get_ns() - st->ts; /* the one clock read of a return */
		refused = false;
	} else if (st->pending == IDLE) {
		refused = true; /* seen before, nothing entered: refused */
	} else {
		st->pending = IDLE; /* first return since tracing began: not counted */
		return;
	}
	st->pending = IDLE;
	count(st, (__u32)nr, ret, lat, refused);
	if (stream)
		emit(st, (__u32)nr, ret, lat, refused, noargs);
}

/* exit and exit_group never return: count them when the task goes. */
static __always_inline void on_task_exit(struct task_state *st)
{
	if (st && (st->pending == 60 + 1 || st->pending == 231 + 1)) {
		__u32 nr = (__u32)st->pending - 1;
		count(st, nr, 0, 0, false);
		if (stream)
			emit(st, nr, 0, 0, false, false);
		st->pending = IDLE;
	}
}

static __always_inline void emit_exit(int code)
{
	struct sbx_event *e;

	if (!stream)
		return;
	e = bpf_ringbuf_reserve(&sbx_tr_events, __builtin_offsetof(struct sbx_event, path), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.lost, 1);
		return;
	}
	fill(e, SBX_KIND_EXIT, -1, code, bpf_ktime_get_ns());
	submit(e);
}

/* The first exec in a cgroup added unarmed (sbx-trace -- sbx run) arms it: the sandbox's
 * own set-up before the workload is not traced. */
static __always_inline struct sbx_trace_cgroup *arm(struct task_state *(*state)(bool))
{
	__u64 cg = bpf_get_current_cgroup_id();
	struct sbx_trace_cgroup *c = bpf_map_lookup_elem(&sbx_tr_cgroups, &cg);
	struct task_state *st;

	if (!c || c->armed)
		return c;
	c->armed = 1;
	/* the execve under way returns next: count it, from here */
	if ((st = state(true))) {
		st->slot = c->slot;
		st->pending = EXEC;
		st->flags = 0;
		st->ts = bpf_ktime_get_ns();
	}
	return c;
}

/* The task's state if it is traced: it has one already, or its cgroup is armed in
 * sbx_tr_cgroups (one hash lookup: all an untraced task pays, at sys_enter only). */
static __always_inline struct task_state *tracked(struct task_state *(*state)(bool))
{
	struct task_state *st = state(false);
	struct sbx_trace_cgroup *cg;

	if (st)
		return st;
	if (!(cg = traced()) || !(st = state(true)))
		return NULL;
	st->slot = cg->slot;
	return st;
}

/* tp_btf */

/* SBX_TRACE_COMPAT when the current syscall is a 32-bit one (TS_COMPAT): its number is an
 * i386 one and must not be read as x86_64's. */
static __always_inline long compat(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	return t->thread_info.status & 0x0002 /* TS_COMPAT */ ? SBX_TRACE_COMPAT : 0;
}

/* A child of a traced task is traced from its first syscall: its refusals too. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sbx_tr_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_state *st = state_btf(false), *cs;

	if (!st ||
	    !(cs = bpf_task_storage_get(&sbx_tr_task, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE)))
		return 0;
	cs->slot = st->slot;
	cs->pending = FORK;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sbx_tr_enter, struct pt_regs *regs, long id)
{
	struct task_state *st = tracked(state_btf);

	if (!st)
		return 0;
	if (stream) { /* a BTF pointer: plain loads */
		st->args[0] = regs->di;
		st->args[1] = regs->si;
		st->args[2] = regs->dx;
		st->args[3] = regs->r10;
		st->args[4] = regs->r8;
		st->args[5] = regs->r9;
	}
	on_enter(st, id | compat());
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sbx_tr_exit, struct pt_regs *regs, long ret)
{
	struct task_state *st = state_btf(false);

	if (st)
		on_exit(st, regs->orig_ax | compat(), ret);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sbx_tr_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct sbx_event *e;

	if (!arm(state_btf) || !stream)
		return 0;
	e = bpf_ringbuf_reserve(&sbx_tr_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.lost, 1);
		return 0;
	}
	fill(e, SBX_KIND_EXEC, -1, 0, bpf_ktime_get_ns());
	long n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	e->flags = n > 0 ? SBX_EVF_PATH : 0;
	e->path_len = n > 0 ? (__u16)n : 0;
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sbx_tr_task_exit, struct task_struct *p)
{
	struct task_state *st = state_btf(false);

	if (!st)
		return 0;
	on_task_exit(st);
	if (p->pid == p->tgid)
		emit_exit(p->exit_code);
	return 0;
}

/* raw_tp, for kernels without BTF */

SEC("raw_tp/sys_enter")
int BPF_PROG(sbx_tr_enter_raw, struct sbx_regs *regs, long id)
{
	struct task_state *st = tracked(state_hash);
	struct sbx_regs r;

	if (!st)
		return 0;
	if (stream && bpf_probe_read_kernel(&r, sizeof(r), regs) == 0) {
		st->args[0] = r.di;
		st->args[1] = r.si;
		st->args[2] = r.dx;
		st->args[3] = r.r10;
		st->args[4] = r.r8;
		st->args[5] = r.r9;
	}
	on_enter(st, id);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sbx_tr_exit_raw, struct sbx_regs *regs, long ret)
{
	struct task_state *st = state_hash(false);
	__u64 nr = 0;

	if (!st)
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
	on_exit(st, (long)nr, ret);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(sbx_tr_exec_raw)
{
	arm(state_hash);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sbx_tr_texit_raw)
{
	struct task_state *st = state_hash(false);
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (!st)
		return 0;
	on_task_exit(st);
	if (tid == id >> 32)
		emit_exit(-1);
	bpf_map_delete_elem(&sbx_tr_task_h, &tid);
	return 0;
}
