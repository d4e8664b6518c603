/* The verbs containerd's shim and podman call besides the lifecycle: pause/resume (the
 * workload really stops and goes on), ps (the container's pids), update (a limit the kernel
 * then enforces), events (real numbers), exec with a terminal or detached with a process
 * file, and errors as JSON lines in --log. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"

TestSuite(verbs, .init = h_setup, .fini = h_teardown, .timeout = 180);

/* A counter the workload prints to stdout, one line per step: the last number written. */
static long last_count(int out_fd)
{
	static char buf[CAP_OUT];
	ssize_t n = pread(out_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *end = buf + n;
	while (end > buf && end[-1] == '\n')
		*--end = '\0';
	char *line = strrchr(buf, '\n');
	return strtol(line ? line + 1 : buf, NULL, 10);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Until the counter moves past `than` (the workload makes progress). */
static long wait_count_above(int out_fd, long than)
{
	for (int i = 0; i < 3000; i++) {
		long c = last_count(out_fd);
		if (c > than)
			return c;
		sleep_ms(10);
	}
	cr_assert_fail("the workload made no progress past %ld", than);
	return -1;
}

/* The pids `sbx ps --format json` lists. */
static size_t ps_json(const char *id, long *pids, size_t cap)
{
	struct run *r = h_sbx("ps", "--format", "json", id, NULL);
	cr_assert_eq(r->status, 0, "ps: %s", r->err);
	json_t *a = json_loads(r->out, 0, NULL);
	cr_assert(json_is_array(a), "ps prints a JSON array: %s", r->out);
	size_t n = json_array_size(a);
	for (size_t i = 0; i < n && i < cap; i++)
		pids[i] = (long)json_integer_value(json_array_get(a, i));
	json_decref(a);
	return n;
}

static bool has_pid(const long *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Stop the backgrounded `sbx run` of `id` and check nothing is left. */
static void kill_run(const char *id, pid_t run, int o, int e)
{
	struct run *r = h_sbx("kill", id, "KILL", NULL);
	cr_assert_eq(r->status, 0, "kill: %s", r->err);
	r = h_collect(run, o, e);
	cr_assert_eq(r->status, 128 + SIGKILL, "the run reports the SIGKILL: %d %s", r->status,
		     r->err);
	h_assert_gone(id);
}

Test(verbs, pause_stops_the_workload_and_resume_restarts_it)
{
	int o, e;
	pid_t run = h_sbx_bg(&o, &e, "run", "--name", "pz1", "--", "sh", "-c",
			     "i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done", NULL);
	long c = wait_count_above(o, 5);

	struct run *r = h_sbx("pause", "pz1", NULL);
	cr_assert_eq(r->status, 0, "pause: %s", r->err);
	cr_assert_str_eq(h_state_field("pz1", "status"), "paused");
	cr_assert_gt(atoi(h_state_field("pz1", "pid")), 1, "a paused container keeps its pid");
	c = last_count(o);
	sleep_ms(500); /* 50 steps' worth */
	cr_assert_eq(last_count(o), c, "no progress while paused");

	r = h_sbx("pause", "pz1", NULL);
	cr_assert_neq(r->status, 0, "pausing twice fails");
	cr_assert(strstr(r->err, "paused"), "says why: %s", r->err);
	r = h_sbx("exec", "pz1", "true", NULL);
	cr_assert_neq(r->status, 0, "no exec into a paused container");
	cr_assert(strstr(r->err, "paused"), "says why: %s", r->err);
	r = h_sbx("delete", "pz1", NULL);
	cr_assert_neq(r->status, 0, "delete without --force refuses a paused container");
	cr_assert(strstr(r->err, "paused"), "says why: %s", r->err);

	r = h_sbx("resume", "pz1", NULL);
	cr_assert_eq(r->status, 0, "resume: %s", r->err);
	cr_assert_str_eq(h_state_field("pz1", "status"), "running");
	wait_count_above(o, c + 5);
	r = h_sbx("resume", "pz1", NULL);
	cr_assert_neq(r->status, 0, "resuming a running container fails");
	cr_assert(strstr(r->err, "not paused"), "says why: %s", r->err);
	kill_run("pz1", run, o, e);
}

/* The first line of a cgroup file, or "" when it cannot be read. */
static const char *cg_read(const char *fmt, const char *id)
{
	static char buf[128];
	char path[256];
	snprintf(path, sizeof(path), fmt, id);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* pause, check the counter stands still and the freezer file says so, resume, check it moves */
static void pause_resume_check(const char *id, int out_fd, const char *file, const char *frozen,
			       const char *thawed)
{
	long c = wait_count_above(out_fd, 5);
	struct run *r = h_sbx("pause", id, NULL);
	cr_assert_eq(r->status, 0, "pause: %s", r->err);
	cr_assert_str_eq(cg_read(file, id), frozen, "%s", file);
	cr_assert_str_eq(h_state_field(id, "status"), "paused");
	c = last_count(out_fd);
	sleep_ms(300);
	cr_assert_eq(last_count(out_fd), c, "no progress while paused");
	r = h_sbx("resume", id, NULL);
	cr_assert_eq(r->status, 0, "resume: %s", r->err);
	cr_assert_str_eq(cg_read(file, id), thawed, "%s", file);
	wait_count_above(out_fd, c + 5);
}

#define COUNTER "i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done"

/* This hybrid host has both freezers: the sandbox's v2 directory (preferred), and the v1
 * freezer controller, which sbx uses where no v2 hierarchy is mounted. */
Test(verbs, pause_uses_cgroup_freeze_in_the_v2_tree)
{
	cr_assert(h_exists("/sys/fs/cgroup/unified/cgroup.controllers"), "a hybrid host");
	int o, e;
	pid_t run = h_sbx_bg(&o, &e, "run", "--name", "pz3", "--", "sh", "-c", COUNTER, NULL);
	pause_resume_check("pz3", o, "/sys/fs/cgroup/unified/sbx/%s/cgroup.freeze", "1", "0");
	kill_run("pz3", run, o, e);
}

Test(verbs, pause_uses_the_v1_freezer_without_a_v2_tree)
{
	/* our own mount namespace (this test's process only) without the v2 mount */
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(umount2("/sys/fs/cgroup/unified", MNT_DETACH), 0);
	int o, e;
	pid_t run = h_sbx_bg(&o, &e, "run", "--name", "pz4", "--", "sh", "-c", COUNTER, NULL);
	pause_resume_check("pz4", o, "/sys/fs/cgroup/freezer/sbx/%s/freezer.state", "FROZEN",
			   "THAWED");
	/* a frozen v1 task acts on SIGKILL only once thawed: kill thaws it */
	cr_assert_eq(h_sbx("pause", "pz4", NULL)->status, 0);
	kill_run("pz4", run, o, e);
}

/* Pausing while the workload is inside brokered syscalls (each open for writing and each
 * unlink goes to the sentry and the gofer): every pause completes, no call fails, and the
 * loop goes on after each resume. The sentry and gofer are not frozen with it. */
Test(verbs, pause_during_notified_syscalls)
{
	int o, e;
	pid_t run = h_sbx_bg(&o, &e, "run", "--name", "pz2", "--", "sh", "-c",
			     "i=0; while :; do echo $i > /root/f || echo FAIL-create; "
			     "rm /root/f || echo FAIL-unlink; i=$((i+1)); echo $i; done",
			     NULL);
	long c = wait_count_above(o, 10);
	for (int round = 0; round < 20; round++) {
		struct run *r = h_sbx("pause", "pz2", NULL);
		cr_assert_eq(r->status, 0, "pause %d: %s", round, r->err);
		cr_assert_str_eq(h_state_field("pz2", "status"), "paused");
		r = h_sbx("resume", "pz2", NULL);
		cr_assert_eq(r->status, 0, "resume %d: %s", round, r->err);
		c = wait_count_above(o, c);
	}
	static char out[CAP_OUT];
	ssize_t n = pread(o, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	cr_assert_null(strstr(out, "FAIL"), "no brokered call failed across the pauses: %s",
		       strstr(out, "FAIL"));
	kill_run("pz2", run, o, e);
}

Test(verbs, kill_and_delete_force_of_a_paused_container)
{
	char b[512];
	h_bundle(b, sizeof(b), "pk", "[\"sleep\", \"1000\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "pk1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	cr_assert_eq(h_sbx("pause", "pk1", NULL)->status, 0);
	r = h_sbx("kill", "pk1", "TERM", NULL);
	cr_assert_eq(r->status, 0, "a signal to a paused container is queued: %s", r->err);
	sleep_ms(200);
	cr_assert_str_eq(h_state_field("pk1", "status"), "paused", "SIGTERM waits for resume");
	r = h_sbx("kill", "pk1", "KILL", NULL);
	cr_assert_eq(r->status, 0, "kill: %s", r->err);
	h_wait_status("pk1", "stopped");
	r = h_sbx("pause", "pk1", NULL);
	cr_assert_neq(r->status, 0, "a stopped container cannot be paused");
	cr_assert(strstr(r->err, "stopped"), "says why: %s", r->err);
	cr_assert_eq(h_sbx("delete", "pk1", NULL)->status, 0);
	h_assert_gone("pk1");

	r = h_sbx("run", "--detach", "--bundle", b, "pk2", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	cr_assert_eq(h_sbx("pause", "pk2", NULL)->status, 0);
	r = h_sbx("delete", "--force", "pk2", NULL);
	cr_assert_eq(r->status, 0, "delete --force of a paused container: %s", r->err);
	h_assert_gone("pk2");
}

Test(verbs, ps_lists_the_containers_processes)
{
	char b[512];
	h_bundle(b, sizeof(b), "ps", "[\"sh\", \"-c\", \"sleep 1000 & wait\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "ps1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	long init = atol(h_state_field("ps1", "pid"));
	long pids[16];
	size_t n = 0;
	for (int i = 0; i < 500 && (n = ps_json("ps1", pids, 16)) < 2; i++)
		sleep_ms(10);
	cr_assert_eq(n, 2, "sh and its background sleep");
	cr_assert(has_pid(pids, n, init), "the init pid %ld is listed", init);

	r = h_sbx("exec", "--detach", "ps1", "sleep", "1002", NULL);
	cr_assert_eq(r->status, 0, "exec: %s", r->err);
	for (int i = 0; i < 500 && (n = ps_json("ps1", pids, 16)) < 3; i++)
		sleep_ms(10);
	cr_assert_geq(n, 3, "the exec'd process joins the list");

	n = ps_json("ps1", pids, 16);
	r = h_sbx("ps", "ps1", NULL);
	cr_assert_eq(r->status, 0, "ps (table): %s", r->err);
	cr_assert(strstr(r->out, "PID"), "ps's header: %s", r->out);
	cr_assert(strstr(r->out, "sleep 1000") && strstr(r->out, "sleep 1002"), "%s", r->out);
	int lines = 0;
	for (char *c = r->out; (c = strchr(c, '\n')); c++)
		lines++;
	cr_assert_eq(lines, (int)n + 1, "the header and one line per process, no more: %s", r->out);
	r = h_sbx("ps", "ps1", "-o", "pid,comm", NULL);
	cr_assert_eq(r->status, 0, "ps -o pid,comm: %s", r->err);
	cr_assert(strstr(r->out, "sleep"), "%s", r->out);
	r = h_sbx("ps", "--format", "yaml", "ps1", NULL);
	cr_assert_neq(r->status, 0, "an unknown format is refused");

	cr_assert_eq(h_sbx("kill", "ps1", "KILL", NULL)->status, 0);
	h_wait_status("ps1", "stopped");
	cr_assert_eq(ps_json("ps1", pids, 16), 0, "a stopped container has no processes");
	cr_assert_eq(h_sbx("delete", "ps1", NULL)->status, 0);
	h_assert_gone("ps1");
}

/* exec in the container: 0 if `sh -c script` succeeded. */
static int exec_sh(const char *id, const char *script)
{
	return h_sbx("exec", id, "sh", "-c", script, NULL)->status;
}

Test(verbs, update_changes_the_limit_the_kernel_enforces)
{
	char b[512];
	h_bundle(b, sizeof(b), "up", "[\"sleep\", \"1000\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "up1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	/* four more processes at once: sh and three sleeps, beside init and exec's own */
	const char *forks = "sleep 0.2 & sleep 0.2 & sleep 0.2 & wait";
	cr_assert_eq(exec_sh("up1", forks), 0, "no limit yet");

	r = h_sbx("update", "--pids-limit", "4", "up1", NULL);
	cr_assert_eq(r->status, 0, "update: %s", r->err);
	cr_assert_neq(exec_sh("up1", forks), 0, "the kernel refuses the forks past 4");

	char res[600];
	snprintf(res, sizeof(res), "%s/res.json", h_root);
	FILE *f = fopen(res, "w");
	fputs("{\"pids\": {\"limit\": 64}, \"memory\": {\"limit\": 67108864}}\n", f);
	fclose(f);
	r = h_sbx("update", "--resources", res, "up1", NULL);
	cr_assert_eq(r->status, 0, "update --resources: %s", r->err);
	cr_assert_eq(exec_sh("up1", forks), 0, "the raised limit lets them run");

	r = h_sbx("events", "--stats", "up1", NULL);
	cr_assert_eq(r->status, 0, "events: %s", r->err);
	json_t *ev = json_loads(r->out, 0, NULL);
	cr_assert(ev, "%s", r->out);
	json_t *d = json_object_get(ev, "data");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "pids"), "limit")), 64);
	json_t *mem = json_object_get(json_object_get(d, "memory"), "usage");
	cr_assert_eq(json_integer_value(json_object_get(mem, "limit")), 67108864,
		     "the memory limit the kernel holds");
	json_decref(ev);

	f = fopen(res, "w");
	fputs("{\"pids\": {\n  \"limit\": \"many\"}}\n", f);
	fclose(f);
	r = h_sbx("update", "--resources", res, "up1", NULL);
	cr_assert_neq(r->status, 0, "a bad resources file is refused");
	cr_assert(strstr(r->err, "res.json:2:"), "with file and line: %s", r->err);
	cr_assert(strstr(r->err, "pids.limit"), "and the member: %s", r->err);
	r = h_sbx("update", "--memory", "lots", "up1", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "--memory lots"), "%s", r->err);
	r = h_sbx("update", "--cpuset-cpus", "0", "up1", NULL);
	cr_assert_neq(r->status, 0, "a flag sbx does not apply is not silently ignored");
	cr_assert(strstr(r->err, "cpuset-cpus"), "%s", r->err);

	cr_assert_eq(h_sbx("delete", "--force", "up1", NULL)->status, 0);
	h_assert_gone("up1");
}

static uint64_t cpu_total(json_t *ev)
{
	json_t *cpu = json_object_get(json_object_get(ev, "data"), "cpu");
	return (uint64_t)json_integer_value(
	    json_object_get(json_object_get(cpu, "usage"), "total"));
}

Test(verbs, events_report_real_numbers)
{
	char b[512];
	/* busy for a while, then idle: the CPU time stops growing */
	h_bundle(b, sizeof(b), "ev",
		 "[\"sh\", \"-c\", \"i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; "
		 "sleep 1000 & wait\"]",
		 NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "ev1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	long pids[8];
	for (int i = 0; i < 3000 && ps_json("ev1", pids, 8) < 2; i++)
		sleep_ms(10); /* the loop is over once sleep runs */

	r = h_sbx("events", "--stats", "ev1", NULL);
	cr_assert_eq(r->status, 0, "events --stats: %s", r->err);
	cr_assert_eq(strchr(r->out, '\n'), r->out + strlen(r->out) - 1, "one line: %s", r->out);
	json_t *ev = json_loads(r->out, 0, NULL);
	cr_assert(ev, "JSON: %s", r->out);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "type")), "stats");
	cr_assert_str_eq(json_string_value(json_object_get(ev, "id")), "ev1");
	json_t *d = json_object_get(ev, "data");
	uint64_t cpu = cpu_total(ev);
	cr_assert_gt(cpu, 10000000, "100000 shell iterations took more than 10 ms: %lu", cpu);
	json_t *mu = json_object_get(json_object_get(d, "memory"), "usage");
	cr_assert_gt(json_integer_value(json_object_get(mu, "usage")), 4096, "memory in use");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "pids"), "current")), 2,
		     "sh and sleep");
	json_decref(ev);

	/* Streaming: a line per interval until the container stops, then exit 0. */
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "events", "--interval", "100ms", "ev1", NULL);
	sleep_ms(450);
	cr_assert_eq(h_sbx("kill", "ev1", "KILL", NULL)->status, 0);
	r = h_collect(p, o, e);
	cr_assert_eq(r->status, 0, "events ends with the container: %s", r->err);
	int lines = 0;
	for (char *l = strtok(r->out, "\n"); l; l = strtok(NULL, "\n"), lines++) {
		json_t *x = json_loads(l, 0, NULL);
		cr_assert(x, "each line is JSON: %s", l);
		cr_assert_str_eq(json_string_value(json_object_get(x, "type")), "stats");
		cr_assert_geq(cpu_total(x), cpu, "CPU time never goes back");
		json_decref(x);
	}
	cr_assert_geq(lines, 3, "about one line per 100 ms: %d", lines);

	r = h_sbx("events", "--interval", "soon", "ev1", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "--interval soon"), "%s", r->err);
	cr_assert_eq(h_sbx("delete", "ev1", NULL)->status, 0);
	h_assert_gone("ev1");
}

Test(verbs, exec_tty_sends_the_pty_to_the_console_socket)
{
	char b[512], sock[600];
	h_bundle(b, sizeof(b), "xt", "[\"sleep\", \"1000\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "xt1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	snprintf(sock, sizeof(sock), "%s/console.sock", h_root);
	int l = h_listen_at(sock);
	int o, e;
	pid_t p = h_sbx_bg(&o, &e, "exec", "--tty", "--console-socket", sock, "xt1", "sh", "-c",
			   "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; exit 3", NULL);
	char payload[32];
	int master = h_accept_pty(l, payload, sizeof(payload));
	cr_assert(isatty(master), "the fd is a terminal");
	close(l);
	static char out[65536];
	h_read_pty(master, out, sizeof(out));
	close(master);
	r = h_collect(p, o, e);
	cr_assert_eq(r->status, 3, "exec reports the process's status: %d %s", r->status, r->err);
	cr_assert(strstr(out, "/dev/pts/"), "the process's stdin is the pty: %s", out);
	cr_assert(strstr(out, "all-ttys"), "stdin, stdout and stderr are the pty: %s", out);

	/* detached with a terminal and nowhere to send it: refused, as runc does */
	r = h_sbx("exec", "--tty", "--detach", "xt1", "true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "console socket"), "says why: %s", r->err);

	/* without a console socket, in the foreground: sbx copies the pty to its stdout */
	r = h_sbx("exec", "-t", "xt1", "sh", "-c", "tty; exit 4", NULL);
	cr_assert_eq(r->status, 4, "%s", r->err);
	cr_assert(strstr(r->out, "/dev/pts/"), "%s", r->out);

	cr_assert_eq(h_sbx("delete", "--force", "xt1", NULL)->status, 0);
	h_assert_gone("xt1");
}

/* The pid of the container process whose command line is `cmd` (argv joined by spaces), or 0. */
static long pid_running(const char *id, const char *cmd)
{
	long pids[16];
	size_t n = ps_json(id, pids, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		char path[64], line[256] = {0};
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pids[i]);
		FILE *f = fopen(path, "r");
		size_t len = f ? fread(line, 1, sizeof(line) - 1, f) : 0;
		if (f)
			fclose(f);
		for (size_t j = 0; j + 1 < len; j++)
			if (!line[j])
				line[j] = ' ';
		if (len && !strcmp(line, cmd))
			return pids[i];
	}
	return 0;
}

/* As containerd's shim and conmon use it: the caller is a child subreaper, reaps the process
 * the pid file names, and signals it directly. */
Test(verbs, exec_detach_with_process_file_and_pid_file)
{
	char b[512], proc[600], pidf[600];
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	h_bundle(b, sizeof(b), "xd", "[\"sleep\", \"1000\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "xd1", NULL);
	cr_assert_eq(r->status, 0, "run: %s", r->err);
	snprintf(proc, sizeof(proc), "%s/process.json", h_root);
	snprintf(pidf, sizeof(pidf), "%s/exec.pid", h_root);
	FILE *f = fopen(proc, "w");
	fputs("{\"args\": [\"sleep\", \"1003\"], \"cwd\": \"/\", \"env\": [\"PATH=/bin\"], "
	      "\"user\": {\"uid\": 0, \"gid\": 0}}\n",
	      f);
	fclose(f);
	r = h_sbx("exec", "--detach", "--pid-file", pidf, "--process", proc, "xd1", NULL);
	cr_assert_eq(r->status, 0, "exec --detach: %s", r->err);
	f = fopen(pidf, "r");
	cr_assert(f, "the pid file is written");
	long pid = 0;
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	cr_assert_eq(pid_running("xd1", "sleep 1003"), pid,
		     "the process file's args run, in the process the pid file names");

	cr_assert_eq(kill((pid_t)pid, SIGTERM), 0, "the pid file's process is ours to signal");
	int st;
	cr_assert_eq(waitpid((pid_t)pid, &st, 0), pid, "and ours to reap (we are a subreaper)");
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
		  "its status is the process's: killed by SIGTERM (%#x)", st);
	cr_assert_eq(pid_running("xd1", "sleep 1003"), 0, "the signal reached the process");

	/* a program that cannot be run fails the exec itself, as with runc, and says why */
	r = h_sbx("exec", "--detach", "--pid-file", pidf, "xd1", "no-such-program", NULL);
	cr_assert_neq(r->status, 0, "exec of a missing program fails");
	cr_assert(strstr(r->err, "exec failed") && strstr(r->err, "no-such-program"), "%s", r->err);
	r = h_sbx("exec", "xd1", "/etc/passwd", NULL);
	cr_assert_neq(r->status, 0, "exec of a file that is not a program fails");
	cr_assert(strstr(r->err, "Permission denied"), "the execve's error: %s", r->err);
	cr_assert_str_eq(h_state_field("xd1", "status"), "running", "the container goes on");
	cr_assert_eq(h_sbx("delete", "--force", "xd1", NULL)->status, 0);
	h_assert_gone("xd1");
	while (waitpid(-1, NULL, WNOHANG) > 0) /* init and the sentry, adopted by us too */
		;
}

static pid_t spawn_sbx(char *const argv[])
{
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(126);
		execv(SBX, argv);
		_exit(127);
	}
	return p;
}

static int exit_code(pid_t p)
{
	int st = -1;
	cr_assert_eq(waitpid(p, &st, 0), p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* In the foreground, `sbx run` and `sbx exec` pass on what they are sent (here SIGALRM and
 * SIGUSR1, which the process traps), as runc does. */
Test(verbs, foreground_run_and_exec_forward_signals)
{
	char *run[] = {
	    SBX,   "--root", h_root, "run", "--name",
	    "fw1", "--",     "sh",   "-c",  "trap 'exit 43' ALRM; while :; do sleep 0.05; done",
	    NULL};
	char *exec[] = {
	    SBX,   "--root", h_root, "exec",
	    "fw1", "sh",     "-c",   "trap 'exit 44' USR1; while :; do sleep 0.06; done",
	    NULL};
	pid_t r = spawn_sbx(run);
	h_wait_status("fw1", "running");
	for (int i = 0; i < 1000 && !pid_running("fw1", "sleep 0.05"); i++)
		usleep(10000);
	cr_assert_gt(pid_running("fw1", "sleep 0.05"), 0, "the run's trap is set");
	pid_t e = spawn_sbx(exec);
	for (int i = 0; i < 1000 && !pid_running("fw1", "sleep 0.06"); i++)
		usleep(10000);
	cr_assert_gt(pid_running("fw1", "sleep 0.06"), 0, "the exec's trap is set");
	cr_assert_eq(kill(e, SIGUSR1), 0);
	cr_assert_eq(exit_code(e), 44, "the exec'd process got SIGUSR1");
	cr_assert_eq(kill(r, SIGALRM), 0);
	cr_assert_eq(exit_code(r), 43, "the workload got SIGALRM");
	h_assert_gone("fw1");
}

Test(verbs, errors_go_to_the_log_as_json_lines)
{
	char log[600];
	snprintf(log, sizeof(log), "%s/sbx.log", h_root);
	char *argv[] = {SBX,	"--root", h_root,   "--log", log, "--log-format",
			"json", "pause",  "nosuch", NULL};
	struct run *r = h_runv(argv);
	cr_assert_neq(r->status, 0);
	FILE *f = fopen(log, "r");
	cr_assert(f, "the log file is written");
	char line[4096];
	cr_assert(fgets(line, sizeof(line), f), "one line");
	fclose(f);
	json_t *o = json_loads(line, 0, NULL);
	cr_assert(o, "a JSON line: %s", line);
	cr_assert_str_eq(json_string_value(json_object_get(o, "level")), "error");
	cr_assert(strstr(json_string_value(json_object_get(o, "msg")), "nosuch"), "%s", line);
	const char *t = json_string_value(json_object_get(o, "time"));
	cr_assert(t && strlen(t) >= 20 && t[4] == '-' && t[10] == 'T', "RFC 3339 time: %s", line);
	json_decref(o);
}
