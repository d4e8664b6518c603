/* sbx-trace: one line per event, compact text or JSON (the schema is in `sbx-trace --help`
 * and docs/trace.md), after the filters. */
#include "tools/trace.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/event_names.h"
#include "lib/util.h"
#include "tools/trace_decode.h"

/* Local time of day with microseconds, for the compact lines (JSON has RFC 3339). */
static void time_of_day(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	localtime_r(&sec, &tm);
	size_t n = strftime(buf, len, "%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06llu", (unsigned long long)(ns % 1000000000ull / 1000));
}

static bool is_deny(const char *action)
{
	return action && (!strcmp(action, "deny") || !strcmp(action, "errno") ||
			  !strcmp(action, "kill") || !strcmp(action, "refused"));
}

static unsigned action_bit(const char *a)
{
	if (!a)
		return 0;
	if (!strcmp(a, "allow"))
		return TR_A_ALLOW;
	if (!strcmp(a, "emulate"))
		return TR_A_EMULATE;
	if (!strcmp(a, "broker") || !strcmp(a, "change"))
		return TR_A_BROKER;
	return is_deny(a) ? TR_A_DENY : 0;
}

bool tr_pid_wanted(const struct tr *t, pid_t pid)
{
	for (size_t i = 0; i < t->o.npids; i++)
		if (t->o.pids[i] == pid)
			return true;
	return t->o.npids == 0;
}

static bool shown(const struct tr *t, const struct tr_event *e)
{
	bool syscall =
	    (e->src == TR_KERNEL || e->src == TR_SENTRY) && e->ev.kind == SBX_KIND_SYSCALL;
	if (!tr_pid_wanted(t, tr_event_pid(e)) && e->src != TR_GOFER)
		return false;
	if (t->o.syscalls &&
	    (!syscall || (e->ev.flags & SBX_EVF_COMPAT) || e->ev.syscall_nr < 0 ||
	     e->ev.syscall_nr >= SBX_TRACE_NR_MAX || !t->o.syscalls[e->ev.syscall_nr]))
		return false;
	if (t->o.denied && !is_deny(e->action))
		return false;
	return !t->o.actions || (t->o.actions & action_bit(e->action));
}

static void call_of(const struct tr_event *e, struct trace_call *c)
{
	*c = (struct trace_call){.nr = e->ev.syscall_nr, .ret = e->ev.result, .returned = true};
	memcpy(c->args, e->ev.args, sizeof(c->args));
	c->have_args = e->src == TR_SENTRY ||
		       (e->ev.flags & (SBX_EVF_ENTERED | SBX_EVF_NOARGS)) == SBX_EVF_ENTERED;
	if (e->sentry) { /* refused before entry: the sentry saw the arguments */
		memcpy(c->args, e->sentry->ev.args, sizeof(c->args));
		c->have_args = true;
		if (e->sentry->ev.flags & SBX_EVF_PATH)
			c->path = e->sentry->ev.path;
	}
	if (e->ev.flags & SBX_EVF_PATH)
		c->path = e->ev.path;
	if (e->ev.flags & SBX_EVF_SOCKADDR) {
		c->sockaddr = (const uint8_t *)e->ev.path;
		c->sockaddr_len = e->ev.path_len;
	}
}

/* The object of a cgroup-BPF denial, as bpf/cgroup.h lays out obj[]. */
static void cg_object(const struct sbx_cg_event *cg, char *buf, size_t len)
{
	uint8_t sa[28] = {0};
	const uint32_t *o = cg->obj;

	switch (cg->hook) {
	case SBX_CG_DEV:
		snprintf(buf, len, "%c %u:%u%s%s%s", (char)o[0], o[1], o[2],
			 o[3] & 1 ? " mknod" : "", o[3] & 2 ? " read" : "",
			 o[3] & 4 ? " write" : "");
		return;
	case SBX_CG_SYSCTL:
		snprintf(buf, len, "%.*s write", (int)sizeof(cg->name), cg->name);
		return;
	case SBX_CG_SOCK_CREATE:
		snprintf(buf, len, "family %u type %u protocol %u", o[0], o[1], o[2]);
		return;
	default:
		break;
	}
	sa[0] = (uint8_t)o[0];
	sa[2] = (uint8_t)(o[1] >> 8);
	sa[3] = (uint8_t)o[1];
	memcpy(o[0] == 10 ? sa + 8 : sa + 4, cg->addr, o[0] == 10 ? 16 : 4);
	if (trace_format_sockaddr(sa, o[0] == 10 ? 28 : 16, buf, len) < 0)
		snprintf(buf, len, "family %u", o[0]);
}

/* An address of socket_connect (family, port, address) as a sockaddr for the decoder. */
static void lsm_sockaddr(const struct sbx_lsm_event *l, char *buf, size_t len)
{
	uint8_t sa[28] = {0};
	bool v6 = l->obj[0] == 10;

	sa[0] = (uint8_t)l->obj[0];
	sa[2] = (uint8_t)(l->obj[1] >> 8);
	sa[3] = (uint8_t)l->obj[1];
	memcpy(v6 ? sa + 8 : sa + 4, l->addr, v6 ? 16 : 4);
	if (trace_format_sockaddr(sa, v6 ? 28 : 16, buf, len) < 0)
		snprintf(buf, len, "family %llu", (unsigned long long)l->obj[0]);
}

/* The object of a BPF-LSM denial, as bpf/lsm.h lays out obj[], name and aux. */
static void lsm_object(const struct sbx_lsm_event *l, char *buf, size_t len)
{
	const unsigned long long *o = (const unsigned long long *)l->obj;
	char name[1100], aux[140];

	trace_escape(l->name, sizeof(l->name), name, sizeof(name));
	trace_escape(l->aux, sizeof(l->aux), aux, sizeof(aux));
	switch (l->hook) {
	case SBX_LSM_FILE_OPEN:
		snprintf(buf, len, "\"%s\" flags 0%llo", name, o[2]);
		return;
	case SBX_LSM_BPRM_CHECK:
	case SBX_LSM_MODULE_REQUEST:
		snprintf(buf, len, "\"%s\"", name);
		return;
	case SBX_LSM_PTRACE:
		snprintf(buf, len, "pid %llu (%s) mode %#llx", o[0], name, o[1]);
		return;
	case SBX_LSM_TASK_KILL:
		snprintf(buf, len, "pid %llu (%s) signal %llu", o[0], name, o[1]);
		return;
	case SBX_LSM_SB_MOUNT:
		snprintf(buf, len, "\"%s\" type \"%s\" flags %#llx", name, aux, o[0]);
		return;
	case SBX_LSM_BPF:
		snprintf(buf, len, "cmd %llu", o[0]);
		return;
	case SBX_LSM_KERNEL_READ_FILE:
		snprintf(buf, len, "id %llu \"%s\"", o[0], name);
		return;
	case SBX_LSM_KERNEL_LOAD_DATA:
		snprintf(buf, len, "id %llu", o[0]);
		return;
	case SBX_LSM_SOCKET_CONNECT:
		lsm_sockaddr(l, buf, len);
		return;
	default:
		buf[0] = '\0';
	}
}

/* What the line says after the sandbox, pid and comm. */
/* A process's end as strace says it; -1: the raw_tp programs, which cannot read the status. */
static void describe_exit(long long status, char *buf, size_t len)
{
	int st = (int)status, sig = st & 0x7f;
	const char *name = sig ? sigabbrev_np(sig) : NULL;

	if (status < 0)
		snprintf(buf, len, "+++ exited (status unknown under raw_tp) +++");
	else if (sig && name)
		snprintf(buf, len, "+++ killed by SIG%s%s +++", name,
			 st & 0x80 ? " (core dumped)" : "");
	else if (sig)
		snprintf(buf, len, "+++ killed by signal %d +++", sig);
	else
		snprintf(buf, len, "+++ exited with %d +++", st >> 8 & 0xff);
}

static void describe(const struct tr_event *e, char *buf, size_t len)
{
	struct trace_call c;
	char call[1024], res[64], addr[128] = "";

	switch (e->src) {
	case TR_CGROUP:
		cg_object(&e->cg, addr, sizeof(addr));
		snprintf(buf, len, "%s %s", sbx_cg_hook_name(e->cg.hook), addr);
		return;
	case TR_LSM: {
		char obj[1400];
		const char *err = trace_errno_name(e->lsm.err);
		lsm_object(&e->lsm, obj, sizeof(obj));
		snprintf(buf, len, "%s%s%s (%s) = -%s", sbx_lsm_hook_name(e->lsm.hook),
			 obj[0] ? " " : "", obj, sbx_lsm_rule_name(e->lsm.rule), err ? err : "?");
		return;
	}
	case TR_GOFER: {
		const char *p2 = json_string_value(json_object_get(e->gofer, "path2"));
		const char *why = json_string_value(json_object_get(e->gofer, "refused"));
		const char *op = json_string_value(json_object_get(e->gofer, "op"));
		const char *path = json_string_value(json_object_get(e->gofer, "path"));
		char a[512], b[512];
		trace_escape(path ? path : "?", 4096, a, sizeof(a));
		trace_escape(p2 ? p2 : "", 4096, b, sizeof(b));
		snprintf(buf, len, "gofer %s %s%s%s%s%s", op ? op : "?", a, p2 ? " -> " : "", b,
			 why ? " refused " : "", why ? why : "");
		return;
	}
	default:
		break;
	}
	if (e->ev.kind == SBX_KIND_EXEC) {
		char file[1100] = "?";
		if (e->ev.flags & SBX_EVF_PATH)
			trace_escape(e->ev.path, sizeof(e->ev.path), file, sizeof(file));
		snprintf(buf, len, "exec %s", file);
		return;
	}
	if (e->ev.kind == SBX_KIND_EXIT) {
		describe_exit(e->ev.result, buf, len);
		return;
	}
	call_of(e, &c);
	trace_format_result(&c, res, sizeof(res));
	if (e->src == TR_KERNEL && (e->ev.flags & SBX_EVF_COMPAT)) {
		const char *n32 = trace_syscall_name32(e->ev.syscall_nr);
		snprintf(buf, len, "i386:%s%s(...) = %s", n32 ? n32 : "syscall_", n32 ? "" : "?",
			 res);
		return;
	}
	trace_format_call(&c, call, sizeof(call));
	snprintf(buf, len, "%s = %s", call, res);
}

static void print_compact(struct tr *t, const struct tr_event *e)
{
	char when[32], what[2048], lat[32] = "", comm[80] = "";

	if (e->src == TR_KERNEL) /* the workload names itself: never raw on a terminal */
		trace_escape(e->ev.comm, sizeof(e->ev.comm), comm, sizeof(comm));
	if (e->src == TR_LSM)
		trace_escape(e->lsm.comm, sizeof(e->lsm.comm), comm, sizeof(comm));
	time_of_day(e->time_ns, when, sizeof(when));
	describe(e, what, sizeof(what));
	if (e->src == TR_KERNEL && (e->ev.flags & SBX_EVF_ENTERED))
		snprintf(lat, sizeof(lat), " <%.6f>", (double)e->ev.latency_ns / 1e9);
	fprintf(t->out, "%s %-12.12s %7d %-15.15s %s%s", when, e->sb ? e->sb->id : "?",
		(int)tr_event_pid(e), comm, what, lat);
	if (e->layer && e->src != TR_GOFER)
		fprintf(t->out, " [%s %s]", e->layer, e->action);
	fputc('\n', t->out);
}

/* A string the workload chose: as it is when it is UTF-8, else escaped, with its exact bytes
 * in "<key>_hex" (as the gofer's change log does). */
static void set_text(json_t *o, const char *key, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	json_t *v = json_stringn(s, n);
	char esc[1100], hk[32];

	if (v) {
		json_object_set_new(o, key, v);
		return;
	}
	trace_escape(s, n, esc, sizeof(esc));
	json_object_set_new(o, key, json_string(esc));
	char *buf = malloc(2 * n + 1);
	for (size_t i = 0; buf && i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", (unsigned char)s[i]);
	snprintf(hk, sizeof(hk), "%s_hex", key);
	if (buf) {
		buf[2 * n] = '\0';
		json_object_set_new(o, hk, json_string(buf));
	}
	free(buf);
}

static void set_syscall_fields(json_t *o, const struct tr_event *e)
{
	struct trace_call c;
	char call[1024];
	bool i386 = e->src == TR_KERNEL && (e->ev.flags & SBX_EVF_COMPAT);
	const char *name =
	    i386 ? trace_syscall_name32(e->ev.syscall_nr) : trace_syscall_name(e->ev.syscall_nr);
	char n32[64];
	json_t *args = json_array();

	if (i386 && name) { /* 32-bit: an i386 number, named so */
		snprintf(n32, sizeof(n32), "i386:%s", name);
		name = n32;
	}

	call_of(e, &c);
	trace_format_call(&c, call, sizeof(call));
	for (int i = 0; i < 6; i++)
		json_array_append_new(args, json_integer((json_int_t)e->ev.args[i]));
	json_object_set_new(o, "syscall", name ? json_string(name) : json_null());
	json_object_set_new(o, "nr", json_integer(e->ev.syscall_nr));
	json_object_set_new(o, "args", args);
	json_object_set_new(o, "call", json_string(call));
	json_object_set_new(o, "result", json_integer(e->ev.result));
	if (e->ev.result < 0 && e->ev.result >= -4095 && trace_errno_name((int)-e->ev.result))
		json_object_set_new(o, "errno", json_string(trace_errno_name((int)-e->ev.result)));
	json_object_set_new(o, "latency_ns",
			    e->src == TR_KERNEL && !(e->ev.flags & SBX_EVF_ENTERED)
				? json_null()
				: json_integer((json_int_t)e->ev.latency_ns));
	if (e->ev.flags & SBX_EVF_PATH)
		set_text(o, "path", e->ev.path, sizeof(e->ev.path));
}

/* A BPF-LSM denial's parts: hook, rule, errno, the caller's comm, the object's name. */
static void set_lsm_fields(json_t *o, const struct sbx_lsm_event *l)
{
	const char *err = trace_errno_name(l->err);

	json_object_set_new(o, "hook", json_string(sbx_lsm_hook_name(l->hook)));
	json_object_set_new(o, "rule", json_string(sbx_lsm_rule_name(l->rule)));
	json_object_set_new(o, "errno", err ? json_string(err) : json_integer(l->err));
	set_text(o, "comm", l->comm, sizeof(l->comm));
	if (l->name[0])
		set_text(o, "object", l->name, sizeof(l->name));
}

static const char *const kinds[] = {"syscall", "exec", "exit", "hello"};

static void print_json(struct tr *t, const struct tr_event *e)
{
	char when[48], what[2048];
	json_t *o = json_object();
	const char *event = e->src == TR_CGROUP	 ? "cgroup"
			    : e->src == TR_LSM	 ? "lsm"
			    : e->src == TR_GOFER ? "gofer"
			    : e->ev.kind < 4	 ? kinds[e->ev.kind]
						 : "unknown";

	time_rfc3339_at(e->time_ns, when, sizeof(when));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "source",
			    json_string(e->src == TR_SENTRY ? "sentry"
					: event[0] == 'g'   ? "gofer"
							    : "kernel"));
	json_object_set_new(o, "sandbox", json_string(e->sb ? e->sb->id : ""));
	json_object_set_new(o, "pid", json_integer(tr_event_pid(e)));
	if (e->src == TR_KERNEL || e->src == TR_SENTRY)
		json_object_set_new(o, "tid", json_integer(e->ev.tid));
	if (e->src == TR_KERNEL)
		set_text(o, "comm", e->ev.comm, sizeof(e->ev.comm));
	if ((e->src == TR_KERNEL || e->src == TR_SENTRY) && e->ev.kind == SBX_KIND_SYSCALL)
		set_syscall_fields(o, e);
	else if (e->src == TR_GOFER)
		json_object_set(o, "change", e->gofer);
	else {
		describe(e, what, sizeof(what));
		json_object_set_new(o, "detail", json_string(what));
	}
	if (e->src == TR_LSM)
		set_lsm_fields(o, &e->lsm);
	if (e->ev.kind == SBX_KIND_EXIT && e->src == TR_KERNEL)
		json_object_set_new(o, "status", json_integer(e->ev.result));
	if (e->layer) {
		json_object_set_new(o, "layer", json_string(e->layer));
		json_object_set_new(o, "action", json_string(e->action));
	}
	json_dumpf(o, t->out, JSON_COMPACT);
	fputc('\n', t->out);
	json_decref(o);
}

void tr_print(struct tr *t, const struct tr_event *e)
{
	if (!shown(t, e))
		return;
	if (t->o.format == TR_JSON)
		print_json(t, e);
	else
		print_compact(t, e);
}

void tr_print_lost(struct tr *t, uint64_t n, uint64_t total)
{
	if (t->o.summary)
		return;
	if (t->o.format == TR_JSON)
		fprintf(t->out, "{\"event\":\"lost\",\"lost\":%llu,\"total_lost\":%llu}\n",
			(unsigned long long)n, (unsigned long long)total);
	else
		fprintf(t->out, "--- %llu events lost: a buffer was full (%llu in all) ---\n",
			(unsigned long long)n, (unsigned long long)total);
}
