/* The BPF-LSM layer in real sandboxes on the microVM's kernel: sbx check says it loads; a
 * policy that requires it starts with the programs attached and leaves none behind; the layer
 * decides where the others let the call through (a hard link of a hidden file in a volume, a
 * program outside sbx.exec.allow, bpf() and perf_event_open that seccomp and the capabilities
 * allow); the sentry forwards the denials, which sbx-trace counts. */
#include "tests/integration/harness.h"

#include <bpf/bpf.h>

TestSuite(lsm_sandbox, .init = h_setup, .fini = h_teardown);

Test(lsm_sandbox, check_says_it_loads)
{
	char *argv[] = {SBX, "check", NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "BPF-LSM                          yes      per sandbox"), "%s",
		  r->out);
}

/* Programs named sbx_lsm_* are gone within 10 s (the keeper detaches them after the sandbox,
 * ~130 ms each under TCG). */
static bool programs_gone(void)
{
	for (int i = 0; i < 200; i++, usleep(50 * 1000))
		if (h_programs_named("sbx_lsm_") == 0)
			return true;
	return false;
}

/* While it runs the programs are attached (9 for every sandbox; while they load, the learning
 * iterator is there too); after, none is loaded. */
Test(lsm_sandbox, require_attaches_and_leaves_nothing)
{
	int o, e, seen = 0;
	cr_assert(programs_gone(), "the earlier sandboxes' keepers let go of theirs");
	pid_t p = h_sbx_bg(&o, &e, "run", "--name", "lsm-req", "--policy",
			   h_policy("req", "{\"require\": [\"lsm\"]}"), "--", "sleep", "3", NULL);
	for (int i = 0; i < 200 && seen != 9; i++) {
		seen = h_programs_named("sbx_lsm_");
		usleep(50 * 1000);
	}
	struct run *r = h_collect(p, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_expect_eq(seen, 9, "the layer's programs while the sandbox ran");
	cr_expect(programs_gone(), "nothing left after the sandbox");
	h_assert_gone("lsm-req");
}

/* The keeper holds the layer; if it dies, the sentry ends the sandbox (fail closed). */
Test(lsm_sandbox, the_sandbox_ends_when_its_keeper_dies)
{
	char b[400];
	pid_t keeper = 0;
	h_bundle(b, sizeof(b), "keeper", "[\"sleep\", \"1000\"]", NULL);
	cr_assert_eq(h_sbx("run", "--detach", "--bundle", b, "lsm-keeper", NULL)->status, 0);
	for (int i = 0; i < 100 && !keeper; i++, usleep(50 * 1000))
		keeper = h_keeper_pid("lsm-keeper");
	cr_assert_gt(keeper, 0, "a keeper runs");
	cr_assert_eq(kill(keeper, SIGKILL), 0);
	char *status = NULL;
	for (int i = 0; i < 100; i++, usleep(50 * 1000))
		if (!strcmp(status = h_state_field("lsm-keeper", "status"), "stopped"))
			break;
	cr_assert_str_eq(status, "stopped", "the sandbox outlived its keeper");
	cr_assert_eq(h_sbx("delete", "lsm-keeper", NULL)->status, 0);
	cr_expect(programs_gone());
	h_assert_gone("lsm-keeper");
}

/* The volume's hidden file is masked; its hard link is the same inode, which the layer hides. */
Test(lsm_sandbox, hidden_file_through_a_hard_link)
{
	char dir[300], file[400], alias[400], vol[400];
	snprintf(dir, sizeof(dir), "%s/vol", h_root);
	snprintf(file, sizeof(file), "%s/secret", dir);
	snprintf(alias, sizeof(alias), "%s/alias", dir);
	snprintf(vol, sizeof(vol), "%s:/data", dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
	FILE *f = fopen(file, "w");
	cr_assert(f);
	fputs("secret\n", f);
	fclose(f);
	cr_assert_eq(link(file, alias), 0);
	struct run *r = h_sbx("run", "--stats", "-v", vol, "--policy",
			      h_policy("hidden", "{\"files\": {\"hidden\": [\"/data/secret\"]}}"),
			      "--", "/bin/cat", "/data/alias", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(!strstr(r->out, "secret"), "%s", r->out);
	cr_assert(strstr(r->err, "can't open '/data/alias': No such file or directory"), "%s",
		  r->err);
	cr_assert(strstr(r->err, "BPF-LSM denials: file_open 1"), "%s", r->err);
}

Test(lsm_sandbox, exec_outside_the_allow_list)
{
	struct run *r = h_sbx(
	    "run", "--rootfs", "/", "--policy",
	    h_policy("exec", "{\"exec\": {\"allow\": [\"/usr/bin/dash\", \"/usr/bin/true\"]}}"),
	    "--", "/bin/sh", "-c", "/usr/bin/true && echo true ran; /usr/bin/id", NULL);
	cr_assert_eq(r->status, 126, "%s", r->err);
	cr_assert(strstr(r->out, "true ran"), "%s", r->out);
	cr_assert(strstr(r->err, "/usr/bin/id: Permission denied"), "%s", r->err);
}

/* seccomp allows bpf() and perf_event_open (the policy), and so does the capability: the
 * layer refuses them, and sbx-trace, fed by the sentry, counts the denials. (A mount would
 * not do: Landlock, ahead of the bpf LSM, refuses mounts in its domains first.) */
Test(lsm_sandbox, bpf_and_perf_refused_and_counted_by_sbx_trace)
{
	char *argv[] = {"build/sbx-trace",
			"-c",
			"--",
			SBX,
			"--root",
			h_root,
			"run",
			"--policy",
			(char *)h_policy("allow", "{}"),
			"--cap-add",
			"CAP_SYS_ADMIN",
			"-v",
			(char *)h_probe_volume(),
			"--",
			"/opt/sbx/lsm-probe",
			"bpf",
			"perf",
			NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "bpf: denied EPERM\nperf: denied EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->err, "lsm denials at bpf: 1\n"), "%s", r->err);
	cr_assert(strstr(r->err, "lsm denials at perf_event_open: 1\n"), "%s", r->err);
}

static char fail_policy[300];

/* More device rules than cgroup-BPF takes, and a policy that requires both BPF layers: the
 * start fails after the BPF-LSM programs were attached. */
static void too_many_devices(json_t *c)
{
	json_t *lx = json_object_get(c, "linux"), *res = json_object_get(lx, "resources");
	json_t *devs = json_array();
	if (!res)
		json_object_set_new(lx, "resources", res = json_object());
	for (int i = 0; i < 70; i++)
		json_array_append_new(devs,
				      json_pack("{s:b, s:s, s:i, s:i, s:s}", "allow", 1, "type",
						"c", "major", 10, "minor", i, "access", "rwm"));
	json_object_set_new(res, "devices", devs);
	json_t *a = json_object_get(c, "annotations");
	if (!a)
		json_object_set_new(c, "annotations", a = json_object());
	json_object_set_new(a, "io.sbx.policy", json_string(fail_policy));
}

Test(lsm_sandbox, failed_start_leaves_no_program)
{
	char b[400];
	snprintf(fail_policy, sizeof(fail_policy), "%s",
		 h_policy("fail", "{\"require\": [\"lsm\", \"cgroup-bpf\"]}"));
	h_bundle(b, sizeof(b), "fail", "[\"true\"]", too_many_devices);
	struct run *r = h_sbx("run", "--bundle", b, "lsm-fail", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(strstr(r->err, "cgroup-BPF"), "%s", r->err);
	cr_expect(programs_gone());
	h_assert_gone("lsm-fail");
}
