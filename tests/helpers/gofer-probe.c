/* gofer-probe: bad input and attacks against the brokered file calls, one line per check:
 * "NAME: ok" or "NAME: errno ENAME". Raw syscalls throughout, so the C library neither checks
 * nor rewrites the arguments. It refuses to run outside a seccomp filter (a sandbox), so a
 * mistaken run on the host changes nothing there.
 *
 *   gofer-probe badpath DIR         paths over PATH_MAX, unterminated, unmapped (cwd DIR)
 *   gofer-probe dirfd DIR           a dirfd that is a regular file, a closed one
 *   gofer-probe opath DIR           O_PATH with write flags, O_TMPFILE and linking it
 *   gofer-probe xdev A B            renames and links between two mounts
 *   gofer-probe rovol DIR           changes in a read-only volume (DIR/file, DIR/dir exist)
 *   gofer-probe hidden P DIR        P is hidden (exists underneath), DIR its writable parent
 *   gofer-probe race DIR TARGET N   a thread swaps DIR/d with a symlink to TARGET N times
 *                                   while files are created and removed under DIR/d */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s: errno %s\n", name, strerrorname_np(errno) ?: "E?");
	else
		printf("%s: ok\n", name);
	fflush(stdout);
}

static void reportf(long r, const char *fmt, const char *arg)
{
	char name[128];
	snprintf(name, sizeof(name), fmt, arg);
	report(name, r);
}

static int in_sandbox(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, "Seccomp:\t2") != NULL;
}

static char *join(const char *dir, const char *name)
{
	static char bufs[8][4200];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Raw wrappers: -1 and errno on failure. */
static long sys_open(int dirfd, const char *p, int flags, int mode)
{
	long fd = syscall(SYS_openat, dirfd, p, flags | O_CLOEXEC, mode);
	return fd;
}

static long closed(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long make_file(const char *p, const char *data)
{
	long fd = sys_open(AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return fd;
	long r = write((int)fd, data, strlen(data));
	close((int)fd);
	return r;
}

/* The six calls of the bad-pointer checks: each takes a dirfd and a path that is the only
 * bad argument. `dir` names an existing directory for the other argument. */
struct op {
	const char *name;
	long (*call)(int dirfd, const char *p, const char *dir);
};

static long op_openat(int d, const char *p, const char *dir)
{
	(void)dir;
	return closed(sys_open(d, p, O_CREAT | O_WRONLY, 0644));
}

static long op_mkdirat(int d, const char *p, const char *dir)
{
	(void)dir;
	return syscall(SYS_mkdirat, d, p, 0755);
}

static long op_unlinkat(int d, const char *p, const char *dir)
{
	(void)dir;
	return syscall(SYS_unlinkat, d, p, 0);
}

static long op_rename_old(int d, const char *p, const char *dir)
{
	return syscall(SYS_renameat2, d, p, AT_FDCWD, join(dir, "rn-new"), 0);
}

static long op_rename_new(int d, const char *p, const char *dir)
{
	return syscall(SYS_renameat2, AT_FDCWD, join(dir, "exists"), d, p, 0);
}

static long op_symlink_link(int d, const char *p, const char *dir)
{
	(void)dir;
	return syscall(SYS_symlinkat, "target", d, p);
}

static long op_symlink_text(int d, const char *p, const char *dir)
{
	(void)d;
	return syscall(SYS_symlinkat, p, AT_FDCWD, join(dir, "sl-new"));
}

static long op_fchmodat(int d, const char *p, const char *dir)
{
	(void)dir;
	return syscall(SYS_fchmodat, d, p, 0600);
}

static const struct op ops[] = {
    {"openat-creat", op_openat},	 {"mkdirat", op_mkdirat},
    {"unlinkat", op_unlinkat},		 {"renameat2-old", op_rename_old},
    {"renameat2-new", op_rename_new},	 {"symlinkat-link", op_symlink_link},
    {"symlinkat-text", op_symlink_text}, {"fchmodat", op_fchmodat},
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* A page whose next page is unmapped. */
static char *page_before_hole(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m =
	    mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || munmap(m + pg, (size_t)pg) < 0) {
		perror("mmap");
		exit(2);
	}
	return m;
}

static int cmd_badpath(const char *dir)
{
	long pg = sysconf(_SC_PAGESIZE);
	if (chdir(dir) < 0 || make_file(join(dir, "exists"), "x") < 0) {
		perror(dir);
		return 2;
	}
	char *page = page_before_hole();
	/* over PATH_MAX: 5000 bytes, absolute */
	static char longp[5001];
	snprintf(longp, sizeof(longp), "%s/", dir);
	memset(longp + strlen(longp), 'a', sizeof(longp) - 1 - strlen(longp));
	/* exactly PATH_MAX bytes and no NUL in them, the next page unmapped */
	char *exact = page + pg - PATH_MAX;
	memset(exact, 'b', PATH_MAX);
	/* 100 bytes at the end of the page, no NUL: the read runs into the hole */
	char *unterm = page + pg - 100;
	/* relative, 4095 bytes + NUL: fits PATH_MAX as given; "x/x/..." that does not exist */
	static char rel[PATH_MAX];
	for (int i = 0; i < PATH_MAX - 1; i++)
		rel[i] = i % 2 ? '/' : 'x';
	rel[PATH_MAX - 2] = 'x';
	rel[PATH_MAX - 1] = '\0';
	const char *unmapped = page + pg + 16;
	for (size_t i = 0; i < NOPS; i++) {
		reportf(ops[i].call(AT_FDCWD, longp, dir), "%s-toolong", ops[i].name);
		memset(exact, 'b', PATH_MAX);
		reportf(ops[i].call(AT_FDCWD, exact, dir), "%s-pathmax", ops[i].name);
		memset(unterm, 'c', 100);
		reportf(ops[i].call(AT_FDCWD, unterm, dir), "%s-unterminated", ops[i].name);
		reportf(ops[i].call(AT_FDCWD, unmapped, dir), "%s-unmapped", ops[i].name);
		reportf(ops[i].call(AT_FDCWD, NULL, dir), "%s-null", ops[i].name);
		if (ops[i].call != op_symlink_text)
			reportf(ops[i].call(AT_FDCWD, rel, dir), "%s-rel4095", ops[i].name);
	}
	syscall(SYS_unlinkat, AT_FDCWD, join(dir, "exists"), 0);
	syscall(SYS_unlinkat, AT_FDCWD, join(dir, "sl-new"), 0);
	return 0;
}

static int cmd_dirfd(const char *dir)
{
	if (make_file(join(dir, "exists"), "x") < 0 || make_file(join(dir, "regular"), "x") < 0) {
		perror(dir);
		return 2;
	}
	long file = sys_open(AT_FDCWD, join(dir, "regular"), O_RDONLY, 0);
	long gone = sys_open(AT_FDCWD, join(dir, "regular"), O_RDONLY, 0);
	close((int)gone);
	for (size_t i = 0; i < NOPS; i++) {
		if (ops[i].call == op_symlink_text)
			continue; /* the link text takes no dirfd */
		reportf(ops[i].call((int)file, "x", dir), "%s-notdir", ops[i].name);
		reportf(ops[i].call((int)gone, "x", dir), "%s-badf", ops[i].name);
	}
	/* an absolute path ignores the dirfd */
	report("mkdirat-abs-closedfd", syscall(SYS_mkdirat, (int)gone, join(dir, "abs"), 0755));
	report("rmdir-abs", syscall(SYS_unlinkat, AT_FDCWD, join(dir, "abs"), AT_REMOVEDIR));
	/* AT_FDCWD-like negative numbers other than AT_FDCWD */
	report("mkdirat-negfd", syscall(SYS_mkdirat, -5, "x", 0755));
	close((int)file);
	syscall(SYS_unlinkat, AT_FDCWD, join(dir, "exists"), 0);
	syscall(SYS_unlinkat, AT_FDCWD, join(dir, "regular"), 0);
	return 0;
}

/* 0 if the file at `p` holds exactly `want`, else -1 with errno (EIO: other content). */
static long holds(const char *p, const char *want)
{
	char buf[64];
	long fd = sys_open(AT_FDCWD, p, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	ssize_t n = read((int)fd, buf, sizeof(buf));
	close((int)fd);
	if (n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n))
		return 0;
	errno = EIO;
	return -1;
}

/* linkat(fd, "", AT_EMPTY_PATH) in a child: its credentials are not those the file was opened
 * with, so Linux asks for CAP_DAC_READ_SEARCH (ENOENT). */
static long link_in_child(int fd, const char *to)
{
	pid_t p = fork();
	if (p == 0)
		_exit(syscall(SYS_linkat, fd, "", AT_FDCWD, to, AT_EMPTY_PATH) < 0 ? errno : 0);
	int st;
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	errno = WEXITSTATUS(st);
	return errno ? -1 : 0;
}

static int cmd_opath(const char *dir)
{
	char *f = join(dir, "opath-file");
	if (make_file(f, "data") < 0) {
		perror(f);
		return 2;
	}
	long fd = sys_open(AT_FDCWD, f, O_PATH | O_WRONLY | O_CREAT | O_TRUNC, 0644);
	report("opath-write-flags", fd);
	struct stat st;
	report("opath-no-truncate", stat(f, &st) == 0 && st.st_size == 4 ? 0 : (errno = EIO, -1));
	if (fd >= 0)
		report("opath-write-fails", write((int)fd, "x", 1));
	closed(fd);
	report("opath-creat-missing",
	       closed(sys_open(AT_FDCWD, join(dir, "opath-missing"), O_PATH | O_CREAT, 0644)));
	report("opath-missing-absent", stat(join(dir, "opath-missing"), &st));

	long t = sys_open(AT_FDCWD, dir, O_TMPFILE | O_RDWR, 0600);
	report("tmpfile", t);
	if (t < 0)
		return 0;
	report("tmpfile-write", write((int)t, "tmp", 3));
	report("tmpfile-excl", closed(sys_open(AT_FDCWD, dir, O_TMPFILE | O_RDWR | O_EXCL, 0600)));
	char *l1 = join(dir, "tmp-linked-empty");
	report("tmpfile-linkat-empty-path",
	       syscall(SYS_linkat, (int)t, "", AT_FDCWD, l1, AT_EMPTY_PATH));
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%ld", t);
	char *l2 = join(dir, "tmp-linked-proc");
	report("tmpfile-linkat-proc",
	       syscall(SYS_linkat, AT_FDCWD, proc, AT_FDCWD, l2, AT_SYMLINK_FOLLOW));
	report("tmpfile-linked-content", holds(l2, "tmp"));
	report("tmpfile-linked-empty-path-content", holds(l1, "tmp"));
	char *l3 = join(dir, "tmp-linked-child");
	report("tmpfile-linkat-empty-path-child", link_in_child((int)t, l3));
	close((int)t);
	syscall(SYS_unlinkat, AT_FDCWD, l1, 0);
	syscall(SYS_unlinkat, AT_FDCWD, l2, 0);
	syscall(SYS_unlinkat, AT_FDCWD, l3, 0);
	syscall(SYS_unlinkat, AT_FDCWD, f, 0);
	return 0;
}

static long rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static long link2(const char *a, const char *b)
{
	return syscall(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
}

/* Between two mounts A and B (A a volume, B the root or another mount). */
static int cmd_xdev(const char *a, const char *b)
{
	if (make_file(join(a, "xf"), "a") < 0 || make_file(join(b, "xg"), "b") < 0 ||
	    syscall(SYS_mkdirat, AT_FDCWD, join(a, "xd"), 0755) < 0) {
		perror("xdev setup");
		return 2;
	}
	report("rename-vol-to-other", rename2(join(a, "xf"), join(b, "xf"), 0));
	report("rename-other-to-vol", rename2(join(b, "xg"), join(a, "xg"), 0));
	report("rename-dir-vol-to-other", rename2(join(a, "xd"), join(b, "xd"), 0));
	report("rename-noreplace-xdev", rename2(join(a, "xf"), join(b, "xg"), RENAME_NOREPLACE));
	report("rename-exchange-xdev", rename2(join(a, "xf"), join(b, "xg"), RENAME_EXCHANGE));
	report("link-vol-to-other", link2(join(a, "xf"), join(b, "xl")));
	report("link-other-to-vol", link2(join(b, "xg"), join(a, "xl")));
	report("link-dotdot-out", link2(join(a, "../../../../../../xf"), join(b, "xl2")));
	struct stat st;
	report("source-still-there", stat(join(a, "xf"), &st));
	report("target-absent", stat(join(b, "xf"), &st));
	syscall(SYS_unlinkat, AT_FDCWD, join(a, "xf"), 0);
	syscall(SYS_unlinkat, AT_FDCWD, join(b, "xg"), 0);
	syscall(SYS_unlinkat, AT_FDCWD, join(a, "xd"), AT_REMOVEDIR);
	return 0;
}

static int cmd_rovol(const char *dir)
{
	char *f = join(dir, "file"), *d = join(dir, "dir"), *n = join(dir, "new");
	char *missing = join(dir, "missing");
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	report("ro-open-wronly", closed(sys_open(AT_FDCWD, f, O_WRONLY, 0)));
	report("ro-open-rdwr", closed(sys_open(AT_FDCWD, f, O_RDWR, 0)));
	report("ro-open-trunc", closed(sys_open(AT_FDCWD, f, O_RDONLY | O_TRUNC, 0)));
	report("ro-open-creat", closed(sys_open(AT_FDCWD, n, O_CREAT | O_WRONLY, 0644)));
	report("ro-open-creat-excl-exists",
	       closed(sys_open(AT_FDCWD, f, O_CREAT | O_EXCL | O_WRONLY, 0644)));
	report("ro-open-wronly-missing", closed(sys_open(AT_FDCWD, missing, O_WRONLY, 0)));
	report("ro-open-rdonly", closed(sys_open(AT_FDCWD, f, O_RDONLY, 0)));
	report("ro-tmpfile", closed(sys_open(AT_FDCWD, dir, O_TMPFILE | O_RDWR, 0600)));
	report("ro-mkdir", syscall(SYS_mkdirat, AT_FDCWD, n, 0755));
	report("ro-mkdir-exists", syscall(SYS_mkdirat, AT_FDCWD, d, 0755));
	report("ro-unlink", syscall(SYS_unlinkat, AT_FDCWD, f, 0));
	report("ro-unlink-missing", syscall(SYS_unlinkat, AT_FDCWD, missing, 0));
	report("ro-rmdir", syscall(SYS_unlinkat, AT_FDCWD, d, AT_REMOVEDIR));
	report("ro-rename", rename2(f, n, 0));
	report("ro-link", link2(f, n));
	report("ro-symlink", syscall(SYS_symlinkat, "file", AT_FDCWD, n));
	report("ro-symlink-exists", syscall(SYS_symlinkat, "x", AT_FDCWD, f));
	report("ro-mknod-exists", syscall(SYS_mknodat, AT_FDCWD, f, S_IFREG | 0600, 0));
	report("ro-chmod", syscall(SYS_fchmodat, AT_FDCWD, f, 0600));
	report("ro-chmod-missing", syscall(SYS_fchmodat, AT_FDCWD, missing, 0600));
	report("ro-chown", syscall(SYS_fchownat, AT_FDCWD, f, 0, 0, 0));
	report("ro-truncate", syscall(SYS_truncate, f, 0));
	report("ro-utimensat", syscall(SYS_utimensat, AT_FDCWD, f, ts, 0));
	report("ro-utimensat-null", syscall(SYS_utimensat, AT_FDCWD, f, NULL, 0));
	report("ro-setxattr", syscall(SYS_setxattr, f, "user.sbx", "v", 1, 0));
	report("ro-removexattr", syscall(SYS_removexattr, f, "user.sbx"));
	report("ro-mknod-fifo", syscall(SYS_mknodat, AT_FDCWD, n, S_IFIFO | 0600, 0));
	report("ro-access-w", syscall(SYS_faccessat, AT_FDCWD, f, W_OK));
	return 0;
}

/* `p` is hidden; it exists (a file) on the host, and so does p/../hidden-alias -> p. */
static int cmd_hidden(const char *p, const char *dir)
{
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	char *other = join(dir, "hidden-other"), *alias = join(dir, "hidden-alias");
	struct stat st;
	/* read-only: these never leave the kernel */
	report("hidden-open-rdonly", closed(sys_open(AT_FDCWD, p, O_RDONLY, 0)));
	report("hidden-stat", stat(p, &st));
	/* brokered */
	report("hidden-open-wronly", closed(sys_open(AT_FDCWD, p, O_WRONLY, 0)));
	report("hidden-open-creat", closed(sys_open(AT_FDCWD, p, O_CREAT | O_WRONLY, 0644)));
	report("hidden-open-via-symlink",
	       closed(sys_open(AT_FDCWD, alias, O_WRONLY | O_APPEND, 0)));
	report("hidden-open-beneath",
	       closed(sys_open(AT_FDCWD, join(p, "x"), O_CREAT | O_WRONLY, 0644)));
	report("hidden-tmpfile", closed(sys_open(AT_FDCWD, p, O_TMPFILE | O_RDWR, 0600)));
	report("hidden-mkdir", syscall(SYS_mkdirat, AT_FDCWD, p, 0755));
	report("hidden-unlink", syscall(SYS_unlinkat, AT_FDCWD, p, 0));
	report("hidden-rmdir", syscall(SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR));
	report("hidden-rename-from", rename2(p, other, 0));
	if (make_file(other, "o") >= 0)
		report("hidden-rename-onto", rename2(other, p, 0));
	report("hidden-link-from", link2(p, join(dir, "hidden-l")));
	report("hidden-link-onto", link2(other, p));
	report("hidden-symlink", syscall(SYS_symlinkat, "x", AT_FDCWD, p));
	report("hidden-chmod", syscall(SYS_fchmodat, AT_FDCWD, p, 0600));
	report("hidden-chown", syscall(SYS_fchownat, AT_FDCWD, p, 0, 0, 0));
	report("hidden-truncate", syscall(SYS_truncate, p, 0));
	report("hidden-utimensat", syscall(SYS_utimensat, AT_FDCWD, p, ts, 0));
	report("hidden-setxattr", syscall(SYS_setxattr, p, "user.sbx", "v", 1, 0));
	report("hidden-removexattr", syscall(SYS_removexattr, p, "user.sbx"));
	report("hidden-mknod", syscall(SYS_mknodat, AT_FDCWD, p, S_IFIFO | 0600, 0));
	report("hidden-access-w", syscall(SYS_faccessat, AT_FDCWD, p, W_OK));
	syscall(SYS_unlinkat, AT_FDCWD, other, 0);
	return 0;
}

struct race {
	const char *d, *l;
	long n;
	atomic_int done;
	long errors;
	int first_errno;
};

static void *swapper(void *arg)
{
	struct race *r = arg;
	for (long i = 0; i < r->n; i++)
		if (rename2(r->d, r->l, RENAME_EXCHANGE) < 0 && !r->errors++)
			r->first_errno = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

/* DIR/d (a directory) and DIR/l (a symlink to TARGET) trade places N times while this thread
 * creates, writes and removes DIR/d/NAME. Whatever happens, NAME can only appear in DIR/d or
 * in TARGET as the container sees them; the test looks on the host for it anywhere else. */
static int cmd_race(const char *dir, const char *target, long n)
{
	static const char name[] = "sbx-race-canary";
	struct race r = {.d = join(dir, "d"), .l = join(dir, "l"), .n = n};
	char path[4200], in_target[4200];
	snprintf(path, sizeof(path), "%s/%s", r.d, name);
	snprintf(in_target, sizeof(in_target), "%s/%s", target, name);
	if (syscall(SYS_mkdirat, AT_FDCWD, dir, 0755) < 0 && errno != EEXIST) {
		perror(dir);
		return 2;
	}
	if (syscall(SYS_mkdirat, AT_FDCWD, r.d, 0755) < 0 ||
	    syscall(SYS_symlinkat, target, AT_FDCWD, r.l) < 0) {
		perror("race setup");
		return 2;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, swapper, &r) != 0)
		return 2;
	long created = 0, removed = 0, other = 0;
	int other_errno = 0;
	while (!atomic_load(&r.done)) {
		long fd = sys_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd >= 0) {
			created++;
			if (write((int)fd, "escape?", 7) < 0)
				other++;
			close((int)fd);
		} else if (errno != ENOENT && errno != ENOTDIR && !other++) {
			other_errno = errno;
		}
		if (syscall(SYS_unlinkat, AT_FDCWD, path, 0) == 0)
			removed++;
		else if (errno != ENOENT && errno != ENOTDIR && !other++)
			other_errno = errno;
	}
	pthread_join(t, NULL);
	printf("race-stats: %ld swaps, %ld swap errors (first %s), %ld created, %ld removed, "
	       "%ld other errors (first %s)\n",
	       n, r.errors, r.errors ? strerrorname_np(r.first_errno) : "-", created, removed,
	       other, other ? strerrorname_np(other_errno) : "-");
	errno = EIO;
	report("race-swaps", r.errors ? -1 : 0);
	errno = other_errno;
	report("race-no-odd-errors", other ? -1 : 0);
	errno = EIO;
	report("race-created-some", created ? 0 : -1);
	syscall(SYS_unlinkat, AT_FDCWD, path, 0);
	syscall(SYS_unlinkat, AT_FDCWD, in_target, 0);
	syscall(SYS_unlinkat, AT_FDCWD, r.l, 0);
	syscall(SYS_unlinkat, AT_FDCWD, r.d, AT_REMOVEDIR);
	/* whichever of the two is left after an odd count */
	syscall(SYS_unlinkat, AT_FDCWD, r.l, AT_REMOVEDIR);
	syscall(SYS_unlinkat, AT_FDCWD, r.d, 0);
	syscall(SYS_unlinkat, AT_FDCWD, dir, AT_REMOVEDIR);
	struct stat st;
	report("race-cleaned",
	       stat(path, &st) == 0 || stat(in_target, &st) == 0 ? (errno = EEXIST, -1) : 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (!in_sandbox()) {
		fprintf(stderr, "gofer-probe: not in a sandbox (no seccomp filter); refusing\n");
		return 3;
	}
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "badpath") && argc == 3)
		return cmd_badpath(argv[2]);
	if (!strcmp(c, "dirfd") && argc == 3)
		return cmd_dirfd(argv[2]);
	if (!strcmp(c, "opath") && argc == 3)
		return cmd_opath(argv[2]);
	if (!strcmp(c, "xdev") && argc == 4)
		return cmd_xdev(argv[2], argv[3]);
	if (!strcmp(c, "rovol") && argc == 3)
		return cmd_rovol(argv[2]);
	if (!strcmp(c, "hidden") && argc == 4)
		return cmd_hidden(argv[2], argv[3]);
	if (!strcmp(c, "race") && argc == 5)
		return cmd_race(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: gofer-probe badpath|dirfd|opath|xdev|rovol|hidden|race ...\n");
	return 2;
}
