/* The keeper (keeper.h). */
#include "runtime/keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"

#define KEEPER_MAX_FDS 32

struct keeper {
	int init, sentry;    /* pidfds */
	int events, kill_fd; /* the sandbox's cgroup.events and cgroup.kill, or -1 */
	int keep[KEEPER_MAX_FDS];
	size_t n_keep;
};

static bool populated(int events)
{
	char buf[256];
	ssize_t n = pread(events, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false; /* the cgroup is gone */
	buf[n] = '\0';
	return !strstr(buf, "populated 0");
}

/* The sentry is gone and init still runs: fail closed. Without cgroup.kill (before 5.14)
 * init's pid namespace ends the rest. */
static void end_sandbox(const struct keeper *k)
{
	syscall(SYS_pidfd_send_signal, k->init, SIGKILL, NULL, 0);
	if (k->kill_fd >= 0)
		(void)!pwrite(k->kill_fd, "1", 1, 0);
}

/* Until init has exited, ending it if the sentry goes first; then until the sandbox's cgroup,
 * nested ones included, is empty (the BPF layers hold for whatever init left behind). */
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
	p[0] = (struct pollfd){.fd = k->events, .events = POLLPRI};
	while (k->events >= 0 && populated(k->events))
		if (poll(p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
	_exit(0);
}

_Noreturn static void keeper_main(struct keeper *k)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (int i = 0; null >= 0 && i < 3; i++)
		dup2(null, i);
	k->keep[k->n_keep++] = k->init;
	k->keep[k->n_keep++] = k->sentry;
	k->keep[k->n_keep++] = k->events;
	k->keep[k->n_keep++] = k->kill_fd;
	close_fds_from(3, k->keep, k->n_keep);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	prctl(PR_SET_NAME, "sbx-keeper", 0, 0, 0);
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

/* Born in `home` when there is one (clone3's CLONE_INTO_CGROUP: never for a moment in the
 * caller's cgroup). */
static pid_t spawn(const char *home, int *ret_pidfd)
{
	int dirfd = home ? open(home, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	struct clone_args ca = {.flags = CLONE_PIDFD | (dirfd >= 0 ? CLONE_INTO_CGROUP : 0),
				.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
				.exit_signal = SIGCHLD,
				.cgroup = dirfd >= 0 ? (uint64_t)dirfd : 0};

	if (home && dirfd < 0)
		return -errno;
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	int e = errno;
	if (pid != 0 && dirfd >= 0)
		close(dirfd);
	return pid < 0 ? -e : pid;
}

int keeper_start(const struct keeper_args *a, int *ret_pidfd)
{
	struct keeper k = {
	    .init = a->init_pidfd, .sentry = a->sentry_pidfd, .events = -1, .kill_fd = -1};
	int pidfd = -1;

	for (size_t i = 0; i < a->n_hold; i++) {
		if (a->hold[i] < 0)
			continue;
		if (k.n_keep == KEEPER_MAX_FDS - 4)
			return -E2BIG;
		k.keep[k.n_keep++] = a->hold[i];
	}
	if (a->cgroup_v2) {
		if ((k.events = open_in(a->cgroup_v2, "cgroup.events", O_RDONLY)) < 0)
			return k.events;
		if ((k.kill_fd = open_in(a->cgroup_v2, "cgroup.kill", O_WRONLY)) < 0)
			k.kill_fd = -1; /* before 5.14 */
	}
	pid_t pid = spawn(a->home, &pidfd);
	if (pid == 0)
		keeper_main(&k);
	if (k.events >= 0)
		close(k.events);
	if (k.kill_fd >= 0)
		close(k.kill_fd);
	if (pid < 0)
		return pid;
	*ret_pidfd = pidfd;
	return 0;
}
