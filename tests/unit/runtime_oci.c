/* runtime/oci.h: config.json and process parsing, names, the default spec. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "runtime/oci.h"

#define BIT(n) (UINT64_C(1) << (n))

/* tests/unit/runtime_oci.c -> tests/data/oci/<name> */
static char *data_path(const char *name)
{
	char *p = NULL;
	const char *file = __FILE__;
	const char *slash = strrchr(file, '/');
	int dir = slash ? (int)(slash - file) : 0;
	cr_assert(asprintf(&p, "%.*s/../data/oci/%s", dir, file, name) > 0);
	return p;
}

static struct oci_config *parse_ok(const char *text)
{
	struct oci_config *c = NULL;
	struct sbx_error err = {0};
	int r = oci_config_parse(text, strlen(text), "t.json", &c, &err);
	cr_assert(eq(int, r, 0), "parse failed: %s", err.msg);
	cr_assert(c != NULL);
	return c;
}

/* Parse must fail; returns the message (static). */
static const char *parse_err(const char *text)
{
	static struct sbx_error err;
	struct oci_config *c = NULL;
	sbx_err_clear(&err);
	int r = oci_config_parse(text, strlen(text), "t.json", &c, &err);
	cr_assert(eq(int, r, -EINVAL), "expected failure, got %d (%s)", r, err.msg);
	cr_assert(c == NULL);
	cr_assert(eq(int, err.code, EINVAL));
	return err.msg;
}

#define ROOT_OK "\"root\": {\"path\": \"rootfs\"},\n"
#define PROC_OK                                                                                    \
	"\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], \"cwd\": \"/\"}"

/* A valid document with `extra` appended as further top-level members (line 4 onward). */
static char *doc_with(const char *extra)
{
	char *s = NULL;
	cr_assert(asprintf(&s, "{\"ociVersion\": \"1.1.0\",\n" ROOT_OK PROC_OK "%s%s\n}",
			   *extra ? ",\n" : "", extra) > 0);
	return s;
}

Test(oci, minimal)
{
	char *t = doc_with("");
	struct oci_config *c = parse_ok(t);
	cr_expect_str_eq(c->oci_version, "1.1.0");
	cr_expect_str_eq(c->root_path, "rootfs");
	cr_expect(not(eq(int, c->root_readonly, 1)));
	cr_expect(c->hostname == NULL);
	cr_expect_str_eq(c->process.args[0], "sh");
	cr_expect(c->process.args[1] == NULL);
	cr_expect(c->process.env != NULL && c->process.env[0] == NULL);
	cr_expect(c->masked_paths != NULL && c->masked_paths[0] == NULL);
	cr_expect(c->readonly_paths != NULL && c->readonly_paths[0] == NULL);
	cr_expect(eq(sz, c->n_mounts, 0));
	cr_expect(eq(sz, c->n_namespaces, 0));
	cr_expect(c->seccomp == NULL && c->annotations == NULL && c->sysctl == NULL);
	cr_expect(c->doc != NULL);
	cr_expect_str_eq(c->name, "t.json");
	cr_expect(eq(sz, c->text_len, strlen(t)));
	oci_config_free(c);
	free(t);
}

static void check_full_process(const struct oci_process *p)
{
	cr_expect(p->terminal);
	cr_expect(eq(uint, p->console_height, 25));
	cr_expect(eq(uint, p->console_width, 80));
	cr_expect(eq(uint, p->uid, 1000));
	cr_expect(eq(uint, p->gid, 1001));
	cr_expect(p->has_umask);
	cr_expect(eq(uint, p->umask, 022));
	cr_assert(eq(sz, p->n_additional_gids, 3));
	cr_expect(eq(uint, p->additional_gids[0], 5));
	cr_expect(eq(uint, p->additional_gids[2], 4294967295u));
	cr_expect_str_eq(p->args[2], "echo hi");
	cr_expect(p->args[3] == NULL);
	cr_expect_str_eq(p->env[2], "EMPTY=");
	cr_expect(p->env[3] == NULL);
	cr_expect_str_eq(p->cwd, "/home/user");
	cr_expect(eq(u64, p->cap_bounding, BIT(0) | BIT(5) | BIT(40)));
	cr_expect(eq(u64, p->cap_effective, BIT(CAP_KILL)));
	cr_expect(eq(u64, p->cap_inheritable, 0));
	cr_expect(eq(u64, p->cap_permitted, BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE)));
	cr_expect(eq(u64, p->cap_ambient, BIT(CAP_SYS_ADMIN)));
	cr_assert(eq(sz, p->n_rlimits, 2));
	cr_expect(eq(int, p->rlimits[0].resource, RLIMIT_NOFILE));
	cr_expect(eq(u64, p->rlimits[0].soft, 1024));
	cr_expect(eq(u64, p->rlimits[0].hard, 4096));
	cr_expect(eq(int, p->rlimits[1].resource, RLIMIT_CORE));
	cr_expect(eq(u64, p->rlimits[1].hard, UINT64_MAX));
	cr_expect(p->no_new_privileges);
	cr_expect(p->has_oom_score_adj);
	cr_expect(eq(int, p->oom_score_adj, -500));
}

static void check_full_linux(const struct oci_config *c)
{
	cr_assert(eq(sz, c->n_namespaces, 7));
	cr_expect(eq(int, c->namespaces[0].type, CLONE_NEWPID));
	cr_expect(c->namespaces[0].path == NULL);
	cr_expect(eq(int, c->namespaces[1].type, CLONE_NEWNET));
	cr_expect_str_eq(c->namespaces[1].path, "/var/run/netns/blue");
	cr_expect(eq(int, c->namespaces[5].type, CLONE_NEWUSER));
	cr_expect(eq(int, c->namespaces[6].type, CLONE_NEWCGROUP));
	cr_assert(eq(sz, c->n_uid_mappings, 1));
	cr_expect(eq(u32, c->uid_mappings[0].host_id, 100000));
	cr_expect(eq(u32, c->uid_mappings[0].size, 65536));
	cr_assert(eq(sz, c->n_gid_mappings, 2));
	cr_expect(eq(u32, c->gid_mappings[1].container_id, 1000));
	cr_expect(eq(u32, c->gid_mappings[1].host_id, 300000));
	cr_expect_str_eq(c->masked_paths[1], "/sys/firmware");
	cr_expect(c->masked_paths[2] == NULL);
	cr_expect_str_eq(c->readonly_paths[0], "/proc/sys");
	cr_expect_str_eq(c->cgroups_path, "/sbx/test");
	cr_expect(eq(i64, c->resources.memory_limit, 536870912));
	cr_expect(eq(i64, c->resources.memory_swap, -1));
	cr_expect(eq(i64, c->resources.pids_limit, 100));
	cr_expect(eq(u64, c->resources.cpu_shares, 512));
	cr_expect(eq(i64, c->resources.cpu_quota, 50000));
	cr_expect(eq(u64, c->resources.cpu_period, 100000));
	cr_expect_str_eq(json_string_value(json_object_get(c->sysctl, "net.ipv4.ip_forward")), "1");
	cr_expect_str_eq(json_string_value(json_object_get(c->seccomp, "defaultAction")),
			 "SCMP_ACT_ERRNO");
}

Test(oci, full_config_from_file)
{
	char *dir = data_path("");
	struct oci_config *c = NULL;
	struct sbx_error err = {0};
	char *file = data_path("full.json");
	char *bundle = NULL;
	/* oci_config_load wants <bundle>/config.json: use a temporary bundle with a copy */
	char tmpl[] = "/tmp/oci-test-XXXXXX";
	cr_assert(mkdtemp(tmpl) != NULL);
	cr_assert(asprintf(&bundle, "%s/config.json", tmpl) > 0);
	char *cmd = NULL;
	cr_assert(asprintf(&cmd, "cp '%s' '%s'", file, bundle) > 0);
	cr_assert(eq(int, system(cmd), 0));

	int r = oci_config_load(tmpl, &c, &err);
	cr_assert(eq(int, r, 0), "%s", err.msg);
	cr_expect_str_eq(c->name, bundle);
	cr_expect_str_eq(c->oci_version, "1.2.0");
	cr_expect(c->root_readonly);
	cr_expect_str_eq(c->hostname, "box");
	check_full_process(&c->process);
	cr_assert(eq(sz, c->n_mounts, 2));
	cr_expect_str_eq(c->mounts[0].destination, "/proc");
	cr_expect_str_eq(c->mounts[0].type, "proc");
	cr_expect(c->mounts[0].options != NULL && c->mounts[0].options[0] == NULL);
	cr_expect(c->mounts[1].type == NULL);
	cr_expect_str_eq(c->mounts[1].source, "/srv/data");
	cr_expect_str_eq(c->mounts[1].options[1], "ro");
	cr_expect_str_eq(json_string_value(json_object_get(c->annotations, "io.example/owner")),
			 "alice");
	check_full_linux(c);
	oci_config_free(c);

	unlink(bundle);
	rmdir(tmpl);
	free(cmd);
	free(bundle);
	free(file);
	free(dir);
}

Test(oci, load_missing_file)
{
	struct oci_config *c = NULL;
	struct sbx_error err = {0};
	int r = oci_config_load("/nonexistent/bundle/", &c, &err);
	cr_expect(eq(int, r, -ENOENT));
	cr_expect_str_eq(err.msg, "/nonexistent/bundle/config.json: No such file or directory");
	cr_expect(c == NULL);
}

Test(oci, load_names_path_in_errors)
{
	char tmpl[] = "/tmp/oci-test-XXXXXX", *path = NULL;
	cr_assert(mkdtemp(tmpl) != NULL);
	cr_assert(asprintf(&path, "%s/config.json", tmpl) > 0);
	FILE *f = fopen(path, "w");
	fputs("{\n  \"ociVersion\": 1\n}\n", f);
	fclose(f);
	struct oci_config *c = NULL;
	struct sbx_error err = {0};
	cr_expect(eq(int, oci_config_load(tmpl, &c, &err), -EINVAL));
	char want[512];
	snprintf(want, sizeof(want), "%s:2:17: ociVersion: expected string, got number", path);
	cr_expect_str_eq(err.msg, want);
	unlink(path);
	rmdir(tmpl);
	free(path);
}

Test(oci, missing_required)
{
	cr_expect_str_eq(parse_err("{" ROOT_OK PROC_OK "}"),
			 "t.json:1:1: missing required field \"ociVersion\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\", " PROC_OK "}"),
			 "t.json:1:1: missing required field \"root\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n\"root\": {},\n" PROC_OK "}"),
			 "t.json:2:9: root: missing required field \"path\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK "\"x\": 1}"),
			 "t.json:1:1: missing required field \"process\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, "
				   "\"cwd\": \"/\"}}"),
			 "t.json:3:12: process: missing required field \"args\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0}, "
				   "\"args\": [\"sh\"], \"cwd\": \"/\"}}"),
			 "t.json:3:21: process.user: missing required field \"gid\"");
}

Test(oci, args_empty_and_cwd_relative)
{
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
				   "  \"args\": [], \"cwd\": \"/\"}}"),
			 "t.json:4:11: process.args: must contain at least one element");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"tmp\"}}"),
			 "t.json:4:26: process.cwd: expected an absolute path, got \"tmp\"");
}

Test(oci, mistyped_fields)
{
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": \"0\", \"gid\": 0},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"/\"}}"),
			 "t.json:3:29: process.user.uid: expected integer, got string");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
				   "  \"args\": 7, \"cwd\": \"/\"}}"),
			 "t.json:4:11: process.args: expected array of strings, got number");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
				   "  \"args\": [\"sh\", 1], \"cwd\": \"/\"}}"),
			 "t.json:4:18: process.args[1]: expected string, got number");
	cr_expect_str_eq(
	    parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
		      "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
		      "  \"args\": [\"sh\"], \"cwd\": \"/\", \"env\": {\"A\": \"1\"}}}"),
	    "t.json:4:38: process.env: expected array of strings, got object");
	cr_expect_str_eq(
	    parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
		      "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
		      "  \"args\": [\"sh\"], \"cwd\": \"/\", \"env\": [\"NOEQUALS\"]}}"),
	    "t.json:4:39: process.env[0]: expected \"KEY=value\", got \"NOEQUALS\"");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"/\", \"terminal\": \"yes\"}}"),
			 "t.json:4:43: process.terminal: expected boolean, got string");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n\"root\": \"rootfs\",\n" PROC_OK "}"),
			 "t.json:2:9: root: expected object, got string");
}

Test(oci, out_of_range)
{
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 4294967296, \"gid\": 0},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"/\"}}"),
			 "t.json:3:29: process.user.uid: 4294967296 out of range (0..4294967295)");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 0, \"gid\": -1},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"/\"}}"),
			 "t.json:3:39: process.user.gid: -1 out of range (0..4294967295)");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n" ROOT_OK
				   "\"process\": {\"user\": {\"uid\": 1.5, \"gid\": 0},\n"
				   "  \"args\": [\"sh\"], \"cwd\": \"/\"}}"),
			 "t.json:3:29: process.user.uid: expected integer, got 1.5");
	char *t = doc_with("\"linux\": {\"resources\": {\"memory\": {\"limit\": -2}}}");
	cr_expect_str_eq(parse_err(t), "t.json:4:45: linux.resources.memory.limit: -2 out of "
				       "range (-1..9223372036854775807)");
	free(t);
	t = doc_with("\"process2\": 1, \"linux\": {\"uidMappings\": [{\"containerID\": 0, "
		     "\"hostID\": 1, \"size\": 0}], \"namespaces\": [{\"type\": \"user\"}]}");
	cr_expect(strstr(parse_err(t), "t.json:4:42: linux.uidMappings[0]: mapping of 0 ids") !=
		  NULL);
	free(t);
}

static char *process_with(const char *extra)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
			   "{\"ociVersion\": \"1\",\n" ROOT_OK
			   "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],\n"
			   "  \"cwd\": \"/\", %s}}",
			   extra) > 0);
	return s;
}

Test(oci, capabilities)
{
	char *t = process_with("\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FOO\"]}");
	cr_expect_str_eq(parse_err(t), "t.json:4:57: process.capabilities.bounding[1]: unknown "
				       "capability \"CAP_FOO\"");
	free(t);
	t = process_with("\"capabilities\": {\"effective\": \"CAP_KILL\"}");
	cr_expect_str_eq(parse_err(t), "t.json:4:45: process.capabilities.effective: expected "
				       "array of strings, got string");
	free(t);
}

Test(oci, rlimits)
{
	char *t =
	    process_with("\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:36: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	free(t);
	t = process_with(
	    "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2048, \"hard\": 1024}]");
	cr_expect_str_eq(parse_err(t), "t.json:4:27: process.rlimits[0]: soft limit 2048 exceeds "
				       "hard limit 1024");
	free(t);
	t = process_with("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},\n"
			 "  {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}]");
	cr_expect_str_eq(
	    parse_err(t),
	    "t.json:5:12: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
	free(t);
	t = process_with("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:27: process.rlimits[0]: missing required field \"hard\"");
	free(t);
}

Test(oci, syntax_errors)
{
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n  \"ociVersion\": \"2\"}"),
			 "t.json:2:14: duplicate object key near '\"ociVersion\"'");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n  \"root\": {\"path\": x}}"),
			 "t.json:2:20: invalid token near 'x'");
	cr_expect_str_eq(parse_err("{\"ociVersion\": \"1\",\n"),
			 "t.json:2:0: string or '}' expected near end of file");
	cr_expect_str_eq(parse_err("[1, 2]"), "t.json:1:1: expected object, got array");
	cr_expect_str_eq(parse_err(""), "t.json:1:0: '[' or '{' expected near end of file");
}

Test(oci, linux_section_errors)
{
	char *t =
	    doc_with("\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"bogus\"}]}");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:52: linux.namespaces[1].type: unknown namespace type \"bogus\"");
	free(t);
	t = doc_with("\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:52: linux.namespaces[1].type: duplicate namespace type \"pid\"");
	free(t);
	t = doc_with("\"linux\": {\"namespaces\": [{\"type\": \"time\"}]}");
	cr_expect_str_eq(parse_err(t), "t.json:4:35: linux.namespaces[0].type: namespace type "
				       "\"time\" is not supported by sbx");
	free(t);
	t = doc_with("\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}");
	cr_expect(strstr(parse_err(t), "unknown namespace type \"net\"") != NULL);
	free(t);
	t = doc_with("\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"x\"}]}");
	cr_expect_str_eq(parse_err(t), "t.json:4:54: linux.namespaces[0].path: expected an "
				       "absolute path, got \"x\"");
	free(t);
	t = doc_with("\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}");
	cr_expect_str_eq(parse_err(t), "t.json:4:10: linux: a new user namespace needs both "
				       "uidMappings and gidMappings");
	free(t);
	t = doc_with("\"linux\": {\"sysctl\": {\"kernel.msgmax\": 8192}}");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:39: linux.sysctl.kernel.msgmax: expected string, got number");
	free(t);
	t = doc_with("\"linux\": {\"maskedPaths\": [\"proc/kcore\"]}");
	cr_expect_str_eq(parse_err(t), "t.json:4:27: linux.maskedPaths[0]: expected an absolute "
				       "path, got \"proc/kcore\"");
	free(t);
	t = doc_with("\"linux\": {\"seccomp\": []}");
	cr_expect_str_eq(parse_err(t), "t.json:4:22: linux.seccomp: expected object, got array");
	free(t);
}

Test(oci, mounts_and_annotations)
{
	char *t = doc_with("\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"b\"}]");
	cr_expect_str_eq(parse_err(t), "t.json:4:51: mounts[1].destination: expected an absolute "
				       "path, got \"b\"");
	free(t);
	t = doc_with("\"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", 1]}]");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:52: mounts[0].options[1]: expected string, got number");
	free(t);
	t = doc_with("\"mounts\": [{\"type\": \"tmpfs\"}]");
	cr_expect_str_eq(parse_err(t),
			 "t.json:4:12: mounts[0]: missing required field \"destination\"");
	free(t);
	t = doc_with("\"annotations\": {\"a\": \"x\", \"b\": true}");
	cr_expect_str_eq(parse_err(t), "t.json:4:32: annotations.b: expected string, got boolean");
	free(t);
}

Test(oci, resources_keep_unlimited)
{
	char *t = doc_with("\"linux\": {\"resources\": {\"memory\": {\"limit\": -1, \"swap\": -1},"
			   " \"pids\": {\"limit\": -1}, \"cpu\": {\"quota\": -1}}}");
	struct oci_config *c = parse_ok(t);
	cr_expect(eq(i64, c->resources.memory_limit, -1));
	cr_expect(eq(i64, c->resources.memory_swap, -1));
	cr_expect(eq(i64, c->resources.pids_limit, -1));
	cr_expect(eq(i64, c->resources.cpu_quota, -1));
	cr_expect(eq(u64, c->resources.cpu_shares, 0));
	oci_config_free(c);
	free(t);
}

Test(oci, null_means_absent_for_optional_fields)
{
	char *t = doc_with("\"hostname\": null, \"linux\": {\"seccomp\": null}, \"mounts\": null");
	struct oci_config *c = parse_ok(t);
	cr_expect(c->hostname == NULL);
	cr_expect(c->seccomp == NULL);
	oci_config_free(c);
	free(t);
}

Test(oci, process_parse)
{
	const char *ok = "{\"user\": {\"uid\": 5, \"gid\": 6}, \"args\": [\"ls\", \"-l\"],\n"
			 " \"cwd\": \"/tmp\", \"env\": [\"A=1\"], \"terminal\": false,\n"
			 " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}}";
	struct oci_process p;
	struct sbx_error err = {0};
	cr_assert(eq(int, oci_process_parse(ok, strlen(ok), "p.json", &p, &err), 0), "%s", err.msg);
	cr_expect(eq(uint, p.uid, 5));
	cr_expect(eq(uint, p.gid, 6));
	cr_expect_str_eq(p.args[1], "-l");
	cr_expect_str_eq(p.env[0], "A=1");
	cr_expect_str_eq(p.cwd, "/tmp");
	cr_expect(eq(u64, p.cap_bounding, BIT(CAP_KILL)));
	oci_process_clear(&p);
	cr_expect(p.args == NULL);

	const char *bad = "{\"user\": {\"uid\": 5, \"gid\": 6},\n \"args\": [],\n \"cwd\": \"/\"}";
	memset(&p, 0x5a, sizeof(p));
	cr_expect(eq(int, oci_process_parse(bad, strlen(bad), "p.json", &p, &err), -EINVAL));
	cr_expect_str_eq(err.msg, "p.json:2:10: args: must contain at least one element");
	cr_expect(eq(u8, ((unsigned char *)&p)[0], 0x5a)); /* untouched on failure */

	const char *nouser = "{\"args\": [\"ls\"], \"cwd\": \"/\"}";
	cr_expect(eq(int, oci_process_parse(nouser, strlen(nouser), "p.json", &p, &err), -EINVAL));
	cr_expect_str_eq(err.msg, "p.json:1:1: missing required field \"user\"");

	const char *syntax = "{\"args\": [\"ls\",]}";
	cr_expect(eq(int, oci_process_parse(syntax, strlen(syntax), "p.json", &p, &err), -EINVAL));
	cr_expect(strncmp(err.msg, "p.json:1:", 9) == 0, "%s", err.msg);
}

Test(oci, names)
{
	cr_expect(eq(int, oci_cap_from_name("CAP_CHOWN"), 0));
	cr_expect(eq(int, oci_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN));
	cr_expect(eq(int, oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40));
	cr_expect(eq(int, oci_cap_from_name("CAP_NOPE"), -1));
	cr_expect(eq(int, oci_cap_from_name("cap_chown"), -1));
	cr_expect(eq(int, oci_cap_from_name(NULL), -1));
	for (int i = 0; i <= 40; i++) {
		const char *n = oci_cap_name(i);
		cr_assert(n != NULL, "cap %d has no name", i);
		cr_expect(eq(int, oci_cap_from_name(n), i));
	}
	cr_expect(oci_cap_name(41) == NULL);
	cr_expect(oci_cap_name(-1) == NULL);
	cr_expect(eq(int, oci_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE));
	cr_expect(eq(int, oci_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME));
	cr_expect(eq(int, oci_rlimit_from_name("RLIMIT_CPU"), RLIMIT_CPU));
	cr_expect(eq(int, oci_rlimit_from_name("NOFILE"), -1));
}

static bool has_ns(const struct oci_config *c, int type)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (c->namespaces[i].type == type)
			return true;
	return false;
}

static const struct oci_mount *find_mount(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

Test(oci, default_spec_parses_back)
{
	char *s = oci_default_spec(false);
	cr_assert(s != NULL);
	struct oci_config *c = parse_ok(s);
	cr_expect_str_eq(c->root_path, "rootfs");
	cr_expect(c->root_readonly);
	cr_expect_str_eq(c->hostname, "sbx");
	cr_expect(c->process.terminal);
	cr_expect(c->process.no_new_privileges);
	cr_expect_str_eq(c->process.args[0], "sh");
	cr_expect_str_eq(c->process.env[1], "TERM=xterm");
	uint64_t caps = BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	cr_expect(eq(u64, c->process.cap_bounding, caps));
	cr_expect(eq(u64, c->process.cap_effective, caps));
	cr_expect(eq(u64, c->process.cap_permitted, caps));
	cr_expect(eq(u64, c->process.cap_inheritable, 0));
	cr_expect(eq(u64, c->process.cap_ambient, 0));
	cr_assert(eq(sz, c->process.n_rlimits, 1));
	cr_expect(eq(int, c->process.rlimits[0].resource, RLIMIT_NOFILE));
	cr_expect(eq(sz, c->n_mounts, 7));
	const struct oci_mount *pts = find_mount(c, "/dev/pts");
	cr_assert(pts != NULL);
	cr_expect_str_eq(pts->options[5], "gid=5");
	cr_expect(eq(sz, c->n_namespaces, 6));
	cr_expect(has_ns(c, CLONE_NEWNET) && has_ns(c, CLONE_NEWCGROUP) &&
		  !has_ns(c, CLONE_NEWUSER));
	cr_expect_str_eq(c->masked_paths[0], "/proc/acpi");
	cr_expect_str_eq(c->readonly_paths[4], "/proc/sysrq-trigger");
	cr_expect(eq(sz, c->n_uid_mappings, 0));
	oci_config_free(c);
	free(s);
}

Test(oci, default_spec_rootless)
{
	char *s = oci_default_spec(true);
	cr_assert(s != NULL);
	struct oci_config *c = parse_ok(s);
	cr_expect(not(eq(int, has_ns(c, CLONE_NEWNET), 1)));
	cr_expect(has_ns(c, CLONE_NEWUSER));
	cr_assert(eq(sz, c->n_uid_mappings, 1));
	cr_expect(eq(u32, c->uid_mappings[0].host_id, geteuid()));
	cr_expect(eq(u32, c->uid_mappings[0].container_id, 0));
	cr_assert(eq(sz, c->n_gid_mappings, 1));
	cr_expect(eq(u32, c->gid_mappings[0].host_id, getegid()));
	const struct oci_mount *sys = find_mount(c, "/sys");
	cr_assert(sys != NULL);
	cr_expect_str_eq(sys->type, "none");
	cr_expect_str_eq(sys->options[0], "rbind");
	const struct oci_mount *pts = find_mount(c, "/dev/pts");
	for (char **o = pts->options; *o; o++)
		cr_expect(strncmp(*o, "gid=", 4) != 0);
	cr_expect(json_object_get(json_object_get(c->doc, "linux"), "resources") == NULL);
	oci_config_free(c);
	free(s);
}

Test(oci, default_spec_rlimits_within_host_hard_limit)
{
	struct rlimit rl;
	cr_assert(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	char *s = oci_default_spec(false);
	struct oci_config *c = parse_ok(s);
	cr_expect(c->process.rlimits[0].hard <= (uint64_t)rl.rlim_max);
	cr_expect(c->process.rlimits[0].soft <= c->process.rlimits[0].hard);
	oci_config_free(c);
	free(s);

	/* with a lowered hard limit (in a child, not to disturb the test runner) */
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct rlimit low = {.rlim_cur = 100, .rlim_max = 100};
		if (setrlimit(RLIMIT_NOFILE, &low) < 0)
			_exit(2);
		char *t = oci_default_spec(false);
		json_t *doc = t ? json_loads(t, 0, NULL) : NULL;
		json_t *nofile =
		    json_array_get(json_object_get(json_object_get(doc, "process"), "rlimits"), 0);
		_exit(json_integer_value(json_object_get(nofile, "hard")) == 100 &&
			      json_integer_value(json_object_get(nofile, "soft")) == 100
			  ? 0
			  : 1);
	}
	int status;
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_expect(eq(int, status, 0), "status %d", status);
}

Test(oci, resources_parse)
{
	const char *ok = "{\"memory\": {\"limit\": 67108864, \"swap\": -1, \"reservation\": 1},\n"
			 " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000},\n"
			 " \"pids\": {\"limit\": 32}, \"blockIO\": {\"weight\": 10}}";
	struct oci_resources r;
	struct sbx_error err = {0};
	cr_assert(eq(int, oci_resources_parse(ok, strlen(ok), "r.json", &r, &err), 0), "%s",
		  err.msg);
	cr_expect(eq(i64, r.memory_limit, 67108864));
	cr_expect(eq(i64, r.memory_swap, -1));
	cr_expect(eq(u64, r.cpu_shares, 512));
	cr_expect(eq(i64, r.cpu_quota, 50000));
	cr_expect(eq(u64, r.cpu_period, 100000));
	cr_expect(eq(i64, r.pids_limit, 32));

	const char *empty = "{}";
	cr_assert(eq(int, oci_resources_parse(empty, 2, "r.json", &r, &err), 0));
	cr_expect(eq(i64, r.memory_limit, 0), "absent is \"not set\"");

	const char *bad = "{\"pids\": {\n  \"limit\": -7}}";
	memset(&r, 0x5a, sizeof(r));
	cr_expect(eq(int, oci_resources_parse(bad, strlen(bad), "r.json", &r, &err), -EINVAL));
	cr_expect(strncmp(err.msg, "r.json:2:", 9) == 0 && strstr(err.msg, "pids.limit"), "%s",
		  err.msg);
	cr_expect(eq(u8, ((unsigned char *)&r)[0], 0x5a)); /* untouched on failure */

	const char *notobj = "[1]";
	cr_expect(eq(int, oci_resources_parse(notobj, 3, "r.json", &r, &err), -EINVAL));
}
