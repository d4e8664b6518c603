/* sbx-hook under Debian's runc: a bundle whose config.json has the hook in
 * hooks.createRuntime (or prestart) and poststop, run with runc's own --root under the test
 * dir.
 *
 * The container gets sbx's cgroup-BPF layer: a connect to a port the policy does not allow
 * fails with EPERM, an allowed one goes through. The policy comes from the io.sbx.policy
 * annotation, else the node default (--policy). With sbxd running (the real one, build/sbxd,
 * on sockets of the test's own) the container is registered while it runs; --fail closed
 * without an answer from sbxd: runc create fails and nothing is left (container, cgroup,
 * pins); --fail open: it runs, enforced, with a warning. Pins live on a bpffs the test
 * mounts under its own directory. */
#include "harness.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bpf/cgroup.h"
#include "lib/error.h"
#include "lib/sbxd_client.h"

#define HOOK "build/sbx-hook"
#define SBXD "build/sbxd"
#define RUNC "/usr/sbin/runc"

static char cwd[256], bpffs[300], pins[320], sock[100], hook_log[300];
static pid_t sbxd_pid;

static void setup(void)
{
	h_setup();
	cr_assert(getcwd(cwd, sizeof(cwd)));
	if (access(RUNC, X_OK) != 0) {
		h_teardown();
		cr_skip_test("runc is not installed (scripts/deps installs it)");
	}
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", h_root);
	snprintf(pins, sizeof(pins), "%s/hook", bpffs);
	cr_assert_lt(strlen(h_root) + sizeof("/sbxd.sock"), sizeof(sock));
	snprintf(sock, sizeof(sock), "%.80s/sbxd.sock", h_root);
	snprintf(hook_log, sizeof(hook_log), "%s/hook.log", h_root);
	cr_assert_eq(mkdir(bpffs, 0700), 0);
	cr_assert_eq(mount("bpf", bpffs, "bpf", 0, "mode=0700"), 0, "mount bpffs: %s",
		     strerror(errno));
}

static void teardown(void)
{
	char cmd[1024];
	/* Containers a failed test left: ours only, by id, under our runc root. */
	snprintf(cmd, sizeof(cmd),
		 "for id in $(" RUNC " --root %s/runc list -q 2>/dev/null); do " RUNC
		 " --root %s/runc delete -f \"$id\"; done >/dev/null 2>&1",
		 h_root, h_root);
	if (system(cmd) < 0)
		perror("teardown");
	if (sbxd_pid > 0) {
		kill(sbxd_pid, SIGTERM);
		waitpid(sbxd_pid, NULL, 0);
		sbxd_pid = 0;
	}
	if (bpffs[0])
		umount2(bpffs, MNT_DETACH);
	h_teardown();
}

TestSuite(hook, .init = setup, .fini = teardown);

/* The real sbxd, on sockets, state and bpffs directories of this test. */
static void start_sbxd(void)
{
	char state[300], agent[300], metrics[300], dir[320], root[300];
	if (access(SBXD, X_OK) != 0) {
		teardown(); /* a skipped test's .fini does not run */
		cr_skip_test(SBXD " is not built (branch sbxd)");
	}
	snprintf(state, sizeof(state), "%s/sbxd-state", h_root);
	snprintf(agent, sizeof(agent), "%s/agent.sock", h_root);
	snprintf(metrics, sizeof(metrics), "%s/metrics.sock", h_root);
	snprintf(dir, sizeof(dir), "%s/sbxd", bpffs);
	snprintf(root, sizeof(root), "%s/sbx-root", h_root);
	char *argv[] = {SBXD,  "--socket", sock, "--agent-socket",   agent,   "--state",
			state, "--bpffs",  dir,	 "--metrics-socket", metrics, "--sbx-root",
			root,  NULL};
	int o, e;
	sbxd_pid = h_spawn(argv, &o, &e);
	close(o);
	close(e);
	/* Until it answers a ping (bounded; no assertion on how long it took). */
	for (int i = 0; i < 1000; i++) {
		json_t *req = json_pack("{s:s}", "op", "ping");
		int r = sbxd_call(sock, req, 1000, NULL, NULL);
		json_decref(req);
		if (r == 0)
			return;
		cr_assert_eq(waitpid(sbxd_pid, NULL, WNOHANG), 0, "sbxd exited");
		usleep(10000);
	}
	cr_assert_fail("sbxd never answered on %s", sock);
}

/* Whether sbxd lists container `id`, registered by the hook with `cgroup`. */
static bool sbxd_lists(const char *id, const char *cgroup)
{
	json_t *req = json_pack("{s:s}", "op", "list"), *reply = NULL, *sb;
	struct sbx_error err = {0};
	size_t i;
	bool found = false;
	cr_assert_eq(sbxd_call(sock, req, 5000, &reply, &err), 0, "list: %s", err.msg);
	json_decref(req);
	json_array_foreach (json_object_get(reply, "sandboxes"), i, sb) {
		const char *sid = json_string_value(json_object_get(sb, "id"));
		const char *src = json_string_value(json_object_get(sb, "source"));
		const char *cg = json_string_value(json_object_get(sb, "cgroup"));
		if (sid && !strcmp(sid, id)) {
			cr_assert_str_eq(src, "hook");
			cr_assert(cg && !strcmp(cg, cgroup), "cgroup %s, want %s", cg, cgroup);
			found = true;
		}
	}
	json_decref(reply);
	return found;
}

/* A policy file that lets the container connect to 127.0.0.1:port only. */
static const char *policy_port(const char *name, int port)
{
	char sbx[200];
	snprintf(sbx, sizeof(sbx),
		 "{\"network\": {\"egress\": [{\"cidr\": \"127.0.0.1/32\", \"ports\": \"%d\"}]}}",
		 port);
	return h_policy(name, sbx);
}

/* What the next bundle gets: the hook's arguments, the annotation, the probe's targets. */
static struct {
	const char *id;
	const char *hook_args[20];
	const char *annotation_policy;
	const char *stage; /* createRuntime unless set */
} cur;

static json_t *hook_entry(void)
{
	json_t *args = json_array();
	json_array_append_new(args, json_string("sbx-hook"));
	for (int i = 0; cur.hook_args[i]; i++)
		json_array_append_new(args, json_string(cur.hook_args[i]));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%.256s/" HOOK, cwd);
	return json_pack("[{s:s, s:o}]", "path", path, "args", args);
}

/* runc's config: the host's network (to reach the test's listeners), the probe mounted at
 * /opt/sbx, its own v2 cgroup, the hook at createRuntime (or cur.stage) and poststop. */
static void edit_config(json_t *c)
{
	char rootfs[PATH_MAX], helpers[PATH_MAX], cgpath[300];
	cr_assert(realpath(ROOTFS, rootfs), "realpath " ROOTFS);
	snprintf(helpers, sizeof(helpers), "%.256s/" HELPERS, cwd);
	json_object_set_new(c, "root", json_pack("{s:s, s:b}", "path", rootfs, "readonly", 1));
	json_t *linux_ = json_object_get(c, "linux"), *ns, *kept = json_array();
	size_t i;
	json_array_foreach (json_object_get(linux_, "namespaces"), i, ns) {
		if (strcmp(json_string_value(json_object_get(ns, "type")), "network"))
			json_array_append(kept, ns);
	}
	json_object_set_new(linux_, "namespaces", kept);
	snprintf(cgpath, sizeof(cgpath), "/sbx-hook-it-%d-%s", getpid(), cur.id);
	json_object_set_new(linux_, "cgroupsPath", json_string(cgpath));
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/opt/sbx",
					"type", "bind", "source", helpers, "options", "rbind",
					"ro"));
	char out[PATH_MAX];
	snprintf(out, sizeof(out), "%s/out", h_root);
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/out", "type",
					"bind", "source", out, "options", "rbind"));
	json_object_set_new(c, "hooks",
			    json_pack("{s:o, s:o}", cur.stage ? cur.stage : "createRuntime",
				      hook_entry(), "poststop", hook_entry()));
	if (cur.annotation_policy)
		json_object_set_new(c, "annotations",
				    json_pack("{s:s}", "io.sbx.policy", cur.annotation_policy));
}

/* A bundle for container `id` running `sh -c SCRIPT`. */
static const char *bundle_sh(const char *id, const char *script)
{
	static char dir[400];
	json_t *args = json_pack("[s, s, s]", "/bin/sh", "-c", script);
	char *text = json_dumps(args, 0);
	cur.id = id;
	h_bundle(dir, sizeof(dir), id, text, edit_config);
	free(text);
	json_decref(args);
	return dir;
}

/* A bundle for container `id` that connects to 127.0.0.1 ports a and b and writes what
 * happened to OUT/ID (OUT: the test's directory, mounted at /out). */
static const char *bundle(const char *id, int a, int b)
{
	char script[300];
	snprintf(script, sizeof(script),
		 "/opt/sbx/net-probe connect 127.0.0.1 %d connect 127.0.0.1 %d >/out/%s", a, b, id);
	return bundle_sh(id, script);
}

static struct run *runc(const char *verb, const char *a1, const char *a2, const char *a3)
{
	char root[300];
	snprintf(root, sizeof(root), "%s/runc", h_root);
	char *argv[] = {RUNC,	    "--root",	root,	    (char *)verb,
			(char *)a1, (char *)a2, (char *)a3, NULL};
	return h_runv(argv);
}

static const char *runc_status(const char *id)
{
	static char status[32];
	struct run *r = runc("state", id, NULL, NULL);
	json_t *o = r->status == 0 ? json_loads(r->out, 0, NULL) : NULL;
	snprintf(status, sizeof(status), "%s",
		 o ? json_string_value(json_object_get(o, "status")) : "");
	json_decref(o);
	return status;
}

/* Nothing of container `id` is left: runc's state, its cgroups, its pins. */
static void assert_nothing_left(const char *id)
{
	cr_assert_neq(runc("state", id, NULL, NULL)->status, 0, "runc still has %s", id);
	cr_assert(!h_exists("/sys/fs/cgroup/unified/sbx-hook-it-%d-%s", getpid(), id),
		  "v2 cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/pids/sbx-hook-it-%d-%s", getpid(), id),
		  "pids cgroup of %s left", id);
	cr_assert(!h_exists("%s/%s", pins, id), "pins of %s left", id);
}

/* start, wait until it stopped, its output; then delete (poststop runs). */
static const char *start_wait_delete(const char *id)
{
	static char out[4096];
	char file[400];
	struct run *r = runc("start", id, NULL, NULL);
	cr_assert_eq(r->status, 0, "runc start: %s", r->err);
	for (int i = 0; i < 3000 && strcmp(runc_status(id), "stopped"); i++)
		usleep(10000);
	cr_assert_str_eq(runc_status(id), "stopped");
	snprintf(file, sizeof(file), "%s/out/%s", h_root, id);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "no output from the container");
	h_read_all(fd, out, sizeof(out));
	close(fd);
	r = runc("delete", id, NULL, NULL);
	cr_assert_eq(r->status, 0, "runc delete: %s", r->err);
	return out;
}

static void expect_allowed_only(const char *out, int a, int b)
{
	char want_a[64], want_b[64];
	snprintf(want_a, sizeof(want_a), "connect 127.0.0.1 %d: ok\n", a);
	snprintf(want_b, sizeof(want_b), "connect 127.0.0.1 %d: EPERM\n", b);
	cr_assert(strstr(out, want_a), "%s", out);
	cr_assert(strstr(out, want_b), "%s", out);
}

/* An empty settings file of the test's own. */
static const char *hook_config(void)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s/hook.json", h_root);
	FILE *f = fopen(path, "w");
	cr_assert(f && fputs("{}\n", f) >= 0 && fclose(f) == 0);
	return path;
}

static void hook_args(const char *fail, const char *policy)
{
	int n = 0;
	memset(cur.hook_args, 0, sizeof(cur.hook_args));
	cur.hook_args[n++] = "--fail";
	cur.hook_args[n++] = fail;
	cur.hook_args[n++] = "--socket";
	cur.hook_args[n++] = sock;
	cur.hook_args[n++] = "--pin-dir";
	cur.hook_args[n++] = pins;
	cur.hook_args[n++] = "--log";
	cur.hook_args[n++] = hook_log;
	cur.hook_args[n++] = "--timeout";
	cur.hook_args[n++] = "300";
	/* the test's own settings, never the host's /etc/sbx: the annotation's names are
	 * policies in the test's dir */
	cur.hook_args[n++] = "--config";
	cur.hook_args[n++] = hook_config();
	cur.hook_args[n++] = "--policy-dir";
	cur.hook_args[n++] = h_root;
	if (policy) {
		cur.hook_args[n++] = "--policy";
		cur.hook_args[n++] = policy;
	}
}

static void make_out_dir(void)
{
	char d[300];
	snprintf(d, sizeof(d), "%s/out", h_root);
	mkdir(d, 0777);
}

/* The annotation's policy wins over the node default; sbxd lists the container while it
 * exists, with its cgroup, and no longer after delete. */
Test(hook, annotation_policy_enforced_and_registered_with_sbxd)
{
	int a, b, la = h_listen_local(&a), lb = h_listen_local(&b);
	char cg[300];
	const char *id = "hk-reg";
	start_sbxd();
	make_out_dir();
	hook_args("closed", policy_port("node-default", b));
	policy_port("annotated", a);
	cur.annotation_policy = "annotated";
	const char *dir = bundle(id, a, b);
	struct run *r = runc("create", "--bundle", dir, id);
	cr_assert_eq(r->status, 0, "runc create: %s%s", r->out, r->err);
	snprintf(cg, sizeof(cg), "sbx-hook-it-%d-%s", getpid(), id);
	cr_assert(sbxd_lists(id, cg), "sbxd does not list %s", id);
	cr_assert(h_exists("%s/%s/link-%d", pins, id, SBX_CG_CONNECT4), "connect4 not pinned");
	expect_allowed_only(start_wait_delete(id), a, b);
	close(la);
	close(lb);
	cr_assert(!sbxd_lists(id, cg), "sbxd still lists %s after delete", id);
	assert_nothing_left(id);
}

/* No sbxd: runc create fails, says why, and leaves nothing. */
Test(hook, closed_without_sbxd_fails_and_leaves_nothing)
{
	const char *id = "hk-closed";
	make_out_dir();
	hook_args("closed", NULL);
	cur.annotation_policy = NULL;
	struct run *r = runc("create", "--bundle", bundle(id, 1, 2), id);
	cr_assert_neq(r->status, 0, "runc create succeeded without sbxd");
	cr_assert(strstr(r->err, "not registered with sbxd") && strstr(r->err, sock) &&
		      strstr(r->err, "--fail closed"),
		  "%s", r->err);
	assert_nothing_left(id);
}

/* An sbxd that accepts and never answers: the hook gives up after --timeout. */
Test(hook, closed_silent_sbxd_times_out)
{
	const char *id = "hk-silent";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, sock, sizeof(sock));
	cr_assert_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(l, 8), 0);
	make_out_dir();
	hook_args("closed", NULL);
	cur.annotation_policy = NULL;
	struct run *r = runc("create", "--bundle", bundle(id, 1, 2), id);
	close(l);
	cr_assert_neq(r->status, 0, "runc create succeeded with a silent sbxd");
	cr_assert(strstr(r->err, "did not answer within 300 ms"), "%s", r->err);
	assert_nothing_left(id);
}

/* No sbxd, --fail open: it runs, under the node default policy, and the warning is logged.
 * The hook runs as a prestart hook here (createRuntime elsewhere). */
Test(hook, open_without_sbxd_runs_enforced_with_warning)
{
	int a, b, la = h_listen_local(&a), lb = h_listen_local(&b);
	const char *id = "hk-open";
	char log[4096];
	make_out_dir();
	hook_args("open", policy_port("node-default", a));
	cur.annotation_policy = NULL;
	cur.stage = "prestart";
	const char *dir = bundle(id, a, b);
	struct run *r = runc("create", "--bundle", dir, id);
	cr_assert_eq(r->status, 0, "runc create: %s", r->err);
	expect_allowed_only(start_wait_delete(id), a, b);
	close(la);
	close(lb);
	int fd = open(hook_log, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "no hook log");
	h_read_all(fd, log, sizeof(log));
	close(fd);
	cr_assert(strstr(log, "warning") && strstr(log, "not registered with sbxd") &&
		      strstr(log, "--fail open"),
		  "%s", log);
	assert_nothing_left(id);
}

/* A policy with a typo: refused with file, line and column, even with --fail open. */
Test(hook, bad_policy_refused_with_position)
{
	const char *id = "hk-badpol";
	make_out_dir();
	hook_args("open", NULL);
	h_policy("typo", "{\"network\": {\"egres\": []}}");
	cur.annotation_policy = "typo";
	struct run *r = runc("create", "--bundle", bundle(id, 1, 2), id);
	cr_assert_neq(r->status, 0, "runc create succeeded with a bad policy");
	cr_assert(strstr(r->err, "typo.json:1:"), "%s", r->err);
	cr_assert(strstr(r->err, "egres"), "%s", r->err);
	assert_nothing_left(id);
}

/* sbx-trace ID follows a container sbx-hook registered with sbxd: its refused connects show
 * with layer cgroup-bpf (from the ring the hook pinned), and it ends with the container. */
Test(hook, sbx_trace_follows_a_hooked_container)
{
	int a, b, la = h_listen_local(&a), lb = h_listen_local(&b);
	const char *id = "hk-trace";
	char script[300], out[400];
	start_sbxd();
	make_out_dir();
	hook_args("closed", NULL);
	policy_port("annotated", a);
	cur.annotation_policy = "annotated";
	snprintf(script, sizeof(script),
		 "i=0; while [ $i -lt 40 ]; do /opt/sbx/trace-probe connect 127.0.0.1 %d "
		 ">/dev/null; i=$((i + 1)); usleep 50000; done",
		 b);
	struct run *r = runc("create", "--bundle", bundle_sh(id, script), id);
	cr_assert_eq(r->status, 0, "runc create: %s", r->err);
	snprintf(out, sizeof(out), "%s/trace.json", h_root);
	setenv("SBXD_SOCKET", sock, 1);
	char *argv[] = {"build/sbx-trace", "--root", h_root, "--pin-dir", pins, "--output", out,
			"--denied",	   "-o",     "json", (char *)id,  NULL};
	int loaded = h_programs_named("sbx_tr_"), o, e;
	pid_t tracer = h_spawn(argv, &o, &e);
	for (int i = 0; i < 500 && h_programs_named("sbx_tr_") <= loaded; i++)
		usleep(10000);
	r = runc("start", id, NULL, NULL);
	cr_assert_eq(r->status, 0, "runc start: %s", r->err);
	for (int i = 0; i < 3000 && strcmp(runc_status(id), "stopped"); i++)
		usleep(10000);
	cr_assert_eq(runc("delete", id, NULL, NULL)->status, 0);
	r = h_collect(tracer, o, e); /* it ends by itself: the container's cgroup is gone */
	cr_assert_eq(r->status, 0, "sbx-trace: %s", r->err);
	close(la);
	close(lb);
	FILE *f = fopen(out, "r");
	char line[8192];
	int refused = 0;
	cr_assert(f, "no trace output");
	while (fgets(line, sizeof(line), f)) {
		json_t *l = json_loads(line, 0, NULL);
		cr_assert(l, "not JSON: %s", line);
		const char *sc = json_string_value(json_object_get(l, "syscall"));
		const char *layer = json_string_value(json_object_get(l, "layer"));
		const char *sbx = json_string_value(json_object_get(l, "sandbox"));
		if (sc && layer && !strcmp(sc, "connect") && !strcmp(layer, "cgroup-bpf")) {
			cr_assert(sbx && !strcmp(sbx, id), "%s", line);
			refused++;
		}
		json_decref(l);
	}
	fclose(f);
	cr_assert_gt(refused, 0, "no connect refused by cgroup-bpf in the trace");
	assert_nothing_left(id);

	/* an id neither sbx nor sbxd knows */
	char *unknown[] = {"build/sbx-trace", "--root", h_root, "hk-nobody", NULL};
	r = h_runv(unknown);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "sbxd has no container 'hk-nobody'"), "%s", r->err);
}

/* --fail open does not cover a layer the policy needs: with sbx.network and the programs
 * unable to stay (the pin dir is not on a bpffs), runc create fails and leaves nothing. */
Test(hook, open_still_refuses_without_the_layer_a_network_policy_needs)
{
	const char *id = "hk-needs";
	char notbpf[300];
	snprintf(notbpf, sizeof(notbpf), "%s/not-bpffs", h_root);
	make_out_dir();
	hook_args("open", NULL);
	for (int i = 0; cur.hook_args[i]; i++)
		if (!strcmp(cur.hook_args[i], "--pin-dir"))
			cur.hook_args[i + 1] = notbpf;
	policy_port("annotated", 9);
	cur.annotation_policy = "annotated";
	struct run *r = runc("create", "--bundle", bundle(id, 1, 2), id);
	cr_assert_neq(r->status, 0, "runc create succeeded without the layer");
	cr_assert(strstr(r->err, "the policy's sbx.network or sbx.require needs it"), "%s", r->err);
	assert_nothing_left(id);
	cr_assert(!h_exists("%s/%s", notbpf, id), "a pin dir was left");
}
