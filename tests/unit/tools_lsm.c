/* sbx-trace and BPF-LSM denials (bpf/lsm.h records the sentry forwards): a denial on its own
 * is a line with layer "lsm", the hook, the object, the rule and the errno; one that happened
 * during a traced syscall marks that syscall's line [lsm deny]; the summary counts them per
 * hook. No kernel needed: the records are made here. */
#include "tools/trace.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"

static char *text;
static size_t text_len;

static struct tr *tracer(bool json)
{
	static struct tr t;
	static struct tr_sandbox sb = {.id = "box", .cgroup_id = 7};

	memset(&t, 0, sizeof(t));
	memset(sb.lsm_denied, 0, sizeof(sb.lsm_denied));
	t.o.format = json ? TR_JSON : TR_COMPACT;
	t.out = open_memstream(&text, &text_len);
	cr_assert(t.out);
	t.sb[t.nsb++] = &sb;
	return &t;
}

static const char *done(struct tr *t)
{
	tr_queue_flush(t, true);
	fclose(t->out);
	return text;
}

static struct sbx_lsm_event record(int hook, int rule, int err, const char *name)
{
	struct sbx_lsm_event e = {.version = SBX_EVENT_VERSION,
				  .hook = (__u16)hook,
				  .rule = (__u16)rule,
				  .err = (__u16)err,
				  .pid = 42,
				  .tid = 43,
				  .cgroup_id = 7,
				  .comm = "cat"};
	e.time_ns = clock_ns(CLOCK_REALTIME);
	snprintf(e.name, sizeof(e.name), "%s", name);
	return e;
}

Test(tools_lsm, a_denial_alone_is_a_line_of_its_own)
{
	struct tr *t = tracer(false);
	struct sbx_lsm_event e =
	    record(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_HIDDEN, ENOENT, "/data/alias");
	e.obj[2] = 0100000; /* O_LARGEFILE */
	tr_on_lsm(t, t->sb[0], &e);
	const char *out = done(t);
	cr_assert(strstr(out, " box               42 cat             file_open \"/data/alias\" "
			      "flags 0100000 (hidden) = -ENOENT [lsm deny]\n"),
		  "%s", out);
	cr_expect_eq(t->sb[0]->lsm_denied[SBX_LSM_FILE_OPEN], 1);
	free(text);
}

Test(tools_lsm, json_has_hook_rule_errno_and_object)
{
	struct tr *t = tracer(true);
	struct sbx_lsm_event e = record(SBX_LSM_TASK_KILL, SBX_LSM_RULE_OUTSIDE, EPERM, "sleep");
	e.obj[0] = 1234;
	e.obj[1] = 9;
	tr_on_lsm(t, t->sb[0], &e);
	json_t *o = json_loads(done(t), 0, NULL);
	cr_assert(o, "%s", text);
	cr_expect_str_eq(json_string_value(json_object_get(o, "event")), "lsm");
	cr_expect_str_eq(json_string_value(json_object_get(o, "layer")), "lsm");
	cr_expect_str_eq(json_string_value(json_object_get(o, "action")), "deny");
	cr_expect_str_eq(json_string_value(json_object_get(o, "hook")), "task_kill");
	cr_expect_str_eq(json_string_value(json_object_get(o, "rule")), "outside");
	cr_expect_str_eq(json_string_value(json_object_get(o, "errno")), "EPERM");
	cr_expect_str_eq(json_string_value(json_object_get(o, "object")), "sleep");
	cr_expect_str_eq(json_string_value(json_object_get(o, "detail")),
			 "task_kill pid 1234 (sleep) signal 9 (outside) = -EPERM");
	json_decref(o);
	free(text);
}

/* The denial came while the thread's mount(2) ran: that line gets the layer. */
Test(tools_lsm, merged_into_its_syscall)
{
	struct tr *t = tracer(false);
	struct sbx_lsm_event e = record(SBX_LSM_SB_MOUNT, SBX_LSM_RULE_NEVER, EPERM, "none");
	struct sbx_event k = {.version = SBX_EVENT_VERSION,
			      .source = SBX_SRC_KERNEL,
			      .kind = SBX_KIND_SYSCALL,
			      .syscall_nr = 165, /* mount */
			      .pid = 42,
			      .tid = 43,
			      .flags = SBX_EVF_ENTERED,
			      .cgroup_id = 7,
			      .result = -EPERM,
			      .latency_ns = 5000,
			      .comm = "mount"};
	snprintf(e.aux, sizeof(e.aux), "tmpfs");
	k.time_ns = e.time_ns + 1000; /* monotonic and real clocks agree here: mono_to_real 0 */
	tr_on_lsm(t, t->sb[0], &e);
	cr_assert_eq(tr_on_kernel(t, &k, sizeof(k)), 0);
	const char *out = done(t);
	cr_assert(strstr(out, "mount(") && strstr(out, "= -1 EPERM") && strstr(out, "[lsm deny]\n"),
		  "%s", out);
	cr_expect(!strstr(out, "sb_mount"), "shown once, in the syscall's line: %s", out);
	free(text);
}
