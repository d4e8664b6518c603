/* sbx-trace -c: per sandbox and syscall, like `strace -c`: calls, errors, total and average
 * latency, share of time, and who decided (seccomp, the sentry). From the kernel's per-CPU
 * summary map, the sentry's decision records and the cgroup-BPF denials. */
#include "tools/trace.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/event_names.h"
#include "loader/trace.h"
#include "tools/trace_decode.h"

struct row {
	struct sbx_trace_key k;
	struct sbx_trace_stat s;
};

struct rows {
	const struct tr *t;
	struct row *v;
	size_t n, cap;
};

static bool wanted(const struct tr *t, const struct sbx_trace_key *k)
{
	bool pid_ok = tr_pid_wanted(t, (pid_t)k->pid);
	uint32_t nr = k->nr & ~SBX_TRACE_COMPAT;
	if (k->nr & SBX_TRACE_COMPAT) /* i386 numbers: --syscall names x86_64 ones */
		return pid_ok && nr < SBX_TRACE_NR_MAX && !t->o.syscalls;
	return pid_ok && nr < SBX_TRACE_NR_MAX && (!t->o.syscalls || t->o.syscalls[nr]);
}

static int collect(void *arg, const struct sbx_trace_key *k, const struct sbx_trace_stat *s)
{
	struct rows *r = arg;

	if (!wanted(r->t, k))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct row *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct row){.k = *k, .s = *s};
	return 0;
}

/* One syscall of one sandbox, its processes folded. */
static void fold(const struct rows *r, uint32_t slot, uint32_t nr, struct sbx_trace_stat *ret)
{
	*ret = (struct sbx_trace_stat){.min_ns = ~0ULL};
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].k.slot == slot && r->v[i].k.nr == nr)
			sbx_trace_stat_add(ret, &r->v[i].s);
}

/* cgroup-BPF denials of the hooks that only one syscall reaches (sendmsg, devices and sysctls
 * are reached by several: they are only counted per hook). */
static uint64_t cg_denials(const struct tr_sandbox *sb, uint32_t nr)
{
	const uint64_t *d = sb->cg_denied;
	switch (nr) {
	case 41: /* socket */
		return d[SBX_CG_SOCK_CREATE];
	case 42: /* connect */
		return d[SBX_CG_CONNECT4] + d[SBX_CG_CONNECT6];
	case 49: /* bind */
		return d[SBX_CG_BIND4] + d[SBX_CG_BIND6];
	default:
		return 0;
	}
}

/* Who decided, from the counts: the sentry's records, the rest is seccomp's. */
static json_t *decisions(const struct tr_sandbox *sb, uint32_t nr, const struct sbx_trace_stat *s)
{
	static const char *const names[SBX_ACT__MAX] = {"sentry allow",	  "sentry deny",
							"sentry emulate", "sentry broker",
							"sentry kill",	  "sentry audit"};
	static const uint64_t none[SBX_ACT__MAX];
	const uint64_t *d = nr < SBX_TRACE_NR_MAX ? sb->decisions[nr] : none;
	uint64_t answered = 0, entered = s->calls - s->refused, cg = cg_denials(sb, nr);
	json_t *o = json_object();

	if (cg) {
		json_object_set_new(o, "cgroup-bpf deny", json_integer((json_int_t)cg));
		entered = entered > cg ? entered - cg : 0;
	}

	for (int a = 0; a < SBX_ACT__MAX; a++) {
		if (d[a])
			json_object_set_new(o, names[a], json_integer((json_int_t)d[a]));
		answered += a == SBX_ACT_ALLOW ? 0 : d[a];
	}
	if (entered > d[SBX_ACT_ALLOW])
		json_object_set_new(o, "seccomp allow",
				    json_integer((json_int_t)(entered - d[SBX_ACT_ALLOW])));
	if (s->refused > answered)
		json_object_set_new(o, "seccomp errno",
				    json_integer((json_int_t)(s->refused - answered)));
	return o;
}

static void decisions_text(json_t *d, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	buf[0] = '\0';
	json_object_foreach (d, k, v) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s %lld", n ? ", " : "", k,
				      (long long)json_integer_value(v));
	}
}

static uint64_t sandbox_total(const struct rows *r, uint32_t slot)
{
	uint64_t total = 0;
	for (size_t i = 0; i < r->n; i++)
		total += r->v[i].k.slot == slot ? r->v[i].s.total_ns : 0;
	return total;
}

static void print_row(struct tr *t, const struct tr_sandbox *sb, const struct rows *r, uint32_t nr,
		      const struct sbx_trace_stat *s, uint64_t total)
{
	bool i386 = nr & SBX_TRACE_COMPAT;
	const char *name = i386 ? trace_syscall_name32((int)(nr & ~SBX_TRACE_COMPAT))
				: trace_syscall_name((int)nr);
	char n32[64];
	if (i386) {
		snprintf(n32, sizeof(n32), "i386:%s", name ? name : "?");
		name = n32;
	}
	uint64_t entered = s->calls - s->refused;
	double share = total ? 100.0 * (double)s->total_ns / (double)total : 0;
	json_t *d = decisions(sb, nr, s);
	char text[512], unk[32];

	snprintf(unk, sizeof(unk), "syscall_%u", nr & ~SBX_TRACE_COMPAT);
	if (t->o.format == TR_JSON) {
		json_t *pids = json_object();
		char pid[16];
		for (size_t i = 0; i < r->n; i++) {
			if (r->v[i].k.slot != sb->slot || r->v[i].k.nr != nr)
				continue;
			snprintf(pid, sizeof(pid), "%u", r->v[i].k.pid);
			json_object_set_new(pids, pid, json_integer((json_int_t)r->v[i].s.calls));
		}
		json_t *o = json_pack(
		    "{s:s,s:s,s:i,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:o,s:o}", "summary",
		    "syscall", "sandbox", sb->id, "init_pid", (int)sb->init_pid, "syscall",
		    name ? name : unk, "nr", (int)(nr & ~SBX_TRACE_COMPAT), "calls",
		    (json_int_t)s->calls, "errors", (json_int_t)s->errors, "refused",
		    (json_int_t)s->refused, "total_ns", (json_int_t)s->total_ns, "min_ns",
		    (json_int_t)(entered ? s->min_ns : 0), "max_ns", (json_int_t)s->max_ns,
		    "avg_ns", (json_int_t)(entered ? s->total_ns / entered : 0), "time_share",
		    share, "pids", pids, "decisions", d);
		json_dumpf(o, t->out, JSON_COMPACT);
		fputc('\n', t->out);
		json_decref(o);
		return;
	}
	char errs[24] = "";
	if (s->errors) /* blank when none, as strace does */
		snprintf(errs, sizeof(errs), "%llu", (unsigned long long)s->errors);
	decisions_text(d, text, sizeof(text));
	json_decref(d);
	fprintf(t->out, "%6.2f %11.6f %11llu %9llu %9s %-20s %s\n", share,
		(double)s->total_ns / 1e9,
		(unsigned long long)(entered ? s->total_ns / entered / 1000 : 0),
		(unsigned long long)s->calls, errs, name ? name : unk, text);
}

struct folded {
	uint32_t nr;
	struct sbx_trace_stat s;
};

/* Most time first, as strace -c sorts; then most calls. */
static int by_time(const void *a, const void *b)
{
	const struct folded *x = a, *y = b;
	if (x->s.total_ns != y->s.total_ns)
		return x->s.total_ns < y->s.total_ns ? 1 : -1;
	return x->s.calls < y->s.calls ? 1 : x->s.calls > y->s.calls ? -1 : 0;
}

static void print_header(struct tr *t, const struct tr_sandbox *sb)
{
	if (t->o.format == TR_JSON)
		return;
	fprintf(t->out, "\nsandbox %s (init pid %d)\n", sb->id, (int)sb->init_pid);
	fprintf(t->out, "%% time     seconds  usecs/call     calls    errors syscall            "
			"  decisions\n"
			"------ ----------- ----------- --------- --------- "
			"-------------------- ---------\n");
}

static void print_footer(struct tr *t, const struct tr_sandbox *sb, uint64_t total, uint64_t calls,
			 uint64_t errors)
{
	if (t->o.format == TR_JSON) {
		json_t *cg = json_object();
		for (int h = 0; h < SBX_CG_HOOK__MAX; h++)
			if (sb->cg_denied[h])
				json_object_set_new(cg, sbx_cg_hook_name(h),
						    json_integer((json_int_t)sb->cg_denied[h]));
		json_t *lsm = json_object();
		for (int h = 0; h < SBX_LSM_HOOK__MAX; h++)
			if (sb->lsm_denied[h])
				json_object_set_new(lsm, sbx_lsm_hook_name(h),
						    json_integer((json_int_t)sb->lsm_denied[h]));
		json_t *o =
		    json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:o,s:o}", "summary", "sandbox", "sandbox",
			      sb->id, "init_pid", (int)sb->init_pid, "calls", (json_int_t)calls,
			      "errors", (json_int_t)errors, "total_ns", (json_int_t)total,
			      "cgroup_bpf_denied", cg, "lsm_denied", lsm);
		json_dumpf(o, t->out, JSON_COMPACT);
		fputc('\n', t->out);
		json_decref(o);
		return;
	}
	fprintf(t->out, "------ ----------- ----------- --------- --------- "
			"--------------------\n");
	fprintf(t->out, "100.00 %11.6f %11s %9llu %9llu total\n", (double)total / 1e9, "",
		(unsigned long long)calls, (unsigned long long)errors);
	for (int h = 0; h < SBX_CG_HOOK__MAX; h++)
		if (sb->cg_denied[h])
			fprintf(t->out, "cgroup-bpf denials at %s: %llu\n", sbx_cg_hook_name(h),
				(unsigned long long)sb->cg_denied[h]);
	for (int h = 0; h < SBX_LSM_HOOK__MAX; h++)
		if (sb->lsm_denied[h])
			fprintf(t->out, "lsm denials at %s: %llu\n", sbx_lsm_hook_name(h),
				(unsigned long long)sb->lsm_denied[h]);
}

static int print_sandbox(struct tr *t, const struct tr_sandbox *sb, const struct rows *r)
{
	uint64_t total = sandbox_total(r, sb->slot), calls = 0, errors = 0;
	struct folded *f = calloc(2 * SBX_TRACE_NR_MAX, sizeof(*f));
	size_t n = 0;

	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < 2 * SBX_TRACE_NR_MAX; i++) { /* x86_64, then i386 numbers */
		uint32_t nr = i < SBX_TRACE_NR_MAX ? i : (i - SBX_TRACE_NR_MAX) | SBX_TRACE_COMPAT;
		fold(r, sb->slot, nr, &f[n].s);
		f[n].nr = nr;
		n += f[n].s.calls > 0;
	}
	qsort(f, n, sizeof(*f), by_time);
	print_header(t, sb);
	for (size_t i = 0; i < n; i++) {
		calls += f[i].s.calls;
		errors += f[i].s.errors;
		print_row(t, sb, r, f[i].nr, &f[i].s, total);
	}
	print_footer(t, sb, total, calls, errors);
	free(f);
	return 0;
}

int tr_summary_print(struct tr *t)
{
	struct rows r = {.t = t};
	struct sbx_trace_counters c;
	int ret = sbx_trace_stats_walk(t->bpf, collect, &r);

	sbx_trace_counters_read(t->bpf, &c);
	c.lost = tr_lost_total(t);
	for (size_t i = 0; ret == 0 && i < t->nsb; i++)
		if (t->sb[i]
			->id[0]) /* not one whose `sbx run` failed before its sentry said hello */
			ret = print_sandbox(t, t->sb[i], &r);
	if (t->o.format == TR_JSON)
		fprintf(
		    t->out,
		    "{\"summary\":\"total\",\"sandboxes\":%zu,\"lost\":%llu,\"lost_sentry\":%llu,"
		    "\"rows_dropped\":%llu}\n",
		    t->nsb, (unsigned long long)c.lost, (unsigned long long)tr_lost_sentry(t),
		    (unsigned long long)c.stats_full);
	else
		fprintf(t->out, "\nlost events: %llu%s\n", (unsigned long long)c.lost,
			c.stats_full ? " (and some summary rows: the map was full)" : "");
	free(r.v);
	return ret;
}
