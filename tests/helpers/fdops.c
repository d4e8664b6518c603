/* fdops: attribute changes through an fd (fchmod, fchown, futimens, fsetxattr, fremovexattr,
 * and fchmodat2 / fchownat / utimensat / linkat with "" and AT_EMPTY_PATH on an O_PATH fd),
 * each checked by a fresh stat of the path. One line per check: "NAME: ok [what stat shows]"
 * or "NAME: errno ENAME". Raw syscalls, so the C library rewrites nothing.
 *
 *   fdops ro FILE    FILE exists: every change through fds opened O_RDONLY (or O_PATH);
 *                    then FILE.link (linkat) is unlinked while open: fchmod on a deleted file
 *   fdops new FILE   FILE is created (O_CREAT | O_WRONLY) and changed through that fd */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static const char *file;

/* `show` picks what stat shows after success: 'm' mode, 'o' owner, 't' mtime, 'n' nlink. */
static void report(const char *name, long r, char show)
{
	struct stat st;
	if (r < 0) {
		printf("%s: errno %s\n", name, strerrorname_np(errno) ?: "E?");
	} else if (!show || stat(file, &st) < 0) {
		printf("%s: ok\n", name);
	} else if (show == 'm') {
		printf("%s: ok mode=%04o\n", name, st.st_mode & 07777);
	} else if (show == 'o') {
		printf("%s: ok owner=%u:%u\n", name, st.st_uid, st.st_gid);
	} else if (show == 't') {
		printf("%s: ok mtime=%ld\n", name, (long)st.st_mtim.tv_sec);
	} else {
		printf("%s: ok nlink=%ld\n", name, (long)st.st_nlink);
	}
	fflush(stdout);
}

static int open_file(int flags)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, file, flags | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("open: errno %s\n", strerrorname_np(errno) ?: "E?");
		exit(1);
	}
	return fd;
}

static void xattr_value(const char *name)
{
	char v[64];
	ssize_t n = getxattr(file, "user.sbx", v, sizeof(v) - 1);
	if (n < 0)
		printf("%s: errno %s\n", name, strerrorname_np(errno) ?: "E?");
	else
		printf("%s: %.*s\n", name, (int)n, v);
}

static void fd_calls(int fd)
{
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	report("fchmod", syscall(SYS_fchmod, fd, 0604), 'm');
	report("fchown", syscall(SYS_fchown, fd, 0, 0), 'o');
	report("fchown_other", syscall(SYS_fchown, fd, 1000, 1000), 'o');
	report("futimens", syscall(SYS_utimensat, fd, NULL, ts, 0), 't');
	report("futimens_omit", syscall(SYS_utimensat, fd, NULL, omit, 0), 't');
	report("futimens_flags", syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW), 0);
	report("fsetxattr", syscall(SYS_fsetxattr, fd, "user.sbx", "v1", 2, 0), 0);
	xattr_value("xattr");
	report("fremovexattr", syscall(SYS_fremovexattr, fd, "user.sbx"), 0);
	xattr_value("xattr_removed");
}

static void empty_path_calls(void)
{
	struct timespec ts[2] = {{2000000000, 0}, {2000000000, 0}};
	int fd = open_file(O_PATH);
	report("fchmod_opath", syscall(SYS_fchmod, fd, 0600), 0);
	report("fchmodat2_empty", syscall(SYS_fchmodat2, fd, "", 0640, AT_EMPTY_PATH), 'm');
	report("fchownat_empty", syscall(SYS_fchownat, fd, "", 0, 0, AT_EMPTY_PATH), 'o');
	report("utimensat_empty", syscall(SYS_utimensat, fd, "", ts, AT_EMPTY_PATH), 't');
	close(fd);
}

static void link_calls(void)
{
	char link[4200];
	snprintf(link, sizeof(link), "%s.link", file);
	int fd = open_file(O_RDONLY);
	report("linkat_empty", syscall(SYS_linkat, fd, "", AT_FDCWD, link, AT_EMPTY_PATH), 'n');
	close(fd);
	fd = (int)syscall(SYS_openat, AT_FDCWD, link, O_RDONLY | O_CLOEXEC);
	report("unlink_link", fd < 0 ? fd : syscall(SYS_unlinkat, AT_FDCWD, link, 0), 'n');
	if (fd >= 0)
		report("fchmod_deleted", syscall(SYS_fchmod, fd, 0600), 0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fdops ro|new FILE\n");
		return 2;
	}
	file = argv[2];
	if (strcmp(argv[1], "ro") == 0) {
		int fd = open_file(O_RDONLY);
		fd_calls(fd);
		close(fd);
		empty_path_calls();
		link_calls();
	} else if (strcmp(argv[1], "new") == 0) {
		int fd = open_file(O_CREAT | O_WRONLY | O_TRUNC);
		fd_calls(fd);
		close(fd);
		empty_path_calls();
	} else {
		return 2;
	}
	return 0;
}
