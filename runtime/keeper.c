/* The keeper (keeper.h). */
#include "runtime/keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"

struct keeper {
	int init, sentry, events; /* pidfds; cgroup.events or -1 */
	int kill_fd;		  /* cgroup.kill or -1 */
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

/* The sentry is gone and init still runs: fail closed. */
static void end_sandbox(const struct keeper *k)
{
	syscall(SYS_pidfd_send_signal, k->init, SIGKILL, NULL, 0);
	if (k->kill_fd >= 0 && pwrite(k->kill_fd, "1", 1, 0) < 0) {
		/* no cgroup.kill (before 5.14): init's pid namespace ends the rest */
	}
}

/* Until init has exited, ending it if the sentry goes first; then until the cgroup is
 * empty (the BPF-LSM layer holds for whatever init left behind). */
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

_Noreturn static void keeper_main(const struct keeper_args *a, struct keeper *k)
{
	static const int quiet[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};
	int keep_fds[] = {a->hold, k->init, k->sentry, k->events, k->kill_fd};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; null >= 0 && i < 3; i++)
		dup2(null, i);
	close_fds_from(3, keep_fds, sizeof(keep_fds) / sizeof(keep_fds[0]));
	setsid();
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	prctl(PR_SET_NAME, "sbx-keeper", 0, 0, 0);
	keep(k);
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];

	if (!dir)
		return -1;
	if (path_join(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int keeper_start(const struct keeper_args *a, int *ret_pidfd)
{
	int pidfd = -1;
	struct keeper k = {.init = a->init_pidfd, .sentry = a->sentry_pidfd};

	k.events = open_in(a->cgroup_v2, "cgroup.events", O_RDONLY);
	if (k.events < -1)
		return k.events; /* the LSM layer needs it; without a v2 cgroup there is none */
	k.kill_fd = open_in(a->cgroup_v2, "cgroup.kill", O_WRONLY);
	if (k.kill_fd < 0)
		k.kill_fd = -1;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid == 0)
		keeper_main(a, &k);
	int r = pid < 0 ? -errno : 0;
	if (k.events >= 0)
		close(k.events);
	if (k.kill_fd >= 0)
		close(k.kill_fd);
	if (r == 0)
		*ret_pidfd = pidfd;
	return r;
}
