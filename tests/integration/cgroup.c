/* runtime/cgroup: real cgroups on this host, as root. Every cgroup is named sbx-test-<pid>-N,
 * removed by the test or its fini; only children this test forked are killed. */
#include "runtime/cgroup.h"
#include "runtime/oci.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#define MIB (1024 * 1024)

static struct sbx_cgroup *cgs[8];
static size_t n_cgs;
static pid_t kids[16];
static size_t n_kids;
static char names[8][128];
static size_t n_names;
static int seq;

/* A fresh name "sbx-test-<pid>-N" (with "/leaf" appended when leaf is non-NULL). */
static const char *test_name(const char *leaf)
{
	char *n = names[n_names++];
	if (leaf)
		snprintf(n, sizeof(names[0]), "sbx-test-%d-%d/%s", (int)getpid(), seq, leaf);
	else
		snprintf(n, sizeof(names[0]), "sbx-test-%d-%d", (int)getpid(), ++seq);
	return n;
}

static struct sbx_cgroup *track(struct sbx_cgroup *cg)
{
	cgs[n_cgs++] = cg;
	return cg;
}

static void cleanup(void)
{
	for (size_t i = 0; i < n_kids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	for (size_t i = 0; i < n_cgs; i++) {
		if (cgs[i])
			cgroup_destroy(cgs[i], NULL);
		cgroup_free(cgs[i]);
	}
	/* Whatever a failed test left behind, leaves first, then their parents. */
	for (size_t i = n_names; i-- > 0;) {
		struct sbx_cgroup *cg = NULL;
		if (cgroup_open(names[i], &cg, NULL) == 0)
			cgroup_destroy(cg, NULL);
		cgroup_free(cg);
	}
}

TestSuite(cgroup, .fini = cleanup);

/* Every hierarchy's root this host has for the sandbox: the v2 one and the v1 controllers. */
static size_t hier_roots(char roots[][64])
{
	static const char *const v1[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};
	enum cgroup_layout layout;
	size_t n = 0;
	cr_assert_eq(cgroup_detect(&layout, NULL), 0);
	if (layout == CGROUP_V2) {
		strcpy(roots[n++], "/sys/fs/cgroup");
		return n;
	}
	if (layout == CGROUP_HYBRID)
		strcpy(roots[n++], "/sys/fs/cgroup/unified");
	for (size_t i = 0; i < ARRAY_SIZE(v1); i++) {
		struct statfs sf;
		snprintf(roots[n], 64, "/sys/fs/cgroup/%s", v1[i]);
		if (statfs(roots[n], &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC)
			n++;
	}
	return n;
}

static bool exists(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (stat(path, &st) == 0)
		return true;
	cr_assert_eq(errno, ENOENT, "stat %s: %s", path, strerror(errno));
	return false;
}

static void assert_gone(const char *name)
{
	char roots[8][64];
	size_t n = hier_roots(roots);
	for (size_t i = 0; i < n; i++)
		cr_assert(!exists(roots[i], name), "%s/%s still exists", roots[i], name);
}

static void assert_present(const char *name)
{
	char roots[8][64];
	size_t n = hier_roots(roots);
	for (size_t i = 0; i < n; i++)
		cr_assert(exists(roots[i], name), "%s/%s missing", roots[i], name);
}

/* The first line of dir/file. */
static char *read_line(const char *dir, const char *file)
{
	char path[PATH_MAX];
	char *buf = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cr_assert_eq(read_file(path, 1 << 20, &buf, NULL), 0, "read %s", path);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
	_cleanup_free_ char *got = read_line(dir, file);
	cr_assert_str_eq(got, want, "%s/%s: '%s', want '%s'", dir, file, got, want);
}

static struct sbx_cgroup *create(const char *name, const struct oci_resources *res)
{
	struct sbx_cgroup *cg = NULL;
	struct sbx_error err = {0};
	int r = cgroup_create(name, res, &cg, &err);
	if (r == -ENOTSUP) /* a controller this host lacks (the message names it) */
		cr_skip_test("%s", err.msg);
	cr_assert_eq(r, 0, "cgroup_create %s: %d %s", name, r, err.msg);
	return track(cg);
}

/* A child that waits until it is in the sandbox, then runs fn. */
static pid_t spawn(struct sbx_cgroup *cg, void (*fn)(void))
{
	int p[2];
	char c = 0;
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[1]);
		signal(SIGTERM, fn == NULL ? SIG_DFL : SIG_IGN);
		if (read(p[0], &c, 1) != 1)
			_exit(90);
		if (fn)
			fn();
		for (;;)
			pause();
	}
	kids[n_kids++] = pid;
	close(p[0]);
	struct sbx_error err = {0};
	cr_assert_eq(cgroup_enter(cg, pid, &err), 0, "enter: %s", err.msg);
	cr_assert_eq(write(p[1], &c, 1), 1);
	close(p[1]);
	return pid;
}

static int wait_child(pid_t pid)
{
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	for (size_t i = 0; i < n_kids; i++)
		if (kids[i] == pid)
			kids[i] = kids[--n_kids];
	return status;
}

static void assert_killed_by(pid_t pid, int sig)
{
	int status = wait_child(pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		  "child %d: status 0x%x, want signal %d", (int)pid, status, sig);
}

Test(cgroup, limits_are_written)
{
	enum cgroup_layout layout;
	struct oci_resources res = {.memory_limit = 64 * MIB,
				    .memory_swap = 64 * MIB,
				    .pids_limit = 100,
				    .cpu_shares = 512,
				    .cpu_quota = 50000,
				    .cpu_period = 100000};
	const char *name = test_name(NULL);
	struct sbx_cgroup *cg = create(name, &res);
	cr_assert_eq(cgroup_detect(&layout, NULL), 0);
	assert_present(name);
	if (layout == CGROUP_V2) {
		const char *d = cgroup_v2_path(cg);
		assert_file(d, "memory.max", "67108864");
		assert_file(d, "pids.max", "100");
		assert_file(d, "cpu.weight", "20"); /* 1 + (512 - 2) * 9999 / 262142 */
		assert_file(d, "cpu.max", "50000 100000");
		return;
	}
	assert_file(cgroup_memory_path(cg), "memory.limit_in_bytes", "67108864");
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/%s", name);
	assert_file(dir, "pids.max", "100");
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu/%s", name);
	assert_file(dir, "cpu.shares", "512");
	assert_file(dir, "cpu.cfs_quota_us", "50000");
	assert_file(dir, "cpu.cfs_period_us", "100000");
}

Test(cgroup, v2_path_and_id)
{
	enum cgroup_layout layout;
	cr_assert_eq(cgroup_detect(&layout, NULL), 0);
	const char *name = test_name(NULL);
	struct sbx_cgroup *cg = create(name, NULL);
	if (layout == CGROUP_V1) {
		cr_assert_null(cgroup_v2_path(cg));
		return;
	}
	struct stat st;
	cr_assert_eq(stat(cgroup_v2_path(cg), &st), 0);
	cr_assert_eq(cgroup_v2_id(cg), (uint64_t)st.st_ino);
	cr_assert(cgroup_v2_id(cg) != 0);
	/* A later process finds the same cgroup. */
	struct sbx_cgroup *again = NULL;
	cr_assert_eq(cgroup_open(name, &again, NULL), 0);
	track(again);
	cr_assert_str_eq(cgroup_v2_path(again), cgroup_v2_path(cg));
	cr_assert_eq(cgroup_v2_id(again), cgroup_v2_id(cg));
}

static bool listed(const char *root, const char *name, pid_t pid)
{
	char dir[PATH_MAX], want[32];
	_cleanup_free_ char *buf = NULL;
	snprintf(dir, sizeof(dir), "%s/%s/cgroup.procs", root, name);
	snprintf(want, sizeof(want), "%d", (int)pid);
	cr_assert_eq(read_file(dir, 1 << 20, &buf, NULL), 0);
	for (char *t = strtok(buf, "\n"); t; t = strtok(NULL, "\n"))
		if (!strcmp(t, want))
			return true;
	return false;
}

Test(cgroup, enter_puts_child_in_every_hierarchy)
{
	const char *name = test_name(NULL);
	struct sbx_cgroup *cg = create(name, NULL);
	cr_assert_eq(cgroup_count_procs(cg), 0);
	pid_t a = spawn(cg, NULL), b = spawn(cg, NULL);
	char roots[8][64];
	size_t n = hier_roots(roots);
	cr_assert_geq(n, 1);
	for (size_t i = 0; i < n; i++) {
		cr_assert(listed(roots[i], name, a), "%d not in %s/%s", (int)a, roots[i], name);
		cr_assert(listed(roots[i], name, b), "%d not in %s/%s", (int)b, roots[i], name);
	}
	cr_assert_eq(cgroup_count_procs(cg), 2);
	kill(a, SIGKILL);
	assert_killed_by(a, SIGKILL);
	cr_assert_eq(cgroup_count_procs(cg), 1);
}

static void ignore_term(void)
{
	for (;;)
		pause();
}

static void busy_loop(void)
{
	for (volatile unsigned long i = 0;; i++)
		;
}

Test(cgroup, kill_all_sigkill)
{
	struct sbx_cgroup *cg = create(test_name(NULL), NULL);
	pid_t stubborn = spawn(cg, ignore_term), busy = spawn(cg, busy_loop);
	usleep(50 * 1000);
	cr_assert_eq(cgroup_kill_all(cg, SIGTERM), 0);
	usleep(50 * 1000);
	cr_assert_eq(waitpid(stubborn, NULL, WNOHANG), 0, "SIGTERM should be ignored");
	cr_assert_eq(cgroup_kill_all(cg, SIGKILL), 0);
	assert_killed_by(stubborn, SIGKILL);
	/* busy ignores SIGTERM too (spawn), so SIGKILL it is. */
	assert_killed_by(busy, SIGKILL);
	cr_assert_eq(cgroup_count_procs(cg), 0);
}

Test(cgroup, kill_all_other_signal)
{
	struct sbx_cgroup *cg = create(test_name(NULL), NULL);
	pid_t a = spawn(cg, NULL), b = spawn(cg, NULL);
	cr_assert_eq(cgroup_kill_all(cg, SIGTERM), 0);
	assert_killed_by(a, SIGTERM);
	assert_killed_by(b, SIGTERM);
}

/* Fork until the pids limit stops us; exit with the number of successful forks. */
static void fork_loop(void)
{
	pid_t kids_here[32];
	int n = 0, code = 100;
	for (; n < 32; n++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			code = errno == EAGAIN ? n : 101;
			break;
		}
		kids_here[n] = p;
	}
	for (int i = 0; i < n; i++) {
		kill(kids_here[i], SIGKILL);
		waitpid(kids_here[i], NULL, 0);
	}
	_exit(code);
}

Test(cgroup, pids_limit_stops_fork_loop)
{
	struct oci_resources res = {.pids_limit = 5};
	struct sbx_cgroup *cg = create(test_name(NULL), &res);
	pid_t pid = spawn(cg, fork_loop);
	int status = wait_child(pid);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	/* the child itself and 4 more make 5 */
	cr_assert_eq(WEXITSTATUS(status), 4, "forks before EAGAIN: %d", WEXITSTATUS(status));
}

static void hog_memory(void)
{
	size_t len = 200 * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(91);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(0);
}

Test(cgroup, memory_limit_oom_kills)
{
	struct oci_resources res = {.memory_limit = 32 * MIB, .memory_swap = 32 * MIB};
	struct sbx_cgroup *cg = create(test_name(NULL), &res);
	cr_assert_not_null(cgroup_memory_path(cg));
	cr_assert(!cgroup_oom_killed(cg));
	pid_t pid = spawn(cg, hog_memory);
	assert_killed_by(pid, SIGKILL);
	cr_assert(cgroup_oom_killed(cg));
}

Test(cgroup, destroy_keeps_shared_parent)
{
	const char *parent = test_name(NULL);
	const char *a_name = test_name("a"), *b_name = test_name("b");
	struct sbx_cgroup *a = create(a_name, NULL), *b = create(b_name, NULL);
	pid_t pid = spawn(a, ignore_term);
	struct sbx_error err = {0};
	cr_assert_eq(cgroup_destroy(a, &err), 0, "%s", err.msg);
	assert_killed_by(pid, SIGKILL);
	assert_gone(a_name);
	assert_present(b_name);
	assert_present(parent);
	cr_assert_eq(cgroup_destroy(a, &err), 0, "again: %s", err.msg);
	/* A later process destroys b: the parent this test's process made goes too. */
	struct sbx_cgroup *b2 = NULL;
	cr_assert_eq(cgroup_open(b_name, &b2, &err), 0, "%s", err.msg);
	track(b2);
	cr_assert_eq(cgroup_destroy(b2, &err), 0, "%s", err.msg);
	assert_gone(b_name);
	assert_gone(parent);
	cr_assert_eq(cgroup_destroy(b, &err), 0, "idempotent: %s", err.msg);
	struct sbx_cgroup *none = NULL;
	cr_assert_eq(cgroup_open(b_name, &none, NULL), -ENOENT);
}

Test(cgroup, destroy_leaves_foreign_parent)
{
	char roots[8][64];
	char path[PATH_MAX];
	const char *parent = test_name(NULL);
	size_t n = hier_roots(roots);
	/* Someone else's parent, empty after the sandbox is gone: it stays. */
	snprintf(path, sizeof(path), "%s/%s", roots[0], parent);
	cr_assert_eq(mkdir(path, 0755), 0);
	struct sbx_cgroup *cg = create(test_name("x"), NULL);
	cr_assert_eq(cgroup_destroy(cg, NULL), 0);
	cr_assert(exists(roots[0], parent));
	for (size_t i = 1; i < n; i++)
		cr_assert(!exists(roots[i], parent), "%s/%s", roots[i], parent);
	cr_assert_eq(rmdir(path), 0);
}

Test(cgroup, create_existing_is_eexist)
{
	struct oci_resources res = {.pids_limit = 7}, other = {.pids_limit = 9};
	const char *name = test_name(NULL);
	struct sbx_cgroup *cg = create(name, &res), *dup = NULL;
	pid_t pid = spawn(cg, NULL);
	struct sbx_error err = {0};
	cr_assert_eq(cgroup_create(name, &other, &dup, &err), -EEXIST, "%s", err.msg);
	cr_assert_null(dup);
	assert_present(name);
	cr_assert_eq(cgroup_count_procs(cg), 1);
	enum cgroup_layout layout;
	char dir[PATH_MAX];
	cr_assert_eq(cgroup_detect(&layout, NULL), 0);
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s", layout == CGROUP_V2 ? "" : "pids/", name);
	assert_file(dir, "pids.max", "7");
	kill(pid, SIGKILL);
	assert_killed_by(pid, SIGKILL);
}

static void assert_create_fails(const struct oci_resources *res, int want, const char *file)
{
	const char *parent = test_name(NULL);
	const char *name = test_name("leaf");
	struct sbx_cgroup *cg = NULL;
	struct sbx_error err = {0};
	int r = cgroup_create(name, res, &cg, &err);
	if (r == -ENOTSUP) {
		assert_gone(name);
		assert_gone(parent);
		cr_skip_test("%s", err.msg);
	}
	cr_assert_eq(r, want, "%s", err.msg);
	cr_assert_null(cg);
	cr_assert(strstr(err.msg, file), "message should name %s: %s", file, err.msg);
	assert_gone(name);
	assert_gone(parent);
}

/* Memory and pids are written by then: the cpu limit fails. */
Test(cgroup, failed_create_leaves_nothing)
{
	struct oci_resources res = {.memory_limit = 64 * MIB, .pids_limit = 10, .cpu_quota = -5};
	assert_create_fails(&res, -EINVAL, "cpu.");
}

Test(cgroup, kernel_rejected_limit_leaves_nothing)
{
	/* The kernel's minimum period is 1 ms, on v1 and v2. */
	struct oci_resources res = {.memory_limit = 64 * MIB, .cpu_quota = 1000, .cpu_period = 500};
	assert_create_fails(&res, -EINVAL, "cpu.");
}

Test(cgroup, bad_names)
{
	struct sbx_cgroup *cg = NULL;
	cr_assert_eq(cgroup_create("/abs", NULL, &cg, NULL), -EINVAL);
	cr_assert_eq(cgroup_create("a/../b", NULL, &cg, NULL), -EINVAL);
	cr_assert_eq(cgroup_create("", NULL, &cg, NULL), -EINVAL);
	cr_assert_eq(cgroup_create("a//b", NULL, &cg, NULL), -EINVAL);
	cr_assert_eq(cgroup_open("x/", &cg, NULL), -EINVAL);
	cr_assert_null(cg);
}
