/* timeit: run a command once and print its wall-clock time.
 *
 *   timeit [--mntns FILE] CMD ARGS...
 *
 * Prints "<milliseconds> <exit status>" on stdout; the command's stdout goes to /dev/null and
 * its stderr is left as it is (bench/run sends it to a log). With --mntns, joins that mount
 * namespace (e.g. /proc/PID/ns/mnt of a process holding one) first, outside the timed part.
 * The clock is CLOCK_MONOTONIC, from just before fork(2) to the return of waitpid(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--mntns")) {
		int fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
			fprintf(stderr, "timeit: join %s: %s\n", argv[i + 1], strerror(errno));
			return 125;
		}
		close(fd);
		if (chdir("/") < 0)
			return 125;
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: timeit [--mntns FILE] CMD ARGS...\n");
		return 2;
	}
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		if (null >= 0)
			dup2(null, 1);
		execvp(argv[i], argv + i);
		fprintf(stderr, "timeit: exec %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	double t1 = now_ms();
	printf("%.2f %d\n", t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
