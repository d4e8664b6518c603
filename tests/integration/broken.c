/* A broken bundle fails before anything starts, says why, and leaves nothing behind. */
#include "harness.h"

#include <sys/prctl.h>

TestSuite(broken, .init = h_setup, .fini = h_teardown, .timeout = 60);

static int mounts_before;

static void create_fails(const char *bundle, const char *id, const char *needle)
{
	mounts_before = h_count_mounts();
	struct run *r = h_sbx("create", "--bundle", bundle, id, NULL);
	cr_assert_neq(r->status, 0, "create of a broken bundle must fail");
	cr_assert(strstr(r->err, needle), "message names the problem (\"%s\"): %s", needle, r->err);
	h_assert_gone(id);
	cr_assert_eq(h_count_mounts(), mounts_before);
	cr_assert(!h_exists("%s/%s", h_root, id));
}

Test(broken, no_config_json)
{
	char b[512];
	snprintf(b, sizeof(b), "%s/empty", h_root);
	mkdir(b, 0700);
	create_fails(b, "br1", "config.json: No such file or directory");
}

Test(broken, invalid_json_with_line_and_column)
{
	char b[512];
	h_bundle(b, sizeof(b), "bad", "[\"true\"]", NULL);
	h_write_file("{\n  \"ociVersion\": \"1.1.0\",\n  \"root\": {\"path\": \"rootfs\"\n}\n",
		     "%s/config.json", b);
	create_fails(b, "br2", "config.json:5:0: '}' expected");
}

Test(broken, mistyped_field)
{
	char b[512];
	h_bundle(b, sizeof(b), "type", "[\"true\"]", NULL);
	h_write_file("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},\n"
		     "\"process\": {\"args\": 5, \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": "
		     "0}}}",
		     "%s/config.json", b);
	create_fails(b, "br3",
		     "config.json:2:21: process.args: expected array of strings, got number");
}

static void no_rootfs(json_t *c)
{
	json_object_set_new(json_object_get(c, "root"), "path", json_string("/nonexistent/rootfs"));
}

Test(broken, missing_rootfs)
{
	char b[512];
	h_bundle(b, sizeof(b), "nort", "[\"true\"]", no_rootfs);
	create_fails(b, "br4", "/nonexistent/rootfs: No such file or directory");
}

static void bad_policy(json_t *c)
{
	json_object_set_new(json_object_get(c, "linux"), "seccomp",
			    json_pack("{s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
				      "syscalls", "names", "getpid", "action", "SCMP_ACT_ALOW"));
}

Test(broken, bad_policy_in_the_bundle)
{
	char b[512];
	h_bundle(b, sizeof(b), "pol", "[\"true\"]", bad_policy);
	create_fails(b, "br5", "unknown action \"SCMP_ACT_ALOW\"");
}

Test(broken, bad_policy_file_in_run)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/policy.json", h_root);
	FILE *f = fopen(p, "w");
	fputs("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": "
	      "[\"nosuchcall\"], "
	      "\"action\": \"SCMP_ACT_ALLOW\"}]}\n",
	      f);
	fclose(f);
	struct run *r = h_sbx("run", "--name", "br6", "--policy", p, "--", "/bin/true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "policy.json:2:"), "file:line:col: %s", r->err);
	cr_assert(strstr(r->err, "nosuchcall"), "the offending value: %s", r->err);
	h_assert_gone("br6");
}

/* ... and hands a caller that is a child subreaper (a shim, conmon) no process it never
 * heard of: init, create's child, failed in its set-up and was reaped by create. */
Test(broken, failing_mount_leaves_nothing)
{
	char b[512];
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	h_bundle(b, sizeof(b), "mnt", "[\"true\"]", NULL);
	char p[600];
	snprintf(p, sizeof(p), "%s/config.json", b);
	json_t *c = json_load_file(p, 0, NULL);
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/mnt", "type",
					"bind", "source", "/nonexistent/source", "options",
					"rbind"));
	json_dump_file(c, p, 0);
	json_decref(c);
	create_fails(b, "br7", "/nonexistent/source");
	siginfo_t si = {0};
	char comm[64] = "";
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid > 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)si.si_pid);
		FILE *f = fopen(path, "r");
		if (f && !fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		if (f)
			fclose(f);
	}
	cr_assert_eq(si.si_pid, 0, "a process was left to us: %s", comm);
}

Test(broken, duplicate_id_is_refused_and_the_first_survives)
{
	char b[512];
	h_bundle(b, sizeof(b), "dup", "[\"sleep\", \"100\"]", NULL);
	cr_assert_eq(h_sbx("create", "--bundle", b, "dup1", NULL)->status, 0);
	struct run *r = h_sbx("create", "--bundle", b, "dup1", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "already exists"), "%s", r->err);
	cr_assert_str_eq(h_state_field("dup1", "status"), "created");
	cr_assert_eq(h_sbx("delete", "dup1", NULL)->status, 0);
	h_assert_gone("dup1");
}

/* The gofer sets itself up while init does: when it cannot start (here: no sbx-gofer beside
 * sbx), create fails with its reason and the init already made is gone with the rest. */
Test(broken, gofer_that_cannot_start_leaves_nothing)
{
	char bin[600], cmd[2048], sbx[700], cwd[256];
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(bin, sizeof(bin), "%s/bin-nogofer", h_root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/build/sbx %s/build/sbx-sentry %s/", bin,
		 cwd, cwd, bin);
	cr_assert_eq(system(cmd), 0);
	snprintf(sbx, sizeof(sbx), "%s/sbx", bin);
	int mounts = h_count_mounts();
	char *argv[] = {sbx,	    "--root", h_root, "run",	   "--name", "br9",
			"--rootfs", ROOTFS,   "--",   "/bin/true", NULL};
	struct run *r = h_runv(argv);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "gofer: sbx-gofer beside sbx"), "%s", r->err);
	h_assert_gone("br9");
	cr_assert_eq(h_count_mounts(), mounts, "a mount was left behind");
	/* Without the gofer the same sbx runs. */
	char *argv2[] = {sbx,	 "--root",   h_root, "run", "--no-gofer", "--name",
			 "br10", "--rootfs", ROOTFS, "--",  "/bin/true",  NULL};
	r = h_runv(argv2);
	cr_assert_eq(r->status, 0, "%s", r->err);
}
