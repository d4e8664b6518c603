/* The sentry's brokering against real seccomp notifications and a fake gofer.
 *
 * A forked child (the "container") makes the test directory read-only in its own mount
 * namespace, mounts a tmpfs on <dir>/priv (a private mount), installs a filter that notifies
 * write-opens (a MASKED_EQ rule on openat's flags, as the real policy does), mkdirat, unlinkat,
 * renameat2, symlinkat, fchmodat, utimensat, access, faccessat2, statfs and fstatfs, and makes
 * the calls. The test process runs the sentry; a second forked process plays the gofer: it
 * decodes each request, logs it, and performs it on the same directory, writable in its mount
 * namespace (the "view"). The child must see a writable file system. */
#include <criterion/criterion.h>
#include "lib/cleanup.h"

#include "gofer/gofer.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "sentry/sentry.h"
#include "tests/data/sentry/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NCALLS 32
#define NLOG   64

struct gofer_log {
	uint32_t op;
	uint32_t fsuid;
	uint32_t flags, at_flags;
	char path[256], path2[256];
	uint32_t ngroups;
	uint32_t groups[GOFER_GROUPS_MAX];
};

/* What the child and the fake gofer saw, in memory shared with the test. */
struct results {
	long ret[NCALLS];
	int err[NCALLS];
	long flags[NCALLS]; /* statfs f_flags, fd flags */
	char text[64];
	int nlog;
	struct gofer_log log[NLOG];
};

static struct results *res;
static json_t *sentry_stats; /* the sentry's stats file, once read */

typedef void (*body_fn)(void);

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
	harness_mkdir("/tmp/sentry-broker-XXXXXX");
}

static void teardown(void)
{
	harness_rmdir();
}

TestSuite(broker, .init = setup, .fini = teardown, .timeout = 30);

static int notify_open_writes(scmp_filter_ctx ctx)
{
	const unsigned write_flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};
	for (size_t i = 0; i < sizeof(write_flags) / sizeof(write_flags[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, write_flags[i], write_flags[i])) <
		    0)
			return -1;
	return 0;
}

static int install_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int nrs[] = {
	    SCMP_SYS(mkdirat),	 SCMP_SYS(unlinkat),  SCMP_SYS(renameat2),   SCMP_SYS(symlinkat),
	    SCMP_SYS(fchmodat),	 SCMP_SYS(utimensat), SCMP_SYS(access),	     SCMP_SYS(faccessat2),
	    SCMP_SYS(statfs),	 SCMP_SYS(fstatfs),   SCMP_SYS(setxattr),    SCMP_SYS(openat2),
	    SCMP_SYS(mknodat),	 SCMP_SYS(open),      SCMP_SYS(creat),	     SCMP_SYS(mkdir),
	    SCMP_SYS(rmdir),	 SCMP_SYS(unlink),    SCMP_SYS(rename),	     SCMP_SYS(renameat),
	    SCMP_SYS(link),	 SCMP_SYS(linkat),    SCMP_SYS(chown),	     SCMP_SYS(lchown),
	    SCMP_SYS(fchownat),	 SCMP_SYS(truncate),  SCMP_SYS(chmod),	     SCMP_SYS(utimes),
	    SCMP_SYS(futimesat), SCMP_SYS(lsetxattr), SCMP_SYS(removexattr), 452 /* fchmodat2 */
	};
	if (!ctx || notify_open_writes(ctx) < 0)
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

static struct target spawn(body_fn body)
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
	l->fsuid = m->req.caller.fsuid;
	l->flags = m->req.flags;
	l->at_flags = m->req.at_flags;
	if (m->path)
		memcpy(l->path, m->path, strnlen(m->path, sizeof(l->path) - 1));
	if (m->path2)
		memcpy(l->path2, m->path2, strnlen(m->path2, sizeof(l->path2) - 1));
	l->ngroups = m->req.groups_len;
	memcpy(l->groups, m->groups, sizeof(l->groups));
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
	memcpy(m->groups, end - groups_size, groups_size);
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

static long perform(const struct gofer_msg *m, int *ret_fd)
{
	const struct gofer_request *r = &m->req;
	mode_t um = r->caller.umask;
	struct timespec ts[2] = {{r->times[0][0], r->times[0][1]},
				 {r->times[1][0], r->times[1][1]}};
	struct stat st;
	switch (r->op) {
	case GOFER_OPEN:
		if (lstat(m->path, &st) == 0 && S_ISFIFO(st.st_mode))
			return -EOPNOTSUPP; /* as the gofer: not a file change */
		*ret_fd = open(m->path, (int)r->flags | O_CLOEXEC, r->mode & ~um);
		return *ret_fd < 0 ? -errno : 0;
	case GOFER_MKDIR:
		return sys(mkdir(m->path, r->mode & ~um));
	case GOFER_MKNOD:
		return sys(mknod(m->path, r->mode & ~um, 0));
	case GOFER_UNLINK:
		return sys(unlinkat(AT_FDCWD, m->path, (int)r->at_flags));
	case GOFER_RENAME:
		return sys(renameat2(AT_FDCWD, m->path, AT_FDCWD, m->path2, r->flags));
	case GOFER_SYMLINK:
		return sys(symlink(m->path, m->path2));
	case GOFER_CHMOD:
		return sys(fchmodat(AT_FDCWD, m->path, r->mode, (int)r->at_flags));
	case GOFER_UTIMENS:
		return sys(utimensat(AT_FDCWD, m->path, ts, (int)r->at_flags));
	case GOFER_LINK:
		return sys(linkat(AT_FDCWD, m->path, AT_FDCWD, m->path2, (int)r->at_flags));
	case GOFER_CHOWN:
		return sys(fchownat(AT_FDCWD, m->path, r->uid, r->gid, (int)r->at_flags));
	case GOFER_TRUNCATE:
		return sys(truncate(m->path, r->length));
	case GOFER_REMOVEXATTR:
		return sys(r->at_flags ? lremovexattr(m->path, m->name)
				       : removexattr(m->path, m->name));
	case GOFER_SETXATTR:
		return sys((r->at_flags ? lsetxattr : setxattr)(m->path, m->name, m->value,
								r->value_len, (int)r->flags));
	case GOFER_ACCESS_W:
		return sys(faccessat(AT_FDCWD, m->path, (int)r->mode, AT_EACCESS));
	default:
		return -ENOSYS;
	}
}

static void gofer_serve_fake(int sock)
{
	static char buf[GOFER_MSG_MAX];
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		if (n <= 0)
			_exit(0);
		struct gofer_msg m;
		if (decode(buf, (size_t)n, &m) < 0)
			_exit(70);
		log_request(&m);
		int fd = -1;
		long result = perform(&m, &fd);
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

/* A gofer process; returns the sentry's end of the socket. */
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

static struct sentry_config config(const struct target *t, int gofer_fd)
{
	snprintf(priv_path, sizeof(priv_path), "%s/priv", dir);
	struct sentry_config cfg = {
	    .id = "test-broker",
	    .init_pid = t->pid,
	    .init_pidfd = t->pidfd,
	    .control_fd = -1,
	    .events_fd = -1,
	    .state_dir = dir,
	    .gofer_fd = gofer_fd,
	    .private_mounts = private_mounts,
	};
	clock_gettime(CLOCK_BOOTTIME, &cfg.boot_time);
	return cfg;
}

static void run(struct sentry_config *cfg, const struct target *t, enum sentry_end *end,
		int *status)
{
	struct sentry *s = NULL;
	struct sbx_error err = {0};
	cr_assert_eq(sentry_new(cfg, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(sentry_add_listener(s, t->listener), 0);
	cr_assert_eq(sentry_run(s, end, status, &err), 0, "%s", err.msg);
	sentry_free(s);
	json_decref(sentry_stats);
	sentry_stats = NULL;
}

/* How often the sentry counted (syscall, action), from its stats file. */

static void load_stats(void)
{
	json_error_t jerr;
	json_decref(sentry_stats);
	sentry_stats = json_load_file(at(SENTRY_STATS_FILE), 0, &jerr);
	cr_assert_not_null(sentry_stats, "%s", jerr.text);
}

static long count(json_t **stats, const char *name, const char *action)
{
	if (!*stats)
		load_stats();
	size_t i;
	json_t *c;
	json_array_foreach (json_object_get(*stats, "counts"), i, c) {
		if (!strcmp(json_string_value(json_object_get(c, "syscall")), name) &&
		    !strcmp(json_string_value(json_object_get(c, "action")), action))
			return (long)json_integer_value(json_object_get(c, "count"));
	}
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (mount namespace, read-only bind mount)");
}

/* Brokered calls behave as on a writable file system. */

static void body_writes(void)
{
	umask(022);
	if (chdir(dir) < 0)
		_exit(80);
	int fd = openat(AT_FDCWD, "a.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	record(0, fd);
	record(1, write(fd, "hello", 5));
	res->flags[0] = fcntl(fd, F_GETFD);
	close(fd);
	int dfd = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* read-only: not notified */
	fd = openat(dfd, "b.txt", O_CREAT | O_RDWR, 0600);
	record(2, fd);
	res->flags[2] = fcntl(fd, F_GETFD);
	close(fd);
	record(3, mkdirat(AT_FDCWD, "newdir", 0777));
	record(4, mkdirat(AT_FDCWD, "newdir", 0777));
	record(5, unlinkat(dfd, "gone", 0));
	record(6, unlinkat(AT_FDCWD, "missing", 0));
	record(7, renameat2(AT_FDCWD, "a.txt", dfd, "moved.txt", RENAME_NOREPLACE));
	record(8, symlinkat("target-text", dfd, "lnk"));
	record(9, fchmodat(AT_FDCWD, "sub/b.txt", 0640, 0));
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};
	record(10, utimensat(dfd, "moved.txt", ts, 0));
	record(11, syscall(SYS_access, "sub/moved.txt", W_OK));
	record(12, syscall(SYS_access, "nonexistent", W_OK));
	record(13, syscall(SYS_faccessat2, dfd, "moved.txt", W_OK | R_OK, AT_EACCESS));
	record(14, syscall(SYS_access, "sub/moved.txt", R_OK)); /* the kernel answers */
	record(15, fchmod(dfd, 0700)); /* fd-based, not notified: the mount is read-only */
	struct statfs sfs;
	record(16, statfs(".", &sfs));
	res->flags[16] = (long)sfs.f_flags;
	record(17, fstatfs(dfd, &sfs));
	res->flags[17] = (long)sfs.f_flags;
	record(18, setxattr("sub/moved.txt", "user.k", "v", 1, 0));
	fd = openat(dfd, "moved.txt", O_RDONLY | O_CLOEXEC);
	record(19, read(fd, res->text, sizeof(res->text) - 1));
	close(fd);
	record(20, mknodat(AT_FDCWD, "fifo", S_IFIFO | 0666, 0));
	close(dfd);
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

static void check_files(void)
{
	struct stat st;
	char text[64] = {0};
	cr_assert_eq(stat(at("sub/moved.txt"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "umask applied: %o", st.st_mode & 07777);
	cr_assert_eq(st.st_mtim.tv_sec, 2000);
	cr_assert_eq(stat(at("sub/b.txt"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(stat(at("newdir"), &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(access(at("sub/gone"), F_OK), -1, "unlinked");
	cr_assert_eq(readlink(at("sub/lnk"), text, sizeof(text) - 1), 11);
	cr_assert_str_eq(text, "target-text");
	cr_assert_eq(lstat(at("fifo"), &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0644);
}

Test(broker, writes_go_through_the_gofer)
{
	need_root();
	cr_assert_eq(mkdir(at("sub"), 0755), 0);
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(close(open(at("sub/gone"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	struct target t = spawn(body_writes);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_geq(res->ret[0], 0, "openat: errno %d", res->err[0]);
	cr_assert_eq(res->ret[1], 5, "write on the gofer's fd: errno %d", res->err[1]);
	cr_assert(res->flags[0] & FD_CLOEXEC, "O_CLOEXEC honoured");
	cr_assert_geq(res->ret[2], 0, "openat(dirfd): errno %d", res->err[2]);
	cr_assert_not(res->flags[2] & FD_CLOEXEC);
	cr_assert_eq(res->ret[3], 0, "mkdirat: errno %d", res->err[3]);
	cr_assert_eq(res->err[4], EEXIST);
	cr_assert_eq(res->ret[5], 0, "unlinkat: errno %d", res->err[5]);
	cr_assert_eq(res->err[6], ENOENT);
	for (int i = 7; i <= 11; i++)
		cr_assert_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->err[12], ENOENT);
	cr_assert_eq(res->ret[13], 0, "faccessat2: errno %d", res->err[13]);
	cr_assert_eq(res->ret[14], 0);
	cr_assert_eq(res->err[15], EROFS, "the container's own mount is read-only");
	cr_assert_eq(res->ret[16], 0, "statfs: errno %d", res->err[16]);
	cr_assert_not(res->flags[16] & ST_RDONLY, "statfs reads as writable");
	cr_assert_eq(res->ret[17], 0, "fstatfs: errno %d", res->err[17]);
	cr_assert_not(res->flags[17] & ST_RDONLY, "fstatfs reads as writable");
	cr_assert_eq(res->ret[18], 0, "setxattr: errno %d", res->err[18]);
	cr_assert_str_eq(res->text, "hello");
	cr_assert_eq(res->ret[20], 0, "mknodat(S_IFIFO): errno %d", res->err[20]);
	check_files();
	char v[8] = {0};
	cr_assert_eq(getxattr(at("sub/moved.txt"), "user.k", v, sizeof(v)), 1);
	/* The gofer saw container-absolute paths, from the cwd and from dirfds. */
	cr_assert_eq(count_log(GOFER_OPEN, at("a.txt"), ""), 1);
	cr_assert_eq(count_log(GOFER_OPEN, at("sub/b.txt"), ""), 1);
	cr_assert_eq(count_log(GOFER_UNLINK, at("sub/gone"), ""), 1);
	cr_assert_eq(count_log(GOFER_RENAME, at("a.txt"), at("sub/moved.txt")), 1);
	cr_assert_eq(count_log(GOFER_SYMLINK, "target-text", at("sub/lnk")), 1);
	cr_assert_eq(count_log(GOFER_UTIMENS, at("sub/moved.txt"), ""), 1);
	cr_assert_eq(count_log(GOFER_ACCESS_W, at("sub/moved.txt"), ""), 2);
	cr_assert_eq(count_log(GOFER_MKNOD, at("fifo"), ""), 1);
	cr_assert_eq(count(&sentry_stats, "openat", "broker"), 2);
	cr_assert_eq(count(&sentry_stats, "mkdirat", "broker"), 2, "EEXIST is still brokered");
	cr_assert_eq(count(&sentry_stats, "access", "broker"), 2);
	cr_assert_eq(count(&sentry_stats, "access", "allow"), 1, "R_OK: CONTINUE");
	cr_assert_eq(count(&sentry_stats, "statfs", "emulate"), 1);
	waitpid(gofer, NULL, 0);
}

/* The caller's supplementary groups reach the gofer; more than a request carries are refused
 * rather than cut down. */

static void body_groups(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	gid_t some[] = {5, 4242, 70000};
	if (setgroups(3, some) < 0)
		_exit(81);
	record(0, mkdirat(AT_FDCWD, "g-some", 0755));
	gid_t many[GOFER_GROUPS_MAX + 1];
	for (int i = 0; i <= GOFER_GROUPS_MAX; i++)
		many[i] = 3000 + (gid_t)i;
	if (setgroups(GOFER_GROUPS_MAX, many) < 0)
		_exit(82);
	record(1, mkdirat(AT_FDCWD, "g-max", 0755));
	if (setgroups(GOFER_GROUPS_MAX + 1, many) < 0)
		_exit(83);
	record(2, mkdirat(AT_FDCWD, "g-over", 0755));
	if (setgroups(0, NULL) < 0)
		_exit(84);
	record(3, mkdirat(AT_FDCWD, "g-none", 0755));
}

static const struct gofer_log *find_log(uint32_t op, const char *path)
{
	for (int i = 0; i < res->nlog; i++)
		if (res->log[i].op == op && !strcmp(res->log[i].path, path))
			return &res->log[i];
	return NULL;
}

Test(broker, caller_groups_reach_the_gofer)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	struct target t = spawn(body_groups);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			cr_assert_eq(res->ret[i], 0, "mkdirat %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->err[2], EPERM, "more groups than a request carries");
	const struct gofer_log *l = find_log(GOFER_MKDIR, at("g-some"));
	cr_assert_not_null(l);
	cr_assert_eq(l->ngroups, 3);
	cr_expect_eq(l->groups[0], 5);
	cr_expect_eq(l->groups[1], 4242);
	cr_expect_eq(l->groups[2], 70000);
	l = find_log(GOFER_MKDIR, at("g-max"));
	cr_assert_not_null(l);
	cr_assert_eq(l->ngroups, GOFER_GROUPS_MAX);
	for (int i = 0; i < GOFER_GROUPS_MAX; i++)
		cr_expect_eq(l->groups[i], 3000 + (uint32_t)i);
	cr_expect_null(find_log(GOFER_MKDIR, at("g-over")), "nothing sent");
	cr_expect_eq(access(at("g-over"), F_OK), -1);
	l = find_log(GOFER_MKDIR, at("g-none"));
	cr_assert_not_null(l);
	cr_expect_eq(l->ngroups, 0);
	waitpid(gofer, NULL, 0);
}

/* openat2: its struct read once; read-only opens run in the kernel. */

static void body_openat2(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	struct open_how how = {.flags = O_CREAT | O_WRONLY | O_CLOEXEC, .mode = 0600};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "o2.txt", &how, sizeof(how));
	record(0, fd);
	record(1, write(fd, "x", 1));
	close(fd);
	struct open_how ro = {.flags = O_RDONLY | O_CLOEXEC};
	fd = (int)syscall(SYS_openat2, AT_FDCWD, "o2.txt", &ro, sizeof(ro));
	record(2, fd);
	close(fd);
	struct open_how beneath = {.flags = O_WRONLY, .resolve = RESOLVE_BENEATH};
	record(3, syscall(SYS_openat2, AT_FDCWD, "o2.txt", &beneath, sizeof(beneath)));
	record(4, syscall(SYS_openat2, AT_FDCWD, "o2.txt", &how, 8));
	struct open_how bad_mode = {.flags = O_WRONLY, .mode = 0600};
	record(5, syscall(SYS_openat2, AT_FDCWD, "o2.txt", &bad_mode, sizeof(bad_mode)));
	struct {
		struct open_how how;
		uint64_t extra;
	} big = {.how = how, .extra = 1};
	record(6, syscall(SYS_openat2, AT_FDCWD, "o2.txt", &big, sizeof(big)));
}

Test(broker, openat2)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	struct target t = spawn(body_openat2);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_geq(res->ret[0], 0, "errno %d", res->err[0]);
	cr_assert_eq(res->ret[1], 1);
	cr_assert_geq(res->ret[2], 0, "read-only openat2: errno %d", res->err[2]);
	cr_assert_eq(res->err[3], EXDEV, "RESOLVE_BENEATH refused, not widened");
	cr_assert_eq(res->err[4], EINVAL);
	cr_assert_eq(res->err[5], EINVAL);
	cr_assert_eq(res->err[6], E2BIG);
	cr_assert_eq(count_log(GOFER_OPEN, at("o2.txt"), ""), 1);
	cr_assert_eq(count(&sentry_stats, "openat2", "allow"), 1);
}

/* Paths on private mounts are not brokered: the kernel runs them. */

static void body_private(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	int fd = openat(AT_FDCWD, "priv/p.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	record(0, fd);
	record(1, write(fd, "tmp", 3));
	close(fd);
	record(2, mkdirat(AT_FDCWD, "priv/d", 0755));
	record(3, renameat2(AT_FDCWD, "priv/p.txt", AT_FDCWD, "priv/d/q.txt", 0));
	record(4, renameat2(AT_FDCWD, "priv/d/q.txt", AT_FDCWD, "sub/q.txt", 0));
	fd = openat(AT_FDCWD, "sub/../priv/./n.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	record(5, fd);
	close(fd);
	record(6, syscall(SYS_access, "priv/d", W_OK));
	record(7, syscall(SYS_access, "/proc/self/status", R_OK));
	char path[512];
	snprintf(path, sizeof(path), "%s/priv/abs", dir);
	record(8, mkdirat(AT_FDCWD, path, 0755));
}

Test(broker, private_mounts_continue)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(mkdir(at("sub"), 0755), 0);
	struct target t = spawn(body_private);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_geq(res->ret[0], 0, "errno %d", res->err[0]);
	cr_assert_eq(res->ret[1], 3);
	cr_assert_eq(res->ret[2], 0, "errno %d", res->err[2]);
	cr_assert_eq(res->ret[3], 0, "errno %d", res->err[3]);
	cr_assert_eq(res->err[4], EXDEV, "private mount to brokered mount");
	cr_assert_geq(res->ret[5], 0, "errno %d", res->err[5]);
	cr_assert_eq(res->ret[6], 0, "errno %d", res->err[6]);
	cr_assert_eq(res->ret[8], 0, "errno %d", res->err[8]);
	cr_assert_eq(res->nlog, 0, "the gofer was asked: %s", res->log[0].path);
	/* The files are in the child's tmpfs, not in the directory under it. */
	cr_assert_eq(access(at("priv/p.txt"), F_OK), -1);
	cr_assert_eq(access(at("priv/d"), F_OK), -1);
	cr_assert_eq(count(&sentry_stats, "openat", "allow"), 2);
	cr_assert_eq(count(&sentry_stats, "openat", "broker"), 0);
}

/* Bad arguments fail as Linux fails them, before the gofer hears of them. */

static void body_bad(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	static char longpath[8192];
	memset(longpath, 'a', sizeof(longpath) - 1);
	record(0, openat(AT_FDCWD, longpath, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	record(1, syscall(SYS_openat, AT_FDCWD, (char *)8, O_CREAT | O_WRONLY, 0644));
	int file = open("file", O_RDONLY | O_CLOEXEC);
	record(2, openat(file, "x", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	record(3, openat(999, "x", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	record(4, openat(AT_FDCWD, "", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	record(5, unlinkat(AT_FDCWD, "file", 0x1234));
	struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
	record(6, utimensat(AT_FDCWD, "file", bad, 0));
	record(7, syscall(SYS_access, "file", 0x40));
	/* The last byte of a mapping, then an unmapped page: the NUL is found, no EFAULT. */
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + page, page);
	memcpy(m + page - 4, "abc", 4);
	record(8, openat(AT_FDCWD, m + page - 4, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	m[page - 1] = 'd'; /* now unterminated before the hole */
	record(9, openat(AT_FDCWD, m + page - 4, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	close(file);
}

Test(broker, bad_arguments)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(close(open(at("file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	struct target t = spawn(body_bad);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_eq(res->err[0], ENAMETOOLONG);
	cr_assert_eq(res->err[1], EFAULT);
	cr_assert_eq(res->err[2], ENOTDIR);
	cr_assert_eq(res->err[3], EBADF);
	cr_assert_eq(res->err[4], ENOENT);
	cr_assert_eq(res->err[5], EINVAL);
	cr_assert_eq(res->err[6], EINVAL);
	cr_assert_eq(res->err[7], EINVAL);
	cr_assert_geq(res->ret[8], 0, "errno %d", res->err[8]);
	cr_assert_eq(res->err[9], EFAULT);
	cr_assert_eq(res->nlog, 1, "only the good path reached the gofer");
	cr_assert_eq(count_log(GOFER_OPEN, at("abc"), ""), 1);
}

/* Fail closed: without its gofer, the sandbox ends. */

static void body_dead(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	openat(AT_FDCWD, "dead.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	_exit(5); /* not reached */
}

Test(broker, dead_gofer_ends_sandbox)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	struct target t = spawn(body_dead);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]); /* the gofer is gone */
	struct sentry_config cfg = config(&t, sv[0]);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sv[0]);
	cr_assert_eq(end, SENTRY_END_EXIT);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	cr_assert_eq(access(at("dead.txt"), F_OK), -1);
	cr_assert_eq(count(&sentry_stats, "openat", "kill"), 1);
}

/* No gofer configured: brokered calls fail with EROFS, private mounts still work. */

static void body_no_gofer(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	record(0, openat(AT_FDCWD, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	record(1, mkdirat(AT_FDCWD, "priv/d", 0755));
	record(2, mknodat(AT_FDCWD, "fifo", S_IFIFO | 0600, 0));
}

Test(broker, without_gofer_erofs)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	struct target t = spawn(body_no_gofer);
	struct sentry_config cfg = config(&t, -1);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_eq(res->err[0], EROFS);
	cr_assert_eq(res->ret[1], 0, "errno %d", res->err[1]);
	cr_assert_eq(res->err[2], EPERM, "mknod without a gofer: as before");
}

/* The same calls, served by a sentry under its own lockdown (capabilities and allow-list). */

static int locked_sentry(void)
{
	struct target t = spawn(body_writes);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	struct sentry *s = NULL;
	struct sbx_error err = {0};
	if (sentry_new(&cfg, &s, &err) < 0 || sentry_add_listener(s, t.listener) < 0)
		return 10;
	if (sentry_lockdown(s, &err) < 0)
		return 11;
	enum sentry_end end;
	int status;
	if (sentry_run(s, &end, &status, &err) < 0)
		return 12;
	if (end != SENTRY_END_EXIT || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 13;
	sentry_free(s);
	return 0;
}

Test(broker, serves_after_lockdown)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	cr_skip_test("the lockdown allow-list does not cover sanitizer runtimes");
#endif
	need_root();
	cr_assert_eq(mkdir(at("sub"), 0755), 0);
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(close(open(at("sub/gone"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(locked_sentry());
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "sentry killed by signal %d", WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
	for (int i = 7; i <= 11; i++)
		cr_assert_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->ret[16], 0, "statfs: errno %d", res->err[16]);
	cr_assert_not(res->flags[16] & ST_RDONLY);
	cr_assert_eq(res->ret[17], 0, "fstatfs: errno %d", res->err[17]);
	cr_assert_str_eq(res->text, "hello");
	check_files();
}

/* The rest of the family: the old path calls, links, owners, sizes, times, xattrs. */

static void body_family(void)
{
	umask(022);
	if (chdir(dir) < 0)
		_exit(80);
	int fd = (int)syscall(SYS_open, "o.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	record(0, fd);
	close(fd);
	fd = (int)syscall(SYS_creat, "c.txt", 0644);
	record(1, fd);
	close(fd);
	record(2, syscall(SYS_mkdir, "d", 0700));
	record(3, syscall(SYS_rename, "c.txt", "d/c2.txt"));
	record(4, syscall(SYS_link, "o.txt", "d/hard"));
	int dfd = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	record(5, linkat(AT_FDCWD, "o.txt", dfd, "hard2", 0));
	record(6, syscall(SYS_chown, "o.txt", 1234, 5678));
	record(7, syscall(SYS_lchown, "o.txt", -1, 42));
	record(8, fchownat(AT_FDCWD, "d", 77, -1, AT_SYMLINK_NOFOLLOW));
	record(9, syscall(SYS_truncate, "o.txt", 100));
	record(10, syscall(SYS_chmod, "o.txt", 0604));
	struct timeval tv[2] = {{3000, 0}, {4000, 5}};
	record(11, syscall(SYS_utimes, "o.txt", tv));
	record(12, syscall(SYS_futimesat, dfd, "c2.txt", NULL));
	record(13, lsetxattr("o.txt", "user.a", "xy", 2, 0));
	record(14, removexattr("o.txt", "user.a"));
	record(15, syscall(SYS_unlink, "d/hard"));
	record(16, syscall(SYS_rmdir, "d"));
	record(17, syscall(SYS_renameat, AT_FDCWD, "o.txt", AT_FDCWD, "o2.txt"));
	record(18, syscall(452 /* fchmodat2 */, AT_FDCWD, "o2.txt", 0604, AT_SYMLINK_NOFOLLOW));
	/* The fd itself, on the read-only mount: by its name (broker_fd.c). */
	record(19, fchownat(dfd, "", -1, 99, AT_EMPTY_PATH));
	record(20, syscall(SYS_truncate, "o2.txt", (off_t)-1));
	close(dfd);
}

Test(broker, path_family)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	struct target t = spawn(body_family);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_geq(res->ret[0], 0, "open: errno %d", res->err[0]);
	cr_assert_geq(res->ret[1], 0, "creat: errno %d", res->err[1]);
	for (int i = 2; i <= 15; i++)
		cr_assert_eq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	cr_assert_eq(res->err[16], ENOTEMPTY);
	cr_assert_eq(res->ret[17], 0, "renameat: errno %d", res->err[17]);
	cr_assert_eq(res->ret[18], 0, "fchmodat2: errno %d", res->err[18]);
	cr_assert_eq(res->ret[19], 0, "fchownat(AT_EMPTY_PATH): errno %d", res->err[19]);
	cr_assert_eq(res->err[20], EINVAL, "truncate(-1): %ld errno %d", res->ret[20],
		     res->err[20]);
	struct stat st;
	cr_assert_eq(stat(at("o2.txt"), &st), 0);
	cr_assert_eq(st.st_size, 100);
	cr_assert_eq(st.st_mode & 07777, 0604);
	cr_assert_eq(st.st_uid, 1234);
	cr_assert_eq(st.st_gid, 42);
	cr_assert_eq(st.st_mtim.tv_sec, 4000);
	cr_assert_eq(st.st_mtim.tv_nsec, 5000);
	cr_assert_eq(st.st_nlink, 2, "o.txt, d/hard2");
	cr_assert_eq(stat(at("d"), &st), 0);
	cr_assert_eq(st.st_uid, 77);
	cr_assert_eq(st.st_gid, 99);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(access(at("d/c2.txt"), F_OK), 0);
	cr_assert_eq(access(at("d/hard"), F_OK), -1);
	cr_assert_eq(getxattr(at("o2.txt"), "user.a", NULL, 0), -1);
	cr_assert_eq(errno, ENODATA);
	cr_assert_eq(count_log(GOFER_LINK, at("o.txt"), at("d/hard2")), 1);
	cr_assert_eq(count_log(GOFER_UNLINK, at("d"), ""), 1);
}

/* /proc/self/fd/N names the file fd N holds: glibc's fchmodat(AT_SYMLINK_NOFOLLOW) chmods an
 * O_PATH fd that way (tar, cp -a). The gofer is asked about that file, not followed further. */

static void body_magic(void)
{
	char path[64];
	if (chdir(dir) < 0)
		_exit(80);
	int fd = open("sub/f", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	record(0, chmod(path, 0600));
	record(1, fchmodat(AT_FDCWD, "sub/f", 0640, AT_SYMLINK_NOFOLLOW));
	int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC); /* reopened for writing */
	record(2, w);
	record(3, write(w, "m", 1));
	close(w);
	int d = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/thread-self/fd/%d//new", d);
	record(4, mkdir(path, 0755)); /* through the directory fd */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", d);
	record(5, unlink(path)); /* the entry in /proc itself: the kernel's */
	int l = open("sub/l", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", l);
	record(6, chown(path, 0, 0)); /* the symlink fd l holds, not its target */
	int p[2];
	if (pipe(p) < 0)
		_exit(81);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	record(7, chmod(path, 0600)); /* no name in the root: the kernel's */
	snprintf(path, sizeof(path), "/proc/self/fd/0%d", fd);
	record(8, chmod(path, 0600)); /* not a name /proc has */
}

Test(broker, proc_self_fd_names_the_file)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(mkdir(at("sub"), 0755), 0);
	cr_assert_eq(close(open(at("sub/f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	cr_assert_eq(symlink("f", at("sub/l")), 0);
	struct target t = spawn(body_magic);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	for (int i = 0; i <= 4; i++)
		cr_assert_geq(res->ret[i], 0, "call %d: errno %d", i, res->err[i]);
	struct stat st;
	cr_assert_eq(stat(at("sub/f"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(st.st_size, 1, "written through the reopened fd");
	cr_assert_eq(stat(at("sub/new"), &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(count_log(GOFER_CHMOD, at("sub/f"), ""), 2);
	const struct gofer_log *l = find_log(GOFER_CHMOD, at("sub/f"));
	cr_assert(l && (l->at_flags & AT_SYMLINK_NOFOLLOW), "not followed past the fd's file");
	l = find_log(GOFER_OPEN, at("sub/f"));
	cr_assert(l && (l->flags & O_NOFOLLOW) && (l->flags & O_APPEND), "reopen brokered");
	cr_assert_eq(count_log(GOFER_MKDIR, at("sub/new"), ""), 1);
	cr_assert_eq(count(&sentry_stats, "unlink", "allow"), 1, "unlink: CONTINUE");
	l = find_log(GOFER_CHOWN, at("sub/l"));
	cr_assert(l && (l->at_flags & AT_SYMLINK_NOFOLLOW), "the symlink itself");
	cr_assert_eq(count_log(GOFER_CHOWN, at("sub/f"), ""), 0, "the symlink was followed");
	cr_assert_eq(res->nlog, 5, "only the calls on named files were brokered");
}

/* Opening a FIFO for writing changes no file: the gofer says so and the kernel opens it. */

static void body_fifo(void)
{
	if (chdir(dir) < 0)
		_exit(80);
	int rd = open("fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* read-only: not notified */
	int wr = open("fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	record(0, wr);
	record(1, write(wr, "via", 3));
	record(2, read(rd, res->text, sizeof(res->text) - 1));
	record(3, open("fifo", O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644)); /* as `>` does */
	record(4, syscall(SYS_openat, AT_FDCWD, "plain", O_WRONLY | O_CLOEXEC)); /* brokered */
}

Test(broker, special_files_open_in_the_kernel)
{
	need_root();
	cr_assert_eq(mkdir(at("priv"), 0755), 0);
	cr_assert_eq(mkfifo(at("fifo"), 0666), 0);
	cr_assert_eq(close(open(at("plain"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	struct target t = spawn(body_fifo);
	pid_t gofer;
	int sock = start_gofer(&t, &gofer);
	struct sentry_config cfg = config(&t, sock);
	enum sentry_end end;
	int status;
	run(&cfg, &t, &end, &status);
	close(sock);
	waitpid(gofer, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	cr_assert_geq(res->ret[0], 0, "open(fifo, O_WRONLY): errno %d", res->err[0]);
	cr_assert_eq(res->ret[1], 3);
	cr_assert_str_eq(res->text, "via");
	cr_assert_geq(res->ret[3], 0, "open(fifo, O_CREAT | O_TRUNC): errno %d", res->err[3]);
	cr_assert_geq(res->ret[4], 0, "errno %d", res->err[4]);
	cr_assert_eq(count_log(GOFER_OPEN, at("fifo"), ""), 2, "the gofer was asked first");
	cr_assert_eq(count(&sentry_stats, "openat", "allow"), 2);
	cr_assert_eq(count(&sentry_stats, "openat", "broker"), 1);
}
