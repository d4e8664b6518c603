/* The sentry's brokering of changes through an fd (sentry/broker_fd.c), against real seccomp
 * notifications and a fake gofer, set up as in tests/unit/sentry_broker.c: a forked child (the
 * "container") sees the test directory read-only with a tmpfs on <dir>/priv; the fake gofer
 * acts on the same directory, writable in the test's mount namespace (the "view").
 *
 * An fd the child opened read-only itself points at its read-only mount: fchmod, fchown,
 * futimens, fsetxattr, fremovexattr and the AT_EMPTY_PATH calls on it must reach the gofer as
 * path requests on that file's name. An fd the gofer handed out (writable view) or one on the
 * private tmpfs must not reach it: the kernel runs those (CONTINUE). */
#include <criterion/criterion.h>

#include "gofer/gofer.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "sentry/sentry.h"
#include "tests/data/sentry/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NCALLS 32
#define NLOG   64

struct gofer_log {
	uint32_t op;
	uint32_t at_flags;
	char path[256], path2[256];
};

/* What the child and the fake gofer saw, in memory shared with the test. */
struct results {
	long ret[NCALLS];
	int err[NCALLS];
	int nlog;
	struct gofer_log log[NLOG];
};

static struct results *res;

static void record(int i, long ret)
{
	res->ret[i] = ret;
	res->err[i] = ret < 0 ? errno : 0;
}

static void setup(void)
{
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(res != MAP_FAILED);
	memset(res, 0, sizeof(*res));
	for (int i = 0; i < NCALLS; i++)
		res->ret[i] = -999;
	harness_mkdir("/tmp/sentry-broker-fd-XXXXXX");
}

static void teardown(void)
{
	harness_rmdir();
}

TestSuite(broker_fd, .init = setup, .fini = teardown, .timeout = 30);

/* As policy/broker.c compiles it: write-opens and the fd-based calls notified. */
static int install_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	const unsigned write_flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};
	int nrs[] = {SCMP_SYS(fchmod),	     SCMP_SYS(fchown),	  SCMP_SYS(fsetxattr),
		     SCMP_SYS(fremovexattr), SCMP_SYS(utimensat), SCMP_SYS(fchownat),
		     SCMP_SYS(linkat),	     SCMP_SYS(unlinkat),  452 /* fchmodat2 */};
	if (!ctx)
		return -1;
	for (size_t i = 0; i < sizeof(write_flags) / sizeof(write_flags[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, write_flags[i], write_flags[i])) <
		    0)
			return -1;
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nrs[i], 0) < 0)
			return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		return -1;
	return seccomp_notify_fd(ctx);
}

struct target {
	pid_t pid;
	int pidfd;
	int listener;
};

static struct target spawn(void (*body)(void))
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		if (container_mounts() < 0)
			_exit(90);
		int fd = install_filter();
		if (fd < 0 || fd_send(sv[1], &fd, 1, NULL, 0) < 0)
			_exit(91);
		close(fd);
		close(sv[1]);
		body();
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

/* The fake gofer: just enough of the protocol, acting on the paths as given. */

static void log_request(const struct gofer_msg *m)
{
	if (res->nlog >= NLOG)
		return;
	struct gofer_log *l = &res->log[res->nlog++];
	l->op = m->req.op;
	l->at_flags = m->req.at_flags;
	if (m->path)
		memcpy(l->path, m->path, strnlen(m->path, sizeof(l->path) - 1));
	if (m->path2)
		memcpy(l->path2, m->path2, strnlen(m->path2, sizeof(l->path2) - 1));
}

static int decode(const char *buf, size_t n, struct gofer_msg *m)
{
	if (n < sizeof(m->req))
		return -1;
	memcpy(&m->req, buf, sizeof(m->req));
	const char *p = buf + sizeof(m->req), *end = buf + n;
	const struct gofer_request *r = &m->req;
	size_t groups_size = (size_t)r->groups_len * sizeof(uint32_t);
	if (r->groups_len > GOFER_GROUPS_MAX ||
	    (size_t)(end - p) !=
		(size_t)r->path_len + r->path2_len + r->name_len + r->value_len + groups_size)
		return -1;
	m->path = r->path_len ? p : NULL;
	p += r->path_len;
	m->path2 = r->path2_len ? p : NULL;
	p += r->path2_len;
	m->name = r->name_len ? p : NULL;
	p += r->name_len;
	m->value = p;
	return 0;
}

static long sys(long r)
{
	return r < 0 ? -errno : r;
}

/* GOFER_LINK_FD as the gofer does it: through our own /proc/self/fd. */
static long link_fd(int in_fd, const char *to)
{
	char proc[64];
	if (in_fd < 0)
		return -EINVAL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in_fd);
	return sys(linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW));
}

static long perform(const struct gofer_msg *m, int in_fd, int *ret_fd)
{
	const struct gofer_request *r = &m->req;
	struct timespec ts[2] = {{r->times[0][0], r->times[0][1]},
				 {r->times[1][0], r->times[1][1]}};
	int nofollow = (int)(r->at_flags & AT_SYMLINK_NOFOLLOW);
	switch (r->op) {
	case GOFER_OPEN:
		*ret_fd = open(m->path, (int)r->flags | O_CLOEXEC, r->mode);
		return *ret_fd < 0 ? -errno : 0;
	case GOFER_UNLINK:
		return sys(unlinkat(AT_FDCWD, m->path, (int)r->at_flags));
	case GOFER_LINK:
		return sys(linkat(AT_FDCWD, m->path, AT_FDCWD, m->path2, (int)r->at_flags));
	case GOFER_LINK_FD:
		return link_fd(in_fd, m->path2);
	case GOFER_CHMOD:
		return sys(syscall(452, AT_FDCWD, m->path, r->mode, nofollow));
	case GOFER_CHOWN:
		return sys(fchownat(AT_FDCWD, m->path, r->uid, r->gid, nofollow));
	case GOFER_UTIMENS:
		return sys(utimensat(AT_FDCWD, m->path, ts, nofollow));
	case GOFER_SETXATTR:
		return sys((nofollow ? lsetxattr : setxattr)(m->path, m->name, m->value,
							     r->value_len, (int)r->flags));
	case GOFER_REMOVEXATTR:
		return sys(nofollow ? lremovexattr(m->path, m->name)
				    : removexattr(m->path, m->name));
	default:
		return -ENOSYS;
	}
}

static void gofer_serve_fake(int sock)
{
	static char buf[GOFER_MSG_MAX];
	for (;;) {
		int in_fd = -1;
		size_t nin = 0;
		int n = fd_recv(sock, &in_fd, 1, &nin, buf, sizeof(buf));
		if (n <= 0)
			_exit(0);
		struct gofer_msg m;
		if (decode(buf, (size_t)n, &m) < 0 || (nin == 1) != (m.req.op == GOFER_LINK_FD))
			_exit(70);
		log_request(&m);
		int fd = -1;
		long result = perform(&m, nin ? in_fd : -1, &fd);
		if (nin)
			close(in_fd);
		struct gofer_response resp = {.id = m.req.id, .result = result, .has_fd = fd >= 0};
		if (fd >= 0) {
			if (fd_send(sock, &fd, 1, &resp, sizeof(resp)) < 0)
				_exit(71);
			close(fd);
		} else if (send(sock, &resp, sizeof(resp), MSG_NOSIGNAL) != sizeof(resp)) {
			_exit(72);
		}
	}
}

static int start_gofer(const struct target *t, pid_t *ret_pid)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		close(t->listener);
		close(t->pidfd);
		gofer_serve_fake(sv[1]);
	}
	close(sv[1]);
	*ret_pid = pid;
	return sv[0];
}

static char priv_path[128];
static const char *private_mounts[] = {"/proc", priv_path, NULL};

/* Run the child under a sentry and the fake gofer until it exits; assert it exited 0. */
static void run(void (*body)(void))
{
	struct target t = spawn(body);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	snprintf(priv_path, sizeof(priv_path), "%s/priv", dir);
	struct sentry_config cfg = {
	    .id = "test-broker-fd",
	    .init_pid = t.pid,
	    .init_pidfd = t.pidfd,
	    .control_fd = -1,
	    .events_fd = -1,
	    .gofer_fd = sock,
	    .private_mounts = private_mounts,
	};
	clock_gettime(CLOCK_BOOTTIME, &cfg.boot_time);
	struct sentry *s = NULL;
	struct sbx_error err = {0};
	enum sentry_end end;
	int status;
	cr_assert_eq(sentry_new(&cfg, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(sentry_add_listener(s, t.listener), 0);
	cr_assert_eq(sentry_run(s, &end, &status, &err), 0, "%s", err.msg);
	sentry_free(s);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

static int count_log(uint32_t op, const char *path, const char *path2)
{
	int n = 0;
	for (int i = 0; i < res->nlog; i++)
		if (res->log[i].op == op && !strcmp(res->log[i].path, path) &&
		    (!path2 || !strcmp(res->log[i].path2, path2)))
			n++;
	return n;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (mount namespaces, chown)");
}

static void make_file(const char *name)
{
	int fd = open(at(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
	close(fd);
}

/* ---- read-only fds: brokered by name ---- */

static void body_read_only(void)
{
	struct timespec ts[2] = {{3000, 0}, {4000, 5}};
	if (chdir(dir) < 0)
		_exit(80);
	int fd = open("ro.txt", O_RDONLY | O_CLOEXEC);
	record(0, syscall(SYS_fchmod, fd, 0600));
	record(1, syscall(SYS_fchown, fd, 1234, 5678));
	record(2, syscall(SYS_utimensat, fd, NULL, ts, 0)); /* futimens */
	record(3, fsetxattr(fd, "user.a", "xy", 2, 0));
	record(4, fremovexattr(fd, "user.b"));
	record(5, linkat(fd, "", AT_FDCWD, "ro.link", AT_EMPTY_PATH));
	record(6, syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW)); /* EINVAL */
	close(fd);
	/* O_PATH: the plain fd calls answer EBADF, the AT_EMPTY_PATH forms act on the file. */
	int opath = open("ro2.txt", O_PATH | O_CLOEXEC);
	record(7, syscall(SYS_fchmod, opath, 0600));
	record(8, syscall(452 /* fchmodat2 */, opath, "", 0640, AT_EMPTY_PATH));
	record(9, fchownat(opath, "", 11, 22, AT_EMPTY_PATH));
	record(10, syscall(SYS_utimensat, opath, "", ts, AT_EMPTY_PATH));
	close(opath);
	/* No name left in the container: the kernel's EROFS. */
	fd = open("gone.txt", O_RDONLY | O_CLOEXEC);
	record(11, unlinkat(AT_FDCWD, "gone.txt", 0));
	record(12, syscall(SYS_fchmod, fd, 0600));
	close(fd);
	record(13, syscall(SYS_fchmod, 987, 0600)); /* not open */
	record(14, syscall(SYS_fchmod, -1, 0600));
}

Test(broker_fd, read_only_fds_are_brokered_by_name)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	make_file("ro.txt");
	make_file("ro2.txt");
	make_file("gone.txt");
	cr_assert_eq(setxattr(at("ro.txt"), "user.b", "1", 1, 0), 0, "user xattrs: %s",
		     strerror(errno));
	run(body_read_only);
	for (int i = 0; i <= 5; i++)
		cr_expect_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_expect_eq(res->err[6], EINVAL);
	cr_expect_eq(res->err[7], EBADF, "fchmod(O_PATH): %ld errno %d", res->ret[7], res->err[7]);
	for (int i = 8; i <= 11; i++)
		cr_expect_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_expect_eq(res->err[12], EROFS, "deleted: %ld errno %d", res->ret[12], res->err[12]);
	cr_expect_eq(res->err[13], EBADF);
	cr_expect_eq(res->err[14], EBADF);

	struct stat st;
	cr_assert_eq(stat(at("ro.txt"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_eq(st.st_uid, 1234);
	cr_expect_eq(st.st_gid, 5678);
	cr_expect_eq(st.st_mtim.tv_sec, 4000);
	cr_expect_eq(st.st_nlink, 2, "ro.txt, ro.link");
	char v[8];
	cr_expect_eq(getxattr(at("ro.txt"), "user.a", v, sizeof(v)), 2);
	cr_expect_eq(getxattr(at("ro.txt"), "user.b", v, sizeof(v)), -1);
	cr_assert_eq(stat(at("ro2.txt"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640);
	cr_expect_eq(st.st_uid, 11);
	cr_expect_eq(st.st_gid, 22);
	cr_expect_eq(st.st_mtim.tv_sec, 4000);

	const char *ro = at("ro.txt");
	cr_expect_eq(count_log(GOFER_CHMOD, ro, NULL), 1);
	cr_expect_eq(count_log(GOFER_CHOWN, ro, NULL), 1);
	cr_expect_eq(count_log(GOFER_UTIMENS, ro, NULL), 1);
	cr_expect_eq(count_log(GOFER_SETXATTR, ro, NULL), 1);
	cr_expect_eq(count_log(GOFER_REMOVEXATTR, ro, NULL), 1);
	cr_expect_eq(count_log(GOFER_LINK, ro, at("ro.link")), 1);
	for (int i = 0; i < res->nlog; i++)
		if (res->log[i].op != GOFER_LINK && res->log[i].op != GOFER_UNLINK)
			cr_expect(res->log[i].at_flags & AT_SYMLINK_NOFOLLOW,
				  "op %u on %s: the file itself", res->log[i].op, res->log[i].path);
	cr_expect_eq(count_log(GOFER_CHMOD, at("ro2.txt"), NULL), 1, "fchmodat2 only");
	cr_expect_eq(count_log(GOFER_CHMOD, at("gone.txt"), NULL), 0);
}

/* ---- writable fds: the kernel's ---- */

static void body_writable(void)
{
	struct timespec ts[2] = {{3000, 0}, {4000, 0}};
	if (chdir(dir) < 0)
		_exit(80);
	int fds[2] = {
	    open("new.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644),    /* from the gofer */
	    open("priv/p.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644), /* private tmpfs */
	};
	for (int i = 0; i < 2; i++) {
		record(i * 8 + 0, fds[i]);
		record(i * 8 + 1, syscall(SYS_fchmod, fds[i], 0611));
		record(i * 8 + 2, syscall(SYS_fchown, fds[i], 42, 43));
		record(i * 8 + 3, syscall(SYS_utimensat, fds[i], NULL, ts, 0));
		record(i * 8 + 4, fsetxattr(fds[i], "user.a", "xy", 2, 0));
		record(i * 8 + 5, fremovexattr(fds[i], "user.a"));
		record(i * 8 + 6, fchownat(fds[i], "", 44, 45, AT_EMPTY_PATH));
		struct stat st;
		record(i * 8 + 7, fstat(fds[i], &st) == 0 && (st.st_mode & 07777) == 0611 &&
					  st.st_uid == 44 && st.st_mtim.tv_sec == 4000
				      ? 0
				      : -1);
		close(fds[i]);
	}
}

Test(broker_fd, gofer_and_private_fds_stay_in_the_kernel)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	run(body_writable);
	for (int i = 0; i < 16; i++)
		cr_expect_geq(res->ret[i], 0, "call %d: %ld errno %d", i, res->ret[i], res->err[i]);
	cr_expect_eq(count_log(GOFER_OPEN, at("new.txt"), NULL), 1, "the gofer opened it");
	cr_expect_eq(res->nlog, 1, "nothing else reached the gofer (%d requests)", res->nlog);
	struct stat st;
	cr_assert_eq(stat(at("new.txt"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0611);
	cr_expect_eq(st.st_uid, 44);
}

/* ---- O_TMPFILE and other gofer fds: linked by the fd itself ---- */

static void link_proc(int i, int fd, const char *to, int flags)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	record(i, linkat(AT_FDCWD, proc, AT_FDCWD, to, flags));
}

static void body_tmpfile(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	int t = open(".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600); /* from the gofer */
	record(0, t);
	record(1, write(t, "tmp", 3));
	record(2, linkat(t, "", AT_FDCWD, "t-empty", AT_EMPTY_PATH));
	link_proc(3, t, "t-proc", AT_SYMLINK_FOLLOW);
	link_proc(4, t, "t-magic", 0);		      /* the magic link itself: EXDEV */
	link_proc(5, t, "priv/t", AT_SYMLINK_FOLLOW); /* the kernel's EXDEV */
	record(6, linkat(t, "", AT_FDCWD, "priv/t", AT_EMPTY_PATH)); /* EXDEV, not ENOENT */
	close(t);
	int p = open("priv", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600); /* the kernel's */
	record(7, linkat(p, "", AT_FDCWD, "priv/p", AT_EMPTY_PATH));
	close(p);
	int o = open("ro.txt", O_PATH | O_CLOEXEC); /* the read-only mount: by its name */
	link_proc(8, o, "ro.proc", AT_SYMLINK_FOLLOW);
	close(o);
	record(9, linkat(987, "", AT_FDCWD, "bad", AT_EMPTY_PATH));
}

Test(broker_fd, gofer_fds_are_linked_by_the_fd)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	make_file("ro.txt");
	run(body_tmpfile);
	for (int i = 0; i <= 3; i++)
		cr_expect_geq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_expect_eq(res->err[4], EXDEV, "no AT_SYMLINK_FOLLOW: %ld %d", res->ret[4], res->err[4]);
	cr_expect_eq(res->err[5], EXDEV);
	cr_expect_eq(res->err[6], EXDEV, "AT_EMPTY_PATH into priv: %ld %d", res->ret[6],
		     res->err[6]);
	cr_expect_eq(res->ret[7], 0, "a private O_TMPFILE: errno %d", res->err[7]);
	cr_expect_eq(res->ret[8], 0, "errno %d", res->err[8]);
	cr_expect_eq(res->err[9], EBADF);

	struct stat a, b;
	cr_assert_eq(stat(at("t-empty"), &a), 0);
	cr_assert_eq(stat(at("t-proc"), &b), 0);
	cr_expect(a.st_ino == b.st_ino && a.st_nlink == 2 && a.st_size == 3);
	cr_expect_eq(count_log(GOFER_LINK_FD, "", at("t-empty")), 1);
	cr_expect_eq(count_log(GOFER_LINK_FD, "", at("t-proc")), 1);
	cr_expect_eq(count_log(GOFER_LINK, at("ro.txt"), at("ro.proc")), 1);
	for (int i = 0; i < res->nlog; i++)
		if (res->log[i].op == GOFER_LINK_FD)
			cr_expect_eq(res->log[i].at_flags,
				     strstr(res->log[i].path2, "t-empty") ? AT_EMPTY_PATH : 0u);
	cr_expect_eq(res->nlog, 4, "the open, two GOFER_LINK_FD, one GOFER_LINK: %d", res->nlog);
}
