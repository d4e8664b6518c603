/* The keeper (keeper.h). */
#include "runtime/keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"

#define KEEPER_MAX_FDS 32

struct keeper {
	int init, sentry;   /* pidfds */
	int procs, kill_fd; /* the v2 cgroup's cgroup.procs and cgroup.kill, or -1 */
	int keep[KEEPER_MAX_FDS];
	size_t n_keep;
};

/* Whether a process other than us is left in the cgroup (we are in it: cgroup.events would
 * not say it is empty). */
static bool others_left(int procs)
{
	char buf[4096];
	ssize_t n = pread(procs, buf, sizeof(buf) - 1, 0);
	pid_t self = getpid();

	if (n <= 0)
		return false; /* empty, or the cgroup is gone */
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid != self)
			return true;
	}
	return false;
}

/* The sentry is gone and init still runs: fail closed. Without cgroup.kill (before 5.14)
 * init's pid namespace ends the rest. */
static void end_sandbox(const struct keeper *k)
{
	syscall(SYS_pidfd_send_signal, k->init, SIGKILL, NULL, 0);
	if (k->kill_fd >= 0)
		(void)!pwrite(k->kill_fd, "1", 1, 0);
}

/* Until init has exited, ending it if the sentry goes first; then until no other process is
 * left in the cgroup (the BPF layers hold for whatever init left behind; without a pid
 * namespace that may take a while, so once a second is often enough to look). */
_Noreturn static void keep(const struct keeper *k)
{
	struct pollfd p[2] = {{.fd = k->init, .events = POLLIN},
			      {.fd = k->sentry, .events = POLLIN}};

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		if (p[0].revents)
			break;
		if (p[1].revents) {
			end_sandbox(k);
			p[1].fd = -1;
		}
	}
	while (k->procs >= 0 && others_left(k->procs))
		sleep(1);
	_exit(0);
}

_Noreturn static void keeper_main(struct keeper *k)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; null >= 0 && i < 3; i++)
		dup2(null, i);
	k->keep[k->n_keep++] = k->init;
	k->keep[k->n_keep++] = k->sentry;
	k->keep[k->n_keep++] = k->procs;
	k->keep[k->n_keep++] = k->kill_fd;
	close_fds_from(3, k->keep, k->n_keep);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	prctl(PR_SET_NAME, KEEPER_COMM, 0, 0, 0);
	keep(k);
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Into the sandbox's v2 cgroup, by the monitor, before the keeper is relied on. */
static int move(int procs, pid_t pid)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return pwrite(procs, buf, (size_t)len, 0) == len ? 0 : -errno;
}

int keeper_start(const struct keeper_args *a, int *ret_pidfd)
{
	struct keeper k = {.init = a->init_pidfd, .sentry = a->sentry_pidfd, .kill_fd = -1};
	int pidfd = -1, r = 0;

	for (size_t i = 0; i < a->n_hold; i++)
		if (a->hold[i] >= 0 && k.n_keep < KEEPER_MAX_FDS - 4)
			k.keep[k.n_keep++] = a->hold[i];
	k.procs = a->cgroup_v2 ? open_in(a->cgroup_v2, "cgroup.procs", O_RDWR) : -1;
	if (k.procs < -1)
		return k.procs;
	if (a->cgroup_v2 && (k.kill_fd = open_in(a->cgroup_v2, "cgroup.kill", O_WRONLY)) < 0)
		k.kill_fd = -1; /* before 5.14 */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid == 0)
		keeper_main(&k);
	if (pid < 0)
		r = -errno;
	else if (k.procs >= 0 && (r = move(k.procs, pid)) < 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	if (k.procs >= 0)
		close(k.procs);
	if (k.kill_fd >= 0)
		close(k.kill_fd);
	if (r < 0 && pidfd >= 0)
		close(pidfd);
	if (r == 0)
		*ret_pidfd = pidfd;
	return r;
}
