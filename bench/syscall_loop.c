/* syscall_loop: time one system call in a tight loop, print nanoseconds per call.
 *
 *   syscall_loop getppid|mknodat|sysinfo N
 *
 * Static, so the same binary runs on the host, inside an sbx sandbox (bind-mounted) and under
 * bench/notify_raw. Warms up with N/10 calls, then times N calls with CLOCK_MONOTONIC.
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

enum mode { GETPPID, MKNODAT, SYSINFO };

static int call(enum mode m)
{
	struct sysinfo si;
	long r;
	switch (m) {
	case GETPPID:
		return syscall(SYS_getppid) >= 0 ? 0 : -1; /* 0 in a PID namespace */
	case MKNODAT:
		r = syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-sbx-bench/blk", S_IFBLK | 0600,
			    makedev(8, 0));
		return r < 0 && errno == EPERM ? 0 : -1;
	case SYSINFO:
		return syscall(SYS_sysinfo, &si) == 0 ? 0 : -1;
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
	long n = argc > 2 ? atol(argv[2]) : 0;
	if (argc != 3 || n <= 0)
		goto usage;
	if (!strcmp(argv[1], "getppid"))
		m = GETPPID;
	else if (!strcmp(argv[1], "mknodat"))
		m = MKNODAT;
	else if (!strcmp(argv[1], "sysinfo"))
		m = SYSINFO;
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
		call(m);
	double t1 = now_ns();
	printf("%.1f\n", (t1 - t0) / n);
	return 0;
usage:
	fprintf(stderr, "usage: syscall_loop getppid|mknodat|sysinfo N\n");
	return 2;
}
