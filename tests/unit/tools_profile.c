/* sbx-trace --profile (tools/trace_profile.c): the written policy loads with sbx's own parser,
 * allows what was seen and what sbx's init needs and nothing else, keeps the default's argument
 * conditions and writes brokered; its files and network lists; an atomic write. */
#include "tools/trace_profile.h"
#include "lib/error.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], out[128];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sbx-profile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/profile.json", dir);
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

TestSuite(tools_profile, .init = make_dir, .fini = remove_dir);

/* What busybox `sh -c 'echo hi > /root/y; cat /root/y'` made in an sbx sandbox (strace). */
static const char *const busybox_sh[] = {
    "arch_prctl",
    "brk",
    "clone",
    "close",
    "dup2",
    "execve",
    "exit_group",
    "fcntl",
    "getcwd",
    "getpid",
    "getppid",
    "getrandom",
    "getuid",
    "mprotect",
    "openat",
    "prctl",
    "prlimit64",
    "readlink",
    "rseq",
    "rt_sigaction",
    "rt_sigreturn",
    "sendfile",
    "set_robust_list",
    "set_tid_address",
    "uname",
    "wait4",
    "write",
};

static void see(struct trace_profile *p, const char *name, bool emulated)
{
	int nr = seccomp_syscall_resolve_name(name);
	cr_assert(nr >= 0 && nr < TRACE_PROFILE_NR_MAX, "%s", name);
	p->seen[nr] = true;
	p->emulated[nr] = emulated;
}

static void write_ok(const struct trace_profile *p)
{
	struct sbx_error err = {0};
	cr_assert_eq(trace_profile_write(p, out, &err), 0, "%s", err.msg);
}

static struct sbx_policy *load(void)
{
	struct sbx_error err = {0};
	struct sbx_policy *pol = NULL;
	cr_assert_eq(policy_load_file(out, &pol, &err), 0, "%s", err.msg);
	return pol;
}

static json_t *load_json(void)
{
	json_error_t jerr;
	json_t *j = json_load_file(out, 0, &jerr);
	cr_assert_not_null(j, "%s", jerr.text);
	return j;
}

/* The first rule: the plain allow list. */
static json_t *plain_names(json_t *doc)
{
	json_t *rule = json_array_get(json_object_get(doc, "syscalls"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(rule, "action")), "SCMP_ACT_ALLOW");
	cr_assert_null(json_object_get(rule, "args"));
	return json_object_get(rule, "names");
}

static bool has_name(const json_t *names, const char *name)
{
	size_t i;
	json_t *n;
	json_array_foreach (names, i, n)
		if (strcmp(json_string_value(n), name) == 0)
			return true;
	return false;
}

/* Rules other than the first that name `name`. */
static size_t extra_rules_naming(json_t *doc, const char *name)
{
	size_t i, count = 0;
	json_t *rule;
	json_array_foreach (json_object_get(doc, "syscalls"), i, rule)
		if (i > 0 && has_name(json_object_get(rule, "names"), name))
			count++;
	return count;
}

static void fill_busybox(struct trace_profile *p)
{
	trace_profile_init(p);
	for (size_t i = 0; i < sizeof(busybox_sh) / sizeof(*busybox_sh); i++)
		see(p, busybox_sh[i], false);
	cr_assert_eq(trace_profile_add_written(p, "/root/y"), 0);
}

Test(tools_profile, top_level_and_sections)
{
	struct trace_profile p;
	fill_busybox(&p);
	write_ok(&p);
	json_t *doc = load_json(), *def = json_loads(policy_default_text(), 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "defaultAction")),
			 "SCMP_ACT_ERRNO");
	cr_expect_eq(json_integer_value(json_object_get(doc, "defaultErrnoRet")), 1);
	cr_expect(json_equal(json_object_get(doc, "archMap"), json_object_get(def, "archMap")));
	json_t *sbx = json_object_get(doc, "sbx");
	cr_expect_str_eq(json_string_value(json_object_get(sbx, "mode")), "enforce");
	cr_expect_eq(json_array_size(json_object_get(sbx, "emulate")), 0);

	struct sbx_policy *pol = load();
	cr_expect_eq(policy_mode(pol), POLICY_ENFORCE);
	const char *const *w = policy_files_writable(pol);
	cr_assert_not_null(w);
	cr_expect_str_eq(w[0], "/root/y");
	cr_expect_null(w[1]);
	struct policy_net_list eg = policy_net_egress(pol);
	cr_expect(eg.present, "no connect seen: egress present and empty, so none is allowed");
	cr_expect_eq(eg.n, 0);
	cr_expect_not(policy_net_bind(pol).present, "binds are not traced: left unrestricted");
	policy_free(pol);
	json_decref(doc);
	json_decref(def);
	trace_profile_free(&p);
}

Test(tools_profile, names_sorted_seen_and_sbx_needs)
{
	struct trace_profile p;
	fill_busybox(&p);
	write_ok(&p);
	json_t *doc = load_json(), *names = plain_names(doc);
	for (size_t i = 1; i < json_array_size(names); i++)
		cr_expect_lt(strcmp(json_string_value(json_array_get(names, i - 1)),
				    json_string_value(json_array_get(names, i))),
			     0, "sorted and unique at %zu", i);
	cr_expect(has_name(names, "getppid") && has_name(names, "sendfile"));
	/* the init's, after its filter is in: not seen by the tracer */
	static const char *const init[] = {"sendmsg",	 "close_range", "execve",    "lseek",
					   "newfstatat", "umask",	"setresuid", "capset"};
	for (size_t i = 0; i < sizeof(init) / sizeof(*init); i++)
		cr_expect(has_name(names, init[i]), "%s", init[i]);
	cr_expect_not(has_name(names, "ptrace"));
	cr_expect_not(has_name(names, "getdents64"), "ls was not run");
	/* conditional in default.json: its rules, not a plain allow */
	cr_expect_not(has_name(names, "clone"));
	cr_expect_eq(extra_rules_naming(doc, "clone"), 1);
	cr_expect_not(has_name(names, "arch_prctl"));
	cr_expect_eq(extra_rules_naming(doc, "arch_prctl"), 1);
	cr_expect_eq(extra_rules_naming(doc, "clone3"), 1, "clone3 keeps its ENOSYS");
	json_decref(doc);
	trace_profile_free(&p);
}

/* ---- the filter's behaviour, installed in a child ---- */

static struct policy_program compile(bool broker)
{
	struct sbx_error err = {0};
	struct policy_program prog = {0};
	struct policy_target t = {.broker_files = broker};
	struct sbx_policy *pol = load();
	cr_assert_eq(policy_compile(pol, &t, &prog, &err), 0, "%s", err.msg);
	policy_free(pol);
	return prog;
}

static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

/* Exit codes say which check failed. Only allowed calls here: those seen, and exit_group. */
static int behaviour_checks(void)
{
	if (syscall(SYS_getpid) <= 0)
		return 10;
	if (err_of(syscall(SYS_getppid)) != EPERM)
		return 11;
	if (err_of(syscall(SYS_ptrace, 0 /* TRACEME */, 0, 0, 0)) != EPERM)
		return 12;
	if (err_of(syscall(SYS_clone3, NULL, 0)) != ENOSYS)
		return 13;
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		syscall(SYS_exit_group, 0);
	if (err_of(r) != EPERM)
		return 14; /* seen clone keeps the default's no-namespace condition */
	r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	if (r < 0)
		return 15;
	syscall(SYS_close, r);
	if (err_of(syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP)) != EPERM)
		return 16; /* seen socket keeps the default's family and type conditions */
	return 0;
}

static int run_child(const struct policy_program *prog, int (*checks)(void))
{
	struct sock_fprog fp = {.len = prog->len, .filter = prog->filter};
	int st;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			_exit(99);
		syscall(SYS_exit_group, checks());
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "child died with signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

Test(tools_profile, filter_allows_seen_and_denies_the_rest)
{
	struct trace_profile p;
	trace_profile_init(&p);
	see(&p, "getpid", false);
	see(&p, "clone", false);
	see(&p, "socket", false);
	write_ok(&p);
	struct policy_program prog = compile(false);
	int code = run_child(&prog, behaviour_checks);
	if (code == 99)
		cr_skip("seccomp filters cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see behaviour_checks)", code);
	policy_program_free(&prog);
	trace_profile_free(&p);
}

/* Compiled with broker_files and no listener: a notified call fails with ENOSYS. */
static int broker_checks(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 20; /* a read-only open stays in the kernel */
	syscall(SYS_close, fd);
	if (err_of(syscall(SYS_openat, AT_FDCWD, out, O_WRONLY | O_CREAT, 0644)) != ENOSYS)
		return 21; /* a write-intent open goes to the sentry */
	if (err_of(syscall(SYS_unlinkat, AT_FDCWD, out, 0)) != ENOSYS)
		return 22; /* seen unlinkat: brokered */
	if (err_of(syscall(SYS_mkdirat, AT_FDCWD, out, 0755)) != EPERM)
		return 23; /* not seen: denied, not brokered */
	return 0;
}

Test(tools_profile, writes_stay_brokered)
{
	struct trace_profile p;
	trace_profile_init(&p);
	see(&p, "unlinkat", false);
	write_ok(&p);
	struct policy_program prog = compile(true);
	cr_expect(prog.needs_listener);
	int code = run_child(&prog, broker_checks);
	if (code == 99)
		cr_skip("seccomp filters cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see broker_checks)", code);
	policy_program_free(&prog);
	trace_profile_free(&p);
}

/* ---- emulate, files, network ---- */

Test(tools_profile, emulate_what_the_default_emulates)
{
	struct trace_profile p;
	trace_profile_init(&p);
	see(&p, "sysinfo", true);
	see(&p, "getpid", true); /* no sentry emulates it: allowed as seen */
	write_ok(&p);
	struct sbx_policy *pol = load();
	cr_expect(policy_emulates(pol, "sysinfo"));
	cr_expect_not(policy_emulates(pol, "getpid"));
	cr_expect_not(policy_emulates(pol, "mknod"), "not seen");
	json_t *doc = load_json();
	cr_expect_not(has_name(plain_names(doc), "sysinfo"));
	cr_expect(has_name(plain_names(doc), "getpid"));
	json_decref(doc);
	policy_free(pol);
	trace_profile_free(&p);
}

Test(tools_profile, writable_sorted_deduplicated_covered)
{
	static const char *const paths[] = {"/data/out/a",   "/data/out", "/data/b",
					    "/data/outside", "/data/b",	  "/data/out/sub/c"};
	struct trace_profile p;
	trace_profile_init(&p);
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		cr_assert_eq(trace_profile_add_written(&p, paths[i]), 0);
	cr_expect_eq(p.nwritten, 5, "one duplicate");
	write_ok(&p);
	struct sbx_policy *pol = load();
	const char *const *w = policy_files_writable(pol);
	cr_assert_not_null(w);
	cr_expect_str_eq(w[0], "/data/b");
	cr_expect_str_eq(w[1], "/data/out");
	cr_expect_str_eq(w[2], "/data/outside");
	cr_expect_null(w[3], "what /data/out covers is left out");
	policy_free(pol);
	trace_profile_free(&p);
}

static struct trace_profile_dest dest(const char *addr, uint16_t port)
{
	struct trace_profile_dest d = {.family = strchr(addr, ':') ? 6 : 4, .port = port};
	cr_assert_eq(inet_pton(d.family == 4 ? AF_INET : AF_INET6, addr, d.addr), 1);
	return d;
}

static void expect_rule(const struct policy_net_rule *r, const char *addr, unsigned prefix,
			uint16_t port)
{
	struct trace_profile_dest d = dest(addr, port);
	cr_expect_eq(r->family, d.family, "%s", addr);
	cr_expect_eq(r->prefix, prefix, "%s", addr);
	cr_expect_arr_eq(r->addr, d.addr, d.family == 4 ? 4 : 16, "%s", addr);
	cr_expect(r->port_lo == port && r->port_hi == port, "%s port", addr);
}

Test(tools_profile, egress_one_rule_per_destination)
{
	struct trace_profile p;
	trace_profile_init(&p);
	struct trace_profile_dest d[] = {dest("10.0.0.1", 443), dest("2001:db8::1", 53),
					 dest("::ffff:10.0.0.1", 443), dest("10.0.0.1", 80)};
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++)
		cr_assert_eq(trace_profile_add_egress(&p, &d[i]), 0);
	cr_expect_eq(p.negress, 3, "the IPv4-mapped address is the IPv4 one");
	struct trace_profile_dest bad = {.family = 5};
	cr_expect_eq(trace_profile_add_egress(&p, &bad), -EINVAL);
	write_ok(&p);
	struct sbx_policy *pol = load();
	struct policy_net_list eg = policy_net_egress(pol);
	cr_assert(eg.present);
	cr_assert_eq(eg.n, 3);
	expect_rule(&eg.rules[0], "10.0.0.1", 32, 80);
	expect_rule(&eg.rules[1], "10.0.0.1", 32, 443);
	expect_rule(&eg.rules[2], "2001:db8::1", 128, 53);
	policy_free(pol);
	trace_profile_free(&p);
}

Test(tools_profile, egress_bounded_by_what_the_policy_holds)
{
	struct trace_profile p;
	trace_profile_init(&p);
	for (unsigned i = 0; i < 256; i++) {
		struct trace_profile_dest d = dest("10.0.0.1", (uint16_t)(1000 + i));
		cr_assert_eq(trace_profile_add_egress(&p, &d), 0);
	}
	struct trace_profile_dest one_more = dest("10.0.0.2", 1);
	cr_expect_eq(trace_profile_add_egress(&p, &one_more), -E2BIG);
	write_ok(&p);
	struct sbx_policy *pol = load();
	cr_expect_eq(policy_net_egress(pol).n, 256);
	policy_free(pol);
	trace_profile_free(&p);
}

/* ---- the file ---- */

static size_t entries(void)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(tools_profile, atomic_write_leaves_no_temp_file)
{
	struct trace_profile p;
	struct stat st;
	fill_busybox(&p);
	cr_assert_eq(creat(out, 0600) >= 0, true);
	write_ok(&p);
	write_ok(&p); /* over an existing profile */
	cr_expect_eq(entries(), 1, "only profile.json in %s", dir);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644);
	policy_free(load());
	trace_profile_free(&p);
}

static void write_fails(const char *path, int code, const char *want)
{
	struct trace_profile p;
	struct sbx_error err = {0};
	trace_profile_init(&p);
	cr_expect_eq(trace_profile_write(&p, path, &err), -code, "%s", path);
	cr_expect_eq(err.code, code);
	cr_expect_str_eq(err.msg, want);
	trace_profile_free(&p);
}

Test(tools_profile, unwritable_path_is_a_clear_error)
{
	char path[192], want[512];
	snprintf(path, sizeof(path), "%s/missing/p.json", dir);
	snprintf(want, sizeof(want),
		 "write profile: create a temporary file beside %s: No such file or directory",
		 path);
	write_fails(path, ENOENT, want);
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(want, sizeof(want), "write profile: rename %s/.sub.", dir);
	struct trace_profile p;
	struct sbx_error err = {0};
	trace_profile_init(&p);
	cr_expect_eq(trace_profile_write(&p, path, &err), -EISDIR);
	cr_expect(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
	cr_expect(strstr(err.msg, ": Is a directory"), "%s", err.msg);
	cr_expect_eq(entries(), 1, "the temp file is removed");
	rmdir(path);
	trace_profile_free(&p);
	snprintf(want, sizeof(want), "write profile: %s/: Is a directory", dir);
	snprintf(path, sizeof(path), "%s/", dir);
	write_fails(path, EISDIR, want);
}
