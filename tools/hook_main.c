/* sbx-hook: an OCI hook for containers that runc or crun run (podman --hooks-dir, CRI-O's
 * hooks.d). At createRuntime or prestart it gives the container sbx's cgroup-BPF layer (the
 * policy the io.sbx.policy annotation names, else the node default, else the built-in one)
 * and registers it with sbxd for sbx-trace; at poststop it undoes both. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/util.h"
#include "tools/hook.h"
#include "lib/sbxd_client.h"

static const char usage_text[] =
    "usage: sbx-hook [options] < OCI-STATE\n"
    "\n"
    "An OCI hook (createRuntime or prestart, and poststop): reads the container's state on\n"
    "stdin; at create it attaches sbx's cgroup-BPF layer to the container's v2 cgroup and\n"
    "registers the container with sbxd; at poststop it unregisters and detaches.\n"
    "\n"
    "  --config FILE      settings as JSON (default " HOOK_CONFIG_DEFAULT " if it exists):\n"
    "                     {\"fail\", \"policy\", \"policy_dir\", \"socket\", \"pin_dir\", "
    "\"log\",\n                     \"timeout_ms\"}\n"
    "  --fail closed|open when sbxd does not answer or the layer cannot attach: closed (the\n"
    "                     default) fails the hook, so the container does not start; open\n"
    "                     lets it start, with a warning\n"
    "  --policy FILE      the node's default policy (default " HOOK_POLICY_DEFAULT " if it\n"
    "                     exists, else the built-in one); a bundle's io.sbx.policy wins\n"
    "  --policy-dir DIR   where io.sbx.policy's names are: DIR/NAME.json (default\n"
    "                     " HOOK_POLICY_DIR_DEFAULT "); the annotation is never a path\n"
    "  --socket PATH      sbxd's socket (default $SBXD_SOCKET or " SBXD_SOCKET_DEFAULT ")\n"
    "  --timeout MS       how long to wait for sbxd (default 2000)\n"
    "  --pin-dir DIR      where the links are pinned, on a bpffs (default\n"
    "                     " HOOK_PIN_ROOT_DEFAULT ")\n"
    "  --log FILE         also append messages here (runc drops a successful hook's stderr)\n"
    "  --debug            debug messages\n";

static const char *container_id = "?";

/* To stderr, and to the log file when there is one. */
static void say(enum sbx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(enum sbx_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	char msg[1400];
	va_list ap;
	if (level == SBX_LOG_DEBUG && !sbx_log_debug_enabled())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sbx-hook: %s: container %s: %s\n", names[level], container_id, msg);
	if (sbx_log_get_format() == SBX_LOG_TEXT)
		sbx_log(level, "sbx-hook: container %s: %s", container_id, msg);
}

/* A failure the failure policy decides: 0 (go on, warned) when open, -1 when closed. */
static int by_policy(const struct hook_opts *o, const char *what, const struct sbx_error *e)
{
	if (o->fail == HOOK_FAIL_OPEN) {
		say(SBX_LOG_WARN, "%s: %s; the container starts anyway (--fail open)", what,
		    e->msg);
		return 0;
	}
	say(SBX_LOG_ERROR, "%s: %s; the container must not start (--fail closed)", what, e->msg);
	return -1;
}

/* `rel` is "/a/b"; sbxd takes it without the leading slash. */
static int sbxd_register(const struct hook_opts *o, const struct hook_state *s, const char *rel,
			 const char *policy, struct sbx_error *err)
{
	json_t *req =
	    json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:s}", "op", "register", "id", s->id, "pid",
		      (int)s->pid, "cgroup", rel + 1, "bundle", s->bundle, "policy",
		      policy[0] ? json_string(policy) : json_null(), "source", "hook");
	if (!req)
		return sbx_err(err, ENOMEM, "out of memory");
	int r = sbxd_call(o->socket, req, o->timeout_ms, NULL, err);
	json_decref(req);
	if (r == -ETIMEDOUT)
		sbx_err(err, ETIMEDOUT, "sbxd at %s did not answer within %d ms", o->socket,
			o->timeout_ms);
	else if (r < 0 && !err->msg[0])
		sbx_err_errno(err, -r, "sbxd at %s", o->socket);
	return r;
}

/* The layer, pinned under `pins`, on the container's cgroup (its path in `rel`, "" when it has
 * none). 0 when attached or when the failure policy lets the container start without it. */
static int attach(const struct hook_opts *o, const struct hook_state *s, const char *policy,
		  char rel[PATH_MAX], char pins[PATH_MAX], bool *ret_pinned)
{
	struct sbx_error err = {0};
	struct hook_layer layer;
	_cleanup_close_ int cg = -1;
	*ret_pinned = false;
	if (hook_layer_load(s, policy, &layer, &err) < 0) {
		say(SBX_LOG_ERROR, "%s", err.msg);
		return -1;
	}
	say(SBX_LOG_DEBUG, "policy %s", policy[0] ? policy : "(built-in default)");
	if (path_join(pins, PATH_MAX, o->pin_root, s->id) < 0)
		sbx_err(&err, ENAMETOOLONG, "--pin-dir too long");
	else if (hook_cgroup_open(s->pid, rel, PATH_MAX, &cg, &err) == 0 &&
		 hook_attach_pinned(&layer, cg, pins, &err) == 0)
		*ret_pinned = true;
	bool required = layer.required;
	hook_layer_free(&layer);
	if (*ret_pinned) {
		say(SBX_LOG_DEBUG, "cgroup-BPF layer on %s, pinned in %s", rel, pins);
		return 0;
	}
	if (required) {
		say(SBX_LOG_ERROR,
		    "cgroup-BPF layer not attached: %s; the policy's sbx.network or sbx.require "
		    "needs it, so the container must not start",
		    err.msg);
		return -1;
	}
	return by_policy(o, "cgroup-BPF layer not attached", &err);
}

/* createRuntime / prestart: the layer, then sbxd. */
static int setup(const struct hook_opts *o, struct hook_state *s)
{
	struct sbx_error err = {0};
	char rel[PATH_MAX] = "", pins[PATH_MAX];
	bool pinned;
	if (hook_bundle_read(s, o->policy_dir, &err) < 0) {
		say(SBX_LOG_ERROR, "%s", err.msg);
		return -1;
	}
	const char *policy = s->policy[0] ? s->policy : o->policy;
	if (attach(o, s, policy, rel, pins, &pinned) < 0)
		return -1;
	if (rel[0] && sbxd_register(o, s, rel, policy, &err) < 0 &&
	    by_policy(o, "not registered with sbxd", &err) < 0) {
		if (pinned)
			hook_unpin(pins);
		return -1;
	}
	return 0;
}

/* poststop: best effort; the container is gone already. */
static int teardown(const struct hook_opts *o, const struct hook_state *s)
{
	struct sbx_error err = {0};
	char pins[PATH_MAX];
	json_t *req = json_pack("{s:s, s:s}", "op", "unregister", "id", s->id);
	if (req && sbxd_call(o->socket, req, o->timeout_ms, NULL, &err) < 0)
		say(SBX_LOG_DEBUG, "unregister: %s", err.msg[0] ? err.msg : "no answer");
	json_decref(req);
	if (path_join(pins, sizeof(pins), o->pin_root, s->id) == 0 && hook_unpin(pins) < 0) {
		say(SBX_LOG_WARN, "could not remove %s", pins);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hook_opts o;
	struct hook_state s;
	struct sbx_error err = {0};
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	if (hook_opts_load(argc, argv, &o, &err) < 0 || hook_state_read(0, &s, &err) < 0) {
		say(SBX_LOG_ERROR, "%s", err.msg);
		return 1;
	}
	container_id = s.id;
	/* Without a log file, stderr alone (say() writes there itself). */
	int r = sbx_log_open(o.log[0] ? o.log : "/dev/null", SBX_LOG_TEXT, o.debug);
	if (r < 0)
		fprintf(stderr, "sbx-hook: warning: cannot open log %s: %s\n", o.log, strerror(-r));
	if (!strcmp(s.status, "creating") || !strcmp(s.status, "created"))
		r = setup(&o, &s);
	else if (!strcmp(s.status, "stopped"))
		r = teardown(&o, &s);
	else {
		say(SBX_LOG_ERROR,
		    "status '%s': sbx-hook runs at createRuntime or prestart "
		    "(creating, created) and poststop (stopped)",
		    s.status);
		r = -1;
	}
	sbx_log_close();
	return r < 0 ? 1 : 0;
}
