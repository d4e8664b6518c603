/* sbx.require: a policy that requires a layer this host cannot give refuses to start, says
 * which layer and why, and leaves nothing behind; a layer that is there changes nothing. */
#include "harness.h"

TestSuite(require, .init = h_setup, .fini = h_teardown);

static const char *require_policy(const char *layers)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s/require.json", h_root);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [], \"sbx\": {\"require\": "
		"%s}}\n",
		layers);
	fclose(f);
	return path;
}

/* This kernel refuses BPF-LSM programs (EPERM at load) even though bpf is an active LSM: the
 * sandbox must not start, and the error says which layer and why (tests/integration/lsm.c
 * has the rest; where the kernel loads them, tests/vm/lsm_sandbox.c). */
Test(require, lsm_refuses_to_start_with_the_reason)
{
	int mounts = h_count_mounts();
	struct run *r = h_sbx("run", "--name", "needs-lsm", "--policy", require_policy("[\"lsm\"]"),
			      "--", "/bin/true", NULL);
	if (r->status == 0)
		cr_skip_test("this host loads BPF-LSM programs");
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(strstr(r->err, "the policy requires the BPF-LSM layer"), "%s", r->err);
	cr_assert(strstr(r->err, "EPERM") || strstr(r->err, "not in the active LSM list"),
		  "the reason: %s", r->err);
	h_assert_gone("needs-lsm");
	cr_assert_eq(h_count_mounts(), mounts);
}

Test(require, gofer_refused_without_the_gofer)
{
	struct run *r = h_sbx("run", "--no-gofer", "--name", "needs-gofer", "--policy",
			      require_policy("[\"gofer\"]"), "--", "/bin/true", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(strstr(r->err, "the policy requires the gofer, but this sandbox runs without it"),
		  "%s", r->err);
	h_assert_gone("needs-gofer");
	r = h_sbx("run", "--policy", require_policy("[\"gofer\"]"), "--", "/bin/true", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
}

/* The layers this host has (the cgroup-BPF tests run here too). */
Test(require, present_layers_run)
{
	struct run *r =
	    h_sbx("run", "--stats", "--policy", require_policy("[\"cgroup-bpf\", \"gofer\"]"), "--",
		  "/bin/true", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->err, "cgroup-BPF denials: dev 0"), "the layer is on: %s", r->err);
}

/* This kernel has Landlock: a policy that requires it runs, compiled afresh and from the
 * cache. */
Test(require, landlock_present_runs)
{
	for (int i = 0; i < 2; i++) {
		struct run *r = h_sbx("run", "--name", "needs-landlock", "--policy",
				      require_policy("[\"landlock\"]"), "--", "/bin/true", NULL);
		cr_assert_eq(r->status, 0, "run %d: %s", i, r->err);
		h_assert_gone("needs-landlock");
	}
	cr_assert(h_exists("%s/.policy-cache", h_root), "the second run used the cache");
}

Test(require, bad_layer_name_says_where)
{
	struct run *r = h_sbx("run", "--policy", require_policy("[\"lsm\", \"apparmor\"]"), "--",
			      "/bin/true", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(strstr(r->err, "require.json:1:"), "%s", r->err);
	cr_assert(strstr(r->err, "unknown layer \"apparmor\""), "%s", r->err);
}
