/* sbx-trace: events from the kernel, the sentries, the BPF programs and the gofers wait
 * here for TR_WINDOW_NS, are put in time order, and a syscall record is merged with the
 * decision records about it (same thread and syscall, close in time) before it is printed:
 * that is how a line gets its layer. */
#include "tools/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "lib/event_names.h"
#include "lib/util.h"
#include "tools/trace_decode.h"
#include "tools/trace_profile.h"

/* Threads whose last notification the sentry let through (CONTINUE): their next record of
 * that syscall entered the kernel because the sentry said so. */
#define CONT_SLOTS 256
static struct {
	uint32_t tid;
	int32_t nr;
} continued[CONT_SLOTS];

/* Insert e into a time-ordered array (records arrive nearly in order: walk back from the
 * end). -ENOSPC past TR_QUEUE_MAX queued records. */
static int insert(struct tr_event **v, size_t head, size_t *n, size_t *cap,
		  const struct tr_event *e)
{
	if (*n - head >= TR_QUEUE_MAX)
		return -ENOSPC;
	if (head > 0 && head >= *n / 2) { /* reclaim what was flushed */
		memmove(*v, *v + head, (*n - head) * sizeof(**v));
		*n -= head;
		head = 0;
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct tr_event *nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	size_t i = *n;
	while (i > head && (*v)[i - 1].time_ns > e->time_ns)
		i--;
	memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
	(*v)[i] = *e;
	(*n)++;
	return (int)head;
}

static int push(struct tr *t, const struct tr_event *e)
{
	int r;
	if (e->src == TR_SENTRY || e->src == TR_CGROUP || e->src == TR_LSM)
		r = insert(&t->dec, 0, &t->ndec, &t->capdec, e);
	else if ((r = insert(&t->q, t->qhead, &t->nq, &t->capq, e)) >= 0)
		t->qhead = (size_t)r;
	if (r < 0)
		t->dropped++;
	return r < 0 ? r : 0;
}

static struct tr_sandbox *kernel_sandbox(struct tr *t, uint64_t cgroup_id)
{
	struct tr_sandbox *sb = tr_sandbox_by_cgroup(t, cgroup_id), *unknown = NULL;

	for (size_t i = 0; !sb && i < t->nsb; i++)
		if (!t->sb[i]->cgroup_id)
			unknown = unknown ? NULL : t->sb[i];
	if (!sb && unknown) /* `-- sbx run` before the sentry said hello */
		(sb = unknown)->cgroup_id = cgroup_id;
	return sb;
}

int tr_on_kernel(void *ctx, void *data, size_t size)
{
	struct tr *t = ctx;
	struct tr_event e = {.src = TR_KERNEL};

	memcpy(&e.ev, data, size < sizeof(e.ev) ? size : sizeof(e.ev));
	if (e.ev.version != SBX_EVENT_VERSION)
		return 0;
	e.time_ns = e.ev.time_ns + (uint64_t)t->mono_to_real;
	e.sb = kernel_sandbox(t, e.ev.cgroup_id);
	return push(t, &e); /* full: stop reading the ring until we have printed */
}

void tr_on_cgroup(struct tr *t, struct tr_sandbox *sb, const struct sbx_cg_event *cg)
{
	struct tr_event e = {
	    .src = TR_CGROUP, .sb = sb, .cg = *cg, .layer = "cgroup-bpf", .action = "deny"};

	if (cg->hook >= SBX_CG_HOOK__MAX)
		return;
	sb->cg_denied[cg->hook]++;
	e.time_ns = cg->time_ns + (uint64_t)t->mono_to_real;
	push(t, &e);
}

void tr_on_lsm(struct tr *t, struct tr_sandbox *sb, const struct sbx_lsm_event *lsm)
{
	struct tr_event e = {
	    .src = TR_LSM, .sb = sb, .lsm = *lsm, .layer = "lsm", .action = "deny"};

	if (lsm->hook >= SBX_LSM_HOOK__MAX)
		return;
	sb->lsm_denied[lsm->hook]++;
	e.time_ns = lsm->time_ns + (uint64_t)t->mono_to_real;
	push(t, &e);
}

uint32_t tr_event_tid(const struct tr_event *e)
{
	return e->src == TR_CGROUP ? e->cg.tid : e->src == TR_LSM ? e->lsm.tid : e->ev.tid;
}

pid_t tr_event_pid(const struct tr_event *e)
{
	return (pid_t)(e->src == TR_CGROUP ? e->cg.pid : e->src == TR_LSM ? e->lsm.pid : e->ev.pid);
}

void tr_on_sentry(struct tr *t, struct tr_sandbox *sb, const struct sbx_event *ev)
{
	struct tr_event e = {.src = TR_SENTRY, .sb = sb, .ev = *ev, .layer = "sentry"};

	if (ev->action >= SBX_ACT__MAX)
		return;
	e.action = sbx_action_name(ev->action);
	if (ev->sub_lost > sb->sentry_lost) /* records the sentry could not send us */
		sb->sentry_lost = ev->sub_lost;
	e.time_ns = ev->time_ns;
	if (ev->syscall_nr >= 0 && ev->syscall_nr < SBX_TRACE_NR_MAX)
		sb->decisions[ev->syscall_nr][ev->action]++;
	push(t, &e);
}

void tr_on_gofer(struct tr *t, struct tr_sandbox *sb, const char *line)
{
	struct tr_event e = {.src = TR_GOFER, .sb = sb, .layer = "gofer", .action = "change"};
	struct tm tm = {0};
	unsigned long ns = 0;
	const char *p;

	if (!(e.gofer = json_loads(line, 0, NULL)))
		return; /* not a record (a line cut short) */
	e.ev.pid = (__u32)json_integer_value(json_object_get(e.gofer, "pid"));
	if (!(p = json_string_value(json_object_get(e.gofer, "time"))) ||
	    !(p = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm))) {
		json_decref(e.gofer);
		return;
	}
	if (*p == '.')
		ns = strtoul(p + 1, NULL, 10);
	e.time_ns = (uint64_t)timegm(&tm) * 1000000000ull + ns;
	if (json_object_get(e.gofer, "refused"))
		e.action = "refused";
	if (push(t, &e) < 0)
		json_decref(e.gofer);
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* The decision records about kernel record k: the sentry's answer (same thread and syscall,
 * the earliest not yet taken), a cgroup-BPF or BPF-LSM denial while it ran. */
static void merge(struct tr *t, struct tr_event *k)
{
	uint64_t enter = k->time_ns - k->ev.latency_ns;

	k->layer = "seccomp";
	k->action = k->ev.flags & SBX_EVF_REFUSED ? "errno" : "allow";
	for (size_t i = 0; i < t->ndec; i++) {
		struct tr_event *e = &t->dec[i];
		if (e->consumed || e->sb != k->sb)
			continue;
		if (!k->sentry && e->src == TR_SENTRY && e->ev.tid == k->ev.tid &&
		    e->ev.syscall_nr == k->ev.syscall_nr &&
		    abs_diff(e->time_ns, k->time_ns) < TR_WINDOW_NS &&
		    e->ev.action != SBX_ACT_ALLOW && (k->ev.flags & SBX_EVF_REFUSED)) {
			e->consumed = true;
			k->sentry = e;
			k->layer = "sentry";
			k->action = e->action;
		} else if (!k->bpfev && (e->src == TR_CGROUP || e->src == TR_LSM) &&
			   tr_event_tid(e) == k->ev.tid && e->time_ns + 1000 >= enter &&
			   e->time_ns <= k->time_ns + 1000) {
			e->consumed = true;
			k->bpfev = e;
			k->layer = e->layer;
			k->action = "deny";
		}
	}
	uint32_t slot = k->ev.tid % CONT_SLOTS;
	if (!k->sentry && !k->bpfev && continued[slot].tid == k->ev.tid &&
	    continued[slot].nr == k->ev.syscall_nr && !(k->ev.flags & SBX_EVF_REFUSED)) {
		k->layer = "sentry";
		k->action = "allow";
		continued[slot].tid = 0;
	}
}

static void profile_note(struct tr *t, const struct tr_event *e)
{
	struct trace_profile *p = t->profile;
	int nr = e->ev.syscall_nr;

	if (!p || e->src != TR_KERNEL || e->ev.kind != SBX_KIND_SYSCALL || nr < 0 ||
	    nr >= TRACE_PROFILE_NR_MAX || (e->ev.flags & SBX_EVF_COMPAT))
		return; /* a 32-bit call's number is not x86_64's: never allow it by mistake */
	if (!strcmp(e->action, "allow") || !strcmp(e->action, "broker"))
		p->seen[nr] = true;
	if (!strcmp(e->action, "emulate"))
		p->seen[nr] = p->emulated[nr] = true;
	if ((e->ev.flags & SBX_EVF_SOCKADDR) && !strcmp(e->action, "allow") &&
	    (e->ev.result == 0 || e->ev.result == -EINPROGRESS || nr == 44 /* sendto */)) {
		const uint8_t *sa = (const uint8_t *)e->ev.path;
		struct trace_profile_dest d = {0};
		uint16_t fam = (uint16_t)(sa[0] | sa[1] << 8);
		d.port = (uint16_t)(sa[2] << 8 | sa[3]);
		if (fam == 2 && e->ev.path_len >= 8) {
			d.family = 4;
			memcpy(d.addr, sa + 4, 4);
		} else if (fam == 10 && e->ev.path_len >= 24) {
			d.family = 6;
			memcpy(d.addr, sa + 8, 16);
		}
		if (d.family)
			trace_profile_add_egress(p, &d);
	}
}

/* A change-log name: its exact bytes from "<key>_hex" when it is not UTF-8, else the string. */
static bool change_path(json_t *rec, const char *key, char *buf, size_t len)
{
	char hk[16];
	snprintf(hk, sizeof(hk), "%s_hex", key);
	const char *hex = json_string_value(json_object_get(rec, hk));
	const char *s = json_string_value(json_object_get(rec, key));
	size_t n = 0;

	if (!hex)
		return s && snprintf(buf, len, "%s", s) < (int)len;
	for (; hex[0] && hex[1] && n + 1 < len; hex += 2) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			return false;
		buf[n++] = (char)v;
	}
	buf[n] = '\0';
	return !hex[0];
}

static void gofer_note(struct tr *t, const struct tr_event *e)
{
	static const char *const keys[] = {"path", "path2"};
	char path[4096];

	if (!t->profile || e->src != TR_GOFER || strcmp(e->action, "change"))
		return;
	for (size_t i = 0; i < 2; i++)
		if (change_path(e->gofer, keys[i], path, sizeof(path)))
			trace_profile_add_written(t->profile, path);
}

/* The time of each thread's last syscall record handled (by tid, hashed): a decision record
 * waits for its thread's next one, which is the syscall it decided (or a later one). */
static struct {
	uint32_t tid;
	uint64_t time_ns;
} last_kernel[CONT_SLOTS];

static bool thread_moved_on(const struct tr_event *e)
{
	uint32_t tid = tr_event_tid(e);
	return last_kernel[tid % CONT_SLOTS].tid == tid &&
	       last_kernel[tid % CONT_SLOTS].time_ns > e->time_ns;
}

static void handle(struct tr *t, struct tr_event *e)
{
	if (e->src == TR_SENTRY && e->ev.action == SBX_ACT_ALLOW) {
		uint32_t slot = e->ev.tid % CONT_SLOTS;
		continued[slot].tid = e->ev.tid;
		continued[slot].nr = e->ev.syscall_nr;
		return; /* shown with the syscall it let through */
	}
	if (e->src == TR_KERNEL && e->ev.kind == SBX_KIND_SYSCALL) {
		merge(t, e);
		last_kernel[e->ev.tid % CONT_SLOTS].tid = e->ev.tid;
		last_kernel[e->ev.tid % CONT_SLOTS].time_ns = e->time_ns;
	}
	profile_note(t, e);
	gofer_note(t, e);
	if (!t->o.summary)
		tr_print(t, e);
}

/* Decision records not taken by a kernel record: shown alone once their thread has moved on
 * (or after TR_WINDOW_NS more, e.g. when the kernel's record was lost). A kernel record takes
 * one up to TR_SKEW_NS after it (merge). */
static void flush_dec(struct tr *t, uint64_t upto, bool all)
{
	size_t kept = 0;
	for (size_t i = 0; i < t->ndec; i++) {
		struct tr_event *e = &t->dec[i];
		if (e->consumed)
			continue;
		if (all || (e->time_ns + TR_SKEW_NS < upto && thread_moved_on(e)) ||
		    e->time_ns + TR_WINDOW_NS < upto)
			handle(t, e);
		else
			t->dec[kept++] = *e;
	}
	t->ndec = kept;
}

void tr_queue_flush(struct tr *t, bool all)
{
	uint64_t cutoff = clock_ns(CLOCK_REALTIME) - TR_WINDOW_NS;
	size_t done = 0;

	/* kernel and gofer records in time order; decision records once they are due */
	while (t->qhead < t->nq &&
	       (all || (t->q[t->qhead].time_ns < cutoff && done < TR_FLUSH_MAX))) {
		struct tr_event *e = &t->q[t->qhead];
		if (t->ndec)
			flush_dec(t, e->time_ns, false);
		handle(t, e);
		json_decref(e->gofer);
		t->qhead++;
		done++;
	}
	if (t->qhead == t->nq)
		t->qhead = t->nq = 0;
	flush_dec(t, t->qhead < t->nq ? t->q[t->qhead].time_ns : cutoff, all);
}
