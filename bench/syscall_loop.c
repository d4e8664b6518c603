/* syscall_loop: time one system call in a tight loop, print nanoseconds per call.
 *
 *   syscall_loop getppid|mknodat|sysinfo|openat_ro N
 *   syscall_loop create DIR N
 *
 * Static, so the same binary runs on the host, inside an sbx sandbox (bind-mounted) and under
 * bench/notify_raw. Warms up with N/10 calls, then times N calls with CLOCK_MONOTONIC.
 * openat_ro opens /etc/passwd O_RDONLY and closes it (one "call" is the pair). create makes
 * DIR/sbx-bench-loop (O_CREAT|O_EXCL|O_WRONLY), writes 64 bytes, closes and unlinks it; DIR
 * must exist and is left as it was.
 * mknodat asks for a block device (8:0) in a directory that does not exist, so a run outside any
 * filter creates nothing (ENOENT); sbx's sentry denies a block device with EPERM before it reads
 * the path. Anything but EPERM is reported as an error, so the benchmark never silently measures
 * a different path. Output: one line, "<ns per call>". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

enum mode { GETPPID, MKNODAT, SYSINFO, OPENAT_RO, CREATE };

static char create_path[4096];

static int call(enum mode m)
{
	static const char buf[64] = "sbx bench: create, write, close, unlink\n";
	struct sysinfo si;
	long r;
	int fd;
	switch (m) {
	case GETPPID:
		return syscall(SYS_getppid) >= 0 ? 0 : -1; /* 0 in a PID namespace */
	case MKNODAT:
		r = syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-sbx-bench/blk", S_IFBLK | 0600,
			    makedev(8, 0));
		return r < 0 && errno == EPERM ? 0 : -1;
	case SYSINFO:
		return syscall(SYS_sysinfo, &si) == 0 ? 0 : -1;
	case OPENAT_RO:
		fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		return close(fd);
	case CREATE:
		fd = openat(AT_FDCWD, create_path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -1;
		}
		if (close(fd) < 0)
			return -1;
		return unlink(create_path);
	}
	return -1;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	enum mode m;
	if (argc == 4 && !strcmp(argv[1], "create")) {
		if (snprintf(create_path, sizeof(create_path), "%s/sbx-bench-loop", argv[2]) >=
		    (int)sizeof(create_path))
			goto usage;
		argv[2] = argv[3];
		argc = 3;
	}
	long n = argc > 2 ? atol(argv[2]) : 0;
	if (argc != 3 || n <= 0)
		goto usage;
	if (!strcmp(argv[1], "getppid"))
		m = GETPPID;
	else if (!strcmp(argv[1], "mknodat"))
		m = MKNODAT;
	else if (!strcmp(argv[1], "sysinfo"))
		m = SYSINFO;
	else if (!strcmp(argv[1], "openat_ro"))
		m = OPENAT_RO;
	else if (!strcmp(argv[1], "create") && create_path[0])
		m = CREATE;
	else
		goto usage;

	for (long i = 0; i < n / 10 + 1; i++) {
		if (call(m) < 0) {
			fprintf(stderr, "syscall_loop: %s: unexpected result: %s\n", argv[1],
				strerror(errno));
			return 1;
		}
	}
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (call(m) < 0 && m >= OPENAT_RO) { /* a failing open would time the error path */
			fprintf(stderr, "syscall_loop: %s: call %ld failed: %s\n", argv[1], i,
				strerror(errno));
			return 1;
		}
	double t1 = now_ns();
	printf("%.1f\n", (t1 - t0) / n);
	return 0;
usage:
	fprintf(stderr, "usage: syscall_loop getppid|mknodat|sysinfo|openat_ro N\n"
			"       syscall_loop create DIR N\n");
	return 2;
}
