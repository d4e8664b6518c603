/* The OCI lifecycle on real sandboxes: create, start, state, kill, delete, exec, run. */
#include "harness.h"
#include "lib/cleanup.h"
#include "lib/util.h"

TestSuite(lifecycle, .init = h_setup, .fini = h_teardown, .timeout = 120);

Test(lifecycle, create_start_state_kill_delete)
{
	char b[512];
	h_bundle(b, sizeof(b), "life", "[\"sleep\", \"1000\"]", NULL);
	int mounts = h_count_mounts();
	struct run *r = h_sbx("create", "--bundle", b, "life1", NULL);
	cr_assert_eq(r->status, 0, "create: %s", r->err);

	r = h_sbx("state", "life1", NULL);
	json_t *o = json_loads(r->out, 0, NULL);
	cr_assert(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "ociVersion")), "1.1.0");
	cr_assert_str_eq(json_string_value(json_object_get(o, "id")), "life1");
	cr_assert_str_eq(json_string_value(json_object_get(o, "status")), "created");
	cr_assert_str_eq(json_string_value(json_object_get(o, "bundle")), b);
	cr_assert(json_is_object(json_object_get(o, "annotations")));
	int pid = (int)json_integer_value(json_object_get(o, "pid"));
	json_decref(o);
	cr_assert_gt(pid, 1);
	cr_assert(h_exists("/proc/%d", pid));

	/* The sentry is locked down from create on: its own filter, few capabilities. */
	char path[600];
	snprintf(path, sizeof(path), "%s/life1/state.json", h_root);
	json_t *state = json_load_file(path, 0, NULL);
	int sentry = (int)json_integer_value(json_object_get(state, "sentry_pid"));
	json_decref(state);
	snprintf(path, sizeof(path), "/proc/%d/status", sentry);
	FILE *f = fopen(path, "r");
	cr_assert(f, "the sentry runs");
	char line[256];
	unsigned long long capeff = ~0ULL;
	int seccomp = -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "CapEff:\t%llx", &capeff);
		sscanf(line, "Seccomp:\t%d", &seccomp);
	}
	fclose(f);
	cr_assert_eq(seccomp, 2, "the sentry runs under its own seccomp filter");
	cr_assert_eq(capeff & (1ULL << 21), 0, "no CAP_SYS_ADMIN: %llx", capeff);

	r = h_sbx("start", "life1", NULL);
	cr_assert_eq(r->status, 0, "start: %s", r->err);
	cr_assert_str_eq(h_state_field("life1", "status"), "running");
	cr_assert_eq(atoi(h_state_field("life1", "pid")), pid);

	r = h_sbx("start", "life1", NULL);
	cr_assert_neq(r->status, 0, "a second start must fail");
	cr_assert(strstr(r->err, "running"), "says why: %s", r->err);

	r = h_sbx("delete", "life1", NULL);
	cr_assert_neq(r->status, 0, "delete of a running container without --force fails");
	cr_assert(strstr(r->err, "running"), "says why: %s", r->err);

	r = h_sbx("kill", "life1", "KILL", NULL);
	cr_assert_eq(r->status, 0, "kill: %s", r->err);
	h_wait_status("life1", "stopped");

	r = h_sbx("kill", "life1", "TERM", NULL);
	cr_assert_neq(r->status, 0, "kill of a stopped container fails");

	r = h_sbx("delete", "life1", NULL);
	cr_assert_eq(r->status, 0, "delete: %s", r->err);
	h_assert_gone("life1");
	cr_assert_eq(h_count_mounts(), mounts, "no mount left on the host");

	r = h_sbx("state", "life1", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "does not exist"), "clear message: %s", r->err);
}

Test(lifecycle, missing_container_fails_clearly)
{
	const char *verbs[] = {"start", "state", "delete"};
	for (size_t i = 0; i < 3; i++) {
		struct run *r = h_sbx(verbs[i], "nosuch", NULL);
		cr_assert_neq(r->status, 0, "%s of a missing container", verbs[i]);
		cr_assert(strstr(r->err, "does not exist"), "%s: %s", verbs[i], r->err);
	}
	struct run *r = h_sbx("kill", "nosuch", "TERM", NULL);
	cr_assert_neq(r->status, 0);
}

Test(lifecycle, exec_joins_the_sandbox)
{
	char b[512];
	h_bundle(b, sizeof(b), "exec", "[\"sleep\", \"1000\"]", NULL);
	cr_assert_eq(h_sbx("run", "--detach", "--bundle", b, "exec1", NULL)->status, 0);
	struct run *r = h_sbx(
	    "exec", "exec1", "sh", "-c",
	    "tr \\\\0 \" \" < /proc/1/cmdline; echo; hostname; grep Seccomp: /proc/self/status; "
	    "exit 5",
	    NULL);
	cr_assert_eq(r->status, 5, "exec exit status: %s", r->err);
	cr_assert(strstr(r->out, "sleep"), "sees the container's pid 1: %s", r->out);
	cr_assert(strstr(r->out, "sbx"), "container hostname: %s", r->out);
	cr_assert(strstr(r->out, "Seccomp:\t2"), "under the policy: %s", r->out);

	/* exec --process FILE, as containerd and podman pass it */
	char pf[600];
	snprintf(pf, sizeof(pf), "%s/process.json", h_root);
	FILE *f = fopen(pf, "w");
	fprintf(f, "{\"args\": [\"sh\", \"-c\", \"echo from-process-file; exit 4\"], \"cwd\": "
		   "\"/tmp\", \"env\": [\"PATH=/bin:/usr/bin\"], \"user\": {\"uid\": 0, \"gid\": "
		   "0}}");
	fclose(f);
	r = h_sbx("exec", "--process", pf, "exec1", NULL);
	cr_assert_eq(r->status, 4, "%s", r->err);
	cr_assert(strstr(r->out, "from-process-file"));

	cr_assert_eq(h_sbx("delete", "--force", "exec1", NULL)->status, 0);
	h_assert_gone("exec1");
}

Test(lifecycle, run_foreground_reports_status_and_cleans_up)
{
	char b[512];
	h_bundle(b, sizeof(b), "fg", "[\"sh\", \"-c\", \"echo hi; exit 7\"]", NULL);
	struct run *r = h_sbx("run", "--bundle", b, "fg1", NULL);
	cr_assert_eq(r->status, 7, "%s", r->err);
	cr_assert_str_eq(r->out, "hi\n");
	h_assert_gone("fg1");
}

/* Wait until `sbx state` says running (the foreground run in the background got there). */
static void wait_running(const char *id)
{
	for (int i = 0; i < 1000; i++) {
		const char *s = h_state_field(id, "status");
		if (s && !strcmp(s, "running"))
			return;
		usleep(10000);
	}
	cr_assert_fail("%s never ran", id);
}

Test(lifecycle, exit_statuses_and_signals)
{
	struct run *r = h_sbx("run", "--name", "st1", "--", "/bin/sh", "-c", "exit 42", NULL);
	cr_assert_eq(r->status, 42, "%s", r->err);
	r = h_sbx("run", "--name", "st4", "--", "/no/such/program", NULL);
	cr_assert_eq(r->status, 127);
	cr_assert(strstr(r->err, "/no/such/program"), "%s", r->err);
	h_assert_gone("st1");
	h_assert_gone("st4");

	/* Killed by a signal: 128+N. PID 1 of a namespace only gets signals it handles, and
	 * SIGKILL from outside. */
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "run", "--name", "st2", "--", "/bin/sleep", "100", NULL);
	wait_running("st2");
	cr_assert_eq(h_sbx("kill", "st2", "KILL", NULL)->status, 0);
	r = h_collect(p, o, e);
	cr_assert_eq(r->status, 128 + SIGKILL, "%s", r->err);
	h_assert_gone("st2");

	p = h_sbx_bg(&o, &e, "run", "--name", "st3", "--", "/bin/sh", "-c",
		     "trap 'exit 9' TERM; while :; do sleep 0.05; done", NULL);
	wait_running("st3");
	usleep(200000); /* let the shell install its trap */
	cr_assert_eq(h_sbx("kill", "st3", "TERM", NULL)->status, 0);
	r = h_collect(p, o, e);
	cr_assert_eq(r->status, 9, "the workload's own status: %s", r->err);
}

Test(lifecycle, only_stdio_fds_reach_the_workload)
{
	struct run *r = h_sbx("run", "--name", "fds1", "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "fds", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "0 1 2 \n");
}

Test(lifecycle, fifty_sandboxes_leave_nothing)
{
	int mounts = h_count_mounts();
	for (int i = 0; i < 50; i++) {
		char id[32];
		snprintf(id, sizeof(id), "many%d", i);
		struct run *r = h_sbx("run", "--name", id, "--memory", "64m", "--pids", "32", "--",
				      "/bin/true", NULL);
		cr_assert_eq(r->status, 0, "run %d: %s", i, r->err);
		h_assert_gone(id);
	}
	cr_assert_eq(h_count_mounts(), mounts);
	cr_assert(!h_exists("/sys/fs/cgroup/unified/sbx/many0"));
}

Test(lifecycle, pid_file_and_kill_all)
{
	char b[512], pidfile[600];
	h_bundle(b, sizeof(b), "pidf", "[\"sh\", \"-c\", \"sleep 1000 & sleep 1000\"]", NULL);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", h_root);
	struct run *r = h_sbx("create", "--bundle", b, "--pid-file", pidfile, "pf1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	FILE *f = fopen(pidfile, "r");
	cr_assert(f, "pid file written");
	int pid = 0;
	cr_assert_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	/* init, as runc's: `state` reports it, and managers read its namespaces and cgroup
	 * through this pid */
	cr_assert_eq(pid, atoi(h_state_field("pf1", "pid")), "the pid file holds init's pid");
	char path[64], ns[64] = "", self[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	cr_assert_gt(readlink(path, ns, sizeof(ns) - 1), 0);
	cr_assert_gt(readlink("/proc/self/ns/pid", self, sizeof(self) - 1), 0);
	cr_assert_str_neq(ns, self, "init has a pid namespace of its own");
	_cleanup_free_ char *cg = NULL;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	cr_assert_eq(read_file(path, 65536, &cg, NULL), 0);
	cr_assert(strstr(cg, "/sbx/pf1\n"), "init is in the container's cgroup: %s", cg);
	cr_assert_eq(h_sbx("start", "pf1", NULL)->status, 0);
	usleep(100000);
	/* sh as PID 1 ignores TERM, its children do not: --all reaches every process */
	cr_assert_eq(h_sbx("kill", "--all", "pf1", "KILL", NULL)->status, 0);
	h_wait_status("pf1", "stopped");
	cr_assert_eq(h_sbx("delete", "pf1", NULL)->status, 0);
	h_assert_gone("pf1");
}

Test(lifecycle, preserve_fds_passes_extra_fds)
{
	char path[600], vol[600];
	snprintf(path, sizeof(path), "%s/extra", h_root);
	snprintf(vol, sizeof(vol), "%s", h_probe_volume());
	int out = h_tmpfile();
	pid_t p = fork();
	if (p == 0) {
		/* fd 3 in the caller, not close-on-exec: --preserve-fds 1 passes it on */
		int fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || dup2(fd, 3) != 3 || dup2(out, 1) != 1)
			_exit(99);
		execl(SBX, SBX, "--root", h_root, "run", "--name", "pfd1", "--preserve-fds", "1",
		      "-v", vol, "--", "/opt/sbx/sbx-probe", "fds", (char *)NULL);
		_exit(98);
	}
	int st;
	waitpid(p, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	char buf[256] = {0};
	cr_assert_gt(pread(out, buf, sizeof(buf) - 1, 0), 0);
	close(out);
	cr_assert_str_eq(buf, "0 1 2 3 \n");
}
