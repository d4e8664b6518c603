/* sbx-create-loop DIR N: N times, openat(DIR/sbx-create-loop, O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC),
 * check that the returned fd is the file just created (write-only, a regular file, the inode
 * DIR/sbx-create-loop names), write, close, unlink. Static, for use inside a sandbox.
 *
 * On the first call that goes wrong, prints one line to stderr naming the iteration, the step,
 * the fd openat returned and the errno, and exits 1. Otherwise prints "ok N" and exits 0.
 * Checks the fd itself rather than trusting write(), so a reply that claims success without
 * installing the file (fd 0, or another open fd) is caught at the openat. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(long i, const char *step, long fd, int err)
{
	fprintf(stderr, "sbx-create-loop: iteration %ld: %s: fd %ld: %s\n", i, step, fd,
		err ? strerror(err) : "unexpected");
	return 1;
}

int main(int argc, char **argv)
{
	static const char buf[64] = "sbx create loop\n";
	char path[4096];
	long n = argc == 3 ? atol(argv[2]) : 0;
	if (n <= 0 ||
	    snprintf(path, sizeof(path), "%s/sbx-create-loop", argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "usage: sbx-create-loop DIR N\n");
		return 2;
	}
	unlink(path);
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(i, "openat", fd, errno);
		struct stat st, want;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return fail(i, "fcntl", fd, errno);
		if ((fl & O_ACCMODE) != O_WRONLY)
			return fail(i, "access mode not O_WRONLY", fd, 0);
		if (fstat(fd, &st) < 0)
			return fail(i, "fstat", fd, errno);
		if (stat(path, &want) < 0)
			return fail(i, "stat", fd, errno);
		if (!S_ISREG(st.st_mode) || st.st_ino != want.st_ino || st.st_dev != want.st_dev)
			return fail(i, "fd is not the created file", fd, 0);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return fail(i, "write", fd, errno);
		if (close(fd) < 0)
			return fail(i, "close", fd, errno);
		if (unlink(path) < 0)
			return fail(i, "unlink", fd, errno);
	}
	printf("ok %ld\n", n);
	return 0;
}
