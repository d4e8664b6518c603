/* The microVM fallback (isolation "vm"): real QEMU booting Debian's kernel with sbx-agent as
 * PID 1, under TCG on this host. Exit status, stdio, signals, the OCI lifecycle, volumes,
 * the policy's Landlock rules inside the guest, and the clear errors; never a QEMU left. */
#include <dirent.h>

#include "harness.h"

TestSuite(microvm, .init = h_setup, .fini = h_teardown, .timeout = 400);

/* The release of the newest kernel under /boot: what the guest runs. */
static void guest_release(char *buf, size_t len)
{
	DIR *d = opendir("/boot");
	cr_assert(d, "/boot");
	*buf = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (!strncmp(e->d_name, "vmlinuz-", 8) && strverscmp(e->d_name + 8, buf) > 0)
			snprintf(buf, len, "%s", e->d_name + 8);
	closedir(d);
	cr_assert(*buf, "a guest kernel under /boot");
}

/* No QEMU of ours (the command line names our state root's bundle or id) is running. */
static bool qemu_running(pid_t pid)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool q = fgets(comm, sizeof(comm), f) && !strncmp(comm, "qemu-system", 11);
	fclose(f);
	return q;
}

static void vm_on(json_t *c)
{
	json_t *a = json_object_get(c, "annotations");
	if (!a) {
		a = json_object();
		json_object_set_new(c, "annotations", a);
	}
	json_object_set_new(a, "io.sbx.isolation", json_string("vm"));
}

Test(microvm, exit_status_stdout_stderr_and_the_guest_kernel)
{
	char rel[256];
	guest_release(rel, sizeof(rel));
	struct run *r = h_sbx("run", "--name", "vm1", "--isolation", "vm", "--", "sh", "-c",
			      "echo to-stdout; echo to-stderr >&2; uname -r; exit 7", NULL);
	cr_assert_eq(r->status, 7, "the workload's status comes back: %s", r->err);
	cr_assert(strstr(r->out, "to-stdout\n"), "%s", r->out);
	cr_assert(strstr(r->err, "to-stderr\n"), "%s", r->err);
	char want[300];
	snprintf(want, sizeof(want), "\n%s\n", rel);
	cr_assert(strstr(r->out, want), "uname -r shows the guest kernel %s: %s", rel, r->out);
	h_assert_gone("vm1");
}

Test(microvm, stdin_reaches_the_workload)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "printf 'line one\\nline two\\n' | " SBX " --root %s run --name vm2 --isolation "
		 "vm -- sh -c 'while read l; do echo got: $l; done; echo eof'",
		 h_root);
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "got: line one\ngot: line two\neof\n"), "%s", r->out);
	h_assert_gone("vm2");
}

Test(microvm, run_t_gives_the_guest_workload_a_terminal)
{
	struct run *r = h_sbx("run", "--name", "vm3", "-t", "--isolation", "vm", "--", "sh", "-c",
			      "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; exit 4", NULL);
	cr_assert_eq(r->status, 4, "%s", r->err);
	cr_assert(strstr(r->out, "all-ttys"), "%s", r->out);
	h_assert_gone("vm3");
}

static char out_dir[600];

/* The io.sbx.isolation annotation, and a volume at /out the workload reports into. */
static void vm_with_out(json_t *c)
{
	vm_on(c);
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/out", "type",
					"bind", "source", out_dir, "options", "rbind", "rw"));
}

static char *read_out(const char *name)
{
	static char buf[4096];
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

static char data_dir[600], lsm_policy[600];

/* The host's / as the root (it has dash, cat and id as files of their own), /data holding a
 * hidden file, and the policy. */
static void vm_lsm(json_t *c)
{
	vm_with_out(c);
	json_object_set_new(c, "root", json_pack("{s:s, s:b}", "path", "/", "readonly", 1));
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/data", "type",
					"bind", "source", data_dir, "options", "rbind", "ro"));
	json_object_set_new(json_object_get(c, "annotations"), "io.sbx.policy",
			    json_string(lsm_policy));
}

/* The guest kernel takes the BPF-LSM programs this host refuses: sbx-agent attaches them for
 * the workload's cgroup in the guest. A hard link of a hidden file (Landlock, by path, lets
 * it through) and a program outside sbx.exec.allow are refused, and each denial is on the
 * guest's console. */
Test(microvm, bpf_lsm_in_the_guest)
{
	char b[512], file[700], alias[700], console[700];
	snprintf(out_dir, sizeof(out_dir), "%s/out", h_root);
	snprintf(data_dir, sizeof(data_dir), "%s/data", h_root);
	snprintf(file, sizeof(file), "%s/secret", data_dir);
	snprintf(alias, sizeof(alias), "%s/alias", data_dir);
	cr_assert(mkdir(out_dir, 0755) == 0 && mkdir(data_dir, 0755) == 0);
	FILE *f = fopen(file, "w");
	cr_assert(f && fputs("secret\n", f) >= 0 && fclose(f) == 0);
	cr_assert_eq(link(file, alias), 0);
	snprintf(lsm_policy, sizeof(lsm_policy), "%s",
		 h_policy("vmlsm", "{\"files\": {\"hidden\": [\"/data/secret\"]}, \"exec\": "
				   "{\"allow\": [\"/usr/bin/dash\", \"/usr/bin/cat\"]}}"));
	h_bundle(b, sizeof(b), "vmlsm",
		 "[\"/bin/sh\", \"-c\", \"/usr/bin/cat /data/alias >/out/r 2>&1; /usr/bin/id "
		 ">>/out/r 2>&1; echo ran >>/out/r\"]",
		 vm_lsm);
	struct run *r = h_sbx("create", "--bundle", b, "vm16", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(h_sbx("start", "vm16", NULL)->status, 0);
	h_wait_status("vm16", "stopped");
	const char *out = read_out("r");
	cr_assert(strstr(out, "/data/alias: No such file or directory"), "%s", out);
	cr_assert(!strstr(out, "secret"), "%s", out);
	cr_assert(strstr(out, "/usr/bin/id: Permission denied") && strstr(out, "ran\n"), "%s", out);
	snprintf(console, sizeof(console), "%s/vm16/console.log", h_root);
	static char text[65536];
	int fd = open(console, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "%s", console);
	h_read_all(fd, text, sizeof(text));
	close(fd);
	cr_assert(strstr(text, "BPF-LSM denied file_open") &&
		      strstr(text, "BPF-LSM denied bprm_check_security"),
		  "the denials are on the console:\n%s", text);
	cr_assert_eq(h_sbx("delete", "vm16", NULL)->status, 0);
	h_assert_gone("vm16");
}

Test(microvm, the_oci_lifecycle_with_a_forwarded_signal)
{
	char b[512];
	snprintf(out_dir, sizeof(out_dir), "%s/out", h_root);
	mkdir(out_dir, 0755);
	h_bundle(b, sizeof(b), "vmlife",
		 "[\"sh\", \"-c\", \"trap 'echo got-TERM > /out/log; exit 5' TERM; echo up > "
		 "/out/log; while :; do sleep 1; done\"]",
		 vm_with_out);
	struct run *r = h_sbx("create", "--bundle", b, "vm4", NULL);
	cr_assert_eq(r->status, 0, "create boots the VM: %s", r->err);
	cr_assert_str_eq(h_state_field("vm4", "status"), "created");
	pid_t qemu = atoi(h_state_field("vm4", "pid"));
	cr_assert(qemu_running(qemu), "the state's pid is QEMU");
	cr_assert_str_eq(read_out("log"), "", "nothing runs before start");

	cr_assert_eq(h_sbx("start", "vm4", NULL)->status, 0);
	h_wait_status("vm4", "running");
	for (int i = 0; i < 1500 && !strstr(read_out("log"), "up"); i++)
		usleep(20000);
	cr_assert_str_eq(read_out("log"), "up\n");

	r = h_sbx("kill", "vm4", "TERM", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	h_wait_status("vm4", "stopped");
	cr_assert_str_eq(read_out("log"), "got-TERM\n", "the signal reached the workload's trap");
	char exit_path[700];
	snprintf(exit_path, sizeof(exit_path), "%s/vm4/exit", h_root);
	FILE *f = fopen(exit_path, "r");
	int st = -1;
	cr_assert(f && fscanf(f, "%d", &st) == 1, "the exit status is recorded");
	fclose(f);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 5, "status %d", st);
	/* the agent powers the VM off after sending the status; QEMU goes within seconds */
	for (int i = 0; i < 1500 && qemu_running(qemu); i++)
		usleep(10000);
	cr_assert(!qemu_running(qemu), "QEMU is gone once the workload ended");

	cr_assert_eq(h_sbx("delete", "vm4", NULL)->status, 0);
	h_assert_gone("vm4");
}

Test(microvm, kill_9_and_delete_force_leave_no_qemu)
{
	char b[512];
	h_bundle(b, sizeof(b), "vmkill", "[\"sleep\", \"1000\"]", vm_on);
	cr_assert_eq(h_sbx("create", "--bundle", b, "vm5", NULL)->status, 0);
	pid_t q5 = atoi(h_state_field("vm5", "pid"));
	cr_assert_eq(h_sbx("start", "vm5", NULL)->status, 0);
	cr_assert_eq(h_sbx("kill", "vm5", "KILL", NULL)->status, 0);
	h_wait_status("vm5", "stopped");
	for (int i = 0; i < 1500 && qemu_running(q5); i++)
		usleep(10000);
	cr_assert(!qemu_running(q5));
	cr_assert_eq(h_sbx("delete", "vm5", NULL)->status, 0);
	h_assert_gone("vm5");

	/* created, never started: delete --force */
	cr_assert_eq(h_sbx("create", "--bundle", b, "vm6", NULL)->status, 0);
	pid_t q6 = atoi(h_state_field("vm6", "pid"));
	cr_assert(qemu_running(q6));
	struct run *r = h_sbx("delete", "--force", "vm6", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(!qemu_running(q6), "no QEMU after delete --force");
	h_assert_gone("vm6");
}

Test(microvm, volumes_the_guest_overlay_and_persist)
{
	char vol[600], rootfs[600], cmd[2048], v_rw[700], v_ro[700];
	snprintf(vol, sizeof(vol), "%s/vol", h_root);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", h_root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && echo host-file > %s/f && cp -a %s %s", vol, vol,
		 ROOTFS, rootfs);
	cr_assert_eq(system(cmd), 0);
	snprintf(v_rw, sizeof(v_rw), "%s:/data", vol);
	snprintf(v_ro, sizeof(v_ro), "%s:/ro:ro", vol);
	unsigned long long before = h_tree_sum(rootfs);
	struct run *r = h_sbx("run", "--name", "vm7", "--isolation", "vm", "--rootfs", rootfs, "-v",
			      v_rw, "-v", v_ro, "--", "sh", "-c",
			      "cat /data/f; echo from-guest > /data/g; echo x > /ro/h || echo "
			      "ro-refused; echo x > /etc/guest-only && echo overlay-ok",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "host-file\n"), "%s", r->out);
	cr_assert(strstr(r->out, "ro-refused\n"), "a read-only volume: %s", r->out);
	cr_assert(strstr(r->out, "overlay-ok\n"), "%s", r->out);
	cr_assert(h_exists("%s/g", vol), "a write to the volume reached the host");
	cr_assert(!h_exists("%s/h", vol));
	cr_assert_eq(h_tree_sum(rootfs), before, "the rootfs is untouched without --persist");

	r = h_sbx("run", "--name", "vm8", "--isolation", "vm", "--persist", "--rootfs", rootfs,
		  "--", "sh", "-c", "echo kept > /etc/persisted", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(h_exists("%s/etc/persisted", rootfs), "--persist writes through to the rootfs");
	h_assert_gone("vm7");
	h_assert_gone("vm8");
}

Test(microvm, a_policy_asks_for_the_vm_and_its_file_rules_hold_there)
{
	char rel[256];
	const char *pol =
	    h_policy("policy", "{\"isolation\": \"vm\", \"files\": {\"writable\": [\"/tmp\"]}}");
	guest_release(rel, sizeof(rel));
	/* sbx.isolation alone asks for the VM; Landlock holds sbx.files in the guest */
	struct run *r = h_sbx("run", "--name", "vm9", "--policy", pol, "--", "sh", "-c",
			      "uname -r; echo x > /tmp/ok && echo tmp-written; echo x > /etc/no "
			      "2>/dev/null || echo etc-refused",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(!strncmp(r->out, rel, strlen(rel)), "the policy chose the VM: %s", r->out);
	cr_assert(strstr(r->out, "tmp-written\n"), "%s", r->out);
	cr_assert(strstr(r->out, "etc-refused\n"), "Landlock in the guest: %s", r->out);
	h_assert_gone("vm9");
}

Test(microvm, clear_errors_and_nothing_left)
{
	struct run *r = h_sbx("run", "--name", "vm10", "--isolation", "vm", "--kernel",
			      "/nonexistent/vmlinuz", "--", "true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "guest kernel /nonexistent/vmlinuz"), "%s", r->err);
	h_assert_gone("vm10");

	r = h_sbx("run", "--name", "vm11", "--isolation", "vm", "--kernel", "/etc/hostname", "--",
		  "true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "guest kernel /etc/hostname: not a bzImage"), "%s", r->err);
	h_assert_gone("vm11");

	/* The guest panics at boot (an initramfs without an init): the console says so. */
	char empty[700], cmd[2048], cwd[512];
	snprintf(empty, sizeof(empty), "%s/empty.cpio", h_root);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/e/dev && cd %s/e && find . | cpio -o -H newc --quiet > %s", h_root,
		 h_root, empty);
	cr_assert_eq(system(cmd), 0);
	r = h_sbx("run", "--name", "vm14", "--isolation", "vm", "--initramfs", empty, "--", "true",
		  NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "QEMU exited") && strstr(r->err, "Kernel panic"), "%s", r->err);
	h_assert_gone("vm14");

	/* No QEMU in PATH: the package to install is named. */
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd),
		 "PATH=/nonexistent %s/" SBX " --root %s run --name vm12 --isolation vm -- true",
		 cwd, h_root);
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	r = h_runv(argv);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "qemu-system-x86"), "%s", r->err);
	h_assert_gone("vm12");

	/* The guest kernel panics under the workload: the sandbox ends, and says why. */
	r = h_sbx("run", "--name", "vm13", "--isolation", "vm", "--", "sh", "-c",
		  "echo c > /proc/sysrq-trigger; echo survived", NULL);
	cr_assert_eq(r->status, 255, "%s", r->err);
	cr_assert(!strstr(r->out, "survived"), "%s", r->out);
	cr_assert(strstr(r->err, "stopped before the workload ended") &&
		      strstr(r->err, "Kernel panic - not syncing"),
		  "%s", r->err);
	h_assert_gone("vm13");

	/* A layer the VM lacks, required: refused before anything starts */
	r = h_sbx("run", "--name", "vm15", "--isolation", "vm", "--policy",
		  h_policy("req", "{\"require\": [\"cgroup-bpf\"]}"), "--", "true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "requires the cgroup-BPF layer, which a microVM sandbox does not"),
		  "%s", r->err);
	h_assert_gone("vm15");

	r = h_sbx("run", "--isolation", "kvm", "--", "true", NULL);
	cr_assert_eq(r->status, 2, "%s", r->err);
	cr_assert(strstr(r->err, "--isolation must be vm or container"), "%s", r->err);
}
