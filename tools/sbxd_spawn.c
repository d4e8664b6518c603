/* Starting a sentry that is not sbxd's child: fork, setsid, fork again, join the sentry cgroup
 * (if any), exec. A restart of sbxd (or its death) leaves every sentry serving its container;
 * in a cgroup of their own, so does a restart of sbxd's pod. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdpass.h"
#include "lib/util.h"
#include "tools/sbxd.h"

#define SPAWN_REPORT_TIMEOUT_MS 10000

struct spawn {
	char *const *argv;
	const int *keep;
	size_t nkeep;
	const struct sbxd_cgroups *cg;
	int report_w;
};

/* Fail closed: a sentry that is not in its cgroup must not serve. Its report says why, in the
 * sentry's own format (a pid_t <= 0, then the message). */
static void join_or_exit(const struct spawn *s)
{
	char rep[sizeof(pid_t) + 512] = {0};
	if (sbxd_cgroups_join(s->cg, rep + sizeof(pid_t), sizeof(rep) - sizeof(pid_t)) == 0)
		return;
	write_all(s->report_w, rep, sizeof(pid_t) + strlen(rep + sizeof(pid_t)) + 1);
	_exit(126);
}

/* In the grandchild: its cgroup, then only the listed fds, inherited across exec, and
 * /dev/null for stdio. */
_Noreturn static void exec_detached(const struct spawn *s)
{
	char *const *argv = s->argv;
	const int *keep = s->keep;
	size_t nkeep = s->nkeep;
	join_or_exit(s);
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

/* Fork twice; the grandchild's pid comes back on a socket, with a pidfd the middle child opened
 * while the grandchild was its own unreaped child (so it is that process, whatever becomes of
 * the pid later). */
static int fork_detached(const struct spawn *s, pid_t *ret, int *ret_pidfd)
{
	int p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
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
			exec_detached(s);
		int pfd = g > 0 ? (int)syscall(SYS_pidfd_open, g, 0) : -1;
		fd_send(p[1], &pfd, pfd >= 0, &g, sizeof(g));
		_exit(g < 0 ? 1 : 0);
	}
	close(p[1]);
	pid_t g = -1;
	int pidfd = -1;
	size_t nfds = 0;
	int n = fd_recv(p[0], &pidfd, 1, &nfds, &g, sizeof(g));
	close(p[0]);
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(g) || g <= 0 || nfds != 1) {
		if (nfds == 1) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			close(pidfd);
		}
		return -ECHILD;
	}
	*ret = g;
	*ret_pidfd = pidfd;
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

int sbxd_spawn_sentry(struct sbxd *d, char *const argv[], const int *keep, size_t nkeep,
		      int report_w, int report_r, pid_t *ret_pid, uint64_t *ret_start,
		      struct sbx_error *err)
{
	const struct spawn s = {argv, keep, nkeep, &d->sentry_cg, report_w};
	pid_t pid = 0;
	_cleanup_close_ int pidfd = -1;
	int r = fork_detached(&s, &pid, &pidfd);
	close(report_w);
	if (r < 0)
		return sbx_err_errno(err, -r, "start %s", argv[0]);
	r = read_report(report_r, err);
	/* Its start time, read while the pidfd says it has not exited: then it is the
	 * sentry's, not a later process's of the same pid. */
	uint64_t start = r < 0 ? 0 : proc_start_time(pid);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	if (r == 0 && (!start || poll(&pfd, 1, 0) != 0))
		r = sbx_err(err, EIO, "the sentry exited after it was ready");
	if (r < 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		return r;
	}
	*ret_pid = pid;
	*ret_start = start;
	return 0;
}
