/* What the sbx-trace tests run in a sandbox: exact syscall counts, and one refusal per layer.
 *   trace-probe getppid N         N getppid calls, nothing else in between
 *   trace-probe open PATH         openat(PATH, O_RDONLY), prints "open PATH: ok|ENAME"
 *   trace-probe create PATH       openat(PATH, O_WRONLY|O_CREAT), writes a line
 *   trace-probe swapon            swapon("/nonexistent", 0): not in the default policy
 *   trace-probe connect IP PORT   TCP connect
 *   trace-probe getcpu            one getcpu call
 *   trace-probe every-ms MS N     N getppid calls, MS milliseconds apart
 *   trace-probe child-swapon      a child whose first syscall (swapon) is refused
 *   trace-probe rename-self       comm becomes ESC "[31mRED" (a terminal escape)
 *   trace-probe open-bad          openat("/tmp/\xff\xfe"): a name that is not UTF-8
 * Commands run in order; each prints one line. Exit status 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void result(const char *what, const char *arg, long r)
{
	printf("%s %s: %s\n", what, arg, r < 0 ? strerrorname_np(errno) : "ok");
	fflush(stdout);
}

static long do_connect(const char *ip, const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, ip, &a.sin_addr);
	long r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return r;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		if (!strcmp(c, "getppid") && i + 1 < argc) {
			long n = atol(argv[++i]);
			for (long k = 0; k < n; k++)
				syscall(SYS_getppid);
			result("getppid", argv[i], 0);
		} else if (!strcmp(c, "open") && i + 1 < argc) {
			int fd = open(argv[++i], O_RDONLY | O_CLOEXEC);
			result("open", argv[i], fd);
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(c, "create") && i + 1 < argc) {
			int fd = open(argv[++i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			long r = fd < 0 ? -1 : write(fd, "traced\n", 7);
			result("create", argv[i], r);
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(c, "swapon")) {
			result("swapon", "/nonexistent", syscall(SYS_swapon, "/nonexistent", 0));
		} else if (!strcmp(c, "connect") && i + 2 < argc) {
			i += 2;
			result("connect", argv[i], do_connect(argv[i - 1], argv[i]));
		} else if (!strcmp(c, "getcpu")) {
			unsigned cpu;
			result("getcpu", "-", syscall(SYS_getcpu, &cpu, NULL, NULL));
		} else if (!strcmp(c, "child-swapon")) {
			pid_t p = fork();
			if (p == 0)
				_exit(syscall(SYS_swapon, "/nonexistent", 0) < 0 ? 0 : 1);
			int st = 0;
			waitpid(p, &st, 0);
			result("child-swapon", "-", WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1);
		} else if (!strcmp(c, "rename-self")) {
			result("rename-self", "-", prctl(PR_SET_NAME, "\x1b[31mRED", 0, 0, 0));
			syscall(SYS_getppid);
		} else if (!strcmp(c, "open-bad")) {
			int fd = open("/tmp/\xff\xfe", O_RDONLY | O_CLOEXEC);
			result("open-bad", "-", fd < 0 && errno == ENOENT ? 0 : -1);
		} else if (!strcmp(c, "every-ms") && i + 2 < argc) {
			struct timespec ts = {0, atol(argv[i + 1]) * 1000000L};
			long n = atol(argv[i + 2]);
			i += 2;
			for (long k = 0; k < n; k++) {
				syscall(SYS_getppid);
				nanosleep(&ts, NULL);
			}
			result("every-ms", argv[i], 0);
		} else {
			fprintf(stderr, "trace-probe: bad command %s\n", c);
			return 2;
		}
	}
	return 0;
}
