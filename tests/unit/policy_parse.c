/* Parsing and validating policies: Docker/OCI profiles, the sbx section, positioned errors. */
#include "policy/policy.h"
#include "bpf/cgroup.h"
#include "lib/error.h"

#include <criterion/criterion.h>
#include <linux/filter.h>
#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <string.h>
#include <unistd.h>

#define PODMAN_PROFILE "/usr/share/containers/seccomp.json"
#define SMALL_PROFILE  "tests/data/policy/docker-small.json"

static struct sbx_policy *parse_ok(const char *text)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	int r = policy_parse(text, strlen(text), "policy.json", &p, &err);
	cr_assert_eq(r, 0, "parse failed: %s", err.msg);
	cr_assert_not_null(p);
	return p;
}

static void parse_fails(const char *text, const char *want)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	int r = policy_parse(text, strlen(text), "policy.json", &p, &err);
	cr_assert_eq(r, -EINVAL, "parse of %s returned %d (%s)", text, r, err.msg);
	cr_assert_null(p);
	cr_assert_eq(err.code, EINVAL);
	cr_expect_str_eq(err.msg, want);
}

static unsigned short compile_len(const struct sbx_policy *p, const struct policy_target *t,
				  bool *ret_listener)
{
	struct sbx_error err = {0};
	struct policy_program prog = {0};
	int r = policy_compile(p, t, &prog, &err);
	cr_assert_eq(r, 0, "compile failed: %s", err.msg);
	cr_assert_not_null(prog.filter);
	cr_assert_gt(prog.len, 0);
	unsigned short len = prog.len;
	if (ret_listener)
		*ret_listener = prog.needs_listener;
	policy_program_free(&prog);
	cr_assert_null(prog.filter);
	return len;
}

Test(policy_parse, podman_profile_loads_and_compiles)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	bool listener = true;
	if (access(PODMAN_PROFILE, R_OK) != 0)
		cr_skip("%s not installed", PODMAN_PROFILE);
	cr_assert_eq(policy_load_file(PODMAN_PROFILE, &p, &err), 0, "%s", err.msg);
	cr_expect_eq(policy_mode(p), POLICY_ENFORCE);
	cr_expect_not(policy_emulates(p, "sysinfo"));
	struct policy_target none = {0}, admin = {.caps = 1ull << CAP_SYS_ADMIN};
	struct policy_program a = {0}, b = {0};
	cr_assert_eq(policy_compile(p, &none, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(policy_compile(p, &admin, &b, &err), 0, "%s", err.msg);
	cr_expect_not(a.needs_listener, "the podman profile has no NOTIFY rule");
	cr_expect(a.len != b.len || memcmp(a.filter, b.filter, a.len * sizeof(*a.filter)) != 0,
		  "CAP_SYS_ADMIN changes the podman profile's program");
	policy_program_free(&a);
	policy_program_free(&b);
	compile_len(p, &none, &listener);
	cr_expect_not(listener);
	policy_free(p);
}

Test(policy_parse, default_policy)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	bool listener = false;
	const char *text = policy_default_text();
	cr_assert_not_null(text);
	cr_expect_eq(text[0], '{');
	cr_expect_not_null(strstr(text, "\"sbx\""));
	cr_assert_eq(policy_load_default(&p, &err), 0, "%s", err.msg);
	cr_expect_eq(policy_mode(p), POLICY_ENFORCE);
	const char *emulated[] = {"sysinfo", "mknod", "mknodat", "reboot"};
	for (size_t i = 0; i < 4; i++)
		cr_expect(policy_emulates(p, emulated[i]), "%s", emulated[i]);
	cr_expect_not(policy_emulates(p, "read"));
	cr_expect_not(policy_emulates(p, NULL));
	compile_len(p, NULL, &listener);
	cr_expect(listener, "emulated syscalls need the sentry's listener");
	policy_free(p);
}

Test(policy_parse, small_docker_profile)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	bool listener = false;
	cr_assert_eq(policy_load_file(SMALL_PROFILE, &p, &err), 0,
		     "%s (run from the repository root)", err.msg);
	compile_len(p, NULL, &listener);
	cr_expect(listener, "getcwd is SCMP_ACT_NOTIFY");
	policy_free(p);
}

Test(policy_parse, load_file_missing)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	cr_expect_eq(policy_load_file("/nonexistent/policy.json", &p, &err), -ENOENT);
	cr_expect_not_null(strstr(err.msg, "/nonexistent/policy.json"));
}

Test(policy_parse, old_docker_name_and_nulls)
{
	struct sbx_policy *p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
					"{\"name\": \"keyctl\", \"action\": \"SCMP_ACT_ERRNO\", "
					"\"args\": null, \"includes\": null, \"comment\": null}]}");
	compile_len(p, NULL, NULL);
	policy_free(p);
}

Test(policy_parse, syntax_error)
{
	parse_fails("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [}\n",
		    "policy.json:3:16: unexpected token near '}'");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_LOG\"}",
		    "policy.json:1:51: duplicate object key near '\"defaultAction\"'");
	parse_fails("", "policy.json:1:0: '[' or '{' expected near end of file");
}

Test(policy_parse, unknown_top_level_key)
{
	parse_fails("{\n"
		    "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
		    "  \"syscals\": []\n"
		    "}\n",
		    "policy.json:3:3: unknown key \"syscals\"");
}

Test(policy_parse, unknown_key_in_syscall_entry)
{
	parse_fails("{\n"
		    "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
		    "  \"syscalls\": [\n"
		    "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
		    "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"arg\": []}\n"
		    "  ]\n"
		    "}\n",
		    "policy.json:5:53: unknown key \"arg\" in syscalls/1");
}

Test(policy_parse, unknown_syscall)
{
	parse_fails("{\n"
		    "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
		    "  \"syscalls\": [\n"
		    "    {\"names\": [\"read\", \"raed\"], \"action\": \"SCMP_ACT_ALLOW\"}\n"
		    "  ]\n"
		    "}\n",
		    "policy.json:4:24: unknown syscall \"raed\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"nope\", "
		    "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "policy.json:1:59: unknown syscall \"nope\"");
}

Test(policy_parse, unknown_action)
{
	parse_fails("{\n"
		    "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
		    "  \"syscalls\": [\n"
		    "    {\n"
		    "      \"names\": [\"read\"],\n"
		    "      \"action\": \"SCMP_ACT_ALOW\"\n"
		    "    }\n"
		    "  ]\n"
		    "}\n",
		    "policy.json:6:17: unknown action \"SCMP_ACT_ALOW\"");
	parse_fails("{\"defaultAction\": \"allow\"}", "policy.json:1:19: unknown action \"allow\"");
	parse_fails("{\"defaultErrnoRet\": 1}", "policy.json:1:1: missing \"defaultAction\"");
}

static const char args_head[] = "{\n"
				"  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
				"  \"syscalls\": [{\n"
				"    \"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\",\n"
				"    \"args\": [\n";

static void args_fail(const char *arg, const char *want)
{
	char text[1024];
	snprintf(text, sizeof(text), "%s      %s\n    ]\n  }]\n}\n", args_head, arg);
	parse_fails(text, want);
}

Test(policy_parse, bad_args)
{
	args_fail("{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQUAL\"}",
		  "policy.json:6:38: unknown op \"SCMP_CMP_EQUAL\"");
	args_fail("{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}",
		  "policy.json:6:17: argument index 6 out of range (0 to 5)");
	args_fail("{\"index\": -1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}",
		  "policy.json:6:17: argument index -1 out of range (0 to 5)");
	args_fail("{\"index\": \"0\", \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}",
		  "policy.json:6:17: \"index\": expected an integer from 0 to 5, got string \"0\"");
	args_fail(
	    "{\"index\": 0, \"value\": \"1\", \"op\": \"SCMP_CMP_EQ\"}",
	    "policy.json:6:29: \"value\": expected an integer from 0 to 9223372036854775807, got "
	    "string \"1\"");
	args_fail(
	    "{\"index\": 0, \"value\": -3, \"op\": \"SCMP_CMP_EQ\"}",
	    "policy.json:6:29: \"value\": expected an integer from 0 to 9223372036854775807, got "
	    "number -3");
	args_fail(
	    "{\"index\": 0, \"valueTwo\": 1.5, \"op\": \"SCMP_CMP_EQ\"}",
	    "policy.json:6:32: \"valueTwo\": expected an integer from 0 to 9223372036854775807, "
	    "got number 1.5");
	args_fail("{\"index\": 0, \"value\": 1, \"op\": 4}",
		  "policy.json:6:38: \"op\": expected a string, got number 4");
	args_fail("{\"index\": 0, \"value\": 1}", "policy.json:6:7: argument without \"op\"");
	args_fail("{\"index\": 0, \"op\": \"SCMP_CMP_EQ\", \"datum\": 1}",
		  "policy.json:6:41: unknown key \"datum\" in syscalls/0/args/0");
	args_fail("[0, 1]", "policy.json:6:7: \"0\": expected an object, got array [0,1]");
}

Test(policy_parse, wrong_types)
{
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"1\"}",
	    "policy.json:1:56: \"defaultErrnoRet\": expected an integer from 0 to 65535, got "
	    "string \"1\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": 3}",
		    "policy.json:1:49: \"syscalls\": expected an array, got number 3");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"read\", "
	    "\"action\": \"SCMP_ACT_ALLOW\"}]}",
	    "policy.json:1:60: \"names\": expected an array of strings, got string \"read\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [1], "
		    "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "policy.json:1:61: \"0\": expected a string, got number 1");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
	    "policy.json:1:110: \"errnoRet\": expected an integer from 0 to 65535, got number "
	    "70000");
	parse_fails("{\"defaultAction\": [\"SCMP_ACT_ALLOW\"]}",
		    "policy.json:1:19: \"defaultAction\": expected a string, got array "
		    "[\"SCMP_ACT_ALLOW\"]");
	parse_fails("[1, 2]", "policy.json:1:1: policy: expected an object, got array [1,2]");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}",
	    "policy.json:1:55: unknown architecture \"SCMP_ARCH_Z80\"");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}",
	    "policy.json:1:47: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FAST\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 1}",
		    "policy.json:1:53: \"listenerPath\": expected a string, got number 1");
}

Test(policy_parse, includes_excludes_validated)
{
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMN\"]}}]}",
	    "policy.json:1:120: unknown capability \"CAP_SYS_ADMN\"");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"5\"}}]}",
	    "policy.json:1:124: bad kernel version \"5\", expected \"MAJOR.MINOR\"");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"vax\"]}}]}",
	    "policy.json:1:122: unknown architecture \"vax\"");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"kernel\": \"5.8\"}}]}",
	    "policy.json:1:111: unknown key \"kernel\" in syscalls/0/includes");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"name\": \"write\", \"action\": \"SCMP_ACT_ALLOW\"}]}",
	    "policy.json:1:70: both \"name\" and \"names\" given, use one");
}

Test(policy_parse, sbx_section)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"emulate\": "
		     "[\"sysinfo\"], \"mode\": \"audit\"}}");
	cr_expect_eq(policy_mode(p), POLICY_AUDIT);
	cr_expect(policy_emulates(p, "sysinfo"));
	cr_expect_not(policy_emulates(p, "sysinfo2"));
	policy_free(p);

	parse_fails("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"sbx\": {\"emulate\": "
		    "[\"sysinfo\", \"sysinf0\"]}\n}",
		    "policy.json:3:34: unknown syscall \"sysinf0\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"mode\": \"bogus\"}}",
		    "policy.json:1:53: unknown mode \"bogus\", expected \"enforce\" or \"audit\"");
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"devices\": {}}}",
	    "policy.json:1:45: unknown key \"devices\" in sbx (this version knows \"emulate\", "
	    "\"mode\", \"files\", \"network\", \"sysctl\", \"require\", \"isolation\" and "
	    "\"exec\")");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": []}",
		    "policy.json:1:44: \"sbx\": expected an object, got array []");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"emulate\": \"sysinfo\"}}",
		    "policy.json:1:56: \"emulate\": expected an array of strings, got string "
		    "\"sysinfo\"");
}

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

Test(policy_parse, files_section)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"files\": {"
		     "\"writable\": [\"/\", \"/work\", \"/var/lib/app.d\"], \"readonly\": "
		     "[\"/etc/passwd\"], "
		     "\"hidden\": [\"/root/.ssh\", \"/...\", \"/a..b/.c\"]}}}");
	const char *const *w = policy_files_writable(p), *const *ro = policy_files_readonly(p),
			  *const *h = policy_files_hidden(p);
	cr_assert_eq(strv_len(w), 3);
	cr_expect_str_eq(w[0], "/");
	cr_expect_str_eq(w[1], "/work");
	cr_expect_str_eq(w[2], "/var/lib/app.d");
	cr_assert_eq(strv_len(ro), 1);
	cr_expect_str_eq(ro[0], "/etc/passwd");
	cr_assert_eq(strv_len(h), 3);
	cr_expect_str_eq(h[0], "/root/.ssh");
	cr_expect_str_eq(h[1], "/...", "only \".\" and \"..\" are special");
	cr_expect_str_eq(h[2], "/a..b/.c");
	policy_free(p);
}

Test(policy_parse, files_absent_or_empty)
{
	struct sbx_policy *p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	cr_expect_null(policy_files_writable(p), "no list: everything writable");
	cr_assert_not_null(policy_files_readonly(p));
	cr_assert_not_null(policy_files_hidden(p));
	cr_expect_null(policy_files_readonly(p)[0]);
	cr_expect_null(policy_files_hidden(p)[0]);
	policy_free(p);

	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"files\": "
		     "{\"readonly\": [\"/etc\"], \"hidden\": null}}}");
	cr_expect_null(policy_files_writable(p));
	cr_expect_eq(strv_len(policy_files_readonly(p)), 1);
	cr_expect_eq(strv_len(policy_files_hidden(p)), 0);
	policy_free(p);

	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"files\": "
		     "{\"writable\": []}}}");
	cr_assert_not_null(policy_files_writable(p), "an empty list: nothing writable");
	cr_expect_null(policy_files_writable(p)[0]);
	policy_free(p);

	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"files\": null}}");
	cr_expect_null(policy_files_writable(p));
	policy_free(p);

	cr_expect_null(policy_files_writable(NULL));
	cr_expect_null(policy_files_hidden(NULL)[0]);

	struct sbx_error err = {0};
	cr_assert_eq(policy_load_default(&p, &err), 0, "%s", err.msg);
	cr_expect_null(policy_files_writable(p), "the default policy: everything writable");
	cr_expect_null(policy_files_readonly(p)[0]);
	cr_expect_null(policy_files_hidden(p)[0]);
	policy_free(p);
}

static void files_fail(const char *files, const char *want)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"sbx\": {\n    \"files\": %s\n  "
		 "}\n}\n",
		 files);
	parse_fails(text, want);
}

Test(policy_parse, files_errors)
{
	files_fail("{\"writable\": [\"/work\", \"work\"]}",
		   "policy.json:4:37: relative path \"work\", expected an absolute container path");
	files_fail("{\"readonly\": [\"\"]}",
		   "policy.json:4:28: relative path \"\", expected an absolute container path");
	files_fail("{\"hidden\": [\"/a/../etc\"]}",
		   "policy.json:4:26: path \"/a/../etc\" is not normalized (no empty, \".\" or "
		   "\"..\" components, no trailing \"/\")");
	files_fail("{\"hidden\": [\"/a//b\"]}",
		   "policy.json:4:26: path \"/a//b\" is not normalized (no empty, \".\" or \"..\" "
		   "components, no trailing \"/\")");
	files_fail("{\"hidden\": [\"/a/b/\"]}",
		   "policy.json:4:26: path \"/a/b/\" is not normalized (no empty, \".\" or \"..\" "
		   "components, no trailing \"/\")");
	files_fail("{\"hidden\": [\"/a/./b\"]}",
		   "policy.json:4:26: path \"/a/./b\" is not normalized (no empty, \".\" or \"..\" "
		   "components, no trailing \"/\")");
	files_fail("{\"hidden\": [\"/..\"]}",
		   "policy.json:4:26: path \"/..\" is not normalized (no empty, \".\" or \"..\" "
		   "components, no trailing \"/\")");
	files_fail("{\"hidden\": [\"//\"]}",
		   "policy.json:4:26: path \"//\" is not normalized (no empty, \".\" or \"..\" "
		   "components, no trailing \"/\")");
	files_fail("{\"writeable\": [\"/work\"]}",
		   "policy.json:4:15: unknown key \"writeable\" in sbx/files");
	files_fail("[\"/work\"]",
		   "policy.json:4:14: \"files\": expected an object, got array [\"/work\"]");
	files_fail("{\"writable\": \"/work\"}",
		   "policy.json:4:27: \"writable\": expected an array of strings, got string "
		   "\"/work\"");
	files_fail("{\"readonly\": [\"/etc\", 7]}",
		   "policy.json:4:36: \"1\": expected a string, got number 7");

	char big[4200] = "[\"/";
	memset(big + 3, 'a', 4096);
	strcpy(big + 3 + 4096, "\"]");
	char files[4300];
	snprintf(files, sizeof(files), "{\"hidden\": %s}", big);
	files_fail(files, "policy.json:4:26: path longer than 4095 bytes");
}

/* linux.seccomp inside a bundle's config.json: positions are the config's. */
static const char oci_config[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2\",\n"
    "  \"process\": {\"args\": [\"sh\"]},\n"
    "  \"linux\": {\n"
    "    \"namespaces\": [{\"type\": \"pid\"}],\n"
    "    \"seccomp\": {\n"
    "      \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
    "      \"architectures\": [\"SCMP_ARCH_X86_64\"],\n"
    "      \"syscalls\": [\n"
    "        {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
    "        {\"names\": [\"write\"], \"action\": \"%s\"%s}\n"
    "      ]\n"
    "    }\n"
    "  }\n"
    "}\n";

static int oci(const char *action, const char *extra, struct sbx_policy **p, struct sbx_error *err)
{
	char text[2048];
	json_error_t jerr;
	snprintf(text, sizeof(text), oci_config, action, extra);
	json_t *root = json_loads(text, 0, &jerr);
	cr_assert_not_null(root, "%s", jerr.text);
	json_t *seccomp = json_object_get(json_object_get(root, "linux"), "seccomp");
	int r =
	    policy_from_oci(seccomp, "config.json", text, strlen(text), "linux/seccomp", p, err);
	json_decref(root);
	return r;
}

Test(policy_parse, from_oci)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	cr_assert_eq(oci("SCMP_ACT_ALLOW", "", &p, &err), 0, "%s", err.msg);
	compile_len(p, NULL, NULL);
	policy_free(p);
	p = NULL;

	cr_expect_eq(oci("SCMP_ACT_ALOW", "", &p, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "config.json:11:40: unknown action \"SCMP_ACT_ALOW\"");
	cr_expect_eq(oci("SCMP_ACT_ERRNO", ", \"errnoRet\": \"EPERM\"", &p, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "config.json:11:70: \"errnoRet\": expected an integer from 0 to "
				  "65535, got string \"EPERM\"");
	cr_expect_eq(oci("SCMP_ACT_ALLOW", ", \"includes\": {}", &p, &err), -EINVAL);
	cr_expect_str_eq(err.msg, "config.json:11:58: unknown key \"includes\" in syscalls/1");
	cr_expect_null(p);
}

Test(policy_parse, from_oci_top_level_and_sbx_rejected)
{
	static const char text[] =
	    "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
	    "\"sbx\": {}}}}";
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	json_t *root = json_loads(text, 0, NULL);
	cr_assert_not_null(root);
	json_t *seccomp = json_object_get(json_object_get(root, "linux"), "seccomp");
	cr_expect_eq(
	    policy_from_oci(seccomp, "config.json", text, strlen(text), "linux/seccomp", &p, &err),
	    -EINVAL);
	cr_expect_str_eq(err.msg, "config.json:1:59: unknown key \"sbx\"");
	json_decref(root);
}

Test(policy_parse, network_section)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"network\": {"
		     "\"egress\": [{\"cidr\": \"10.0.0.0/8\"}, {\"cidr\": \"127.0.0.1/32\", "
		     "\"ports\": \"1-100\"}, {\"cidr\": \"fd00::/8\", \"ports\": \"443\"}, "
		     "{\"cidr\": \"::1\"}], \"bind\": [{\"ports\": \"8080\"}]}}}");
	struct policy_net_list e = policy_net_egress(p), b = policy_net_bind(p);
	cr_assert(e.present);
	cr_assert_eq(e.n, 4);
	cr_expect_eq(e.rules[0].family, 4);
	cr_expect_eq(e.rules[0].prefix, 8);
	cr_expect_eq(e.rules[0].addr[0], 10);
	cr_expect_eq(e.rules[0].port_lo, 0);
	cr_expect_eq(e.rules[0].port_hi, 65535, "no ports: all");
	cr_expect_eq(e.rules[1].prefix, 32);
	cr_expect_eq(e.rules[1].addr[3], 1);
	cr_expect_eq(e.rules[1].port_lo, 1);
	cr_expect_eq(e.rules[1].port_hi, 100);
	cr_expect_eq(e.rules[2].family, 6);
	cr_expect_eq(e.rules[2].prefix, 8);
	cr_expect_eq(e.rules[2].addr[0], 0xfd);
	cr_expect_eq(e.rules[2].port_lo, 443);
	cr_expect_eq(e.rules[2].port_hi, 443);
	cr_expect_eq(e.rules[3].prefix, 128, "an address alone: the one address");
	cr_expect_eq(e.rules[3].addr[15], 1);
	cr_assert(b.present);
	cr_assert_eq(b.n, 1);
	cr_expect_eq(b.rules[0].family, 0, "no cidr: any address");
	cr_expect_eq(b.rules[0].port_lo, 8080);
	cr_expect_eq(b.rules[0].port_hi, 8080);
	policy_free(p);

	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"network\": "
		     "{\"egress\": []}}}");
	cr_expect(policy_net_egress(p).present, "an empty list: nothing allowed");
	cr_expect_eq(policy_net_egress(p).n, 0);
	cr_expect_not(policy_net_bind(p).present, "absent: unrestricted");
	policy_free(p);

	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	cr_expect_not(policy_net_egress(p).present);
	cr_expect_not(policy_net_bind(p).present);
	policy_free(p);
}

static void network_fail(const char *net, const char *want)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"sbx\": {\n    \"network\": %s\n"
		 "  }\n}\n",
		 net);
	parse_fails(text, want);
}

Test(policy_parse, network_errors)
{
	network_fail("{\"egress\": [{\"cidr\": \"10.0.0.0/33\"}]}",
		     "policy.json:4:37: bad cidr \"10.0.0.0/33\", expected an IPv4 or IPv6 address "
		     "with an optional /prefix");
	network_fail("{\"egress\": [{\"cidr\": \"10.0.0/8\"}]}",
		     "policy.json:4:37: bad cidr \"10.0.0/8\", expected an IPv4 or IPv6 address "
		     "with an optional /prefix");
	network_fail("{\"egress\": [{\"cidr\": \"fd00::/129\"}]}",
		     "policy.json:4:37: bad cidr \"fd00::/129\", expected an IPv4 or IPv6 address "
		     "with an optional /prefix");
	network_fail(
	    "{\"egress\": [{\"cidr\": \"10.1.0.0/8\"}]}",
	    "policy.json:4:37: cidr \"10.1.0.0/8\" has address bits set past the /8 prefix");
	network_fail(
	    "{\"egress\": [{\"cidr\": \"10.0.0.0/8\", \"ports\": \"100-1\"}]}",
	    "policy.json:4:60: bad port range \"100-1\": the first port is above the last");
	network_fail("{\"egress\": [{\"cidr\": \"10.0.0.0/8\", \"ports\": \"65536\"}]}",
		     "policy.json:4:60: bad port range \"65536\", expected a port (0-65535) or "
		     "\"a-b\"");
	network_fail(
	    "{\"bind\": [{\"ports\": \"80-\"}]}",
	    "policy.json:4:36: bad port range \"80-\", expected a port (0-65535) or \"a-b\"");
	network_fail("{\"bind\": [{\"ports\": 80}]}",
		     "policy.json:4:36: \"ports\": expected a string, got number 80");
	network_fail("{\"egress\": [{\"ports\": \"80\"}]}",
		     "policy.json:4:28: an egress rule needs a \"cidr\"");
	network_fail("{\"egress\": [{\"cidr\": \"::1\", \"port\": \"80\"}]}",
		     "policy.json:4:44: unknown key \"port\" in sbx/network/egress/0");
	network_fail("{\"ingress\": []}",
		     "policy.json:4:17: unknown key \"ingress\" in sbx/network");
	network_fail("{\"egress\": {}}",
		     "policy.json:4:27: \"egress\": expected an array of rules, got object {}");
}

Test(policy_parse, sysctl_section)
{
	struct sbx_policy *p = parse_ok(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"sysctl\": {\"allow\": "
	    "[\"net.ipv4.ip_forward\", \"net.ipv4.conf.all.rp_filter\", \"kernel.shm-x_1\"]}}}");
	const char *const *a = policy_sysctl_allow(p);
	cr_assert_not_null(a);
	cr_expect_str_eq(a[0], "net.ipv4.ip_forward", "kept dotted: the loader converts");
	cr_expect_str_eq(a[1], "net.ipv4.conf.all.rp_filter");
	cr_expect_str_eq(a[2], "kernel.shm-x_1");
	cr_expect_null(a[3]);
	policy_free(p);

	const char *empty[] = {
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"sysctl\": {}}}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"sysctl\": {\"allow\": []}}}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"sysctl\": null}}",
	};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		p = parse_ok(empty[i]);
		cr_assert_not_null(policy_sysctl_allow(p), "%s", empty[i]);
		cr_expect_null(policy_sysctl_allow(p)[0], "nothing writable: %s", empty[i]);
		policy_free(p);
	}
}

static void sysctl_fail(const char *sysctl, const char *want)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"sbx\": {\n    \"sysctl\": %s\n"
		 "  }\n}\n",
		 sysctl);
	parse_fails(text, want);
}

Test(policy_parse, sysctl_errors)
{
	char name[SBX_SYSCTL_NAME_LEN + 1], json[256], want[512];

	sysctl_fail("{\"allow\": [\"\"]}", "policy.json:4:26: empty sysctl name");
	sysctl_fail("{\"allow\": [\"net/ipv4/ip_forward\"]}",
		    "policy.json:4:26: bad sysctl name \"net/ipv4/ip_forward\", expected dotted "
		    "components of letters, digits, \"_\" and \"-\" (\"net.ipv4.ip_forward\")");
	sysctl_fail("{\"allow\": [\"net..ip_forward\"]}",
		    "policy.json:4:26: bad sysctl name \"net..ip_forward\", expected dotted "
		    "components of letters, digits, \"_\" and \"-\" (\"net.ipv4.ip_forward\")");
	sysctl_fail("{\"allow\": [\"net.ipv4.\"]}",
		    "policy.json:4:26: bad sysctl name \"net.ipv4.\", expected dotted "
		    "components of letters, digits, \"_\" and \"-\" (\"net.ipv4.ip_forward\")");
	sysctl_fail("{\"allow\": [\"kernel.*\"]}",
		    "policy.json:4:26: bad sysctl name \"kernel.*\", expected dotted "
		    "components of letters, digits, \"_\" and \"-\" (\"net.ipv4.ip_forward\")");
	sysctl_fail("{\"allow\": [\"net.ipv4.ip_forward\", 1]}",
		    "policy.json:4:49: \"1\": expected a string, got number 1");
	sysctl_fail("{\"allow\": \"net.ipv4.ip_forward\"}",
		    "policy.json:4:25: \"allow\": expected an array of strings, got string "
		    "\"net.ipv4.ip_forward\"");
	sysctl_fail("{\"write\": []}", "policy.json:4:16: unknown key \"write\" in sbx/sysctl");
	sysctl_fail("[\"net.ipv4.ip_forward\"]",
		    "policy.json:4:15: \"sysctl\": expected an object, got array "
		    "[\"net.ipv4.ip_forward\"]");

	/* 63 bytes fit the map key with its NUL; 64 do not. */
	memset(name, 'a', SBX_SYSCTL_NAME_LEN - 1);
	name[SBX_SYSCTL_NAME_LEN - 1] = '\0';
	snprintf(json, sizeof(json),
		 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": "
		 "{\"sysctl\": {\"allow\": [\"%s\"]}}}",
		 name);
	policy_free(parse_ok(json));
	name[SBX_SYSCTL_NAME_LEN - 1] = 'a';
	name[SBX_SYSCTL_NAME_LEN] = '\0';
	snprintf(json, sizeof(json), "{\"allow\": [\"%s\"]}", name);
	snprintf(want, sizeof(want), "policy.json:4:26: sysctl name \"%s\" longer than %d bytes",
		 name, SBX_SYSCTL_NAME_LEN - 1);
	sysctl_fail(json, want);

	/* More names than the map holds. */
	size_t n = 0;
	char big[2048];
	n += (size_t)snprintf(big, sizeof(big), "{\"allow\": [");
	for (int i = 0; i <= SBX_SYSCTL_ALLOW_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"a.b%d\"", i ? ", " : "", i);
	snprintf(big + n, sizeof(big) - n, "]}");
	snprintf(want, sizeof(want), "policy.json:4:25: more than %d names", SBX_SYSCTL_ALLOW_MAX);
	sysctl_fail(big, want);
}

Test(policy_parse, isolation)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"isolation\": \"vm\"}}");
	cr_assert(policy_isolation_vm(p));
	policy_free(p);
	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"isolation\": "
		     "\"container\"}}");
	cr_assert_not(policy_isolation_vm(p));
	policy_free(p);
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"isolation\": \"kvm\"}}",
	    "policy.json:1:58: unknown isolation \"kvm\", expected \"container\" or \"vm\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"isolation\": true}}",
		    "policy.json:1:58: \"isolation\": expected a string, got boolean true");
}

Test(policy_parse, require_section)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": "
		     "[\"lsm\", \"gofer\", \"lsm\"]}}");
	cr_assert_eq(policy_require(p), POLICY_REQUIRE_LSM | POLICY_REQUIRE_GOFER);
	policy_free(p);
	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": []}}");
	cr_assert_eq(policy_require(p), 0);
	policy_free(p);
	p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	cr_assert_eq(policy_require(p), 0);
	policy_free(p);
	parse_fails(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": [\"cgroup-bpf\", "
	    "\"selinux\"]}}",
	    "policy.json:1:71: unknown layer \"selinux\", expected \"cgroup-bpf\", \"gofer\", "
	    "\"lsm\" or \"landlock\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": \"lsm\"}}",
		    "policy.json:1:56: \"require\": expected an array of layer names, got string "
		    "\"lsm\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"require\": [7]}}",
		    "policy.json:1:57: \"0\": expected a layer name, got number 7");
}

Test(policy_parse, exec_section)
{
	struct sbx_policy *p =
	    parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"exec\": {\"allow\": "
		     "[\"/bin/sh\", \"/usr/lib/git-core\"]}}}");
	const char *const *a = policy_exec_allow(p);
	cr_assert_not_null(a);
	cr_expect_str_eq(a[0], "/bin/sh");
	cr_expect_str_eq(a[1], "/usr/lib/git-core");
	cr_expect_null(a[2]);
	policy_free(p);

	p = parse_ok(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"exec\": {\"allow\": []}}}");
	cr_assert_not_null(policy_exec_allow(p), "an empty list is a list: nothing may run");
	cr_expect_null(policy_exec_allow(p)[0]);
	policy_free(p);

	const char *absent[] = {
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"exec\": {}}}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"exec\": null}}",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"exec\": {\"allow\": null}}}",
	};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		p = parse_ok(absent[i]);
		cr_expect_null(policy_exec_allow(p), "no list, anything may run: %s", absent[i]);
		policy_free(p);
	}
}

static void exec_fail(const char *exec, const char *want)
{
	char text[16384];
	snprintf(text, sizeof(text),
		 "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"sbx\": {\n    \"exec\": %s\n"
		 "  }\n}\n",
		 exec);
	parse_fails(text, want);
}

Test(policy_parse, exec_errors)
{
	char list[16000] = "{\"allow\": [";
	size_t n = strlen(list);

	exec_fail(
	    "{\"allow\": [\"bin/sh\"]}",
	    "policy.json:4:24: relative path \"bin/sh\", expected an absolute container path");
	exec_fail("{\"allow\": [\"/bin/../sh\"]}",
		  "policy.json:4:24: path \"/bin/../sh\" is not normalized (no empty, \".\" or "
		  "\"..\" components, no trailing \"/\")");
	exec_fail("{\"allow\": [\"/bin/sh\", 7]}",
		  "policy.json:4:35: \"1\": expected a string, got number 7");
	exec_fail(
	    "{\"allow\": \"/bin/sh\"}",
	    "policy.json:4:23: \"allow\": expected an array of strings, got string \"/bin/sh\"");
	exec_fail("{\"deny\": []}", "policy.json:4:14: unknown key \"deny\" in sbx/exec");
	exec_fail("[\"/bin/sh\"]",
		  "policy.json:4:13: \"exec\": expected an object, got array [\"/bin/sh\"]");
	for (int i = 0; i <= 256; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"/b%d\"", i ? ", " : "", i);
	snprintf(list + n, sizeof(list) - n, "]}");
	exec_fail(list, "policy.json:4:23: more than 256 paths");
}
