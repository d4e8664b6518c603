/* Every gofer op against a real view: the happy path, and the errno Linux gives for the classic
 * failures. The gofer runs in a forked child; the test is the client (the sentry's side). */
#include "tests/data/gofer/harness.h"

#include <limits.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* tests/unit/gofer_noproc.c runs these again in a gofer without /proc. */
#ifndef GOFER_OPS_SUITE
#define GOFER_OPS_SUITE	  gofer_ops
#define GOFER_OPS_NO_PROC false
#endif

static void start(void)
{
	env_start_ex(NULL, false, GOFER_OPS_NO_PROC);
}

TestSuite(GOFER_OPS_SUITE, .init = start, .fini = env_stop, .timeout = 30);

static void read_back(const char *path, const char *want)
{
	char buf[256] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_geq(n, 0);
	cr_assert_str_eq(buf, want);
}

Test(GOFER_OPS_SUITE, open_create_write_read_back)
{
	int fd;
	cr_assert_eq(g_open("/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0666, &fd), 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "hello", 5), 5);
	close(fd);
	read_back(vpath("/new"), "hello");
	struct stat st;
	cr_assert_eq(stat(vpath("/new"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644, "umask 022 applied: %o", st.st_mode & 07777);
}

Test(GOFER_OPS_SUITE, open_existing_trunc_and_append)
{
	int fd;
	write_host(vpath("/f"), "0123456789");
	cr_assert_eq(g_open("/f", O_WRONLY | O_APPEND, 0, &fd), 0);
	cr_assert_eq(write(fd, "ab", 2), 2);
	close(fd);
	read_back(vpath("/f"), "0123456789ab");
	cr_assert_eq(g_open("/f", O_RDWR | O_TRUNC, 0, &fd), 0);
	cr_assert_eq(write(fd, "xy", 2), 2);
	close(fd);
	read_back(vpath("/f"), "xy");
}

Test(GOFER_OPS_SUITE, open_errors_as_linux)
{
	mkdir(vpath("/d"), 0755);
	write_host(vpath("/f"), "x");
	symlink("f", vpath("/lnk"));
	cr_expect_eq(g_open("/missing/x", O_WRONLY | O_CREAT, 0644, NULL), -ENOENT);
	cr_expect_eq(g_open("/missing", O_WRONLY, 0, NULL), -ENOENT);
	cr_expect_eq(g_open("/f", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -EEXIST);
	cr_expect_eq(g_open("/d", O_WRONLY, 0, NULL), -EISDIR);
	cr_expect_eq(g_open("/new/", O_WRONLY | O_CREAT, 0644, NULL), -EISDIR);
	cr_expect_eq(g_open("/f/x", O_WRONLY | O_CREAT, 0644, NULL), -ENOTDIR);
	cr_expect_eq(g_open("/lnk", O_WRONLY | O_NOFOLLOW, 0, NULL), -ELOOP);
	cr_expect_eq(g_open("/lnk", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -EEXIST);
	/* Not the gofer's business: refused before anything happens. */
	cr_expect_eq(g_open("/f", O_RDONLY, 0, NULL), -EINVAL);
	cr_expect_eq(g_open("/f", O_PATH | O_WRONLY, 0, NULL), -EINVAL);
	cr_expect_eq(g_open("relative", O_WRONLY | O_CREAT, 0644, NULL), -EINVAL);
}

/* /proc marks a removed directory's name with " (deleted)": one really named so still works. */
Test(GOFER_OPS_SUITE, open_in_directory_named_deleted)
{
	cr_assert_eq(mkdir(vpath("/d (deleted)"), 0755), 0);
	cr_expect_eq(g_open("/d (deleted)/f", O_WRONLY | O_CREAT, 0644, NULL), 0);
	cr_expect(exists_host(vpath("/d (deleted)/f")));
}

Test(GOFER_OPS_SUITE, open_follows_symlink_inside_view)
{
	int fd;
	write_host(vpath("/target"), "");
	symlink("/target", vpath("/abs"));
	symlink("/nowhere", vpath("/dangling"));
	cr_assert_eq(g_open("/abs", O_WRONLY, 0, &fd), 0);
	cr_assert_eq(write(fd, "t", 1), 1);
	close(fd);
	read_back(vpath("/target"), "t");
	/* O_CREAT through a dangling symlink creates its target, as Linux does. */
	cr_assert_eq(g_open("/dangling", O_WRONLY | O_CREAT, 0600, NULL), 0);
	cr_expect(exists_host(vpath("/nowhere")));
}

Test(GOFER_OPS_SUITE, open_tmpfile)
{
	int fd;
	cr_assert_eq(g_open("/", O_TMPFILE | O_RDWR, 0600, &fd), 0);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(st.st_nlink, 0);
	close(fd);
	cr_expect_eq(g_open("/", O_TMPFILE | O_RDONLY, 0600, NULL), -EINVAL);
}

Test(GOFER_OPS_SUITE, open_fifo_is_not_ours)
{
	cr_assert_eq(mkfifo(vpath("/fifo"), 0666), 0);
	cr_expect_eq(g_open("/fifo", O_WRONLY, 0, NULL), -EOPNOTSUPP);
	/* O_CREAT | O_EXCL opens nothing that exists: EEXIST, as Linux says. */
	cr_expect_eq(g_open("/fifo", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -EEXIST);
}

Test(GOFER_OPS_SUITE, ownership_follows_caller)
{
	chmod(env.view, 0777);
	current_caller = caller_user(1234, 5678);
	current_caller.umask = 077;
	cr_assert_eq(g_open("/owned", O_WRONLY | O_CREAT, 0666, NULL), 0);
	cr_assert_eq(g_path(GOFER_MKDIR, "/owned-dir", 0777, 0), 0);
	struct gofer_request r = rq(GOFER_SYMLINK);
	cr_assert_eq(call(&r, "owned", "/owned-link", NULL), 0);
	struct stat st;
	cr_assert_eq(stat(vpath("/owned"), &st), 0);
	cr_expect_eq(st.st_uid, 1234);
	cr_expect_eq(st.st_gid, 5678);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(stat(vpath("/owned-dir"), &st), 0);
	cr_expect_eq(st.st_uid, 1234);
	cr_expect_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(lstat(vpath("/owned-link"), &st), 0);
	cr_expect_eq(st.st_uid, 1234);
}

Test(GOFER_OPS_SUITE, mkdir)
{
	struct stat st;
	cr_assert_eq(g_path(GOFER_MKDIR, "/a", 0777, 0), 0);
	cr_assert_eq(stat(vpath("/a"), &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0755);
	cr_expect_eq(g_path(GOFER_MKDIR, "/a", 0755, 0), -EEXIST);
	cr_expect_eq(g_path(GOFER_MKDIR, "/a/", 0755, 0), -EEXIST);
	cr_expect_eq(g_path(GOFER_MKDIR, "/", 0755, 0), -EEXIST);
	cr_expect_eq(g_path(GOFER_MKDIR, "/x/y", 0755, 0), -ENOENT);
	cr_expect_eq(g_path(GOFER_MKDIR, "/a/b/", 0755, 0), 0);
	cr_expect(exists_host(vpath("/a/b")));
	cr_expect_eq(g_path(GOFER_MKDIR, "/a", 0170755, 0), -EINVAL);
}

Test(GOFER_OPS_SUITE, mknod_regular_and_fifo)
{
	struct stat st;
	cr_assert_eq(g_path(GOFER_MKNOD, "/fifo", S_IFIFO | 0644, 0), 0);
	cr_assert_eq(stat(vpath("/fifo"), &st), 0);
	cr_expect(S_ISFIFO(st.st_mode));
	cr_assert_eq(g_path(GOFER_MKNOD, "/reg", 0644, 0), 0);
	cr_assert_eq(stat(vpath("/reg"), &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(g_path(GOFER_MKNOD, "/reg", S_IFREG | 0644, 0), -EEXIST);
	cr_expect_eq(g_path(GOFER_MKNOD, "/chr", S_IFCHR | 0644, 0), -EINVAL);
	cr_expect_eq(g_path(GOFER_MKNOD, "/blk", S_IFBLK | 0644, 0), -EINVAL);
	/* a socket node needs no CAP_MKNOD in Linux either */
	cr_assert_eq(g_path(GOFER_MKNOD, "/sock", S_IFSOCK | 0644, 0), 0);
	cr_assert_eq(stat(vpath("/sock"), &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
}

Test(GOFER_OPS_SUITE, unlink_and_rmdir)
{
	mkdir(vpath("/d"), 0755);
	mkdir(vpath("/full"), 0755);
	write_host(vpath("/full/f"), "");
	write_host(vpath("/f"), "");
	cr_expect_eq(g_path(GOFER_UNLINK, "/d", 0, 0), -EISDIR);
	cr_expect_eq(g_path(GOFER_UNLINK, "/f/", 0, 0), -ENOTDIR);
	cr_expect_eq(g_path(GOFER_UNLINK, "/f", 0, AT_REMOVEDIR), -ENOTDIR);
	cr_expect_eq(g_path(GOFER_UNLINK, "/full", 0, AT_REMOVEDIR), -ENOTEMPTY);
	cr_expect_eq(g_path(GOFER_UNLINK, "/nope", 0, 0), -ENOENT);
	cr_expect_eq(g_path(GOFER_UNLINK, "/f", 0, 0), 0);
	cr_expect_not(exists_host(vpath("/f")));
	cr_expect_eq(g_path(GOFER_UNLINK, "/d/", 0, AT_REMOVEDIR), 0);
	cr_expect_not(exists_host(vpath("/d")));
}

Test(GOFER_OPS_SUITE, rename_flags)
{
	write_host(vpath("/a"), "A");
	write_host(vpath("/b"), "B");
	mkdir(vpath("/d"), 0755);
	cr_expect_eq(g_two(GOFER_RENAME, "/a", "/b", RENAME_NOREPLACE, 0), -EEXIST);
	cr_expect_eq(g_two(GOFER_RENAME, "/a", "/b", RENAME_EXCHANGE, 0), 0);
	read_back(vpath("/a"), "B");
	read_back(vpath("/b"), "A");
	cr_expect_eq(g_two(GOFER_RENAME, "/a", "/d", 0, 0), -EISDIR);
	cr_expect_eq(g_two(GOFER_RENAME, "/d", "/a", 0, 0), -ENOTDIR);
	cr_expect_eq(g_two(GOFER_RENAME, "/nope", "/c", 0, 0), -ENOENT);
	cr_expect_eq(g_two(GOFER_RENAME, "/a", "/d/c", 0, 0), 0);
	read_back(vpath("/d/c"), "B");
	cr_expect_eq(g_two(GOFER_RENAME, "/a", "/b", RENAME_NOREPLACE | RENAME_EXCHANGE, 0),
		     -EINVAL);
}

Test(GOFER_OPS_SUITE, link)
{
	struct stat st;
	write_host(vpath("/f"), "F");
	mkdir(vpath("/d"), 0755);
	symlink("/f", vpath("/s"));
	cr_assert_eq(g_two(GOFER_LINK, "/f", "/g", 0, 0), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_nlink, 2);
	cr_expect_eq(g_two(GOFER_LINK, "/f", "/g", 0, 0), -EEXIST);
	cr_expect_eq(g_two(GOFER_LINK, "/d", "/d2", 0, 0), -EPERM);
	cr_expect_eq(g_two(GOFER_LINK, "/nope", "/n2", 0, 0), -ENOENT);
	/* Without AT_SYMLINK_FOLLOW the link itself is linked; with it, its target. */
	cr_assert_eq(g_two(GOFER_LINK, "/s", "/s2", 0, 0), 0);
	cr_assert_eq(lstat(vpath("/s2"), &st), 0);
	cr_expect(S_ISLNK(st.st_mode));
	cr_assert_eq(g_two(GOFER_LINK, "/s", "/s3", 0, AT_SYMLINK_FOLLOW), 0);
	cr_assert_eq(lstat(vpath("/s3"), &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(st.st_nlink, 3);
}

/* An O_PATH reopen of `fd`, as the sentry passes it. */
static int reopen_path(int fd)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	int o = open(p, O_PATH | O_CLOEXEC);
	cr_assert_geq(o, 0, "reopen %s: %s", p, strerror(errno));
	return o;
}

/* The file an fd holds, an O_TMPFILE the gofer made too, linked by the magic-link form (0) and
 * the AT_EMPTY_PATH form (a root caller: CAP_DAC_READ_SEARCH); what Linux refuses, refused. */
Test(GOFER_OPS_SUITE, link_fd)
{
	struct stat st;
	int t, x;
	mkdir(vpath("/d"), 0755);
	cr_assert_eq(g_open("/d", O_TMPFILE | O_RDWR, 0600, &t), 0);
	cr_assert_eq(write(t, "tmp", 3), 3);
	int o = reopen_path(t);
	cr_assert_eq(g_link_fd(o, "/linked", 0), 0);
	read_back(vpath("/linked"), "tmp");
	cr_assert_eq(g_link_fd(t, "/d/again", AT_EMPTY_PATH), 0);
	cr_assert_eq(fstat(t, &st), 0);
	cr_expect_eq(st.st_nlink, 2);
	cr_expect_eq(g_link_fd(o, "/linked", 0), -EEXIST);
	cr_expect_eq(g_link_fd(o, "/nope/x", 0), -ENOENT);
	cr_expect_eq(g_link_fd(o, "/new/", 0), -ENOENT, "a trailing slash");
	close(o);
	close(t);
	/* O_EXCL: never linkable. A file whose last link went: ENOENT too. */
	cr_assert_eq(g_open("/d", O_TMPFILE | O_RDWR | O_EXCL, 0600, &x), 0);
	cr_expect_eq(g_link_fd(x, "/excl", 0), -ENOENT);
	cr_expect_eq(g_link_fd(x, "/excl", AT_EMPTY_PATH), -ENOENT);
	close(x);
	write_host(vpath("/gone"), "g");
	int g = open(vpath("/gone"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(g, 0);
	unlink(vpath("/gone"));
	cr_expect_eq(g_link_fd(g, "/back", 0), -ENOENT);
	close(g);
	/* A directory: EPERM, as linkat says. */
	int d = open(vpath("/d"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_expect_eq(g_link_fd(d, "/d2", 0), -EPERM);
	cr_expect_eq(g_link_fd(d, "/d2", AT_EMPTY_PATH), -EPERM);
	close(d);
	cr_expect_not(exists_host(vpath("/excl")));
	cr_expect_not(exists_host(vpath("/d2")));
}

Test(GOFER_OPS_SUITE, symlink)
{
	char buf[64] = {0};
	cr_assert_eq(g_two(GOFER_SYMLINK, "../some/where", "/l", 0, 0), 0);
	cr_assert_gt(readlink(vpath("/l"), buf, sizeof(buf) - 1), 0);
	cr_expect_str_eq(buf, "../some/where");
	cr_expect_eq(g_two(GOFER_SYMLINK, "x", "/l", 0, 0), -EEXIST);
	cr_expect_eq(g_two(GOFER_SYMLINK, "", "/e", 0, 0), -ENOENT);
	cr_expect_eq(g_two(GOFER_SYMLINK, "x", "/no/l", 0, 0), -ENOENT);
}

Test(GOFER_OPS_SUITE, chmod)
{
	struct stat st;
	write_host(vpath("/f"), "");
	symlink("f", vpath("/s"));
	cr_assert_eq(g_path(GOFER_CHMOD, "/f", 04711, 0), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 04711);
	cr_assert_eq(g_path(GOFER_CHMOD, "/s", 0600, 0), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_eq(g_path(GOFER_CHMOD, "/s", 0600, AT_SYMLINK_NOFOLLOW), -EOPNOTSUPP);
	cr_expect_eq(g_path(GOFER_CHMOD, "/nope", 0600, 0), -ENOENT);
}

Test(GOFER_OPS_SUITE, chown)
{
	struct stat st;
	write_host(vpath("/f"), "");
	symlink("f", vpath("/s"));
	struct gofer_request r = rq(GOFER_CHOWN);
	r.uid = 1000;
	r.gid = (uint32_t)-1;
	cr_assert_eq(call(&r, "/f", NULL, NULL), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_uid, 1000);
	cr_expect_eq(st.st_gid, 0);
	r = rq(GOFER_CHOWN);
	r.uid = 7;
	r.gid = 8;
	r.at_flags = AT_SYMLINK_NOFOLLOW;
	cr_assert_eq(call(&r, "/s", NULL, NULL), 0);
	cr_assert_eq(lstat(vpath("/s"), &st), 0);
	cr_expect_eq(st.st_uid, 7);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_uid, 1000);
}

Test(GOFER_OPS_SUITE, truncate)
{
	struct stat st;
	write_host(vpath("/f"), "0123456789");
	mkdir(vpath("/d"), 0755);
	struct gofer_request r = rq(GOFER_TRUNCATE);
	r.length = 3;
	cr_assert_eq(call(&r, "/f", NULL, NULL), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_size, 3);
	cr_expect_eq(call(&r, "/d", NULL, NULL), -EISDIR);
	cr_expect_eq(call(&r, "/nope", NULL, NULL), -ENOENT);
	r.length = -1;
	cr_expect_eq(call(&r, "/f", NULL, NULL), -EINVAL);
}

Test(GOFER_OPS_SUITE, utimens)
{
	struct stat st;
	write_host(vpath("/f"), "");
	struct gofer_request r = rq(GOFER_UTIMENS);
	r.times[0][0] = 1000000000;
	r.times[0][1] = 5;
	r.times[1][0] = 1200000000;
	r.times[1][1] = 7;
	cr_assert_eq(call(&r, "/f", NULL, NULL), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_atim.tv_sec, 1000000000);
	cr_expect_eq(st.st_mtim.tv_sec, 1200000000);
	cr_expect_eq(st.st_mtim.tv_nsec, 7);
	r = rq(GOFER_UTIMENS);
	r.times[0][1] = UTIME_OMIT;
	r.times[1][1] = UTIME_NOW;
	cr_assert_eq(call(&r, "/f", NULL, NULL), 0);
	cr_assert_eq(stat(vpath("/f"), &st), 0);
	cr_expect_eq(st.st_atim.tv_sec, 1000000000);
	cr_expect_gt(st.st_mtim.tv_sec, 1200000000);
	r.times[1][1] = 1000000000;
	cr_expect_eq(call(&r, "/f", NULL, NULL), -EINVAL);
}

static int64_t g_xattr(enum gofer_op op, const char *path, const char *name, const char *value,
		       uint32_t flags)
{
	struct gofer_request r = rq(op);
	r.flags = flags;
	r.value_len = value ? (uint32_t)strlen(value) : 0;
	return gofer_call(env.sock, &r, current_groups, path, NULL, name, value, NULL);
}

Test(GOFER_OPS_SUITE, xattrs)
{
	char buf[64] = {0};
	write_host(vpath("/f"), "");
	mkdir(vpath("/d"), 0755);
	cr_assert_eq(g_xattr(GOFER_SETXATTR, "/f", "user.sbx", "v1", 0), 0);
	cr_assert_eq(getxattr(vpath("/f"), "user.sbx", buf, sizeof(buf)), 2);
	cr_expect_str_eq(buf, "v1");
	cr_expect_eq(g_xattr(GOFER_SETXATTR, "/f", "user.sbx", "v2", XATTR_CREATE), -EEXIST);
	cr_expect_eq(g_xattr(GOFER_SETXATTR, "/f", "user.new", "v", XATTR_REPLACE), -ENODATA);
	cr_expect_eq(g_xattr(GOFER_SETXATTR, "/d", "user.dir", "", 0), 0);
	cr_expect_eq(g_xattr(GOFER_SETXATTR, "/f", "", "v", 0), -ERANGE);
	cr_expect_eq(g_xattr(GOFER_REMOVEXATTR, "/f", "user.sbx", NULL, 0), 0);
	cr_expect_lt(getxattr(vpath("/f"), "user.sbx", buf, sizeof(buf)), 0);
	cr_expect_eq(g_xattr(GOFER_REMOVEXATTR, "/f", "user.sbx", NULL, 0), -ENODATA);
	cr_expect_eq(g_xattr(GOFER_SETXATTR, "/nope", "user.x", "v", 0), -ENOENT);
}

Test(GOFER_OPS_SUITE, access_w)
{
	write_host(vpath("/f"), "");
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/f", 0, 0), 0);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/nope", 0, 0), -ENOENT);
	current_caller = caller_user(1000, 1000);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/f", 0, 0), -EACCES);
	/* The object's permissions, not its directory's, with the whole mode asked. */
	write_host(vpath("/open"), "");
	chmod(vpath("/open"), 0666);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/open", W_OK, 0), 0, "0666 in a 0755 root dir");
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/open", W_OK | X_OK, 0), -EACCES, "X_OK too");
	mkdir(vpath("/home"), 0755);
	chown(vpath("/home"), 1000, 1000);
	write_host(vpath("/home/ro"), "");
	chmod(vpath("/home/ro"), 0444);
	chown(vpath("/home/ro"), 1000, 1000);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/home/ro", W_OK, 0), -EACCES, "0444 in own dir");
}

Test(GOFER_OPS_SUITE, malformed_request_answered_and_loop_continues)
{
	char junk[64];
	memset(junk, 0x5a, sizeof(junk));
	cr_assert_eq(send(env.sock, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	struct gofer_response resp;
	cr_assert_eq(recv(env.sock, &resp, sizeof(resp), 0), (ssize_t)sizeof(resp));
	cr_expect_eq(resp.result, -EINVAL);
	cr_expect_eq(resp.has_fd, 0);
	cr_expect_eq(g_path(GOFER_MKDIR, "/after", 0755, 0), 0);
}

Test(GOFER_OPS_SUITE, client_refuses_oversized)
{
	char long_path[GOFER_PATH_MAX + 8];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	cr_expect_eq(g_path(GOFER_MKDIR, long_path, 0755, 0), -ENAMETOOLONG);
	char comp[NAME_MAX + 8];
	memset(comp, 'b', sizeof(comp) - 1);
	comp[0] = '/';
	comp[sizeof(comp) - 1] = '\0';
	cr_expect_eq(g_path(GOFER_MKDIR, comp, 0755, 0), -ENAMETOOLONG);
}
