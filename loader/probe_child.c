/* Running a probe in a forked child, bounded in time, and recording results. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"

void feature_ok(struct sbx_feature *f)
{
	f->ok = true;
	f->err = 0;
	f->reason[0] = '\0';
}

void feature_fail(struct sbx_feature *f, int err, const char *fmt, ...)
{
	va_list ap;

	f->ok = false;
	f->err = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

const char *errno_name(int err)
{
	static __thread char buf[24];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

long long probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int probe_ms_left(long long deadline)
{
	long long left = deadline - probe_now_ms();

	return left > 0 ? (int)left : 0;
}

/* Wait for pid until the deadline; kill it then. Returns its wait status, or -ETIMEDOUT. */
static int reap_until(pid_t pid, long long deadline)
{
	const struct timespec tick = {.tv_nsec = 1000000};
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (probe_ms_left(deadline) == 0)
			break;
		nanosleep(&tick, NULL);
	}
	probe_child_reap(pid, true);
	return -ETIMEDOUT;
}

void probe_child_reap(pid_t pid, bool kill_it)
{
	if (pid <= 0)
		return;
	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Read up to len bytes from fd until EOF or the deadline. */
static ssize_t read_until(int fd, void *buf, size_t len, long long deadline)
{
	size_t got = 0;
	char scratch[256];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, probe_ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		char *dst = got < len ? (char *)buf + got : scratch;
		size_t room = got < len ? len - got : sizeof(scratch);
		ssize_t n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)got;
		if (got < len)
			got += (size_t)n;
	}
}

ssize_t probe_in_child(probe_child_fn fn, void *arg, void *buf, size_t len, int timeout_ms)
{
	long long deadline = probe_now_ms() + timeout_ms;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	_cleanup_close_ int rfd = fds[0];
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(rfd);
		_exit(fn(arg, fds[1]) & 0xff);
	}
	close(fds[1]);

	ssize_t n = read_until(rfd, buf, len, deadline);
	if (n == -ETIMEDOUT) {
		probe_child_reap(pid, true);
		return n;
	}
	int status = reap_until(pid, deadline);
	if (status < 0)
		return status;
	if (n == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return -ECHILD;
	return n;
}
