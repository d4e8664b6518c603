/* Starting a sentry that is not sbxd's child: fork, setsid, fork again, exec. A restart of sbxd
 * (or its death) leaves every sentry serving its container. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

#define SPAWN_REPORT_TIMEOUT_MS 10000

/* In the grandchild: only the listed fds, inherited across exec, and /dev/null for stdio. */
_Noreturn static void exec_detached(char *const argv[], const int *keep, size_t nkeep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_fds_from(3, keep, nkeep);
	for (size_t i = 0; i < nkeep; i++)
		fcntl(keep[i], F_SETFD, 0);
	execv(argv[0], argv);
	_exit(127);
}

/* Fork twice; the grandchild's pid comes back on a pipe. */
static int fork_detached(char *const argv[], const int *keep, size_t nkeep, pid_t *ret)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t c = fork();
	if (c < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (c == 0) {
		close(p[0]);
		setsid();
		pid_t g = fork();
		if (g == 0)
			exec_detached(argv, keep, nkeep);
		write_all(p[1], &g, sizeof(g));
		_exit(g < 0 ? 1 : 0);
	}
	close(p[1]);
	pid_t g = -1;
	ssize_t n;
	while ((n = read(p[0], &g, sizeof(g))) < 0 && errno == EINTR)
		;
	close(p[0]);
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(g) || g <= 0)
		return -ECHILD;
	*ret = g;
	return 0;
}

/* The sentry's report: a pid_t (> 0: ready), then a NUL-terminated message. */
static int read_report(int fd, struct sbx_error *err)
{
	char buf[1200] = {0};
	size_t len = 0;
	while (len < sizeof(buf) - 1) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, SPAWN_REPORT_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return sbx_err(err, ETIMEDOUT, "the sentry did not report");
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	pid_t pid;
	if (len < sizeof(pid))
		return sbx_err(err, EIO, "the sentry exited before it was ready");
	memcpy(&pid, buf, sizeof(pid));
	if (pid <= 0)
		return sbx_err(err, EIO, "sentry: %s", buf + sizeof(pid));
	return 0;
}

int sbxd_spawn_sentry(_unused_ struct sbxd *d, char *const argv[], const int *keep, size_t nkeep,
		      int report_w, int report_r, pid_t *ret_pid, struct sbx_error *err)
{
	pid_t pid = 0;
	int r = fork_detached(argv, keep, nkeep, &pid);
	close(report_w);
	if (r < 0)
		return sbx_err_errno(err, -r, "start %s", argv[0]);
	r = read_report(report_r, err);
	if (r < 0) {
		kill(pid, SIGKILL);
		return r;
	}
	*ret_pid = pid;
	return 0;
}
