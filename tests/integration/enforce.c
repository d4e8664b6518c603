/* What the policy and the sentry do inside real sandboxes: denials with the policy's errno,
 * emulated sysinfo, mknod and reboot, limits, the sentry failing closed, and the logs. */
#include "harness.h"
#include "lib/cleanup.h"
#include "lib/util.h"

TestSuite(enforce, .init = h_setup, .fini = h_teardown, .timeout = 120);

static struct run *probe(const char *id, const char *const *checks, size_t n, const char *mem)
{
	char *argv[64];
	int k = 0;
	argv[k++] = SBX;
	argv[k++] = "--root";
	argv[k++] = h_root;
	argv[k++] = "run";
	argv[k++] = "--name";
	argv[k++] = (char *)id;
	if (mem) {
		argv[k++] = "--memory";
		argv[k++] = (char *)mem;
	}
	argv[k++] = "-v";
	argv[k++] = (char *)h_probe_volume();
	argv[k++] = "--";
	argv[k++] = "/opt/sbx/sbx-probe";
	for (size_t i = 0; i < n && k < 62; i++)
		argv[k++] = (char *)checks[i];
	argv[k] = NULL;
	return h_runv(argv);
}

static void assert_line(const struct run *r, const char *line)
{
	cr_assert(strstr(r->out, line), "expected \"%s\" in:\n%s\nstderr: %s", line, r->out,
		  r->err);
}

Test(enforce, denied_classes_get_the_policys_errno)
{
	static const char *const eperm[] = {
	    "mount",
	    "umount",
	    "keyctl",
	    "add_key",
	    "bpf",
	    "perf_event_open",
	    "userfaultfd",
	    "io_uring",
	    "ptrace",
	    "process_vm_readv",
	    "unshare",
	    "setns",
	    "clone_newuser",
	    "kexec_load",
	    "init_module",
	    "swapon",
	    "acct",
	    "syslog",
	    "open_by_handle_at",
	    "tiocsti",
	    "af_packet",
	    "raw_socket",
	};
	struct run *r = probe("deny1", eperm, ARRAY_SIZE(eperm), NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	for (size_t i = 0; i < ARRAY_SIZE(eperm); i++) {
		char want[128];
		snprintf(want, sizeof(want), "%s: denied EPERM (errno 1)\n", eperm[i]);
		assert_line(r, want);
	}
	static const char *const other[] = {"clone3", "tcp_socket", "getppid"};
	r = probe("deny2", other, 3, NULL);
	assert_line(r, "clone3: denied ENOSYS (errno 38)\n");
	assert_line(r, "tcp_socket: ok\n");
	assert_line(r, "getppid: ok\n");
}

Test(enforce, sysinfo_reports_the_memory_limit)
{
	static const char *const a[] = {"sysinfo"};
	struct run *r = probe("si1", a, 1, "96m");
	cr_assert_eq(r->status, 0, "%s", r->err);
	unsigned long long total = 0;
	long uptime = -1;
	unsigned procs = 0;
	cr_assert_eq(sscanf(r->out, "totalram %llu uptime %ld procs %u", &total, &uptime, &procs),
		     3, "%s", r->out);
	cr_assert_eq(total, 96ULL << 20, "totalram is the limit");
	cr_assert_lt(uptime, 60, "uptime counts from the sandbox's start");
	cr_assert_geq(procs, 1);
	cr_assert_lt(procs, 10, "process count is the sandbox's, not the host's");

	/* busybox free goes through sysinfo too */
	r = h_sbx("run", "--name", "si2", "--memory", "96m", "--", "free", NULL);
	cr_assert(strstr(r->out, "98304"), "free shows 96 MiB in KiB: %s", r->out);

	/* and /proc/meminfo, which procps and runtimes such as the JVM read, agrees */
	r = h_sbx("run", "--name", "si3", "--memory", "96m", "--", "head", "-1", "/proc/meminfo",
		  NULL);
	cr_assert(strstr(r->out, "MemTotal:") && strstr(r->out, " 98304 kB"), "%s", r->out);
}

Test(enforce, mknod_of_safe_nodes_works_and_of_block_devices_fails)
{
	struct run *r =
	    h_sbx("run", "--name", "mk1", "--", "/bin/sh", "-c",
		  "mknod /tmp/null c 1 3 && ls -l /tmp/null; "
		  "mknod /tmp/blk b 8 0; echo blk=$?; mknod /tmp/mem c 1 1; echo mem=$?",
		  NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "crw"), "a character device: %s", r->out);
	cr_assert(strstr(r->out, "1,   3"), "major 1 minor 3: %s", r->out);
	cr_assert(strstr(r->out, "blk=1"), "block device refused: %s", r->out);
	cr_assert(strstr(r->out, "mem=1"), "/dev/mem refused: %s", r->out);
	cr_assert(strstr(r->err, "Operation not permitted"), "%s", r->err);
}

Test(enforce, reboot_ends_the_sandbox)
{
	/* as the kernel does for reboot(2) in a PID namespace: power-off is SIGINT, restart SIGHUP
	 */
	struct run *r = h_sbx("run", "--name", "rb0", "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "reboot", "poweroff", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	assert_line(r, "reboot: denied EPERM"); /* without CAP_SYS_BOOT, as on a real kernel */
	r = h_sbx("run", "--name", "rb1", "--cap-add", "CAP_SYS_BOOT", "-v", h_probe_volume(), "--",
		  "/opt/sbx/sbx-probe", "reboot", "poweroff", NULL);
	cr_assert_eq(r->status, 128 + SIGINT, "%s", r->err);
	cr_assert(!strstr(r->out, "reboot: ok"), "the caller never returns: %s", r->out);
	h_assert_gone("rb1");
	r = h_sbx("run", "--name", "rb2", "--cap-add", "CAP_SYS_BOOT", "-v", h_probe_volume(), "--",
		  "/opt/sbx/sbx-probe", "reboot", "restart", NULL);
	cr_assert_eq(r->status, 128 + SIGHUP, "%s", r->err);
	r = h_sbx("run", "--name", "rb3", "--cap-add", "CAP_SYS_BOOT", "-v", h_probe_volume(), "--",
		  "/opt/sbx/sbx-probe", "reboot", "badmagic", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	assert_line(r, "reboot: denied EINVAL");
}

Test(enforce, memory_limit_oom_kills)
{
	struct run *r = h_sbx("run", "--name", "oom1", "--memory", "32m", "-v", h_probe_volume(),
			      "--", "/opt/sbx/sbx-probe", "alloc", "256", NULL);
	cr_assert_eq(r->status, 128 + SIGKILL, "killed by the OOM killer: %s %s", r->out, r->err);
	cr_assert(!strstr(r->out, "allocated"));
	h_assert_gone("oom1");
}

Test(enforce, pids_limit_stops_a_fork_bomb)
{
	struct run *r = h_sbx("run", "--name", "pid1", "--pids", "16", "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "forkbomb", "1000", NULL);
	int got = -1, want = 0;
	cr_assert_eq(sscanf(r->out, "forked %d of %d", &got, &want), 2, "%s %s", r->out, r->err);
	cr_assert_lt(got, 16, "the pids limit held: %s", r->out);
	cr_assert_gt(got, 0);
	h_assert_gone("pid1");
}

Test(enforce, killing_the_sentry_kills_the_workload)
{
	char b[512];
	h_bundle(b, sizeof(b), "fc", "[\"sleep\", \"1000\"]", NULL);
	cr_assert_eq(h_sbx("run", "--detach", "--bundle", b, "fc1", NULL)->status, 0);
	int init = atoi(h_state_field("fc1", "pid"));
	int sentry = h_sentry_pid("fc1");
	cr_assert_gt(init, 1);
	cr_assert_gt(sentry, 1);
	cr_assert_eq(kill(sentry, SIGKILL), 0);
	/* the issue asks for within one second */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool gone = false;
	do {
		gone = h_dead(init);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!gone &&
		 (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 1000000000L);
	cr_assert(gone, "the workload outlived its sentry");
	cr_assert_str_eq(h_state_field("fc1", "status"), "stopped");
	cr_assert_eq(h_sbx("delete", "fc1", NULL)->status, 0);
	h_assert_gone("fc1");
}

/* The keeper ends the sandbox if the sentry dies; if the keeper dies, the sentry does. */
Test(enforce, killing_the_keeper_ends_the_sandbox)
{
	char b[512];
	h_bundle(b, sizeof(b), "fk", "[\"sleep\", \"1000\"]", NULL);
	cr_assert_eq(h_sbx("run", "--detach", "--bundle", b, "fk1", NULL)->status, 0);
	pid_t keeper = h_keeper_pid("fk1");
	cr_assert_gt(keeper, 1, "every sandbox has a keeper");
	cr_assert_eq(kill(keeper, SIGKILL), 0);
	h_wait_status("fk1", "stopped");
	cr_assert_eq(h_sbx("delete", "fk1", NULL)->status, 0);
	h_assert_gone("fk1");
}

static bool in_cgroup(pid_t pid, const char *name)
{
	char path[64], line[512];
	bool found = false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "0::", 3) && strstr(line, name);
	if (f)
		fclose(f);
	return found;
}

static char caller_cg[300]; /* the test's own "caller" cgroup, while it may exist */

/* Whatever is left in it is the test's own (a failed test's sandbox processes). */
static void remove_caller_cg(void)
{
	char file[340];
	if (!caller_cg[0])
		return;
	snprintf(file, sizeof(file), "%s/cgroup.kill", caller_cg);
	FILE *f = fopen(file, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	for (int i = 0; i < 500 && rmdir(caller_cg) < 0 && errno == EBUSY; i++)
		usleep(10000);
	caller_cg[0] = '\0';
}

/* A service stopped, a shim's scope killed: the cgroup `sbx run` ran in is killed, and the
 * sentry (started there) with it. The keeper is not there: it ends the sandbox. */
Test(enforce, killing_the_callers_cgroup_ends_the_sandbox, .fini = remove_caller_cg)
{
	char b[512], file[340], name[64], *cg = caller_cg;
	const char *v2 = h_exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified"
									 : "/sys/fs/cgroup";
	snprintf(name, sizeof(name), "sbx-it-caller-%d", (int)getpid());
	snprintf(caller_cg, sizeof(caller_cg), "%s/%s", v2, name);
	cr_assert_eq(mkdir(cg, 0755), 0, "mkdir %s: %s", cg, strerror(errno));
	h_bundle(b, sizeof(b), "fcg", "[\"sleep\", \"1000\"]", NULL);
	pid_t c = fork();
	if (c == 0) {
		snprintf(file, sizeof(file), "%s/cgroup.procs", cg);
		FILE *f = fopen(file, "w");
		if (!f || fprintf(f, "0\n") < 0 || fclose(f) != 0)
			_exit(100);
		execl(SBX, SBX, "--root", h_root, "run", "--detach", "--bundle", b, "fcg1", NULL);
		_exit(101);
	}
	int status = -1;
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run --detach: %#x", status);
	pid_t init = atoi(h_state_field("fcg1", "pid")), sentry = h_sentry_pid("fcg1");
	pid_t keeper = h_keeper_pid("fcg1");
	cr_assert(in_cgroup(sentry, name), "the sentry runs in the caller's cgroup");
	cr_assert(keeper > 1 && !in_cgroup(keeper, name), "its keeper does not");
	cr_assert(!in_cgroup(init, name));

	snprintf(file, sizeof(file), "%s/cgroup.kill", cg);
	FILE *f = fopen(file, "w");
	cr_assert(f && fprintf(f, "1\n") > 0 && fclose(f) == 0, "cgroup.kill");
	h_wait_status("fcg1", "stopped");
	cr_assert(h_wait_dead(sentry), "the sentry was killed with its cgroup");
	cr_assert_eq(h_sbx("delete", "fcg1", NULL)->status, 0);
	h_assert_gone("fcg1");
	char removed[300];
	snprintf(removed, sizeof(removed), "%s", cg);
	remove_caller_cg();
	cr_assert(!h_exists("%s", removed), "the caller's cgroup is removed");
}

/* In the foreground, `sbx run` is init's parent: a killed sentry ends the sandbox (the keeper)
 * and run says so, with init's status. */
Test(enforce, run_says_when_the_sentry_was_killed)
{
	char errf[600];
	snprintf(errf, sizeof(errf), "%s/run.err", h_root);
	pid_t c = fork();
	if (c == 0) {
		int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(100);
		execl(SBX, SBX, "--root", h_root, "run", "--name", "fgk1", "--", "sleep", "1000",
		      NULL);
		_exit(101);
	}
	h_wait_status("fgk1", "running");
	pid_t sentry = h_sentry_pid("fgk1");
	cr_assert_gt(sentry, 1);
	cr_assert_eq(kill(sentry, SIGKILL), 0);
	int status = -1;
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL, "run: %#x", status);
	_cleanup_free_ char *err = NULL;
	cr_assert_eq(read_file(errf, 65536, &err, NULL), 0);
	cr_assert(strstr(err, "the sentry was killed by signal 9"), "%s", err);
	h_assert_gone("fgk1");
}

Test(enforce, denials_are_logged_as_json)
{
	char log[512];
	snprintf(log, sizeof(log), "%s/sbx.log", h_root);
	char *argv[] = {SBX,	     "--root",
			h_root,	     "--log",
			log,	     "--log-format",
			"json",	     "run",
			"--name",    "log1",
			"-v",	     (char *)h_probe_volume(),
			"--",	     "/opt/sbx/sbx-probe",
			"mknod_blk", NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	FILE *f = fopen(log, "r");
	cr_assert(f, "log file written");
	char line[4096];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		cr_assert(o, "every log line is JSON: %s", line);
		const char *sc = json_string_value(json_object_get(o, "syscall"));
		if (sc && !strncmp(sc, "mknod", 5))
			found = true;
		json_decref(o);
	}
	fclose(f);
	cr_assert(found, "the mknod denial is in the log");
}

static void write_policy(const char *path, int errno_ret)
{
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"keyctl\"], "
		"\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": %d}]}\n",
		errno_ret);
	fclose(f);
}

Test(enforce, an_edited_policy_is_compiled_again)
{
	/* Compiled programs are cached by content: an edit must never run the old program. */
	char p[600];
	snprintf(p, sizeof(p), "%s/policy.json", h_root);
	write_policy(p, EACCES);
	struct run *r = h_sbx("run", "--name", "pc1", "--policy", p, "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "keyctl", NULL);
	assert_line(r, "keyctl: denied EACCES");
	r = h_sbx("run", "--name", "pc2", "--policy", p, "-v", h_probe_volume(), "--",
		  "/opt/sbx/sbx-probe", "keyctl", NULL);
	assert_line(r, "keyctl: denied EACCES"); /* the same policy again, from the cache */
	write_policy(p, EINVAL);
	r = h_sbx("run", "--name", "pc3", "--policy", p, "-v", h_probe_volume(), "--",
		  "/opt/sbx/sbx-probe", "keyctl", NULL);
	assert_line(r, "keyctl: denied EINVAL");
}

Test(enforce, podmans_profile_behaves_as_under_podman)
{
	const char *profile = "/usr/share/containers/seccomp.json";
	if (access(profile, R_OK) < 0)
		cr_skip_test("%s not installed", profile);
	struct run *r = h_sbx("run", "--name", "pod1", "--policy", profile, "-v", h_probe_volume(),
			      "--", "/opt/sbx/sbx-probe", "keyctl", "clone3", "bpf", "io_uring",
			      "getppid", "mknod_null", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	assert_line(r, "keyctl: ok\n");			 /* allowed by the profile */
	assert_line(r, "clone3: ok\n");			 /* allowed by the profile */
	assert_line(r, "bpf: denied EPERM (errno 1)\n"); /* errnoRet 1 without CAP_SYS_ADMIN */
	assert_line(r, "io_uring: denied ENOSYS (errno 38)\n"); /* defaultErrnoRet 38 */
	assert_line(r, "getppid: ok\n");
	/* allowed by the profile, refused by the kernel: no CAP_MKNOD, and no sbx emulation
	 * because the profile has no sbx section */
	assert_line(r, "mknod_null: denied EPERM (errno 1)\n");
}
