/* Compiling policies: includes/excludes, audit mode, emulation, and the filter's behaviour in a
 * child process that installs it (unprivileged: no_new_privs first). */
#include "policy/policy.h"
#include "lib/error.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sbx_policy *parse(const char *text)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	cr_assert_eq(policy_parse(text, strlen(text), "test.json", &p, &err), 0, "%s", err.msg);
	return p;
}

static struct policy_program compile(const struct sbx_policy *p, const struct policy_target *t)
{
	struct sbx_error err = {0};
	struct policy_program prog = {0};
	cr_assert_eq(policy_compile(p, t, &prog, &err), 0, "%s", err.msg);
	return prog;
}

static bool same_program(const struct policy_program *a, const struct policy_program *b)
{
	return a->len == b->len && memcmp(a->filter, b->filter, a->len * sizeof(*a->filter)) == 0;
}

static bool returns(const struct policy_program *prog, uint32_t k)
{
	for (unsigned i = 0; i < prog->len; i++)
		if (BPF_CLASS(prog->filter[i].code) == BPF_RET && prog->filter[i].k == k)
			return true;
	return false;
}

static const char gated[] =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
    "{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "{\"names\": [\"chroot\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
    "[\"CAP_SYS_CHROOT\"]}},"
    "{\"names\": [\"openat2\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
    "\"5.6\"}},"
    "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": "
    "\"4.0\"}},"
    "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
    "[\"CAP_SYS_ADMIN\"]}},"
    "{\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "
    "[\"s390x\"]}}]}";

Test(policy_compile, includes_caps_change_the_program)
{
	struct sbx_policy *p = parse(gated);
	struct policy_target none = {.kernel_major = 5, .kernel_minor = 10};
	struct policy_target chroot = none, admin = none;
	chroot.caps = 1ull << CAP_SYS_CHROOT;
	admin.caps = 1ull << CAP_SYS_ADMIN;
	struct policy_program a = compile(p, &none), b = compile(p, &chroot),
			      c = compile(p, &admin);
	cr_expect_gt(b.len, a.len, "chroot is added with CAP_SYS_CHROOT");
	cr_expect_lt(c.len, a.len, "getppid is excluded with CAP_SYS_ADMIN");
	policy_program_free(&a);
	policy_program_free(&b);
	policy_program_free(&c);
	policy_free(p);
}

Test(policy_compile, min_kernel_changes_the_program)
{
	struct sbx_policy *p = parse(gated);
	struct policy_target old = {.kernel_major = 3, .kernel_minor = 10};
	struct policy_target k55 = {.kernel_major = 5, .kernel_minor = 5};
	struct policy_target k56 = {.kernel_major = 5, .kernel_minor = 6};
	struct policy_program a = compile(p, &old), b = compile(p, &k55), c = compile(p, &k56);
	cr_expect_gt(a.len, b.len, "getpid is dropped from 4.0 on");
	cr_expect_gt(c.len, b.len, "openat2 is added from 5.6 on");
	struct policy_program running = compile(p, NULL);
	cr_expect(same_program(&running, &c), "this host runs a kernel newer than 5.6");
	policy_program_free(&a);
	policy_program_free(&b);
	policy_program_free(&c);
	policy_program_free(&running);
	policy_free(p);
}

Test(policy_compile, audit_mode_notifies_denials)
{
	struct sbx_policy *e = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	struct sbx_policy *a = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
				     "{\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_KILL\"}],"
				     "\"sbx\": {\"mode\": \"audit\"}}");
	struct policy_program pe = compile(e, NULL), pa = compile(a, NULL);
	cr_expect_not(pe.needs_listener);
	cr_expect(pa.needs_listener, "the default action becomes NOTIFY in audit mode");
	cr_expect(returns(&pa, SECCOMP_RET_USER_NOTIF));
	cr_expect_not(returns(&pa, SECCOMP_RET_ERRNO | 1), "no ERRNO left in audit mode");
	cr_expect(returns(&pe, SECCOMP_RET_ERRNO | 1), "ERRNO defaults to EPERM");
	cr_expect_not(returns(&pe, SECCOMP_RET_USER_NOTIF));
	policy_program_free(&pe);
	policy_program_free(&pa);
	policy_free(e);
	policy_free(a);
}

Test(policy_compile, emulate_overrides_rules)
{
	struct sbx_policy *p = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
				     "{\"names\": [\"sysinfo\"], \"action\": \"SCMP_ACT_TRAP\"}],"
				     "\"sbx\": {\"emulate\": [\"sysinfo\"]}}");
	struct policy_program prog = compile(p, NULL);
	cr_expect(prog.needs_listener);
	cr_expect(returns(&prog, SECCOMP_RET_USER_NOTIF));
	cr_expect_not(returns(&prog, SECCOMP_RET_TRAP), "emulation overrides the TRAP rule");
	policy_program_free(&prog);
	policy_free(p);
}

Test(policy_compile, pseudo_syscalls_are_skipped)
{
	/* _llseek exists only on 32-bit arches: nothing to add on x86-64 alone */
	struct sbx_policy *p = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				     "{\"names\": [\"_llseek\", \"read\"], \"action\": "
				     "\"SCMP_ACT_ALLOW\"}]}");
	struct sbx_policy *q = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	struct policy_program a = compile(p, NULL), b = compile(q, NULL);
	cr_expect(same_program(&a, &b));
	policy_program_free(&a);
	policy_program_free(&b);
	policy_free(p);
	policy_free(q);
}

/* ---- behaviour: install the program in a child ---- */

static int install(const struct policy_program *prog)
{
	struct sock_fprog fprog = {.len = prog->len, .filter = prog->filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return -errno;
	return 0;
}

/* The syscall's result: the errno on failure, 0 on success. */
static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* Exit codes say which check failed. */
static int default_policy_checks(void)
{
	int fds[2];
	pthread_t th;
	if (getpid() <= 0)
		return 10;
	if (pipe(fds) < 0 || write(fds[1], "x", 1) != 1)
		return 11;
	if (err_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0)) != EPERM)
		return 12;
	if (err_of(unshare(CLONE_NEWUSER)) != EPERM)
		return 13;
	if (err_of(syscall(SYS_clone3, NULL, 0)) != ENOSYS)
		return 14;
	if (pthread_create(&th, NULL, thread_fn, NULL) != 0 || pthread_join(th, NULL) != 0)
		return 15; /* glibc falls back from clone3 to clone */
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 16;
	if (err_of(ioctl(fds[0], TIOCSTI, "x")) != EPERM)
		return 17;
	if (err_of(syscall(SYS_ioctl, fds[0], (1ul << 32) | TIOCSTI, "x")) != EPERM)
		return 18; /* the kernel truncates the request to 32 bits */
	int n;
	if (ioctl(fds[0], FIONREAD, &n) != 0 || n != 1)
		return 19;
	if (err_of(socket(AF_PACKET, SOCK_RAW, 0)) != EPERM)
		return 20;
	if (err_of(socket(AF_INET, SOCK_RAW, 1)) != EPERM)
		return 21;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 && errno == EPERM)
		return 22;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 23;
	if (err_of(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)) != EPERM)
		return 24;
	if (err_of(syscall(SYS_bpf, 0, 0, 0)) != EPERM)
		return 25;
	return 0;
}

static int run_child(const struct policy_program *prog, int (*checks)(void))
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int r = install(prog);
		if (r < 0)
			_exit(r == -EINVAL || r == -EPERM || r == -EACCES ? 99 : 98);
		_exit(checks());
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "child died with signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

Test(policy_compile, default_policy_behaviour)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	cr_assert_eq(policy_load_default(&p, &err), 0, "%s", err.msg);
	struct policy_program prog = compile(p, NULL);
	int code = run_child(&prog, default_policy_checks);
	if (code == 99)
		cr_skip("seccomp filters cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see default_policy_checks)", code);
	policy_program_free(&prog);
	policy_free(p);
}

static int errno_ret_checks(void)
{
	if (err_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0)) != EACCES)
		return 30;
	if (err_of(syscall(SYS_getcwd, NULL, 0)) != EXDEV)
		return 31; /* the default errno */
	if (getppid() <= 0)
		return 32;
	if (err_of(syscall(SYS_kill, 0, 0)) != EPERM)
		return 33; /* kill(0, 0): both conditions hold */
	if (syscall(SYS_kill, getpid(), 0) != 0)
		return 34;
	return 0;
}

Test(policy_compile, errno_ret_and_args_behaviour)
{
	struct sbx_policy *p = parse(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 18, \"syscalls\": ["
	    "{\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
	    "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	    "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": ["
	    "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
	    "{\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	struct policy_program prog = compile(p, NULL);
	int code = run_child(&prog, errno_ret_checks);
	if (code == 99)
		cr_skip("seccomp filters cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see errno_ret_checks)", code);
	policy_program_free(&prog);
	policy_free(p);
}
