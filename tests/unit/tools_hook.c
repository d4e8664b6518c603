/* sbx-hook's inputs: its settings (config file, then options; bad ones named with file:line:col
 * or the option), the OCI state on stdin and the bundle's config.json (the io.sbx.policy
 * annotation, linux.resources.devices). Files under a temporary directory; no privileges. */
#include "tools/hook.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/util.h"

static char dir[] = "/tmp/sbx-unit-hook-XXXXXX";

static void setup(void)
{
	cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
	rm_rf(dir);
}

TestSuite(hook, .init = setup, .fini = teardown);

static const char *put(const char *name, const char *text)
{
	static char path[2][300];
	static int i;
	i = !i;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	cr_assert_eq(write_file_atomic(path[i], text, strlen(text), 0644), 0);
	return path[i];
}

static int load(struct hook_opts *o, struct sbx_error *err, const char *a1, const char *a2,
		const char *a3, const char *a4)
{
	char *argv[] = {"sbx-hook", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
	int argc = 1;
	while (argv[argc])
		argc++;
	sbx_err_clear(err);
	return hook_opts_load(argc, argv, o, err);
}

Test(hook, config_file_then_options)
{
	struct hook_opts o;
	struct sbx_error err = {0};
	const char *cfg =
	    put("hook.json", "{\"fail\": \"open\", \"timeout_ms\": 250,\n"
			     " \"socket\": \"/x/sbxd.sock\", \"pin_dir\": \"/b/p\"}\n");
	cr_assert_eq(load(&o, &err, "--config", cfg, NULL, NULL), 0, "%s", err.msg);
	cr_assert_eq(o.fail, HOOK_FAIL_OPEN);
	cr_assert_eq(o.timeout_ms, 250);
	cr_assert_str_eq(o.socket, "/x/sbxd.sock");
	cr_assert_str_eq(o.pin_root, "/b/p");
	/* an option wins over the file, wherever it stands */
	cr_assert_eq(load(&o, &err, "--fail", "closed", "--config", cfg), 0, "%s", err.msg);
	cr_assert_eq(o.fail, HOOK_FAIL_CLOSED);
	cr_assert_eq(o.timeout_ms, 250);
}

Test(hook, defaults_without_a_config)
{
	struct hook_opts o;
	struct sbx_error err = {0};
	setenv("SBXD_SOCKET", "/t/s.sock", 1);
	cr_assert_eq(load(&o, &err, "--pin-dir", "/p", NULL, NULL), 0, "%s", err.msg);
	unsetenv("SBXD_SOCKET");
	cr_assert_eq(o.fail, HOOK_FAIL_CLOSED);
	cr_assert_eq(o.timeout_ms, HOOK_TIMEOUT_MS_DEFAULT);
	cr_assert_str_eq(o.socket, "/t/s.sock");
	cr_assert_str_eq(o.pin_root, "/p");
}

Test(hook, config_errors_have_positions)
{
	struct hook_opts o;
	struct sbx_error err = {0};
	char want[400];
	const char *cfg = put("bad.json", "{\n  \"fail\": \"opne\"\n}\n");
	cr_assert_lt(load(&o, &err, "--config", cfg, NULL, NULL), 0);
	snprintf(want, sizeof(want), "%s:2:11: \"fail\": expected \"closed\" or \"open\"", cfg);
	cr_assert_str_eq(err.msg, want);

	cfg = put("bad.json", "{\"fail\": \"open\",\n \"timeout\": 5}");
	cr_assert_lt(load(&o, &err, "--config", cfg, NULL, NULL), 0);
	snprintf(want, sizeof(want), "%s:2:2: unknown key \"timeout\"", cfg);
	cr_assert(strstr(err.msg, want), "%s", err.msg);

	cfg = put("bad.json", "{\"timeout_ms\": 0}");
	cr_assert_lt(load(&o, &err, "--config", cfg, NULL, NULL), 0);
	cr_assert(strstr(err.msg, ":1:16: \"timeout_ms\": expected an integer from 1 to 60000"),
		  "%s", err.msg);

	cfg = put("bad.json", "{\"socket\": \"/a\",}");
	cr_assert_lt(load(&o, &err, "--config", cfg, NULL, NULL), 0);
	cr_assert(strstr(err.msg, "bad.json:1:"), "a syntax error has a position: %s", err.msg);

	cr_assert_lt(load(&o, &err, "--config", "/nonexistent/hook.json", NULL, NULL), 0);
	cr_assert(strstr(err.msg, "/nonexistent/hook.json"), "%s", err.msg);
}

Test(hook, option_errors_name_the_option)
{
	struct hook_opts o;
	struct sbx_error err = {0};
	cr_assert_lt(load(&o, &err, "--fail", "maybe", NULL, NULL), 0);
	cr_assert_str_eq(err.msg, "--fail 'maybe': expected closed or open");
	cr_assert_lt(load(&o, &err, "--timeout", "-3", NULL, NULL), 0);
	cr_assert(strstr(err.msg, "--timeout '-3'"), "%s", err.msg);
	cr_assert_lt(load(&o, &err, "--frob", NULL, NULL, NULL), 0);
	cr_assert(strstr(err.msg, "unknown option '--frob'"), "%s", err.msg);
	cr_assert_lt(load(&o, &err, "--socket", NULL, NULL, NULL), 0);
	cr_assert(strstr(err.msg, "'--socket'"), "%s", err.msg);
	cr_assert_lt(load(&o, &err, "extra", NULL, NULL, NULL), 0);
	cr_assert(strstr(err.msg, "unexpected argument 'extra'"), "%s", err.msg);
}

static int state_from(const char *text, struct hook_state *s, struct sbx_error *err)
{
	int fd = open(put("state.json", text), O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0);
	int r = hook_state_read(fd, s, err);
	close(fd);
	return r;
}

Test(hook, state_and_bundle)
{
	struct hook_state s;
	struct sbx_error err = {0};
	char state[600];
	put("config.json", "{\"annotations\": {\"io.sbx.policy\": \"web\"},\n"
			   " \"linux\": {\"resources\": {\"devices\": [\n"
			   "  {\"allow\": false, \"access\": \"rwm\"},\n"
			   "  {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200, "
			   "\"access\": \"rw\"}\n"
			   "]}}}\n");
	snprintf(state, sizeof(state),
		 "{\"ociVersion\": \"1.0.2\", \"id\": \"web-1\", \"status\": \"creating\", "
		 "\"pid\": 42, \"bundle\": \"%s\"}",
		 dir);
	cr_assert_eq(state_from(state, &s, &err), 0, "%s", err.msg);
	cr_assert_str_eq(s.id, "web-1");
	cr_assert_eq(s.pid, 42);
	cr_assert_str_eq(s.status, "creating");
	cr_assert_eq(hook_bundle_read(&s, "/etc/sbx/policies", &err), 0, "%s", err.msg);
	cr_assert_str_eq(s.policy, "/etc/sbx/policies/web.json", "a name in the policy dir");
	cr_assert_eq(s.n_devs, 2);
	cr_assert_eq(s.devs[0].type, 'a');
	cr_assert_eq(s.devs[0].major, SBX_DEV_ANY);
	cr_assert_eq(s.devs[0].allow, 0);
	cr_assert_eq(s.devs[0].access, SBX_DEV_ACC_MKNOD | SBX_DEV_ACC_READ | SBX_DEV_ACC_WRITE);
	cr_assert_eq(s.devs[1].type, 'c');
	cr_assert_eq(s.devs[1].major, 10);
	cr_assert_eq(s.devs[1].minor, 200);
	cr_assert_eq(s.devs[1].access, SBX_DEV_ACC_READ | SBX_DEV_ACC_WRITE);
	cr_assert_eq(s.devs[1].allow, 1);
}

Test(hook, bad_state_and_bundle)
{
	struct hook_state s;
	struct sbx_error err = {0};
	char state[600];
	cr_assert_lt(state_from("{\"id\": \"a\"", &s, &err), 0);
	cr_assert(strstr(err.msg, "OCI state on stdin:1:"), "%s", err.msg);
	cr_assert_lt(
	    state_from("{\"id\": \"../x\", \"status\": \"creating\", \"bundle\": \"/\"}", &s, &err),
	    0);
	cr_assert(strstr(err.msg, "bad container id '../x'"), "%s", err.msg);
	cr_assert_lt(state_from("{\"id\": \"a\", \"status\": \"creating\"}", &s, &err), 0);
	cr_assert(strstr(err.msg, "\"bundle\" missing"), "%s", err.msg);

	snprintf(state, sizeof(state),
		 "{\"id\": \"a\", \"status\": \"creating\", \"pid\": 1, \"bundle\": \"%s\"}", dir);
	cr_assert_eq(state_from(state, &s, &err), 0, "%s", err.msg);
	const char *cfg = put("config.json", "{\"linux\": {\"resources\": {\"devices\": [\n"
					     "  {\"allow\": true, \"access\": \"rwx\"}]}}}");
	cr_assert_lt(hook_bundle_read(&s, "/p", &err), 0);
	char want[400];
	snprintf(want, sizeof(want), "%s:2:29: linux.resources.devices[0].access: bad value", cfg);
	cr_assert_str_eq(err.msg, want);

	/* the annotation names a policy of the node's; a path (a pod author's file) is refused */
	const char *bad[] = {"/etc/shadow", "../x", "rootfs/p.json", ".hidden", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];
		snprintf(text, sizeof(text), "{\"annotations\": {\"io.sbx.policy\": \"%s\"}}",
			 bad[i]);
		put("config.json", text);
		cr_assert_lt(hook_bundle_read(&s, "/p", &err), 0, "%s accepted", bad[i]);
		cr_assert(strstr(err.msg, "not a path"), "%s", err.msg);
	}
}

Test(hook, layer_from_policy)
{
	struct hook_state s = {0};
	struct hook_layer l;
	struct sbx_error err = {0};
	const char *p = put("net.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": "
					"{\"network\": {\"egress\": [{\"cidr\": \"10.0.0.0/8\"}]}, "
					"\"sysctl\": {\"allow\": [\"net.ipv4.ip_forward\"]}}}");
	cr_assert_eq(hook_layer_load(&s, p, &l, &err), 0, "%s", err.msg);
	cr_assert(l.required, "sbx.network: only this layer enforces it");
	cr_assert(l.p.egress.on);
	cr_assert_eq(l.p.egress.n, 1);
	cr_assert_eq(l.p.egress.rules[0].prefix, 8);
	cr_assert_eq(l.p.egress.rules[0].addr[0], 10);
	cr_assert(!l.p.bind.on);
	cr_assert_str_eq(l.p.sysctl_allow[0], "net.ipv4.ip_forward");
	hook_layer_free(&l);

	cr_assert_eq(hook_layer_load(&s, "", &l, &err), 0, "%s", err.msg);
	cr_assert(!l.required, "the built-in policy does not need the layer");
	cr_assert(!l.p.egress.on);
	hook_layer_free(&l);

	p = put("lsm.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": "
			    "[\"cgroup-bpf\", \"lsm\"]}}");
	cr_assert_lt(hook_layer_load(&s, p, &l, &err), 0);
	cr_assert(strstr(err.msg, "sbx.require names lsm, which sbx-hook cannot give"), "%s",
		  err.msg);
}
