/* Counters per (syscall, action), and writing them as JSON. */
#include "sentry/internal.h"
#include "bpf/cgroup.h"
#include "bpf/lsm.h"
#include "lib/cleanup.h"
#include "lib/event_names.h"
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

void sentry_stats_count(struct sentry *s, int nr, enum sbx_event_action action)
{
	size_t row = nr >= 0 && nr < SENTRY_STATS_NR ? (size_t)nr : SENTRY_STATS_NR;
	s->notifications++;
	if ((unsigned)action < SBX_ACT__MAX)
		s->counts[row][action]++;
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
