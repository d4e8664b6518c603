/* Changes through an fd (fchmod, fchown, futimens, fsetxattr, fremovexattr, and the
 * AT_EMPTY_PATH forms of fchmodat2, fchownat, utimensat, linkat) under the gofer: on a file
 * the container opened read-only (its fd points at the read-only mount) they are brokered by
 * the file's name and succeed as on a writable root; on an fd the gofer handed out, or on a
 * private tmpfs, the kernel runs them (no gofer request: nothing in the change log). The
 * helper is build/tests/helpers/fdops, one "NAME: answer" line per check. */
#include "harness.h"

TestSuite(gofer_fdops, .init = h_setup, .fini = h_teardown, .timeout = 120);

#define FDOPS "/opt/sbx/fdops"

/* `line` is a whole line of `out`. */
static void expect_line(const char *out, const char *line)
{
	char want[256];
	snprintf(want, sizeof(want), "\n%s\n", line);
	bool first = strncmp(out, want + 1, strlen(want + 1)) == 0;
	cr_expect(first || strstr(out, want), "expected \"%s\" in:\n%s", line, out);
}

/* What every mode of the helper answers for the fd and O_PATH calls, as Linux does on a
 * writable file system (fchown to another owner: EPERM, the container has no CAP_CHOWN). */
static void expect_fd_calls(const char *out)
{
	static const char *const lines[] = {
	    "fchmod: ok mode=0604",
	    "fchown: ok owner=0:0",
	    "fchown_other: errno EPERM",
	    "futimens: ok mtime=1000000000",
	    "futimens_omit: ok mtime=1000000000",
	    "futimens_flags: errno EINVAL",
	    "fsetxattr: ok",
	    "xattr: v1",
	    "fremovexattr: ok",
	    "xattr_removed: errno ENODATA",
	    "fchmod_opath: errno EBADF",
	    "fchmodat2_empty: ok mode=0640",
	    "fchownat_empty: ok owner=0:0",
	    "utimensat_empty: ok mtime=2000000000",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		expect_line(out, lines[i]);
}

static struct run *fdops(const char *mode, const char *file)
{
	struct run *r = h_sbx("run", "-v", h_probe_volume(), "--", FDOPS, mode, file, NULL);
	cr_assert_eq(r->status, 0, "fdops %s %s (%d): %s%s", mode, file, r->status, r->out, r->err);
	return r;
}

Test(gofer_fdops, read_only_fd_of_a_root_file)
{
	unsigned long long before = h_tree_sum(ROOTFS);
	struct run *r = fdops("ro", "/etc/nsswitch.conf");
	expect_fd_calls(r->out);
	expect_line(r->out, "linkat_empty: ok nlink=2");
	expect_line(r->out, "unlink_link: ok nlink=1");
	/* No name left in the container: the kernel's answer on the read-only mount. */
	expect_line(r->out, "fchmod_deleted: errno EROFS");
	cr_assert_eq(h_tree_sum(ROOTFS), before, "the rootfs was modified");
}

Test(gofer_fdops, gofer_fd_and_private_tmpfs)
{
	expect_fd_calls(fdops("new", "/root/fdops-new")->out);
	expect_fd_calls(fdops("new", "/tmp/fdops-new")->out);
}

/* Count the change log lines with `op` and `path` as whole words. */
static int count_changes(const char *out, const char *op, const char *path)
{
	int n = 0;
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		char line[512];
		snprintf(line, sizeof(line), "%.*s ", (int)len, l);
		char o[64], p[64];
		snprintf(o, sizeof(o), " %s ", op);
		snprintf(p, sizeof(p), " %s ", path);
		if (strstr(line, o) && strstr(line, p))
			n++;
	}
	return n;
}

Test(gofer_fdops, only_read_only_fds_reach_the_gofer)
{
	int o, e;
	pid_t p = h_sbx_bg(
	    &o, &e, "run", "-v", h_probe_volume(), "--name", "fd1", "--", "/bin/sh", "-c",
	    FDOPS " ro /etc/nsswitch.conf >/dev/null && " FDOPS " new /root/nf >/dev/null && " FDOPS
		  " new /tmp/nf >/dev/null && echo > /root/done && sleep 30",
	    NULL);
	struct run *r = NULL;
	for (int i = 0; i < 300; i++) {
		r = h_sbx("changes", "fd1", NULL);
		if (r->status == 0 && strstr(r->out, "/root/done"))
			break;
		usleep(20000);
	}
	cr_assert(strstr(r->out, "/root/done"), "%s", r->out);
	/* Read-only fds: fchmod and fchmodat2(""), fchown and fchownat(""), futimens and
	 * utimensat(""), fsetxattr, fremovexattr, linkat("") — by the file's name. */
	cr_expect_eq(count_changes(r->out, "chmod", "/etc/nsswitch.conf"), 2, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "chown", "/etc/nsswitch.conf"), 2, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "utimes", "/etc/nsswitch.conf"), 2, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "setxattr", "/etc/nsswitch.conf"), 1, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "removexattr", "/etc/nsswitch.conf"), 1, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "link", "/etc/nsswitch.conf"), 1, "%s", r->out);
	/* The gofer's own fd: only the O_PATH calls (an O_PATH open stays in the kernel). */
	cr_expect_eq(count_changes(r->out, "chmod", "/root/nf"), 1, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "setxattr", "/root/nf"), 0, "%s", r->out);
	cr_expect_eq(count_changes(r->out, "removexattr", "/root/nf"), 0, "%s", r->out);
	cr_expect(!strstr(r->out, "/tmp/nf"), "private tmpfs: %s", r->out);
	cr_assert_eq(h_sbx("kill", "fd1", "KILL", NULL)->status, 0);
	h_collect(p, o, e);
	h_assert_gone("fd1");
}

static void host_dir(char *ret, size_t len, const char *name)
{
	snprintf(ret, len, "%s/%s", h_root, name);
	cr_assert(mkdir(ret, 0755) == 0 || errno == EEXIST, "mkdir %s", ret);
}

static int count_entries(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	cr_assert(p && fscanf(p, "%d", &n) == 1);
	pclose(p);
	return n;
}

/* An O_TMPFILE made through the gofer is linked into place as Linux links one: by
 * /proc/self/fd/N (AT_SYMLINK_FOLLOW) and by AT_EMPTY_PATH, with its content; and every link
 * Linux refuses is refused with Linux's errno. "Linux" is the same helper in a sandbox without
 * the gofer, on its private tmpfs /tmp (with /dev/shm as the other private tmpfs). */
Test(gofer_fdops, tmpfile_links_as_linux)
{
	char vol[512], ro[512], v[600], r[600], file[600];
	host_dir(vol, sizeof(vol), "vol");
	host_dir(ro, sizeof(ro), "ro");
	snprintf(file, sizeof(file), "%s/file", ro);
	FILE *f = fopen(file, "w");
	cr_assert(f);
	fclose(f);
	snprintf(v, sizeof(v), "%s:/vol", vol);
	snprintf(r, sizeof(r), "%s:/ro:ro", ro);
	unsigned long long ro_sum = h_tree_sum(ro);
	struct run *n = h_sbx("run", "--no-gofer", "-v", h_probe_volume(), "-v", v, "-v", r, "--",
			      FDOPS, "tmpfile", "/tmp", "/vol", "/ro", "/dev/shm", NULL);
	cr_assert_eq(n->status, 0, "native (%d): %s%s", n->status, n->out, n->err);
	char *native = strdup(n->out);
	/* The run without a gofer makes the mount points in the shared rootfs: measured now. */
	unsigned long long rootfs = h_tree_sum(ROOTFS);
	struct run *g = h_sbx("run", "-v", h_probe_volume(), "-v", v, "-v", r, "--", FDOPS,
			      "tmpfile", "/root", "/vol", "/ro", "/tmp", NULL);
	cr_assert_eq(g->status, 0, "gofer (%d): %s%s", g->status, g->out, g->err);
	static const char *const lines[] = {
	    "link_proc: ok",
	    "link_empty: ok",
	    "content_proc: tmp",
	    "content_empty: tmp",
	    "nlink: 2",
	    "link_exists: errno EEXIST",
	    "link_missing_dir: errno ENOENT",
	    "link_nofollow: errno EXDEV",
	    "link_volume: errno EXDEV",
	    "link_volume_empty: errno EXDEV",
	    "link_private: errno EXDEV",
	    "link_private_empty: errno EXDEV",
	    "link_ro: errno EROFS",
	    "priv_link_empty: ok",
	    "link_ro_exists: errno EEXIST",
	    "excl_link_proc: errno ENOENT",
	    "excl_link_empty: errno ENOENT",
	    "vol_link_proc: ok",
	    "vol_content: tmp",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		expect_line(native, lines[i]);
	cr_expect_str_eq(g->out, native, "gofer:\n%s\nLinux:\n%s", g->out, native);
	cr_expect_eq(count_entries(vol), 0, "the helper cleaned up its volume");
	cr_expect_eq(h_tree_sum(ro), ro_sum, "the read-only volume changed");
	cr_expect_eq(h_tree_sum(ROOTFS), rootfs, "the rootfs was modified");
	free(native);
}

/* The gofer logs the link of an O_TMPFILE, which has no name before it. */
Test(gofer_fdops, tmpfile_link_in_the_change_log)
{
	int o, e;
	pid_t p =
	    h_sbx_bg(&o, &e, "run", "-v", h_probe_volume(), "--name", "tf1", "--", "/bin/sh", "-c",
		     FDOPS " tmpfile /root /dev/shm /proc /tmp >/dev/null; echo > /root/done && "
			   "sleep 30",
		     NULL);
	struct run *r = NULL;
	for (int i = 0; i < 300; i++) {
		r = h_sbx("changes", "tf1", NULL);
		if (r->status == 0 && strstr(r->out, "/root/done"))
			break;
		usleep(20000);
	}
	cr_assert(strstr(r->out, "/root/done"), "%s", r->out);
	cr_expect_eq(count_changes(r->out, "link", "(O_TMPFILE)"), 2, "%s", r->out);
	cr_expect(strstr(r->out, "(O_TMPFILE) -> /root/t-proc"), "%s", r->out);
	cr_expect(strstr(r->out, "(O_TMPFILE) -> /root/t-empty"), "%s", r->out);
	cr_assert_eq(h_sbx("kill", "tf1", "KILL", NULL)->status, 0);
	h_collect(p, o, e);
	h_assert_gone("tf1");
}

/* python3 on the host's root (read-only for the container): os.fchmod, os.utime and
 * os.setxattr on fds of a file in a read-write volume, opened read-only. */
Test(gofer_fdops, python_on_a_volume)
{
	if (access("/usr/bin/python3", X_OK) < 0)
		cr_skip_test("no /usr/bin/python3 on this host");
	char work[512], vol[600], file[600];
	snprintf(work, sizeof(work), "%s/work", h_root);
	mkdir(work, 0755);
	snprintf(vol, sizeof(vol), "%s:/work", work);
	snprintf(file, sizeof(file), "%s/f", work);
	FILE *f = fopen(file, "w");
	cr_assert(f);
	fputs("data", f);
	fclose(f);
	const char *script = "import os\n"
			     "fd = os.open('/work/f', os.O_RDONLY)\n"
			     "os.fchmod(fd, 0o600)\n"
			     "os.utime(fd, (1000000000, 1000000000))\n"
			     "os.setxattr(fd, 'user.k', b'v')\n"
			     "st = os.stat('/work/f')\n"
			     "print(oct(st.st_mode & 0o7777), int(st.st_mtime),\n"
			     "      os.getxattr('/work/f', 'user.k'))\n";
	struct run *r =
	    h_sbx("run", "--rootfs", "/", "-v", vol, "--", "/usr/bin/python3", "-c", script, NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "0o600 1000000000 b'v'\n");
	struct stat st;
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "the volume's file changed: %o", st.st_mode);
	cr_expect_eq(st.st_mtim.tv_sec, 1000000000);
}
