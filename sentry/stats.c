/* Counters per (syscall, action), and writing them as JSON. */
#include "sentry/internal.h"
#include "bpf/cgroup.h"
#include "bpf/lsm.h"
#include "lib/cleanup.h"
#include "lib/event_names.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <string.h>

const char *sentry_action_name(enum sbx_event_action action)
{
	return sbx_action_name((int)action);
}

/* Names are resolved up front: libseccomp allocates them, and a name is needed per denial. */
int sentry_stats_init(struct sentry *s)
{
	for (int nr = 0; nr < SENTRY_STATS_NR; nr++)
		s->syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	return 0;
}

const char *sentry_syscall_name(const struct sentry *s, int nr)
{
	if (nr >= 0 && nr < SENTRY_STATS_NR && s->syscall_names[nr])
		return s->syscall_names[nr];
	return NULL;
}

/* Upper bounds of the latency buckets: a round trip takes a few µs with SYNC_WAKE_UP, far
 * more when a handler reads files or asks the gofer. */
static const uint64_t latency_bounds_ns[SENTRY_LATENCY_BUCKETS] = {
    1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 10000000,
};

void sentry_stats_count(struct sentry *s, int nr, enum sbx_event_action action, uint64_t latency_ns)
{
	size_t row = nr >= 0 && nr < SENTRY_STATS_NR ? (size_t)nr : SENTRY_STATS_NR;
	s->notifications++;
	if ((unsigned)action < SBX_ACT__MAX)
		s->counts[row][action]++;
	size_t b = 0;
	while (b < SENTRY_LATENCY_BUCKETS && latency_ns > latency_bounds_ns[b])
		b++;
	s->latency_buckets[b]++;
	s->latency_sum_ns += latency_ns;
}

/* {"le_ns": [1000, ...], "buckets": [n, ...], "sum_ns": N}: buckets has one more entry than
 * le_ns (above the last bound); not cumulative. */
static json_t *latency_json(const struct sentry *s)
{
	json_t *le = json_array(), *b = json_array();
	for (size_t i = 0; le && b && i <= SENTRY_LATENCY_BUCKETS; i++) {
		if (i < SENTRY_LATENCY_BUCKETS)
			json_array_append_new(le, json_integer((json_int_t)latency_bounds_ns[i]));
		json_array_append_new(b, json_integer((json_int_t)s->latency_buckets[i]));
	}
	return json_pack("{s:o, s:o, s:I}", "le_ns", le, "buckets", b, "sum_ns",
			 (json_int_t)s->latency_sum_ns);
}

static uint64_t lost_events(const struct sentry *s)
{
	uint64_t n = s->lost_dropped;
	for (size_t i = 0; i < s->nsubs; i++)
		n += s->subs[i].lost;
	return n;
}

static json_t *syscall_json(const struct sentry *s, size_t row)
{
	const char *name = sentry_syscall_name(s, (int)row);
	if (row == SENTRY_STATS_NR)
		return json_string("other");
	if (name)
		return json_string(name);
	return json_integer((json_int_t)row);
}

static json_t *counts_json(const struct sentry *s)
{
	json_t *arr = json_array();
	for (size_t row = 0; arr && row <= SENTRY_STATS_NR; row++) {
		for (int a = 0; a < SBX_ACT__MAX; a++) {
			if (!s->counts[row][a])
				continue;
			json_t *o = json_pack("{s:o, s:s, s:I}", "syscall", syscall_json(s, row),
					      "action", sentry_action_name(a), "count",
					      (json_int_t)s->counts[row][a]);
			if (!o || json_array_append_new(arr, o) < 0) {
				json_decref(arr);
				return NULL;
			}
		}
	}
	return arr;
}

/* {"dev": N, "sysctl": N, "sock_create": N, "connect4": N, ...}: denials in the kernel, by
 * hook. */
static json_t *cgroup_bpf_json(const struct sentry *s)
{
	json_t *o = json_object();
	for (int i = 0; o && i < SBX_CG_HOOK__MAX; i++)
		json_object_set_new(o, sbx_cg_hook_name(i),
				    json_integer((json_int_t)s->cgroup_bpf->denied[i]));
	return o;
}

/* The same for the BPF-LSM hooks: {"file_open": N, "bprm_check_security": N, ...}. */
static json_t *lsm_json(const struct sentry *s)
{
	json_t *o = json_object();
	for (int i = 0; o && i < SBX_LSM_HOOK__MAX; i++)
		json_object_set_new(o, sbx_lsm_hook_name(i),
				    json_integer((json_int_t)s->lsm->denied[i]));
	return o;
}

int sentry_write_stats(struct sentry *s, const char *path)
{
	json_t *counts = counts_json(s);
	if (!counts)
		return -ENOMEM;
	json_t *doc = json_pack("{s:s, s:I, s:o, s:I}", "sandbox", s->id, "notifications",
				(json_int_t)s->notifications, "counts", counts, "lost_events",
				(json_int_t)lost_events(s));
	if (!doc)
		return -ENOMEM;
	json_object_set_new(doc, "latency", latency_json(s));
	if (s->cgroup_bpf)
		json_object_set_new(doc, "cgroup_bpf_denied", cgroup_bpf_json(s));
	if (s->lsm)
		json_object_set_new(doc, "lsm_denied", lsm_json(s));
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	text[len] = '\n'; /* in place of the terminating NUL */
	return write_file_atomic(path, text, len + 1, 0644);
}

/* Something that changes whenever a counter the file holds does. */
static uint64_t stats_signature(const struct sentry *s)
{
	uint64_t sig = s->notifications + lost_events(s);
	for (int i = 0; s->cgroup_bpf && i < SBX_CG_HOOK__MAX; i++)
		sig += s->cgroup_bpf->denied[i];
	for (int i = 0; s->lsm && i < SBX_LSM_HOOK__MAX; i++)
		sig += s->lsm->denied[i];
	return sig;
}

int sentry_stats_timeout(const struct sentry *s)
{
	if (!s->state_dir || stats_signature(s) == s->stats_written_sig)
		return -1;
	uint64_t due = s->stats_written_ns + SENTRY_STATS_PERIOD_MS * 1000000ull;
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	return now >= due ? 0 : (int)((due - now + 999999) / 1000000);
}

void sentry_stats_flush(struct sentry *s)
{
	char path[4096];
	if (!s->state_dir || snprintf(path, sizeof(path), "%s/%s", s->state_dir,
				      SENTRY_STATS_FILE) >= (int)sizeof(path))
		return;
	s->stats_written_sig = stats_signature(s);
	s->stats_written_ns = clock_ns(CLOCK_MONOTONIC);
	int r = sentry_write_stats(s, path);
	if (r < 0)
		log_debug("sentry: writing %s: %s", path, strerror(-r));
}
