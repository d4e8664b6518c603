/* The BPF-LSM keeper (lsm_keeper.h). */
#include "runtime/lsm_keeper.h"

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

static bool populated(int events)
{
	char buf[256];
	ssize_t n = pread(events, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false; /* the cgroup is gone */
	buf[n] = '\0';
	return !strstr(buf, "populated 0");
}

/* Until init has exited (its pidfd is readable), then until the cgroup is empty. */
_Noreturn static void keep(int init_pidfd, int events)
{
	struct pollfd p = {.fd = init_pidfd, .events = POLLIN};

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	p = (struct pollfd){.fd = events, .events = POLLPRI};
	while (populated(events))
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
	_exit(0);
}

_Noreturn static void keeper_main(int hold, int init_pidfd, int events)
{
	static const int quiet[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};
	int keep_fds[] = {hold, init_pidfd, events};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; null >= 0 && i < 3; i++)
		dup2(null, i);
	close_fds_from(3, keep_fds, sizeof(keep_fds) / sizeof(keep_fds[0]));
	setsid();
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	prctl(PR_SET_NAME, "sbx-lsm-keeper", 0, 0, 0);
	keep(init_pidfd, events);
}

int lsm_keeper_start(int hold, int init_pidfd, const char *cgroup_dir, int *ret_pidfd)
{
	char path[PATH_MAX];
	int pidfd = -1;

	if (path_join(path, sizeof(path), cgroup_dir, "cgroup.events") < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int events = open(path, O_RDONLY | O_CLOEXEC);
	if (events < 0)
		return -errno;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		keeper_main(hold, init_pidfd, events);
	*ret_pidfd = pidfd;
	return 0;
}
