/* Decisions in the log: denials at info (one JSON object each with --log-format json),
 * everything else at debug. */
#include "sentry/internal.h"
#include "lib/log.h"

#include <jansson.h>
#include <string.h>

static json_t *event_fields(const struct sentry *s, const struct sbx_event *ev)
{
	const char *name = sentry_syscall_name(s, ev->syscall_nr);
	json_t *args = json_array();
	for (size_t i = 0; args && i < 6; i++)
		json_array_append_new(args, json_integer((json_int_t)ev->args[i]));
	json_t *f = json_pack(
	    "{s:s, s:i, s:i, s:s?, s:i, s:s, s:I, s:o?, s:I}", "sandbox", s->id, "pid",
	    (int)ev->pid, "tid", (int)ev->tid, "syscall", name, "nr", (int)ev->syscall_nr, "action",
	    sentry_action_name((enum sbx_event_action)ev->action), "result", (json_int_t)ev->result,
	    "args", args, "latency_ns", (json_int_t)ev->latency_ns);
	if (f && ev->result < 0 && ev->result >= -4095)
		json_object_set_new(f, "errno", json_string(strerrorname_np((int)-ev->result)));
	return f;
}

void sentry_log_event(const struct sentry *s, const struct sbx_event *ev)
{
	bool denial = ev->action == SBX_ACT_DENY;
	if (!denial && !sbx_log_debug_enabled())
		return;
	json_t *f = event_fields(s, ev);
	if (f)
		sbx_log_fields(denial ? SBX_LOG_INFO : SBX_LOG_DEBUG,
			       denial ? "syscall denied" : "syscall handled", f);
}
