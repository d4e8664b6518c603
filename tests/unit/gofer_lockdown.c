/* gofer_lockdown: a gofer locked down in a forked child still serves requests as its callers
 * (their ids, their capabilities lent and taken back per operation), its status shows
 * seccomp, no_new_privs and only the kept capabilities, and a syscall off the allow-list kills
 * it with SIGSYS. */
#include <criterion/criterion.h>

#include "gofer/gofer.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_SETGID,
 * CAP_SETUID: written out, so that a change to the kept set shows here. */
#define KEPT_CAPS 0xdfULL

static struct {
	char tmp[64], view[128], changes[128];
	int sock;
	pid_t pid;
} g = {.sock = -1, .pid = -1};

static const char *vpath(const char *p)
{
	static char buf[4][256];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, 256, "%s%s", g.view, p);
	return b;
}

static struct gofer_caller caller(uint32_t uid, uint32_t gid, uint64_t caps);
static struct gofer_caller root_caller;

static void setup(void)
{
	root_caller = caller(0, 0, ~0ULL);
	snprintf(g.tmp, sizeof(g.tmp), "/tmp/gofer-lockdown-XXXXXX");
	cr_assert_not_null(mkdtemp(g.tmp));
	snprintf(g.view, sizeof(g.view), "%s/view", g.tmp);
	snprintf(g.changes, sizeof(g.changes), "%s/changes.jsonl", g.tmp);
	cr_assert_eq(mkdir(g.view, 0755), 0);
}

static void teardown(void)
{
	if (g.sock >= 0)
		close(g.sock);
	if (g.pid > 0)
		waitpid(g.pid, NULL, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.tmp);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(gofer_lockdown, .init = setup, .fini = teardown, .timeout = 30);

_Noreturn static void serve_locked_down(int sock)
{
	struct sbx_error err = {0};
	struct gofer_config cfg = {
	    .root_fd = open(g.view, O_PATH | O_DIRECTORY | O_CLOEXEC),
	    .changes_fd = open(g.changes, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600),
	    .id = "lockdown"};
	if (cfg.root_fd < 0 || cfg.changes_fd < 0 || gofer_lockdown(&err) < 0)
		_exit(2);
	_exit(gofer_serve(&cfg, sock, &err) < 0 ? 1 : 0);
}

static void start_gofer(void)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	g.pid = fork();
	cr_assert_geq(g.pid, 0);
	if (g.pid == 0) {
		close(sv[0]);
		serve_locked_down(sv[1]);
	}
	close(sv[1]);
	g.sock = sv[0];
}

/* Hang up: the gofer must leave its loop and exit 0, which is on the allow-list too. */
static int stop_gofer(void)
{
	int status = -1;
	close(g.sock);
	g.sock = -1;
	cr_assert_eq(waitpid(g.pid, &status, 0), g.pid);
	g.pid = -1;
	return status;
}

static struct gofer_caller caller(uint32_t uid, uint32_t gid, uint64_t caps)
{
	struct gofer_caller c = {
	    .pid = (uint32_t)getpid(), .fsuid = uid, .fsgid = gid, .umask = 022, .cap_eff = caps};
	strcpy(c.comm, "lockdown-test");
	return c;
}

static int64_t call(enum gofer_op op, const struct gofer_caller *c, const char *path,
		    const char *path2, uint32_t mode)
{
	static uint64_t id;
	struct gofer_request r = {.op = op, .id = ++id, .mode = mode, .caller = *c};
	return gofer_call(g.sock, &r, NULL, path, path2, NULL, NULL, NULL);
}

static int64_t chown_as(const struct gofer_caller *c, const char *path, uint32_t uid, uint32_t gid)
{
	struct gofer_request r = {
	    .op = GOFER_CHOWN, .id = 1000, .uid = uid, .gid = gid, .caller = *c};
	return gofer_call(g.sock, &r, NULL, path, NULL, NULL, NULL, NULL);
}

static int64_t setxattr_as(const struct gofer_caller *c, const char *path, const char *name)
{
	struct gofer_request r = {.op = GOFER_SETXATTR, .id = 2000, .value_len = 1, .caller = *c};
	return gofer_call(g.sock, &r, NULL, path, NULL, name, "v", NULL);
}

static int64_t open_as(const struct gofer_caller *c, const char *path, uint32_t flags, int *ret_fd)
{
	struct gofer_request r = {
	    .op = GOFER_OPEN, .id = 3000, .flags = flags, .mode = 0644, .caller = *c};
	return gofer_call(g.sock, &r, NULL, path, NULL, NULL, NULL, ret_fd);
}

static uint64_t status_field(pid_t pid, const char *key, int base)
{
	char path[64], line[256];
	uint64_t v = UINT64_MAX;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			v = strtoull(line + strlen(key) + 1, NULL, base);
	fclose(f);
	cr_assert_neq(v, UINT64_MAX, "%s: no %s", path, key);
	return v;
}

Test(gofer_lockdown, serves_requests_as_the_caller)
{
	start_gofer();
	int fd = -1;
	struct stat st;
	cr_assert_eq(open_as(&root_caller, "/f", O_WRONLY | O_CREAT | O_CLOEXEC, &fd), 0);
	cr_assert_eq(write(fd, "hi", 2), 2);
	close(fd);
	cr_assert_eq(call(GOFER_MKDIR, &root_caller, "/d", NULL, 0777), 0);
	cr_assert_eq(call(GOFER_RENAME, &root_caller, "/f", "/d/g", 0), 0);
	cr_assert_eq(call(GOFER_SYMLINK, &root_caller, "g", "/d/link", 0), 0);
	cr_assert_eq(call(GOFER_CHMOD, &root_caller, "/d", NULL, 0777), 0);
	cr_assert_eq(setxattr_as(&root_caller, "/d/g", "user.sbx"), 0);
	/* A FIFO without CAP_MKNOD: the kernel asks for it only for devices. */
	cr_assert_eq(call(GOFER_MKNOD, &root_caller, "/fifo", NULL, S_IFIFO | 0600), 0);
	cr_assert_eq(lstat(vpath("/fifo"), &st), 0);
	cr_expect(S_ISFIFO(st.st_mode));
	cr_assert_eq(call(GOFER_UNLINK, &root_caller, "/d/link", NULL, 0), 0);
	cr_assert_eq(lstat(vpath("/d/g"), &st), 0);
	cr_expect_eq(st.st_size, 2);
	/* An O_TMPFILE linked by the fd the request carries (received, checked, closed). */
	cr_assert_eq(open_as(&root_caller, "/d", O_TMPFILE | O_RDWR | O_CLOEXEC, &fd), 0);
	struct gofer_request r = {.op = GOFER_LINK_FD, .id = 4000, .caller = root_caller};
	cr_assert_eq(gofer_call_fd(g.sock, &r, NULL, fd, NULL, "/d/t", NULL, NULL, NULL), 0);
	r.at_flags = AT_EMPTY_PATH;
	cr_assert_eq(gofer_call_fd(g.sock, &r, NULL, fd, NULL, "/d/t2", NULL, NULL, NULL), 0);
	close(fd);
	cr_expect_eq(lstat(vpath("/d/t"), &st), 0);
	cr_expect_eq(st.st_nlink, 2);
	cr_expect_eq(stop_gofer(), 0, "the gofer did not exit cleanly");
}

Test(gofer_lockdown, lends_only_the_callers_capabilities)
{
	start_gofer();
	const struct gofer_caller user = caller(1234, 5678, 0);
	const struct gofer_caller no_chown = caller(0, 0, ~0ULL & ~(1ULL << CAP_CHOWN));
	struct stat st;
	cr_assert_eq(chmod(g.view, 0777), 0);
	/* setfsuid/setfsgid: new files belong to the caller. */
	cr_assert_eq(call(GOFER_MKDIR, &user, "/mine", NULL, 0755), 0);
	cr_assert_eq(stat(vpath("/mine"), &st), 0);
	cr_expect(st.st_uid == 1234 && st.st_gid == 5678, "owner %u:%u", st.st_uid, st.st_gid);
	/* CAP_CHOWN lent to a caller that has it, not to one that lacks it, then lent again. */
	cr_expect_eq(chown_as(&user, "/mine", 0, 0), -EPERM);
	cr_expect_eq(chown_as(&no_chown, "/mine", 0, 0), -EPERM);
	cr_expect_eq(chown_as(&root_caller, "/mine", 4321, 8765), 0);
	cr_assert_eq(stat(vpath("/mine"), &st), 0);
	cr_expect(st.st_uid == 4321 && st.st_gid == 8765, "owner %u:%u", st.st_uid, st.st_gid);
	/* No CAP_SYS_ADMIN, whatever the caller holds: no trusted.* xattrs on host files. */
	cr_expect_eq(setxattr_as(&root_caller, "/mine", "trusted.overlay.opaque"), -EPERM);
	cr_expect_eq(getxattr(vpath("/mine"), "trusted.overlay.opaque", NULL, 0), -1);
	cr_expect_eq(stop_gofer(), 0, "the gofer did not exit cleanly");
}

Test(gofer_lockdown, status_shows_seccomp_no_new_privs_and_kept_caps)
{
	uint64_t prm = status_field(getpid(), "CapPrm", 16);
	uint64_t bnd = status_field(getpid(), "CapBnd", 16);
	start_gofer();
	/* After an operation, to see the capabilities it restored, not just the ones it began with.
	 */
	cr_assert_eq(call(GOFER_MKDIR, &root_caller, "/d", NULL, 0755), 0);
	cr_expect_eq(status_field(g.pid, "Seccomp", 10), 2);
	cr_expect_eq(status_field(g.pid, "NoNewPrivs", 10), 1);
	cr_expect_eq(status_field(g.pid, "CapBnd", 16), KEPT_CAPS & bnd);
	cr_expect_eq(status_field(g.pid, "CapPrm", 16), KEPT_CAPS & prm);
	cr_expect_eq(status_field(g.pid, "CapEff", 16), KEPT_CAPS & prm);
	cr_expect_eq(status_field(g.pid, "CapInh", 16), 0);
	cr_expect_eq(status_field(g.pid, "CapAmb", 16), 0);
	cr_expect_eq(stop_gofer(), 0, "the gofer did not exit cleanly");
}

/* Off the allow-list, or on it with arguments it does not allow. */
static void do_nothing(void)
{
}

static void do_socket(void)
{
	syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

static void do_execve(void)
{
	char *argv[] = {"true", NULL}, *envp[] = {NULL};
	syscall(SYS_execve, "/bin/true", argv, envp);
}

static void do_read(void)
{
	char c;
	syscall(SYS_read, 0, &c, 1);
}

static void do_mmap_exec(void)
{
	syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void do_mprotect(void)
{
	syscall(SYS_mprotect, NULL, 0, PROT_READ);
}

static void do_fcntl_lock(void)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	syscall(SYS_fcntl, 0, F_SETLK, &fl);
}

static void do_setresuid(void)
{
	syscall(SYS_setresuid, 0, 0, 0);
}

static void do_unshare(void)
{
	syscall(SYS_unshare, 0);
}

static int status_after_lockdown(void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct sbx_error err = {0};
		if (gofer_lockdown(&err) < 0)
			_exit(2);
		fn();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

Test(gofer_lockdown, forbidden_syscalls_kill_with_sigsys)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} forbidden[] = {
	    {"socket", do_socket},	 {"execve", do_execve},
	    {"read", do_read},		 {"mmap PROT_EXEC", do_mmap_exec},
	    {"mprotect", do_mprotect},	 {"fcntl F_SETLK", do_fcntl_lock},
	    {"setresuid", do_setresuid}, {"unshare", do_unshare},
	};
	int status = status_after_lockdown(do_nothing);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lockdown itself: %#x", status);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		status = status_after_lockdown(forbidden[i].fn);
		cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "%s: status %#x",
			  forbidden[i].name, status);
	}
}
