/* lsm-probe VERB[:ARG[:ARG]]...: try each operation that a BPF-LSM hook decides and print
 * "VERB: ok" or "VERB: denied ERRNO" (the errno's name) per line. Static: it runs in
 * sandboxes and in the test cgroups of tests/vm/lsm.c alike.
 *
 *   open:PATH:r|w|t      open read-only, for writing, read-only with O_TRUNC
 *   exec:PATH            fork and execve PATH (ok: it ran)
 *   kill:PID:SIG         kill(2); PID "self": our own
 *   ptrace:PID           PTRACE_SEIZE (the tracee is let go when we exit)
 *   ptrace-child         PTRACE_SEIZE of a child of ours
 *   mount                in a mount namespace of our own: make / private (a mount(2))
 *   move-mount           in a mount namespace of our own: open_tree + move_mount
 *   bpf                  BPF_MAP_CREATE of a small array
 *   init-module          init_module of a few bytes that are no module
 *   finit-module:PATH    finit_module of PATH
 *   socket:FAMILY        socket(FAMILY, SOCK_DGRAM, 0): the kernel may ask for a module
 *   perf                 perf_event_open of the task clock, this task
 *   connect:ADDR:PORT    TCP connect to an IPv4 or IPv6 address */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/mount.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int result(const char *verb, long r)
{
	if (r >= 0)
		printf("%s: ok\n", verb);
	else
		printf("%s: denied %s\n", verb, strerrorname_np(errno) ?: "?");
	fflush(stdout);
	return 0;
}

static long do_open(const char *path, const char *how)
{
	int flags = how[0] == 'w' ? O_WRONLY : how[0] == 't' ? O_RDONLY | O_TRUNC : O_RDONLY;
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* The child's execve errno comes back through a close-on-exec pipe; EOF: it ran. */
static long do_exec(const char *path)
{
	int p[2], e = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		execv(path, argv);
		e = errno;
		write(p[1], &e, sizeof(e));
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
	errno = e;
	return e ? -1 : 0;
}

static long do_ptrace_child(void)
{
	pid_t pid = fork();
	long r;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	r = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
	int e = errno;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	errno = e;
	return r;
}

static long private_ns(void)
{
	return unshare(CLONE_NEWNS);
}

static long do_mount(void)
{
	if (private_ns() < 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static long do_move_mount(void)
{
	int fd;

	if (private_ns() < 0)
		return -1;
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/tmp", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -1;
	return syscall(SYS_move_mount, fd, "", AT_FDCWD, "/mnt", MOVE_MOUNT_F_EMPTY_PATH);
}

static long do_bpf(void)
{
	union bpf_attr a = {
	    .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));

	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long do_finit_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return syscall(SYS_finit_module, fd, "", 0);
}

static long do_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static long do_perf(void)
{
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
				    .size = sizeof(a),
				    .config = PERF_COUNT_SW_TASK_CLOCK,
				    .disabled = 1};
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);

	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long do_connect(const char *addr, int port)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	bool v6 = strchr(addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long r;

	if (fd < 0)
		return -1;
	if (v6 ? inet_pton(AF_INET6, addr, &s6.sin6_addr) != 1
	       : inet_pton(AF_INET, addr, &s4.sin_addr) != 1) {
		errno = EINVAL;
		r = -1;
	} else {
		r = v6 ? connect(fd, (struct sockaddr *)&s6, sizeof(s6))
		       : connect(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static long run(char *verb, char *a, char *b)
{
	static const char junk[64] = "not a module";

	if (!strcmp(verb, "open") && a && b)
		return do_open(a, b);
	if (!strcmp(verb, "exec") && a)
		return do_exec(a);
	if (!strcmp(verb, "kill") && a && b)
		return kill(strcmp(a, "self") ? atoi(a) : getpid(), atoi(b));
	if (!strcmp(verb, "ptrace") && a)
		return ptrace(PTRACE_SEIZE, atoi(a), NULL, NULL);
	if (!strcmp(verb, "ptrace-child"))
		return do_ptrace_child();
	if (!strcmp(verb, "mount"))
		return do_mount();
	if (!strcmp(verb, "move-mount"))
		return do_move_mount();
	if (!strcmp(verb, "bpf"))
		return do_bpf();
	if (!strcmp(verb, "init-module"))
		return syscall(SYS_init_module, junk, sizeof(junk), "");
	if (!strcmp(verb, "finit-module") && a)
		return do_finit_module(a);
	if (!strcmp(verb, "socket") && a)
		return do_socket(atoi(a));
	if (!strcmp(verb, "perf"))
		return do_perf();
	if (!strcmp(verb, "connect") && a && b)
		return do_connect(a, atoi(b));
	fprintf(stderr, "lsm-probe: unknown operation %s\n", verb);
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *copy = strdup(argv[i]), *verb = copy, *a = NULL, *b = NULL;
		/* the last colon separates ARG2, so that an IPv6 address keeps its own */
		if ((a = strchr(copy, ':'))) {
			*a++ = '\0';
			if ((b = strrchr(a, ':')))
				*b++ = '\0';
		}
		errno = 0;
		result(argv[i], run(verb, a, b));
		free(copy);
	}
	return 0;
}
