/* fdops: attribute changes through an fd (fchmod, fchown, futimens, fsetxattr, fremovexattr,
 * and fchmodat2 / fchownat / utimensat / linkat with "" and AT_EMPTY_PATH on an O_PATH fd),
 * each checked by a fresh stat of the path. One line per check: "NAME: ok [what stat shows]"
 * or "NAME: errno ENAME". Raw syscalls, so the C library rewrites nothing.
 *
 *   fdops ro FILE    FILE exists: every change through fds opened O_RDONLY (or O_PATH);
 *                    then FILE.link (linkat) is unlinked while open: fchmod on a deleted file
 *   fdops new FILE   FILE is created (O_CREAT | O_WRONLY) and changed through that fd
 *   fdops tmpfile DIR VOL RO PRIV
 *                    an O_TMPFILE in DIR, written, then linked (/proc/self/fd/N followed, and
 *                    AT_EMPTY_PATH) and read back by name; the links Linux refuses: onto a
 *                    name that exists, into a missing directory, another mount (VOL, and PRIV
 *                    a private tmpfs), a read-only volume (RO, where RO/file exists), an
 *                    O_TMPFILE opened O_EXCL, the magic link itself (no AT_SYMLINK_FOLLOW);
 *                    and O_TMPFILEs made in VOL and PRIV, linked there. Leaves nothing. */
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

static char *in(const char *dir, const char *name)
{
	static char bufs[8][4200];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void said(const char *name, long r)
{
	if (r < 0)
		printf("%s: errno %s\n", name, strerrorname_np(errno) ?: "E?");
	else
		printf("%s: ok\n", name);
	fflush(stdout);
}

/* What the file at `path` holds, as "NAME: content" (or its errno). */
static void content(const char *name, const char *path)
{
	char buf[64];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		printf("%s: errno %s\n", name, strerrorname_np(errno) ?: "E?");
	else
		printf("%s: %.*s\n", name, (int)n, buf);
	if (fd >= 0)
		close(fd);
}

static long link_proc(int fd, const char *to, int flags)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return syscall(SYS_linkat, AT_FDCWD, proc, AT_FDCWD, to, flags);
}

static long link_empty(int fd, const char *to)
{
	return syscall(SYS_linkat, fd, "", AT_FDCWD, to, AT_EMPTY_PATH);
}

static int tmpfile_in(const char *dir, int flags)
{
	int fd =
	    (int)syscall(SYS_openat, AT_FDCWD, dir, O_TMPFILE | O_RDWR | O_CLOEXEC | flags, 0640);
	if (fd < 0 || write(fd, "tmp", 3) != 3) {
		printf("tmpfile %s: errno %s\n", dir, strerrorname_np(errno) ?: "E?");
		exit(1);
	}
	return fd;
}

/* The links Linux refuses, each of `fd` (an O_TMPFILE in DIR). */
static void tmpfile_refusals(int fd, const char *dir, const char *vol, const char *ro,
			     const char *priv)
{
	said("link_exists", link_empty(fd, in(dir, "t-empty")));
	said("link_missing_dir", link_proc(fd, in(dir, "missing/t"), AT_SYMLINK_FOLLOW));
	said("link_nofollow", link_proc(fd, in(dir, "t-magic"), 0));
	said("link_volume", link_proc(fd, in(vol, "t"), AT_SYMLINK_FOLLOW));
	said("link_volume_empty", link_empty(fd, in(vol, "t")));
	said("link_private", link_proc(fd, in(priv, "t"), AT_SYMLINK_FOLLOW));
	said("link_private_empty", link_empty(fd, in(priv, "t")));
	said("link_ro", link_proc(fd, in(ro, "t"), AT_SYMLINK_FOLLOW));
	said("link_ro_exists", link_empty(fd, in(ro, "file")));
	int excl = tmpfile_in(dir, O_EXCL);
	said("excl_link_proc", link_proc(excl, in(dir, "t-excl"), AT_SYMLINK_FOLLOW));
	said("excl_link_empty", link_empty(excl, in(dir, "t-excl")));
	close(excl);
}

static int tmpfile_links(const char *dir, const char *vol, const char *ro, const char *priv)
{
	int fd = tmpfile_in(dir, 0);
	said("link_proc", link_proc(fd, in(dir, "t-proc"), AT_SYMLINK_FOLLOW));
	said("link_empty", link_empty(fd, in(dir, "t-empty")));
	content("content_proc", in(dir, "t-proc"));
	content("content_empty", in(dir, "t-empty"));
	struct stat st;
	said("fstat", fstat(fd, &st));
	printf("nlink: %ld\n", (long)st.st_nlink);
	tmpfile_refusals(fd, dir, vol, ro, priv);
	close(fd);
	fd = tmpfile_in(vol, 0);
	said("vol_link_proc", link_proc(fd, in(vol, "t-vol"), AT_SYMLINK_FOLLOW));
	content("vol_content", in(vol, "t-vol"));
	close(fd);
	fd = tmpfile_in(priv, 0);
	said("priv_link_empty", link_empty(fd, in(priv, "t-priv")));
	close(fd);
	const char *made[] = {in(dir, "t-proc"), in(dir, "t-empty"), in(vol, "t-vol"),
			      in(priv, "t-priv")};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		syscall(SYS_unlinkat, AT_FDCWD, made[i], 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "tmpfile") == 0)
		return tmpfile_links(argv[2], argv[3], argv[4], argv[5]);
	if (argc != 3) {
		fprintf(stderr, "usage: fdops ro|new FILE | tmpfile DIR VOL RO PRIV\n");
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
