/* Compiling policies: includes/excludes, audit mode, emulation, and the filter's behaviour in a
 * child process that installs it (unprivileged: no_new_privs first). */
#include "policy/policy.h"
#include "lib/error.h"
#include "lib/fdpass.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
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

/* ---- brokering (policy_target.broker_files) ---- */

#define GOLDEN "tests/data/policy/default-x86_64-6.1.bpf.txt"

/* The default policy's program as compiled before brokering existed (see the file's header). */
static size_t read_golden(struct sock_filter *out, size_t max)
{
	char line[128];
	size_t n = 0;
	FILE *f = fopen(GOLDEN, "re");
	cr_assert_not_null(f, "%s: %s (run from the repository root)", GOLDEN, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned code, jt, jf, k;
		if (line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%x %u %u %x", &code, &jt, &jf, &k), 4, "%s", line);
		cr_assert_lt(n, max);
		out[n++] = (struct sock_filter){(__u16)code, (__u8)jt, (__u8)jf, k};
	}
	fclose(f);
	return n;
}

Test(policy_compile, broker_files_false_is_the_program_of_before)
{
	static struct sock_filter golden[BPF_MAXINSNS];
	const struct scmp_version *v = seccomp_version();
	if (seccomp_arch_native() != SCMP_ARCH_X86_64 || v->major != 2 || v->minor != 5 ||
	    v->micro != 4)
		cr_skip("the golden program is x86_64 with libseccomp 2.5.4");
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	cr_assert_eq(policy_load_default(&p, &err), 0, "%s", err.msg);
	struct policy_target t = {.kernel_major = 6, .kernel_minor = 1, .broker_files = false};
	struct policy_program prog = compile(p, &t);
	size_t n = read_golden(golden, BPF_MAXINSNS);
	cr_assert_eq(prog.len, n, "%u instructions, %zu before", prog.len, n);
	cr_expect_eq(memcmp(prog.filter, golden, n * sizeof(*golden)), 0);
	t.broker_files = true;
	struct policy_program brokered = compile(p, &t);
	cr_expect_not(same_program(&prog, &brokered), "broker_files changes the program");
	policy_program_free(&prog);
	policy_program_free(&brokered);
	policy_free(p);
}

Test(policy_compile, broker_only_what_the_profile_allows)
{
	/* nothing brokered is allowed: the same program, still no listener */
	struct sbx_policy *p = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				     "{\"names\": [\"read\", \"write\"], \"action\": "
				     "\"SCMP_ACT_ALLOW\"},"
				     "{\"names\": [\"mkdirat\"], \"action\": \"SCMP_ACT_KILL\"}]}");
	struct policy_target off = {0}, on = {.broker_files = true};
	struct policy_program a = compile(p, &off), b = compile(p, &on);
	cr_expect(same_program(&a, &b));
	cr_expect_not(b.needs_listener);
	policy_program_free(&a);
	policy_program_free(&b);
	policy_free(p);

	p = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		  "{\"names\": [\"read\", \"mkdirat\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	a = compile(p, &off);
	b = compile(p, &on);
	cr_expect_not(a.needs_listener);
	cr_expect(b.needs_listener, "mkdirat is brokered");
	cr_expect(returns(&b, SECCOMP_RET_USER_NOTIF));
	policy_program_free(&a);
	policy_program_free(&b);
	policy_free(p);
}

Test(policy_compile, broker_podman_profile)
{
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	if (access("/usr/share/containers/seccomp.json", R_OK) != 0)
		cr_skip("podman's profile not installed");
	cr_assert_eq(policy_load_file("/usr/share/containers/seccomp.json", &p, &err), 0, "%s",
		     err.msg);
	struct policy_target t = {.broker_files = true};
	struct policy_program prog = compile(p, &t);
	cr_expect(prog.needs_listener);
	policy_program_free(&prog);
	t.caps = ~0ull;
	prog = compile(p, &t);
	cr_expect(prog.needs_listener);
	policy_program_free(&prog);
	policy_free(p);
}

/* An installed filter with a listener: the parent answers every notification with EXDEV and
 * records the syscall numbers, so the child sees EXDEV exactly where it was notified. */
#define NOTIFIED_ERRNO EXDEV
#define MAX_SEEN       256

struct seen {
	int nr[MAX_SEEN];
	size_t n;
};

static char tmpdir[64], tmpfile_path[96];

static int child_install_and_send(const struct policy_program *prog, int sock)
{
	struct sock_fprog fprog = {.len = prog->len, .filter = prog->filter};
	int lfd;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			   &fprog);
	if (lfd < 0)
		return -errno;
	int r = fd_send(sock, &lfd, 1, "L", 1);
	close(lfd);
	return r < 0 ? r : 0;
}

static void answer(int lfd, struct seen *seen)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof(req));
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return; /* the child died meanwhile */
	if (seen->n < MAX_SEEN)
		seen->nr[seen->n++] = req.data.nr;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -NOTIFIED_ERRNO;
	(void)ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* The child's exit code (99: filters cannot be installed here). */
static int run_notified(const struct policy_program *prog, int (*checks)(void), struct seen *seen)
{
	int sv[2], lfd = -1, st;
	size_t nfds = 0;
	char c;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		int r = child_install_and_send(prog, sv[1]);
		if (r < 0)
			_exit(r == -EINVAL || r == -EPERM || r == -EACCES ? 99 : 98);
		_exit(checks());
	}
	close(sv[1]);
	if (fd_recv(sv[0], &lfd, 1, &nfds, &c, 1) <= 0 || nfds != 1)
		lfd = -1;
	close(sv[0]);
	seen->n = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, lfd >= 0 ? WNOHANG : 0);
		cr_assert_geq(w, 0);
		if (w == pid)
			break;
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		if (poll(&pfd, 1, 50) > 0 && (pfd.revents & POLLIN))
			answer(lfd, seen);
	}
	if (lfd >= 0)
		close(lfd);
	cr_assert(WIFEXITED(st), "child died with signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

static bool saw(const struct seen *seen, long nr)
{
	for (size_t i = 0; i < seen->n; i++)
		if (seen->nr[i] == nr)
			return true;
	return false;
}

static bool notified(long r)
{
	return r < 0 && errno == NOTIFIED_ERRNO;
}

/* A file descriptor was returned, natively: close it. */
static bool native_fd(long r)
{
	if (r < 0)
		return false;
	close((int)r);
	return true;
}

#define GARBAGE 0xffffffff00000000ul /* the kernel reads flags and modes as 32 bits */

static int open_checks(void)
{
	const char *f = tmpfile_path;
	struct open_how how = {.flags = O_RDONLY};
	if (!native_fd(syscall(SYS_open, f, O_RDONLY)))
		return 40;
	if (!native_fd(syscall(SYS_openat, AT_FDCWD, f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)))
		return 41;
	if (!native_fd(syscall(SYS_openat, AT_FDCWD, tmpdir, O_RDONLY | O_DIRECTORY)))
		return 42;
	if (err_of(syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_RDONLY)) != ENOENT)
		return 43;
	if (!native_fd(syscall(SYS_openat, AT_FDCWD, f, GARBAGE | O_RDONLY)))
		return 44;
	if (!native_fd(syscall(SYS_open, f, GARBAGE | O_RDONLY | O_APPEND)))
		return 45;
	static const int write_flags[] = {
	    O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_WRONLY | O_APPEND, O_RDONLY | O_CREAT | O_EXCL};
	for (size_t i = 0; i < sizeof(write_flags) / sizeof(write_flags[0]); i++) {
		if (!notified(syscall(SYS_open, f, write_flags[i], 0600)))
			return 46;
		if (!notified(syscall(SYS_openat, AT_FDCWD, f, write_flags[i], 0600)))
			return 47;
		if (!notified(syscall(SYS_openat, AT_FDCWD, f, GARBAGE | write_flags[i], 0600)))
			return 48;
	}
	if (!notified(syscall(SYS_openat, AT_FDCWD, tmpdir, O_TMPFILE | O_RDWR, 0600)))
		return 49;
	if (!notified(syscall(SYS_creat, f, 0600)))
		return 50;
	if (!notified(syscall(SYS_openat2, AT_FDCWD, f, &how, sizeof(how))))
		return 51;
	return 0;
}

static int path_checks(void)
{
	const char *f = tmpfile_path;
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	if (!notified(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/sbx-no-dir", 0700)))
		return 60;
	if (!notified(syscall(SYS_unlinkat, AT_FDCWD, f, 0)))
		return 61;
	if (!notified(syscall(SYS_renameat2, AT_FDCWD, f, AT_FDCWD, "/tmp/sbx-x", 0)))
		return 62;
	if (!notified(syscall(SYS_symlinkat, "target", AT_FDCWD, "/tmp/sbx-link")))
		return 63;
	if (!notified(syscall(SYS_fchmodat, AT_FDCWD, f, 0600, 0)))
		return 64;
	if (!notified(syscall(SYS_utimensat, AT_FDCWD, f, ts, 0)))
		return 65;
	if (!notified(syscall(SYS_setxattr, f, "user.x", "1", 1, 0)))
		return 66;
	if (!notified(syscall(SYS_statfs, f, &(struct statfs){0})))
		return 67;
	return 0;
}

static int access_and_fd_checks(void)
{
	const char *f = tmpfile_path;
	int fds[2], fd;
	if (syscall(SYS_access, f, R_OK) != 0 || syscall(SYS_access, f, F_OK) != 0)
		return 70;
	if (syscall(SYS_access, f, GARBAGE | R_OK) != 0)
		return 71;
	if (syscall(SYS_faccessat, AT_FDCWD, f, R_OK | X_OK) != 0 && errno != EACCES)
		return 72;
	if (!notified(syscall(SYS_access, f, W_OK)))
		return 73;
	if (!notified(syscall(SYS_access, f, R_OK | W_OK)))
		return 74;
	if (!notified(syscall(SYS_faccessat, AT_FDCWD, f, W_OK)))
		return 75;
	if (!notified(syscall(SYS_faccessat2, AT_FDCWD, f, W_OK, 0)))
		return 76;
	if (pipe(fds) < 0 || write(fds[1], "x", 1) != 1)
		return 77;
	fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 78;
	if (fsync(fd) != 0 || err_of(ftruncate(fd, 0)) != EINVAL)
		return 79; /* a read-only fd: nothing to broker */
	/* Changes on an fd: notified whatever the fd, the sentry tells a gofer fd from one on
	 * the read-only mount. */
	if (!notified(fchmod(fd, 0644)) || !notified(fchown(fd, -1, -1)))
		return 80;
	if (!notified(syscall(SYS_utimensat, fd, NULL, NULL, 0)))
		return 81; /* futimens */
	if (!notified(fsetxattr(fd, "user.x", "1", 1, 0)) || !notified(fremovexattr(fd, "user.x")))
		return 82;
	if (!notified(syscall(SYS_fstatfs, fd, &(struct statfs){0})))
		return 83;
	close(fd);
	return 0;
}

static int default_broker_checks(void)
{
	int r = open_checks();
	if (r == 0)
		r = path_checks();
	if (r == 0)
		r = access_and_fd_checks();
	return r;
}

static void make_tmpfile(void)
{
	strcpy(tmpdir, "/tmp/sbx-policy-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/f", tmpdir);
	int fd = open(tmpfile_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void remove_tmpfile(void)
{
	unlink(tmpfile_path);
	rmdir(tmpdir);
}

Test(policy_compile, broker_default_policy_behaviour, .fini = remove_tmpfile)
{
	static const long expected[] = {
	    SYS_open,	  SYS_openat,	 SYS_creat,	SYS_openat2,   SYS_mkdirat,
	    SYS_unlinkat, SYS_renameat2, SYS_symlinkat, SYS_fchmodat,  SYS_utimensat,
	    SYS_setxattr, SYS_statfs,	 SYS_access,	SYS_faccessat, SYS_faccessat2,
	    SYS_fstatfs,  SYS_fchmod,	 SYS_fchown,	SYS_fsetxattr, SYS_fremovexattr};
	static const long native[] = {SYS_write, SYS_ftruncate, SYS_fsync, SYS_pipe, SYS_close};
	struct sbx_error err = {0};
	struct sbx_policy *p = NULL;
	struct seen seen;
	make_tmpfile();
	cr_assert_eq(policy_load_default(&p, &err), 0, "%s", err.msg);
	struct policy_target t = {.broker_files = true};
	struct policy_program prog = compile(p, &t);
	cr_expect(prog.needs_listener);
	int code = run_notified(&prog, default_broker_checks, &seen);
	if (code == 99)
		cr_skip("seccomp listeners cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see default_broker_checks)", code);
	/* 6 write flavours x 3 (open, openat, openat with garbage), then one call per check */
	cr_expect_eq(seen.n, 18 + 3 + 8 + 4 + 5 + 1, "%zu notifications", seen.n);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		cr_expect(saw(&seen, expected[i]), "syscall %ld not notified", expected[i]);
	for (size_t i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		cr_expect_not(saw(&seen, native[i]), "syscall %ld notified", native[i]);
	policy_program_free(&prog);
	policy_free(p);
}

static int denied_checks(void)
{
	if (err_of(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/sbx-no-dir", 0700)) != EACCES)
		return 90; /* denied by the profile: not brokered */
	if (!notified(syscall(SYS_mkdir, "/tmp/sbx-no-dir", 0700)))
		return 91; /* allowed by the default: brokered */
	if (err_of(syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent", AT_REMOVEDIR)) != EPERM)
		return 92; /* the conditional rule holds */
	if (err_of(syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent", 0)) != ENOENT)
		return 93; /* conditional rules: left as they are, not brokered */
	if (!native_fd(syscall(SYS_openat, AT_FDCWD, tmpfile_path, O_RDONLY)))
		return 94;
	if (!notified(syscall(SYS_openat, AT_FDCWD, tmpfile_path, O_WRONLY)))
		return 95;
	if (err_of(syscall(SYS_sysinfo, NULL)) != EFAULT)
		return 96;
	return 0;
}

Test(policy_compile, broker_keeps_denials, .fini = remove_tmpfile)
{
	struct sbx_policy *p =
	    parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		  "{\"names\": [\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
		  "{\"names\": [\"unlinkat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, "
		  "\"args\": [{\"index\": 2, \"value\": 512, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	struct policy_target t = {.broker_files = true};
	struct seen seen;
	make_tmpfile();
	struct policy_program prog = compile(p, &t);
	int code = run_notified(&prog, denied_checks, &seen);
	if (code == 99)
		cr_skip("seccomp listeners cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see denied_checks)", code);
	cr_expect_eq(seen.n, 2, "%zu notifications", seen.n);
	cr_expect(saw(&seen, SYS_mkdir));
	cr_expect(saw(&seen, SYS_openat));
	cr_expect_not(saw(&seen, SYS_mkdirat));
	cr_expect_not(saw(&seen, SYS_unlinkat));
	policy_program_free(&prog);
	policy_free(p);
}

static int fd_checks(void)
{
	int fd = open(tmpfile_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 100;
	if (err_of(fchmod(fd, 0600)) != EACCES)
		return 101; /* denied by the profile: not brokered */
	if (!notified(fchown(fd, -1, -1)))
		return 102;
	if (!notified(syscall(SYS_utimensat, fd, NULL, NULL, 0)))
		return 103; /* futimens */
	if (!notified(syscall(SYS_utimensat, AT_FDCWD, tmpfile_path, NULL, 0)))
		return 104; /* utimensat on a path */
	if (!notified(syscall(SYS_fchownat, fd, "", -1, -1, AT_EMPTY_PATH)))
		return 105;
	close(fd);
	return 0;
}

Test(policy_compile, broker_fd_calls, .fini = remove_tmpfile)
{
	struct sbx_policy *p =
	    parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		  "{\"names\": [\"fchmod\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}");
	struct policy_target t = {.broker_files = true};
	struct seen seen;
	make_tmpfile();
	struct policy_program prog = compile(p, &t);
	int code = run_notified(&prog, fd_checks, &seen);
	if (code == 99)
		cr_skip("seccomp listeners cannot be installed here");
	cr_expect_eq(code, 0, "check %d failed (see fd_checks)", code);
	cr_expect_eq(seen.n, 4, "%zu notifications", seen.n);
	cr_expect_not(saw(&seen, SYS_fchmod));
	cr_expect(saw(&seen, SYS_fchown));
	policy_program_free(&prog);
	policy_free(p);
}
