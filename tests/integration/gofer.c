/* The gofer: a read-only root and volumes for the container, every change made by the gofer in
 * its read-write view, recorded in the change log; nothing outside the sandbox changes. */
#include "harness.h"

#include <dirent.h>
#include <sys/syscall.h>

TestSuite(gofer, .init = h_setup, .fini = h_teardown, .timeout = 120);

Test(gofer, root_writes_go_to_the_overlay_and_the_rootfs_is_untouched)
{
	unsigned long long before = h_tree_sum(ROOTFS);
	struct run *r =
	    h_sbx("run", "--name", "go1", "--", "/bin/sh", "-c",
		  "echo hello > /etc/motd && cat /etc/motd && mkdir -p /root/a/b && "
		  "mv /etc/motd /root/a/b/m && ln -s /root/a/b/m /root/l && cat /root/l && "
		  "chmod 600 /root/a/b/m && ls -l /root/a/b/m && rm /root/l && "
		  "grep ' / / ' /proc/self/mountinfo",
		  NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "hello\nhello\n"), "%s", r->out);
	cr_assert(strstr(r->out, "-rw-------"), "chmod applied: %s", r->out);
	cr_assert(strstr(r->out, " / / ro,"), "the container's own root mount is read-only: %s",
		  r->out);
	cr_assert_eq(h_tree_sum(ROOTFS), before, "the rootfs was modified");
	h_assert_gone("go1");
}

Test(gofer, changes_lists_what_the_sandbox_changed)
{
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "run", "--name", "go2", "--", "/bin/sh", "-c",
			   "echo x > /etc/new && mkdir /root/d && mv /etc/new /root/d/n && "
			   "rm /root/d/n && rmdir /root/d && touch /tmp/private && sleep 30",
			   NULL);
	struct run *r = NULL;
	for (int i = 0; i < 300; i++) {
		r = h_sbx("changes", "go2", NULL);
		if (r->status == 0 && strstr(r->out, "rmdir"))
			break;
		usleep(20000);
	}
	cr_assert(strstr(r->out, "create") && strstr(r->out, "/etc/new"), "%s", r->out);
	cr_assert(strstr(r->out, "mkdir") && strstr(r->out, "/root/d"), "%s", r->out);
	cr_assert(strstr(r->out, "/etc/new -> /root/d/n"), "rename: %s", r->out);
	cr_assert(strstr(r->out, "unlink") && strstr(r->out, "rmdir"), "%s", r->out);
	cr_assert(!strstr(r->out, "/tmp/private"), "private tmpfs writes are not brokered");
	r = h_sbx("changes", "--json", "go2", NULL);
	json_t *first = json_loadb(r->out, strcspn(r->out, "\n"), 0, NULL);
	cr_assert(first, "JSON lines: %s", r->out);
	cr_assert_str_eq(json_string_value(json_object_get(first, "op")), "create");
	cr_assert_str_eq(json_string_value(json_object_get(first, "comm")), "sh");
	json_decref(first);
	cr_assert_eq(h_sbx("kill", "go2", "KILL", NULL)->status, 0);
	h_collect(p, o, e);
	h_assert_gone("go2");
}

Test(gofer, volumes_rw_and_ro)
{
	char rw[512], ro[512], vrw[600], vro[600];
	snprintf(rw, sizeof(rw), "%s/vol-rw", h_root);
	snprintf(ro, sizeof(ro), "%s/vol-ro", h_root);
	mkdir(rw, 0755);
	mkdir(ro, 0755);
	snprintf(vrw, sizeof(vrw), "%s:/data", rw);
	snprintf(vro, sizeof(vro), "%s:/ref:ro", ro);
	struct run *r = h_sbx("run", "--name", "go3", "-v", vrw, "-v", vro, "--", "/bin/sh", "-c",
			      "echo v > /data/file && mkdir /data/sub && echo $? ; "
			      "echo no > /ref/file; echo ro=$?",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(h_exists("%s/file", rw), "the write reached the volume");
	cr_assert(h_exists("%s/sub", rw), "mkdir reached the volume");
	cr_assert(!h_exists("%s/file", ro), "nothing written to a read-only volume");
	cr_assert(strstr(r->out, "ro=1"), "%s", r->out);
	cr_assert(strstr(r->err, "Read-only file system"), "EROFS in a read-only volume: %s",
		  r->err);
}

Test(gofer, symlinks_resolve_inside_the_sandbox)
{
	/* An absolute symlink to /etc and a chain of ".." must land in the sandbox's /etc. */
	struct run *r = h_sbx("run", "--name", "go4", "--", "/bin/sh", "-c",
			      "ln -s /etc /root/e && echo inside > /root/e/sbx-escape && "
			      "echo dots > /../../../../etc/sbx-dots && cat /etc/sbx-escape "
			      "/etc/sbx-dots",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "inside\ndots\n");
	cr_assert(!h_exists("/etc/sbx-escape") && !h_exists("/etc/sbx-dots"),
		  "the host's /etc was written");
	cr_assert(!h_exists(ROOTFS "/etc/sbx-escape"), "the rootfs was written");
}

Test(gofer, files_policy_hidden_and_readonly)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/files.json", h_root);
	FILE *f = fopen(p, "w");
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sbx\": {\"files\": {\"readonly\": "
	      "[\"/etc\"], \"hidden\": [\"/root/secret\"]}}}\n",
	      f);
	fclose(f);
	struct run *r = h_sbx("run", "--policy", p, "--name", "go5", "--", "/bin/sh", "-c",
			      "echo x > /etc/passwd; echo etc=$?; echo y > /root/secret; "
			      "echo hidden=$?; echo z > /root/ok; echo ok=$?",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "etc=1") && strstr(r->out, "hidden=1") && strstr(r->out, "ok=0"),
		  "%s", r->out);
	cr_assert(strstr(r->err, "Permission denied"), "readonly: EACCES: %s", r->err);
	cr_assert(strstr(r->err, "/root/secret: nonexistent directory"), "hidden: ENOENT: %s",
		  r->err);
}

Test(gofer, real_programs_on_the_host_root)
{
	if (access("/usr/bin/python3", X_OK) < 0 && access("/usr/local/bin/python3", X_OK) < 0)
		cr_skip_test("no python3 on this host");
	char work[512], vol[600];
	snprintf(work, sizeof(work), "%s/work", h_root);
	mkdir(work, 0755);
	snprintf(vol, sizeof(vol), "%s:/work", work);
	const char *script = "import os, tempfile\n"
			     "os.makedirs('/work/a/b')\n"
			     "open('/work/a/b/f', 'w').write('data')\n"
			     "os.rename('/work/a/b/f', '/work/a/g')\n"
			     "fd, tmp = tempfile.mkstemp(dir='/work')\n"
			     "os.write(fd, b'saved'); os.fsync(fd); os.close(fd)\n"
			     "os.replace(tmp, '/work/a/g')\n"
			     "os.rmdir('/work/a/b')\n"
			     "print(open('/work/a/g').read(), sorted(os.listdir('/work/a')))\n";
	unsigned long long etc_before = h_tree_sum("/etc");
	struct run *r = h_sbx("run", "--rootfs", "/", "-v", vol, "--name", "go6", "--", "python3",
			      "-c", script, NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "saved ['g']\n");
	cr_assert(h_exists("%s/a/g", work), "the volume has the file");
	cr_assert_eq(h_tree_sum("/etc"), etc_before, "the host's /etc changed");
}

/* The gofer of sandbox `id` (the sentry's other child), found by its program name and id;
 * waits up to 4 s for it to appear. */
static int gofer_pid(const char *id)
{
	char cmd[600], out[64] = {0};
	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 200); do p=$(ps -eo pid,args | awk '$2 ~ /sbx-gofer/ && $0 ~ "
		 "/--id %s/ {print $1}'); [ -n \"$p\" ] && echo $p && break; sleep 0.02; done",
		 id);
	FILE *f = popen(cmd, "r");
	cr_assert(f && fgets(out, sizeof(out), f), "found the gofer of %s", id);
	pclose(f);
	int pid = atoi(out);
	cr_assert_gt(pid, 1);
	return pid;
}

Test(gofer, killing_the_gofer_ends_the_sandbox)
{
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "run", "--name", "go7", "--", "/bin/sh", "-c",
			   "while :; do echo x > /root/f; sleep 0.05; done", NULL);
	int gofer = gofer_pid("go7");
	usleep(200000);
	cr_assert_eq(kill(gofer, SIGKILL), 0);
	struct run *r = h_collect(p, o, e);
	cr_assert_neq(r->status, 0, "the sandbox ended when its gofer died");
	h_assert_gone("go7");
	cr_assert(!h_exists("/proc/%d", gofer), "the gofer was reaped, not left a zombie");
}

/* A sandbox that ends normally ends its gofer too, reaped by the sentry (its parent). */
Test(gofer, the_gofer_ends_and_is_reaped_with_its_sandbox)
{
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "run", "--name", "go9", "--", "/bin/sh", "-c",
			   "echo x > /root/f; sleep 0.5", NULL);
	int gofer = gofer_pid("go9");
	struct run *r = h_collect(p, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(!h_exists("/proc/%d", gofer), "the gofer was reaped, not left a zombie");
	h_assert_gone("go9");
}

Test(gofer, the_old_utime_syscall_is_brokered)
{
	struct run *r = h_sbx("run", "--name", "go8", "-v", h_probe_volume(), "--", "/bin/sh", "-c",
			      "touch /root/u && /opt/sbx/utime-call /root/u", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "utime=0 mtime=1234567890\n");
}

Test(gofer, statfs_reads_writable_except_in_read_only_volumes)
{
	if (access("/usr/bin/python3", X_OK) < 0 && access("/usr/local/bin/python3", X_OK) < 0)
		cr_skip_test("no python3 on this host");
	char dir[512], ro[600], rw[600];
	snprintf(dir, sizeof(dir), "%s/vol", h_root);
	mkdir(dir, 0755);
	snprintf(ro, sizeof(ro), "%s:/ro:ro", dir);
	snprintf(rw, sizeof(rw), "%s:/rw", dir);
	struct run *r = h_sbx("run", "--rootfs", "/", "-v", ro, "-v", rw, "--name", "go9", "--",
			      "python3", "-c",
			      "import os\n"
			      "for p in ('/', '/ro', '/rw', '/tmp'):\n"
			      "    print(p, bool(os.statvfs(p).f_flag & os.ST_RDONLY))\n",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	/* the container's own mounts of / and /rw are read-only; programs must not notice */
	cr_assert_str_eq(r->out, "/ False\n/ro True\n/rw False\n/tmp False\n");
}

static const char *gofer_annotation;

/* A writable root whose gofer annotation is `gofer_annotation` (NULL: none). */
static void writable_root(json_t *c)
{
	json_object_set_new(json_object_get(c, "root"), "readonly", json_false());
	if (gofer_annotation)
		json_object_set_new(c, "annotations",
				    json_pack("{s:s}", "io.sbx.gofer", gofer_annotation));
}

/* A bundle with a copy of the rootfs (the container writes to it). */
static void own_rootfs_bundle(char *b, size_t len, const char *name, const char *annotation)
{
	char cwd[256], cmd[2048];
	gofer_annotation = annotation;
	h_bundle(b, len, name,
		 "[\"/bin/sh\", \"-c\", \"echo x > /etc/oci && grep -o ' / r[ow],' "
		 "/proc/self/mountinfo\"]",
		 writable_root);
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd), "cd %s && rm rootfs && cp -a %s/" ROOTFS " rootfs", b, cwd);
	cr_assert_eq(system(cmd), 0, "copy the rootfs");
}

Test(gofer, oci_bundles_have_the_gofer_unless_the_annotation_says_false)
{
	char b[512];
	own_rootfs_bundle(b, sizeof(b), "dflt", NULL);
	struct run *r = h_sbx("create", "--bundle", b, "oci1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	r = h_sbx("start", "oci1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	r = h_sbx("changes", "oci1", NULL);
	for (int i = 0; i < 300 && !strstr(r->out, "/etc/oci"); i++) {
		usleep(10000);
		r = h_sbx("changes", "oci1", NULL);
	}
	cr_assert(strstr(r->out, "create") && strstr(r->out, "/etc/oci"), "%s", r->out);
	cr_assert(h_exists("%s/rootfs/etc/oci", b), "the change is in the bundle's rootfs");
	cr_assert_eq(h_sbx("delete", "--force", "oci1", NULL)->status, 0);

	/* Off: the container's root mount is writable itself, nothing is brokered or logged. */
	own_rootfs_bundle(b, sizeof(b), "off", "false");
	r = h_sbx("run", "--bundle", b, "oci2", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, " / rw,"), "%s", r->out);
	cr_assert(h_exists("%s/rootfs/etc/oci", b));

	own_rootfs_bundle(b, sizeof(b), "bad", "yes");
	r = h_sbx("run", "--bundle", b, "oci3", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "io.sbx.gofer must be \"true\" or \"false\""), "%s", r->err);
	h_assert_gone("oci1");
	h_assert_gone("oci2");
	h_assert_gone("oci3");
}

Test(gofer, persist_needs_the_gofer)
{
	struct run *r = h_sbx("run", "--persist", "--no-gofer", "--", "/bin/true", NULL);
	cr_assert_eq(r->status, 2);
	cr_assert(strstr(r->err, "--persist needs the gofer"), "%s", r->err);
}

/* A symlink of the root that leads onto one of the container's private mounts: the change lands
 * there, where the container sees it (the gofer's view has only the directories beneath those
 * mounts: the kernel runs such a call). A path missing everywhere stays ENOENT. */
Test(gofer, symlinks_onto_private_mounts)
{
	struct run *r = h_sbx(
	    "run", "--name", "go10", "--", "/bin/sh", "-c",
	    "ln -s /tmp/x /root/l && echo one > /root/l && cat /tmp/x && "
	    "ln -s /dev/shm /root/shm && echo two > /root/shm/f && cat /dev/shm/f && "
	    "mkdir /root/shm/d && ln -s ../../dev/./shm/d /root/rel && echo three > /root/rel/x && "
	    "cat /dev/shm/d/x && touch /root/l2 && ! ln /root/l2 /root/shm/hard && "
	    "! touch /nonexistent/x",
	    NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_assert_str_eq(r->out, "one\ntwo\nthree\n");
	cr_assert(strstr(r->err, "Invalid cross-device link"), "%s", r->err);
	cr_assert(strstr(r->err, "/nonexistent/x: No such file or directory"), "%s", r->err);
	h_assert_gone("go10");
}
