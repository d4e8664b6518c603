/* sentry/proc.c: a caller's status, read through a file kept open per thread. What must hold:
 * every read is fresh (a change of umask or credentials between two calls shows), a thread
 * that is gone answers ESRCH and gives its slot back, and a tid reused by a new task is never
 * answered with the old task's file, nor the old task's file with the new task's status. */
#include <criterion/criterion.h>

#include "sentry/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(sentry_proc, .timeout = 20);

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A child that takes `umask` and `name`, says so on `ready`, then waits to be killed; a byte
 * on `go` makes it switch to umask 0077 and say so again. */
static pid_t spawn(mode_t mask, const char *name, int ready, int go)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	umask(mask);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	char b = 1;
	if (write(ready, &b, 1) != 1)
		_exit(1);
	if (go >= 0 && read(go, &b, 1) == 1) {
		umask(0077);
		if (write(ready, &b, 1) != 1)
			_exit(1);
	}
	for (;;)
		pause();
}

static void wait_byte(int fd)
{
	char b;
	cr_assert_eq(read(fd, &b, 1), 1);
}

Test(sentry_proc, reads_are_fresh_and_match_the_task)
{
	struct sentry s = {0};
	int ready[2], go[2];
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = spawn(0027, "sbx-proc-a", ready[1], go[0]);
	cr_assert_gt(pid, 0);
	wait_byte(ready[0]);

	struct sentry_task_status st;
	cr_assert_eq(sentry_caller_status(&s, pid, &st), 0);
	cr_expect_eq(st.tgid, pid);
	cr_expect_eq(st.umask, 0027);
	cr_expect_eq(st.fsuid, geteuid());
	cr_expect_eq(st.fsgid, getegid());
	cr_expect_str_eq(st.comm, "sbx-proc-a");
	gid_t groups[64];
	int n = getgroups(64, groups);
	cr_expect_eq(st.ngroups, n);

	/* The same thread again, after it changed: the kept file reads anew. */
	cr_assert_eq(write(go[1], "x", 1), 1);
	wait_byte(ready[0]);
	cr_assert_eq(sentry_caller_status(&s, pid, &st), 0);
	cr_expect_eq(st.umask, 0077);

	/* Gone: ESRCH, and the slot's file is closed. */
	int before = count_fds();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_expect_eq(sentry_caller_status(&s, pid, &st), -ESRCH);
	cr_expect_eq(count_fds(), before - 1);
	sentry_status_fds_close(&s);
}

static void *thread_main(void *arg)
{
	int *tid = arg;
	*tid = (int)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

Test(sentry_proc, a_thread_names_its_process)
{
	struct sentry s = {0};
	int tid = 0;
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, thread_main, &tid), 0);
	while (__atomic_load_n(&tid, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	struct sentry_task_status st;
	cr_assert_eq(sentry_caller_status(&s, tid, &st), 0);
	cr_expect_eq(st.tgid, getpid());
	sentry_status_fds_close(&s);
}

Test(sentry_proc, more_threads_than_slots)
{
	struct sentry s = {0};
	int ready[2];
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pids[SENTRY_STATUS_FDS + 3];
	int before = count_fds();
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		pids[i] = spawn((mode_t)(i & 0777), "sbx-proc-n", ready[1], -1);
		cr_assert_gt(pids[i], 0);
		wait_byte(ready[0]);
	}
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
			struct sentry_task_status st;
			cr_assert_eq(sentry_caller_status(&s, pids[i], &st), 0);
			cr_expect_eq(st.tgid, pids[i]);
			cr_expect_eq(st.umask, (mode_t)(i & 0777));
		}
	}
	cr_expect_eq(count_fds(), before + SENTRY_STATUS_FDS);
	sentry_status_fds_close(&s);
	cr_expect_eq(count_fds(), before);
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

/* In a PID namespace of our own, with its /proc: a task, its status file kept, the task gone,
 * a new task given the same pid (ns_last_pid). Exit 0 if the new task's status is what the
 * sentry reads, 77 if the pid could not be reused, another code for a failure. */
static int reuse_in_namespace(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return 77;
	struct sentry s = {0};
	struct sentry_task_status st;
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 2;
	pid_t first = spawn(0027, "sbx-proc-old", ready[1], -1);
	char b;
	if (first < 0 || read(ready[0], &b, 1) != 1)
		return 3;
	if (sentry_caller_status(&s, first, &st) < 0 || st.umask != 0027)
		return 4;
	kill(first, SIGKILL);
	waitpid(first, NULL, 0);
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	char last[16];
	int n = snprintf(last, sizeof(last), "%d", (int)first - 1);
	if (fd < 0 || write(fd, last, (size_t)n) != n)
		return 77;
	close(fd);
	pid_t second = spawn(0022, "sbx-proc-new", ready[1], -1);
	if (second < 0 || read(ready[0], &b, 1) != 1)
		return 5;
	int ret = 0;
	if (second != first)
		ret = 77;
	else if (sentry_caller_status(&s, second, &st) < 0)
		ret = 6;
	else if (st.umask != 0022 || strcmp(st.comm, "sbx-proc-new") != 0)
		ret = 7;
	kill(second, SIGKILL);
	waitpid(second, NULL, 0);
	sentry_status_fds_close(&s);
	return ret;
}

Test(sentry_proc, a_reused_tid_reads_the_new_task)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID;
	if (geteuid() != 0)
		flags |= CLONE_NEWUSER;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (unshare(flags) < 0)
			_exit(77);
		pid_t init = fork(); /* pid 1 of the new namespace */
		if (init == 0)
			_exit(reuse_in_namespace());
		int status;
		if (init < 0 || waitpid(init, &status, 0) < 0 || !WIFEXITED(status))
			_exit(1);
		_exit(WEXITSTATUS(status));
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "status %#x", status);
	if (WEXITSTATUS(status) == 77)
		cr_skip("no PID namespace with a settable ns_last_pid here");
	cr_expect_eq(WEXITSTATUS(status), 0, "step %d failed", WEXITSTATUS(status));
}
