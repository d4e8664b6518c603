/* The BPF-LSM layer on a host that refuses it (this one: EPERM at load, though bpf is an
 * active LSM): sbx check says it is unavailable and why; a policy that needs it (sbx.require,
 * sbx.exec.allow) does not start, says why, and leaves nothing behind; every other sandbox runs
 * with the other layers, and only the first of the boot pays for trying. Where the kernel
 * takes the programs, tests/vm/lsm*.c cover the layer and these tests skip. */
#include "harness.h"

#include <bpf/bpf.h>

TestSuite(lsm, .init = h_setup, .fini = h_teardown);

/* The row `name` of `table` ("features" or "layers") in sbx check --json. */
static json_t *check_row(json_t *doc, const char *table, const char *name)
{
	size_t i;
	json_t *row;
	json_array_foreach (json_object_get(doc, table), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")), name))
			return row;
	cr_assert_fail("no row \"%s\" in %s", name, table);
	return NULL;
}

/* Why this host refuses the layer, as sbx check says it ("bpf is an active LSM, but
 * lsm/file_open: EPERM at load"); skips the test where the layer loads. */
static void refused(char *why, size_t len)
{
	char *argv[] = {SBX, "check", "--json", NULL};
	struct run *r = h_runv(argv);
	json_t *doc = json_loads(r->out, 0, NULL);
	cr_assert(doc, "sbx check --json: %s", r->err);
	json_t *row = check_row(doc, "features", "BPF-LSM");
	bool ok = !strcmp(json_string_value(json_object_get(row, "state")), "yes");
	snprintf(why, len, "%s", json_string_value(json_object_get(row, "detail")));
	json_decref(doc);
	if (ok)
		cr_skip_test("this host loads BPF-LSM programs: tests/vm/lsm*.c cover the layer");
}

/* The feature row has the kernel's answer; the layer row says unavailable, with it. */
Test(lsm, check_says_unavailable_and_why)
{
	char why[400], want[500];
	refused(why, sizeof(why));
	cr_assert(strstr(why, ": EPERM at load") || strstr(why, "not in the active LSM list"),
		  "the reason: %s", why);
	char *argv[] = {SBX, "check", NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	snprintf(want, sizeof(want), "BPF-LSM                          no       unavailable: %s; ",
		 why);
	cr_assert(strstr(r->out, want), "want \"%s\" in:\n%s", want, r->out);
	cr_assert(strstr(r->out, "lsm/file_open: EPERM at load") ||
		      strstr(r->out, "not in the active LSM list"),
		  "%s", r->out);
}

Test(lsm, require_refuses_and_leaves_nothing)
{
	char why[400];
	int mounts = h_count_mounts();
	refused(why, sizeof(why));
	struct run *r = h_sbx("run", "--name", "lsm-req", "--policy",
			      h_policy("req", "{\"require\": [\"lsm\"]}"), "--", "/bin/true", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(
	    strstr(r->err, "the policy requires the BPF-LSM layer, which this host refuses: "),
	    "%s", r->err);
	cr_assert(strstr(r->err, why), "the reason (%s): %s", why, r->err);
	h_assert_gone("lsm-req");
	cr_assert_eq(h_count_mounts(), mounts);
	cr_assert_eq(h_programs_named("sbx_lsm_"), 0);
}

/* Only this layer enforces sbx.exec.allow: without it the sandbox must not start. */
Test(lsm, exec_allow_list_refuses_to_start)
{
	char why[400];
	refused(why, sizeof(why));
	struct run *r =
	    h_sbx("run", "--name", "lsm-exec", "--policy",
		  h_policy("exec", "{\"exec\": {\"allow\": [\"/bin\"]}}"), "--", "/bin/true", NULL);
	cr_assert_eq(r->status, 1, "%s", r->err);
	cr_assert(strstr(r->err, "the policy's sbx.exec.allow needs the BPF-LSM layer, which this "
				 "host refuses: "),
		  "%s", r->err);
	cr_assert(strstr(r->err, why), "the reason (%s): %s", why, r->err);
	h_assert_gone("lsm-exec");
}

/* The first sandbox of the boot (in this state root) tries, says so, and notes the refusal
 * with the boot's id; the next ones run without trying. Both run, with their files policy
 * still enforced by the other layers. */
Test(lsm, sandboxes_run_with_the_other_layers)
{
	char why[400], boot[64] = "", *marker = NULL, path[400];
	const char *p = h_policy("files", "{\"files\": {\"hidden\": [\"/etc/hosts\"]}}");
	refused(why, sizeof(why));
	for (int i = 0; i < 2; i++) {
		struct run *r = h_sbx("run", "--policy", p, "--", "/bin/sh", "-c",
				      "echo hi; cat /etc/hosts", NULL);
		cr_assert_eq(r->status, 1, "run %d: %s", i, r->err);
		cr_assert_str_eq(r->out, "hi\n", "run %d", i);
		cr_assert(strstr(r->err, "can't open '/etc/hosts'"), "run %d: %s", i, r->err);
		cr_assert_eq(strstr(r->err, "BPF-LSM layer off: ") != NULL, i == 0, "run %d: %s", i,
			     r->err);
	}
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	cr_assert(f && fgets(boot, sizeof(boot), f));
	fclose(f);
	snprintf(path, sizeof(path), "%s/.lsm-refused", h_root);
	f = fopen(path, "r");
	cr_assert(f, "the refusal is noted in the state root");
	size_t n = 0;
	cr_assert(getdelim(&marker, &n, '\0', f) > 0);
	fclose(f);
	cr_assert(strncmp(marker, boot, strlen(boot)) == 0, "%s", marker);
	cr_assert(strstr(marker, " at load\n"), "%s", marker);
	free(marker);
	cr_assert_eq(h_programs_named("sbx_lsm_"), 0);
}
