#include "runtime/run_wait.h"

#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "runtime/cli.h"
#include "runtime/console.h"
#include "runtime/sandbox.h"
#include "runtime/signal_forward.h"
#include "runtime/state.h"
#include "sentry/sentry.h"

static long long hook_count(const json_t *bpf, const char *a, const char *b)
{
	return json_integer_value(json_object_get(bpf, a)) +
	       (b ? json_integer_value(json_object_get(bpf, b)) : 0);
}

/* One line; the network hooks by operation, both families together. */
static void print_bpf_denials(const json_t *bpf)
{
	fprintf(stderr,
		"\ncgroup-BPF denials: dev %lld, sysctl %lld, sock_create %lld, connect %lld, "
		"sendmsg %lld, bind %lld\n",
		hook_count(bpf, "dev", NULL), hook_count(bpf, "sysctl", NULL),
		hook_count(bpf, "sock_create", NULL), hook_count(bpf, "connect4", "connect6"),
		hook_count(bpf, "sendmsg4", "sendmsg6"), hook_count(bpf, "bind4", "bind6"));
}

/* One line: every hook that refused something. */
static void print_lsm_denials(const json_t *lsm)
{
	const char *hook;
	json_t *v;
	int n = 0;

	fprintf(stderr, "\nBPF-LSM denials:");
	json_object_foreach ((json_t *)lsm, hook, v) {
		if (json_integer_value(v))
			fprintf(stderr, "%s %s %lld", n++ ? "," : "", hook, json_integer_value(v));
	}
	fprintf(stderr, "%s\n", n ? "" : " none");
}

static void print_stats(const struct container_state *st)
{
	char path[PATH_MAX];
	state_path(st, SENTRY_STATS_FILE, path, sizeof(path));
	json_t *o = json_load_file(path, 0, NULL);
	if (!o) {
		fprintf(stderr, "sbx: no sentry statistics for this sandbox\n");
		return;
	}
	fprintf(stderr, "\nsentry: %lld notifications\n",
		json_integer_value(json_object_get(o, "notifications")));
	fprintf(stderr, "  %-20s %-10s %s\n", "SYSCALL", "ACTION", "COUNT");
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(o, "counts"), i, v) {
		fprintf(stderr, "  %-20s %-10s %lld\n",
			json_string_value(json_object_get(v, "syscall")),
			json_string_value(json_object_get(v, "action")),
			json_integer_value(json_object_get(v, "count")));
	}
	json_t *bpf = json_object_get(o, "cgroup_bpf_denied");
	if (bpf)
		print_bpf_denials(bpf);
	json_t *lsm = json_object_get(o, "lsm_denied");
	if (lsm)
		print_lsm_denials(lsm);
	json_decref(o);
	/* And what the workload changed, from the gofer's change log. */
	_cleanup_close_ int dir = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir >= 0 && faccessat(dir, "changes.jsonl", R_OK, 0) == 0) {
		fprintf(stderr, "\ngofer: the sandbox's changes (sbx changes)\n");
		gofer_changes_print(dir, "changes.jsonl", false, stderr);
	}
}

/* Copy between our stdio and the container's terminal until the workload lets go of it. */
static void run_console(struct sbx_cli *cli, struct console_session *con,
			const struct container_state *st)
{
	struct sbx_error err = {0};
	if (console_session_copy(con, st->sentry_pid, &err) < 0)
		cli_fail(cli, &err); /* the sandbox still runs: wait for it all the same */
	console_session_end(con);
}

int run_start_and_wait(struct sbx_cli *cli, struct container_state *st, bool detach, bool keep,
		       bool stats, int console_master)
{
	_cleanup_(console_session_end) struct console_session con = CONSOLE_SESSION_INIT;
	struct sbx_error err = {0};
	int code;
	/* Forwarding first: the console's handlers go back to it when the session ends. */
	int fr = detach ? 0 : signal_forward_to(st->pid);
	if (fr < 0)
		log_warn("cannot pass signals on to the container: %s", strerror(-fr));
	if (console_master >= 0 && console_session_begin(&con, console_master, &err) < 0) {
		code = cli_fail(cli, &err);
		sandbox_delete(cli->root, st->id, true, NULL);
		state_clear(st);
		return code;
	}
	if (sandbox_start(st, &err) < 0) {
		code = cli_fail(cli, &err);
		sandbox_delete(cli->root, st->id, true, NULL);
		state_clear(st);
		return code;
	}
	if (detach) {
		state_clear(st);
		return 0;
	}
	if (con.master >= 0)
		run_console(cli, &con, st);
	code = sandbox_wait(st, &err);
	if (code < 0)
		code = cli_fail(cli, &err);
	if (stats)
		print_stats(st);
	if (!keep && sandbox_delete(cli->root, st->id, true, &err) < 0)
		cli_fail(cli, &err);
	state_clear(st);
	return code;
}
