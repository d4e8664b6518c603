/* Shared by tests/unit/gofer_*.c: a view root in a temp dir, a gofer serving it in a forked
 * child over a socketpair, and the test process as the client. Optionally the child first
 * enters a private mount namespace and mounts two tmpfs volumes in the view: /vol (read-write)
 * and /rovol (read-only). Those mounts exist only in the child's namespace. With `no_proc`,
 * the child chroots into an empty directory before serving, as sbx-gofer runs (no /proc). */
#ifndef SBX_TESTS_GOFER_HARNESS_H
#define SBX_TESTS_GOFER_HARNESS_H

#include <criterion/criterion.h>

#include "gofer/gofer.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct gofer_env {
	char tmp[64];
	char view[128];
	char outside[128];
	char changes[128];
	int sock;
	pid_t pid;
};

static struct gofer_env env = {.sock = -1, .pid = -1};

/* When set: run in the gofer's child before it starts serving (a view to exist at its start). */
static void (*env_before_serve)(void);

static const char *vpath(const char *p)
{
	static char buf[8][512];
	static int n;
	char *b = buf[n++ % 8];
	snprintf(b, 512, "%s%s", env.view, p);
	return b;
}

static inline void child_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(70);
	if (mount("vol", vpath("/vol"), "tmpfs", 0, "mode=0755") < 0)
		_exit(71);
	if (mount("rovol", vpath("/rovol"), "tmpfs", 0, "mode=0755") < 0 ||
	    mount(NULL, vpath("/rovol"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		_exit(72);
}

static inline void enter_empty_root(void)
{
	char empty[160];
	snprintf(empty, sizeof(empty), "%s/empty", env.tmp);
	if (mkdir(empty, 0755) < 0 || chroot(empty) < 0 || chdir("/") < 0)
		_exit(73);
}

static inline void env_start_ex(const struct gofer_files_policy *policy, bool volumes, bool no_proc)
{
	snprintf(env.tmp, sizeof(env.tmp), "/tmp/gofer-test-XXXXXX");
	cr_assert_not_null(mkdtemp(env.tmp));
	chmod(env.tmp, 0755);
	snprintf(env.view, sizeof(env.view), "%s/view", env.tmp);
	snprintf(env.outside, sizeof(env.outside), "%s/outside", env.tmp);
	snprintf(env.changes, sizeof(env.changes), "%s/changes.jsonl", env.tmp);
	cr_assert_eq(mkdir(env.view, 0755), 0);
	cr_assert_eq(mkdir(env.outside, 0755), 0);
	cr_assert_eq(mkdir(vpath("/vol"), 0755), 0);
	cr_assert_eq(mkdir(vpath("/rovol"), 0755), 0);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	env.pid = fork();
	cr_assert_geq(env.pid, 0);
	if (env.pid == 0) {
		close(sv[0]);
		if (volumes)
			child_mounts();
		if (env_before_serve)
			env_before_serve();
		int root = open(env.view, O_PATH | O_DIRECTORY | O_CLOEXEC);
		int changes =
		    open(env.changes, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
		if (no_proc)
			enter_empty_root();
		struct gofer_config cfg = {
		    .root_fd = root, .changes_fd = changes, .policy = policy, .id = "test"};
		struct sbx_error err = {0};
		int r = root < 0 || changes < 0 ? -1 : gofer_serve(&cfg, sv[1], &err);
		if (r < 0)
			fprintf(stderr, "gofer_serve: %s\n", err.msg);
		_exit(r < 0 ? 1 : 0);
	}
	close(sv[1]);
	env.sock = sv[0];
}

static inline void env_start(const struct gofer_files_policy *policy)
{
	env_start_ex(policy, false, false);
}

static inline void env_stop(void)
{
	if (env.sock >= 0) {
		close(env.sock);
		env.sock = -1;
		int status = 0;
		cr_assert_eq(waitpid(env.pid, &status, 0), env.pid);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gofer exit status %#x",
			  status);
	}
	if (env.tmp[0]) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env.tmp);
		cr_expect_eq(system(cmd), 0);
	}
}

static inline struct gofer_caller caller_root(void)
{
	struct gofer_caller c = {.pid = (uint32_t)getpid(), .umask = 022, .cap_eff = ~0ull};
	strcpy(c.comm, "gofer-test");
	return c;
}

static inline struct gofer_caller caller_user(uint32_t uid, uint32_t gid)
{
	struct gofer_caller c = caller_root();
	c.fsuid = uid;
	c.fsgid = gid;
	c.cap_eff = 0;
	return c;
}

static struct gofer_caller current_caller;
/* The supplementary groups rq() announces and call() sends. */
static uint32_t current_groups[GOFER_GROUPS_MAX];
static uint32_t current_ngroups;

static inline struct gofer_request rq(enum gofer_op op)
{
	static uint64_t id;
	struct gofer_request r = {
	    .op = op, .id = ++id, .groups_len = current_ngroups, .caller = current_caller};
	if (!r.caller.pid)
		r.caller = caller_root();
	return r;
}

static inline int64_t call(const struct gofer_request *r, const char *path, const char *path2,
			   int *ret_fd)
{
	int fd = -1;
	int64_t res = gofer_call(env.sock, r, current_groups, path, path2, NULL, NULL, &fd);
	if (ret_fd)
		*ret_fd = fd;
	else if (fd >= 0)
		close(fd);
	return res;
}

static inline int64_t g_open(const char *path, uint32_t flags, uint32_t mode, int *ret_fd)
{
	struct gofer_request r = rq(GOFER_OPEN);
	r.flags = flags;
	r.mode = mode;
	return call(&r, path, NULL, ret_fd);
}

static inline int64_t g_path(enum gofer_op op, const char *path, uint32_t mode, uint32_t at_flags)
{
	struct gofer_request r = rq(op);
	r.mode = mode;
	r.at_flags = at_flags;
	return call(&r, path, NULL, NULL);
}

static inline int64_t g_two(enum gofer_op op, const char *a, const char *b, uint32_t flags,
			    uint32_t at_flags)
{
	struct gofer_request r = rq(op);
	r.flags = flags;
	r.at_flags = at_flags;
	return call(&r, a, b, NULL);
}

/* GOFER_LINK_FD: link the file `fd` holds (passed with the request) at `to`. */
static inline int64_t g_link_fd(int fd, const char *to, uint32_t at_flags)
{
	struct gofer_request r = rq(GOFER_LINK_FD);
	r.at_flags = at_flags;
	return gofer_call_fd(env.sock, &r, current_groups, fd, NULL, to, NULL, NULL, NULL);
}

static inline void write_host(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static inline bool exists_host(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

#endif
