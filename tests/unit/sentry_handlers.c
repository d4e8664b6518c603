/* The sentry against real seccomp notifications: a forked child installs a filter that
 * notifies sysinfo, mknod, mknodat, reboot and uname, hands its listener over, and makes the
 * calls; the test process runs the sentry as the child's parent. */
#include <criterion/criterion.h>
#include "lib/cleanup.h"

#include "bpf/events.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "sentry/sentry.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/capability.h>
#include <linux/reboot.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024ull * 1024)

/* What the child saw, in memory shared with the test. */
struct results {
	long ret[16];
	int err[16];
	struct sysinfo si;
	struct utsname uts;
};

static struct results *res;
static char tmpdir[64];

struct target {
	pid_t pid;
	int pidfd;
	int listener;
};

typedef void (*body_fn)(struct results *r);

static void record(int i, long ret)
{
	res->ret[i] = ret;
	res->err[i] = ret < 0 ? errno : 0;
}

static void setup(void)
{
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(res != MAP_FAILED);
	memset(res, 0xff, sizeof(*res));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sentry-test-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	chmod(tmpdir, 0755);
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sentry, .init = setup, .fini = teardown, .timeout = 20);

static int install_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int nrs[] = {SCMP_SYS(sysinfo), SCMP_SYS(mknod), SCMP_SYS(mknodat), SCMP_SYS(reboot),
		     SCMP_SYS(uname)};
	if (!ctx)
		return -1;
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nrs[i], 0) < 0)
			return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		return -1;
	return seccomp_notify_fd(ctx);
}

/* In the child: a user namespace when unprivileged, so that it holds CAP_SYS_BOOT. */
static void child_setup(int sock, bool userns)
{
	if (userns && geteuid() != 0 && unshare(CLONE_NEWUSER) < 0)
		_exit(90);
	int fd = install_filter();
	if (fd < 0 || fd_send(sock, &fd, 1, NULL, 0) < 0)
		_exit(91);
	close(fd);
	close(sock);
}

static struct target spawn(body_fn body, bool userns)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		child_setup(sv[1], userns);
		body(res);
		_exit(0);
	}
	close(sv[1]);
	struct target t = {.pid = pid, .listener = -1};
	size_t n = 0;
	int r = fd_recv(sv[0], &t.listener, 1, &n, NULL, 0);
	close(sv[0]);
	if (r <= 0 || n != 1) {
		int status;
		waitpid(pid, &status, 0);
		cr_assert_fail("child setup failed: %d",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	t.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cr_assert_geq(t.pidfd, 0);
	return t;
}

static struct sentry_config config(const struct target *t)
{
	struct sentry_config cfg = {
	    .id = "test-sandbox",
	    .init_pid = t->pid,
	    .init_pidfd = t->pidfd,
	    .control_fd = -1,
	    .events_fd = -1,
	};
	clock_gettime(CLOCK_BOOTTIME, &cfg.boot_time);
	return cfg;
}

static struct sentry *start(const struct sentry_config *cfg, const struct target *t)
{
	struct sentry *s = NULL;
	struct sbx_error err = {0};
	cr_assert_eq(sentry_new(cfg, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(sentry_add_listener(s, t->listener), 0);
	return s;
}

static void run(struct sentry *s, enum sentry_end *end, int *status)
{
	struct sbx_error err = {0};
	cr_assert_eq(sentry_run(s, end, status, &err), 0, "%s", err.msg);
}

/* Run the child to its end with the given config; expects a normal exit 0. */
static struct sentry *serve(struct sentry_config *cfg, const struct target *t)
{
	struct sentry *s = start(cfg, t);
	enum sentry_end end;
	int status;
	run(s, &end, &status);
	cr_assert_eq(end, SENTRY_END_EXIT);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	return s;
}

static void write_at(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* sysinfo */

static void body_sysinfo(struct results *r)
{
	record(0, sysinfo(&r->si));
	record(1, syscall(SYS_sysinfo, (void *)8));
}

Test(sentry, sysinfo_reports_memory_limit)
{
	write_at("memory.limit_in_bytes", "268435456\n");
	write_at("memory.usage_in_bytes", "67108864\n");
	struct target t = spawn(body_sysinfo, false);
	struct sentry_config cfg = config(&t);
	cfg.cgroup_mem = tmpdir;
	sentry_free(serve(&cfg, &t));
	cr_assert_eq(res->ret[0], 0, "errno %d", res->err[0]);
	cr_assert_eq(res->si.mem_unit, 1);
	cr_assert_eq(res->si.totalram, 256 * MiB);
	cr_assert_eq(res->si.freeram, 192 * MiB);
	cr_assert_eq(res->si.totalswap, 0);
	cr_assert_lt(res->si.uptime, 60);
	cr_assert_eq(res->si.procs, 1);
	cr_assert_eq(res->ret[1], -1);
	cr_assert_eq(res->err[1], EFAULT);
}

Test(sentry, sysinfo_without_limit_reports_host)
{
	write_at("memory.max", "max\n");
	write_at("memory.current", "4096\n");
	write_at("cgroup.procs", "1\n2\n3\n");
	struct target t = spawn(body_sysinfo, false);
	struct sentry_config cfg = config(&t);
	cfg.cgroup_mem = tmpdir;
	cfg.cgroup_v2 = tmpdir;
	sentry_free(serve(&cfg, &t));
	struct sysinfo host;
	sysinfo(&host);
	cr_assert_eq(res->ret[0], 0);
	cr_assert_eq((uint64_t)res->si.totalram * res->si.mem_unit,
		     (uint64_t)host.totalram * host.mem_unit);
	cr_assert_eq(res->si.procs, 3);
}

/* mknod */

static void body_mknod_denied(_unused_ struct results *r)
{
	/* If the sentry ever let these through, they land in the test's own directory. */
	if (chdir(tmpdir) < 0)
		_exit(99);
	record(0, mknod("blk", S_IFBLK | 0600, makedev(8, 0)));
	record(1, mknod("mem", S_IFCHR | 0600, makedev(1, 1)));
	record(2, mknod("fifo", S_IFIFO | 0600, 0));
	record(3, mknod("file", S_IFREG | 0600, 0));
	record(4, mknod("lnk", S_IFLNK | 0600, 0));
	record(5, syscall(SYS_mknodat, AT_FDCWD, (void *)8, S_IFCHR | 0666, makedev(1, 3)));
	record(6, syscall(SYS_mknod, "blk", S_IFBLK | 0600, makedev(8, 0)));
	record(7, syscall(SYS_mknod, (void *)8, S_IFCHR | 0666, makedev(1, 3)));
}

Test(sentry, mknod_refuses_other_nodes)
{
	struct target t = spawn(body_mknod_denied, false);
	struct sentry_config cfg = config(&t);
	sentry_free(serve(&cfg, &t));
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(res->ret[i], -1, "call %d", i);
		cr_assert_eq(res->err[i], EPERM, "call %d: errno %d", i, res->err[i]);
	}
	cr_assert_eq(res->err[4], EINVAL);
	cr_assert_eq(res->err[5], EFAULT);
	cr_assert_eq(res->err[6], EPERM);
	cr_assert_eq(res->err[7], EFAULT);
}

static void body_mknod_allowed(_unused_ struct results *r)
{
	char path[512];
	umask(022);
	if (chdir(tmpdir) < 0)
		_exit(80);
	record(0, mknod("null", S_IFCHR | 0666, makedev(1, 3)));
	int dfd = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	record(1, mknodat(dfd, "zero", S_IFCHR | 0666, makedev(1, 5)));
	snprintf(path, sizeof(path), "%s/abs", tmpdir);
	record(2, syscall(SYS_mknod, path, S_IFCHR | 0666, makedev(1, 9)));
	record(3, mknod("null", S_IFCHR | 0666, makedev(1, 3)));
	record(4, mknod("missing/x", S_IFCHR | 0666, makedev(1, 3)));
	/* Inside a root: neither "..", nor an absolute symlink, leaves it. */
	if (chroot(tmpdir) < 0 || chdir("/sub") < 0)
		_exit(81);
	record(5, mknod("/link/full", S_IFCHR | 0666, makedev(1, 7)));
	record(6, mknod("/../../esc", S_IFCHR | 0666, makedev(1, 8)));
	record(7, mknod("../../rel", S_IFCHR | 0666, makedev(5, 0)));
	record(8, mknod("/", S_IFCHR | 0666, makedev(1, 3)));
}

static void assert_node(const char *name, unsigned major, unsigned minor)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	cr_assert_eq(lstat(path, &st), 0, "%s missing", name);
	cr_assert(S_ISCHR(st.st_mode), "%s", name);
	cr_assert_eq(st.st_mode & 07777, 0644, "%s: mode %o", name, st.st_mode & 07777);
	cr_assert_eq(major(st.st_rdev), major);
	cr_assert_eq(minor(st.st_rdev), minor);
}

Test(sentry, mknod_makes_allowed_devices)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (CAP_MKNOD, chroot)");
	char path[512];
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/link", tmpdir);
	cr_assert_eq(symlink("/sub", path), 0);
	struct target t = spawn(body_mknod_allowed, false);
	struct sentry_config cfg = config(&t);
	sentry_free(serve(&cfg, &t));
	for (int i = 0; i < 3; i++)
		cr_assert_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->err[3], EEXIST);
	cr_assert_eq(res->err[4], ENOENT);
	for (int i = 5; i < 8; i++)
		cr_assert_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->err[8], EEXIST);
	assert_node("null", 1, 3);
	assert_node("sub/zero", 1, 5);
	assert_node("abs", 1, 9);
	assert_node("sub/full", 1, 7);
	assert_node("esc", 1, 8);
	assert_node("rel", 5, 0);
}

/* reboot */

static void body_reboot(_unused_ struct results *r, unsigned cmd)
{
	record(0, syscall(SYS_reboot, 0x1234, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0));
	record(1, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			  LINUX_REBOOT_CMD_CAD_ON, 0));
	record(2, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x12345, 0));
	record(3, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2C, cmd, 0));
	_exit(3); /* not reached */
}

static void body_poweroff(struct results *r)
{
	body_reboot(r, LINUX_REBOOT_CMD_POWER_OFF);
}

static void body_restart(struct results *r)
{
	body_reboot(r, LINUX_REBOOT_CMD_RESTART);
}

static void check_reboot(body_fn body, enum sentry_end want_end, int want_sig)
{
	struct target t = spawn(body, true);
	struct sentry_config cfg = config(&t);
	struct sentry *s = start(&cfg, &t);
	enum sentry_end end;
	int status;
	run(s, &end, &status);
	sentry_free(s);
	cr_assert_eq(res->err[0], EINVAL);
	cr_assert_eq(res->ret[1], 0);
	cr_assert_eq(res->err[2], EINVAL);
	cr_assert_eq(end, want_end);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == want_sig, "status %#x", status);
	cr_assert_eq(waitpid(t.pid, NULL, WNOHANG), -1, "the sentry reaps init");
}

Test(sentry, reboot_power_off_ends_sandbox)
{
	check_reboot(body_poweroff, SENTRY_END_POWEROFF, SIGINT);
}

Test(sentry, reboot_restart_ends_sandbox)
{
	check_reboot(body_restart, SENTRY_END_RESTART, SIGHUP);
}

/* unhandled */

static void body_uname(struct results *r)
{
	record(0, uname(&r->uts));
	record(1, sysinfo(&r->si));
}

Test(sentry, unhandled_denied_in_enforce)
{
	struct target t = spawn(body_uname, false);
	struct sentry_config cfg = config(&t);
	sentry_free(serve(&cfg, &t));
	cr_assert_eq(res->ret[0], -1);
	cr_assert_eq(res->err[0], EPERM);
}

Test(sentry, unhandled_continues_in_audit)
{
	struct target t = spawn(body_uname, false);
	struct sentry_config cfg = config(&t);
	cfg.audit = true;
	sentry_free(serve(&cfg, &t));
	cr_assert_eq(res->ret[0], 0);
	cr_assert_str_eq(res->uts.sysname, "Linux");
}

/* stats and events */

static json_t *find_count(json_t *counts, const char *name, const char *action)
{
	size_t i;
	json_t *c;
	json_array_foreach (counts, i, c) {
		if (!strcmp(json_string_value(json_object_get(c, "syscall")), name) &&
		    !strcmp(json_string_value(json_object_get(c, "action")), action))
			return json_object_get(c, "count");
	}
	return NULL;
}

Test(sentry, stats_count_per_syscall_and_action)
{
	struct target t = spawn(body_uname, false);
	struct sentry_config cfg = config(&t);
	cfg.state_dir = tmpdir;
	sentry_free(serve(&cfg, &t));
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, SENTRY_STATS_FILE);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	cr_assert_not_null(doc, "%s", jerr.text);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "sandbox")), "test-sandbox");
	cr_assert_eq(json_integer_value(json_object_get(doc, "notifications")), 2);
	cr_assert_eq(json_integer_value(json_object_get(doc, "lost_events")), 0);
	json_t *counts = json_object_get(doc, "counts");
	cr_assert_eq(json_integer_value(find_count(counts, "uname", "deny")), 1);
	cr_assert_eq(json_integer_value(find_count(counts, "sysinfo", "emulate")), 1);
	json_decref(doc);
}

static int listen_at(const char *name, struct sockaddr_un *ret_addr)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", tmpdir, name);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	*ret_addr = addr;
	return fd;
}

static int connect_to(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		return -1;
	return fd;
}

/* A subscriber's first record: who the sentry serves. */
static void expect_hello(int sub)
{
	struct sbx_event ev;
	cr_assert_eq(recv(sub, &ev, sizeof(ev), MSG_DONTWAIT), sizeof(ev));
	cr_assert_eq(ev.kind, SBX_KIND_HELLO);
	cr_assert_eq(ev.version, SBX_EVENT_VERSION);
	cr_assert_str_eq(ev.sandbox, "test-sandbox");
}

Test(sentry, events_reach_subscribers)
{
	struct sockaddr_un addr;
	int lfd = listen_at("events.sock", &addr);
	int sub = connect_to(&addr);
	cr_assert_geq(sub, 0);
	struct target t = spawn(body_uname, false);
	struct sentry_config cfg = config(&t);
	cfg.events_fd = lfd;
	sentry_free(serve(&cfg, &t));
	struct sbx_event ev[2];
	expect_hello(sub);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(recv(sub, &ev[i], sizeof(ev[i]), MSG_DONTWAIT), sizeof(ev[i]), "%d",
			     i);
	cr_assert_eq(recv(sub, &ev[0], sizeof(ev[0]), MSG_DONTWAIT), 0, "EOF after sentry_free");
	cr_assert_eq(ev[0].syscall_nr, SYS_uname);
	cr_assert_eq(ev[0].action, SBX_ACT_DENY);
	cr_assert_eq(ev[0].result, -EPERM);
	cr_assert_eq(ev[1].syscall_nr, SYS_sysinfo);
	cr_assert_eq(ev[1].action, SBX_ACT_EMULATE);
	cr_assert_eq(ev[1].result, 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].version, SBX_EVENT_VERSION);
		cr_assert_eq(ev[i].source, SBX_SRC_SENTRY);
		cr_assert_eq(ev[i].pid, (__u32)t.pid);
		cr_assert_eq(ev[i].tid, (__u32)t.pid);
		cr_assert_str_eq(ev[i].sandbox, "test-sandbox");
	}
	close(sub);
}

static void body_many(_unused_ struct results *r)
{
	struct sysinfo si;
	for (int i = 0; i < 1000; i++)
		if (sysinfo(&si) < 0)
			_exit(60);
}

Test(sentry, slow_subscriber_loses_events_without_blocking)
{
	struct sockaddr_un addr;
	int lfd = listen_at("events.sock", &addr);
	int sub = connect_to(&addr);
	cr_assert_geq(sub, 0);
	struct target t = spawn(body_many, false);
	struct sentry_config cfg = config(&t);
	cfg.events_fd = lfd;
	cfg.state_dir = tmpdir;
	sentry_free(serve(&cfg, &t));
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, SENTRY_STATS_FILE);
	json_t *doc = json_load_file(path, 0, NULL);
	cr_assert_not_null(doc);
	json_int_t lost = json_integer_value(json_object_get(doc, "lost_events"));
	cr_assert_eq(json_integer_value(json_object_get(doc, "notifications")), 1000);
	json_decref(doc);
	json_int_t got = 0;
	struct sbx_event ev;
	expect_hello(sub);
	while (recv(sub, &ev, sizeof(ev), MSG_DONTWAIT) == sizeof(ev))
		got++;
	cr_assert_gt(lost, 0, "the queue of an unread subscriber fills");
	cr_assert_eq(got + lost, 1000, "got %lld lost %lld", (long long)got, (long long)lost);
	close(sub);
}

/* Ends */

static void body_nothing(_unused_ struct results *r)
{
}

Test(sentry, hangup_without_init)
{
	struct target t = spawn(body_nothing, false);
	struct sentry_config cfg = config(&t);
	cfg.init_pidfd = -1;
	cfg.init_pid = 0;
	struct sentry *s = start(&cfg, &t);
	enum sentry_end end;
	int status;
	run(s, &end, &status);
	sentry_free(s);
	cr_assert_eq(end, SENTRY_END_HANGUP);
	cr_assert_eq(waitpid(t.pid, &status, 0), t.pid);
	close(t.pidfd);
}

/* A second process joins over control_fd, as `sbx exec` does. */

static int release[2];
static struct sockaddr_un control_addr;

static void body_wait_release(_unused_ struct results *r)
{
	char c;
	close(release[1]);
	if (read(release[0], &c, 1) != 1)
		_exit(70);
}

static void joiner(void)
{
	int fd = install_filter();
	int sock = connect_to(&control_addr);
	unsigned char ack = 0xff;
	if (fd < 0 || sock < 0 || fd_send(sock, &fd, 1, NULL, 0) < 0 || recv(sock, &ack, 1, 0) != 1)
		_exit(71);
	close(fd);
	res->ret[8] = ack;
	record(9, sysinfo(&res->si));
	if (write(release[1], "x", 1) != 1)
		_exit(72);
	_exit(0);
}

Test(sentry, listener_joins_over_control_socket)
{
	write_at("memory.limit_in_bytes", "134217728\n");
	write_at("memory.usage_in_bytes", "0\n");
	cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
	int cfd = listen_at("control.sock", &control_addr);
	struct target t = spawn(body_wait_release, false);
	pid_t j = fork();
	cr_assert_geq(j, 0);
	if (j == 0)
		joiner();
	close(release[0]);
	close(release[1]);
	struct sentry_config cfg = config(&t);
	cfg.control_fd = cfd;
	cfg.cgroup_mem = tmpdir;
	sentry_free(serve(&cfg, &t));
	int status;
	cr_assert_eq(waitpid(j, &status, 0), j);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "joiner status %#x", status);
	cr_assert_eq(res->ret[8], 0, "ack");
	cr_assert_eq(res->ret[9], 0);
	cr_assert_eq(res->si.totalram, 128 * MiB);
}

/* Lockdown is irreversible: the whole sentry runs in a forked process. */

static void body_locked(struct results *r)
{
	record(0, sysinfo(&r->si));
	record(1, uname(&r->uts));
	record(2, mknod("blk", S_IFBLK | 0600, makedev(8, 0)));
	if (geteuid() == 0 && chdir(tmpdir) == 0)
		record(3, mknod("null", S_IFCHR | 0666, makedev(1, 3)));
	record(4, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			  LINUX_REBOOT_CMD_POWER_OFF, 0));
}

/* Seccomp filter mode, and no capability outside what the handlers need. */
static int check_locked(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int mode = -1;
	unsigned long long capeff = ~0ull, keep = 0;
	int caps[] = {CAP_MKNOD, CAP_SYS_PTRACE, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
		      CAP_KILL,	 CAP_SETUID,	 CAP_SETGID};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		keep |= 1ull << caps[i];
	if (!f)
		return 20;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", &mode);
		sscanf(line, "CapEff: %llx", &capeff);
	}
	fclose(f);
	if (mode != 2)
		return 21;
	return capeff & ~keep ? 22 : 0;
}

static int locked_sentry(int events_fd)
{
	struct target t = spawn(body_locked, true);
	struct sentry_config cfg = config(&t);
	cfg.cgroup_mem = tmpdir;
	cfg.state_dir = tmpdir;
	cfg.events_fd = events_fd;
	struct sentry *s = NULL;
	struct sbx_error err = {0};
	if (sentry_new(&cfg, &s, &err) < 0 || sentry_add_listener(s, t.listener) < 0)
		return 10;
	if (sentry_lockdown(s, &err) < 0) {
		fprintf(stderr, "lockdown: %s\n", err.msg);
		return 11;
	}
	int r = check_locked();
	if (r)
		return r;
	enum sentry_end end;
	int status;
	if (sentry_run(s, &end, &status, &err) < 0)
		return 12;
	if (end != SENTRY_END_POWEROFF || !WIFSIGNALED(status) || WTERMSIG(status) != SIGINT)
		return 13;
	char path[512];
	snprintf(path, sizeof(path), "%s/again.json", tmpdir);
	if (sentry_write_stats(s, path) < 0)
		return 14;
	sentry_free(s);
	return 0;
}

Test(sentry, serves_after_lockdown)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* The sanitizer runtimes make syscalls the sentry's allow-list forbids (SIGSYS). */
	cr_skip_test("the lockdown allow-list does not cover sanitizer runtimes");
#endif
	write_at("memory.limit_in_bytes", "268435456\n");
	write_at("memory.usage_in_bytes", "0\n");
	struct sockaddr_un addr;
	int lfd = listen_at("events.sock", &addr);
	int sub = connect_to(&addr);
	cr_assert_geq(sub, 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(locked_sentry(lfd));
	close(lfd);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "sentry killed by signal %d", WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
	cr_assert_eq(res->ret[0], 0);
	cr_assert_eq(res->si.totalram, 256 * MiB);
	cr_assert_eq(res->err[1], EPERM);
	cr_assert_eq(res->err[2], EPERM);
	if (geteuid() == 0)
		cr_assert_eq(res->ret[3], 0, "mknod: errno %d", res->err[3]);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, SENTRY_STATS_FILE);
	cr_assert_eq(access(path, F_OK), 0);
	struct sbx_event ev;
	int n = 0;
	expect_hello(sub);
	while (recv(sub, &ev, sizeof(ev), MSG_DONTWAIT) == sizeof(ev))
		n++;
	cr_assert_eq(n, geteuid() == 0 ? 5 : 4, "events received: %d", n);
	cr_assert_eq(ev.syscall_nr, SYS_reboot);
	cr_assert_eq(ev.action, SBX_ACT_KILL);
}
