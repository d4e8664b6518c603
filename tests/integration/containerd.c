/* containerd (Debian's 1.6) drives sbx through its runc shim: `ctr run --runc-binary sbx`.
 * Each test starts its own containerd: config, root, state dir and sockets under the test's
 * directory, the CRI plugin off, in a private mount namespace whose /run is a tmpfs (the
 * shims' sockets go to /run/containerd/s), and imports an image it built from the rootfs
 * (tests/integration/oci-image.sh). The test is a child subreaper, so the shims, which
 * daemonize, are its children: it ends containerd and any shim left by pid. */
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "harness.h"

#define IMAGE "docker.io/library/sbx-test:latest"

static struct {
	char dir[300];	   /* h_root/ctrd */
	char sock[400];	   /* containerd's gRPC socket */
	char ns[64];	   /* the containerd namespace, also the cgroup parent */
	char sbxroot[400]; /* --runc-root; the shim adds /<ns> */
	char fifo[400];
	char sbx[512]; /* absolute: the shim runs it from the bundle */
	pid_t containerd;
} E;

static void write_config(void)
{
	char path[600], text[4096];
	snprintf(path, sizeof(path), "%s/config.toml", E.dir);
	snprintf(
	    text, sizeof(text),
	    "version = 2\n"
	    "root = \"%s/root\"\n"
	    "state = \"%s/state\"\n"
	    "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
	    "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
	    "\"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.aufs\", "
	    "\"io.containerd.tracing.processor.v1.otlp\", "
	    "\"io.containerd.internal.v1.tracing\"]\n"
	    "[grpc]\n  address = \"%s\"\n"
	    "[ttrpc]\n  address = \"%s.ttrpc\"\n"
	    "[debug]\n  address = \"\"\n  level = \"info\"\n"
	    "[metrics]\n  address = \"\"\n",
	    E.dir, E.dir, E.sock, E.sock);
	h_write_file(text, "%s", path);
}

/* ctr --address SOCK -n NS ARGS... (NULL-terminated), to completion. */
static struct run *ctr(const char *first, ...)
{
	char *argv[64] = {"/usr/bin/ctr", "--address", E.sock, "-n", E.ns};
	va_list ap;
	va_start(ap, first);
	h_append_args(argv, 5, 64, first, ap);
	va_end(ap);
	return h_runv(argv);
}

/* containerd in a private mount namespace with a /run of its own. */
static void start_containerd(void)
{
	char config[600], log[600];
	snprintf(config, sizeof(config), "%s/config.toml", E.dir);
	snprintf(log, sizeof(log), "%s/containerd.log", E.dir);
	E.containerd = fork();
	cr_assert_geq(E.containerd, 0);
	if (E.containerd == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
		    mkdir("/run/containerd", 0711) < 0)
			_exit(120);
		execl("/usr/bin/containerd", "containerd", "--config", config, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		if (access(E.sock, F_OK) == 0 && ctr("version", NULL)->status == 0)
			return;
		cr_assert_eq(waitpid(E.containerd, NULL, WNOHANG), 0, "containerd exited: see %s",
			     log);
		usleep(20000);
	}
	cr_assert_fail("containerd did not answer on %s", E.sock);
}

static void setup(void)
{
	h_setup();
	cr_assert(access("/usr/bin/containerd", X_OK) == 0 && access("/usr/bin/ctr", X_OK) == 0,
		  "containerd is not installed (scripts/deps installs it)");
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	snprintf(E.dir, sizeof(E.dir), "%s/ctrd", h_root);
	snprintf(E.sock, sizeof(E.sock), "%s/containerd.sock", E.dir);
	snprintf(E.ns, sizeof(E.ns), "sbx-ctrd-%d", getpid());
	snprintf(E.sbxroot, sizeof(E.sbxroot), "%s/sbxroot", E.dir);
	snprintf(E.fifo, sizeof(E.fifo), "%s/fifo", E.dir);
	cr_assert(realpath(SBX, E.sbx), "%s", SBX);
	cr_assert_eq(mkdir(E.dir, 0711), 0);
	cr_assert_eq(mkdir(E.fifo, 0700), 0);
	write_config();
	start_containerd();

	char cmd[1200], tar[600];
	snprintf(tar, sizeof(tar), "%s/image.tar", E.dir);
	snprintf(cmd, sizeof(cmd), "tests/integration/oci-image.sh " ROOTFS " %s %s", IMAGE, tar);
	cr_assert_eq(system(cmd), 0, "build the image archive");
	struct run *r = ctr("images", "import", tar, NULL);
	cr_assert_eq(r->status, 0, "ctr images import: %s", r->err);
}

/* Every process whose parent is us (containerd, the shims we adopted, sentries). */
static size_t our_children(pid_t *ret, size_t cap)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;
	while (d && (de = readdir(d)) && n < cap) {
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *p = strrchr(buf, ')');
		int ppid = 0;
		if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			ret[n++] = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static void teardown(void)
{
	char cmd[1400];
	if (E.containerd > 0) {
		kill(E.containerd, SIGTERM);
		waitpid(E.containerd, NULL, 0);
	}
	/* whatever a failed test left: containers through sbx, then our children by pid */
	snprintf(cmd, sizeof(cmd),
		 "for d in %s/%s/*; do [ -d \"$d\" ] && " SBX " --root %s/%s delete --force "
		 "\"$(basename \"$d\")\" >/dev/null 2>&1; done",
		 E.sbxroot, E.ns, E.sbxroot, E.ns);
	if (E.dir[0] && system(cmd) < 0)
		return;
	pid_t kids[64];
	size_t n = our_children(kids, 64);
	for (size_t i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0 || (n && waitpid(-1, NULL, 0) > 0))
		;
	h_teardown();
}

TestSuite(containerd, .init = setup, .fini = teardown, .timeout = 300);

/* ctr run ... IMAGE ID ARGS... with sbx as the runtime; `flags` (may be NULL) before them. */
static struct run *ctr_run(const char *flags, const char *id, const char *script)
{
	char *argv[32] = {
	    "/usr/bin/ctr", "--address", E.sock,	  "-n",	 E.ns,		"run",
	    "--fifo-dir",   E.fifo,	 "--runc-binary", E.sbx, "--runc-root", E.sbxroot};
	int n = 12;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", flags ? flags : "");
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n++] = IMAGE;
	argv[n++] = (char *)id;
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = (char *)script;
	argv[n] = NULL;
	return h_runv(argv);
}

/* `ctr task ls`'s STATUS for id (and its PID in *ret_pid), or "" when not listed. */
static const char *task_ls(const char *id, long *ret_pid)
{
	static char status[32];
	struct run *r = ctr("task", "ls", NULL);
	cr_assert_eq(r->status, 0, "ctr task ls: %s", r->err);
	status[0] = '\0';
	for (char *save = NULL, *l = strtok_r(r->out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[128], st[32];
		long pid;
		if (sscanf(l, "%127s %ld %31s", name, &pid, st) == 3 && !strcmp(name, id)) {
			snprintf(status, sizeof(status), "%s", st);
			if (ret_pid)
				*ret_pid = pid;
		}
	}
	return status;
}

static const char *task_status(const char *id)
{
	return task_ls(id, NULL);
}

/* sbx's own view, in the root the shim gave it: the status (and init's pid in *ret_pid). */
static const char *sbx_state(const char *id, long *ret_pid)
{
	static char status[32];
	char root[500];
	snprintf(root, sizeof(root), "%s/%s", E.sbxroot, E.ns);
	char *argv[] = {SBX, "--root", root, "state", (char *)id, NULL};
	struct run *r = h_runv(argv);
	json_t *o = r->status == 0 ? json_loads(r->out, 0, NULL) : NULL;
	snprintf(status, sizeof(status), "%s",
		 o ? json_string_value(json_object_get(o, "status")) : "none");
	if (ret_pid)
		*ret_pid = o ? (long)json_integer_value(json_object_get(o, "pid")) : 0;
	json_decref(o);
	return status;
}

static const char *sbx_status(const char *id)
{
	return sbx_state(id, NULL);
}

/* Whether the host's mount table has anything at or below dir (counts would not do: other
 * tests on this host mount and unmount at the same time). */
static bool mounted_under(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, dir) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* How many of our children (we are their subreaper) are containerd shims. */
static int shims_left(void)
{
	pid_t kids[64];
	size_t n = our_children(kids, 64);
	int shims = 0;
	for (size_t i = 0; i < n; i++) {
		char path[64], comm[64] = {0};
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)kids[i]);
		FILE *f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f) && !strncmp(comm, "containerd-shim", 15))
			shims++;
		if (f)
			fclose(f);
	}
	return shims;
}

/* Nothing of container id is left: sbx state, cgroups (<ns>/<id>, and <ns>, which sbx made),
 * the task, its shim (it exits once its task is deleted), mounts on the host. */
static void assert_container_gone(const char *id)
{
	for (int i = 0; i < 500 && shims_left(); i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0) /* reap what we adopted */
			;
		usleep(10000);
	}
	cr_assert_eq(shims_left(), 0, "the shim of %s has exited", id);
	cr_assert(!mounted_under(E.dir), "no mount of ours left on the host");
	cr_assert(!h_exists("%s/%s/%s", E.sbxroot, E.ns, id), "sbx state of %s left", id);
	const char *hier[] = {"unified", "memory", "pids", "cpu", "freezer"};
	for (size_t i = 0; i < ARRAY_SIZE(hier); i++)
		cr_assert(!h_exists("/sys/fs/cgroup/%s/%s", hier[i], E.ns),
			  "%s cgroup %s (of %s) left", hier[i], E.ns, id);
	cr_assert_str_eq(task_status(id), "", "the task is gone");
}

Test(containerd, run_reports_exit_status_and_stdout)
{
	struct run *r = ctr_run("--rm", "c1", "echo hello-$((6*7)); exit 3");
	cr_assert_eq(r->status, 3, "ctr run reports the workload's status: %d %s", r->status,
		     r->err);
	cr_assert(strstr(r->out, "hello-42"), "and its stdout: %s", r->out);
	assert_container_gone("c1");
	r = ctr("containers", "ls", "-q", NULL);
	cr_assert_null(strstr(r->out, "c1"), "--rm removed the container: %s", r->out);
}

/* A counter in the container's own file: how far the workload got. */
static long counter(const char *id)
{
	struct run *r = ctr("task", "exec", "--fifo-dir", E.fifo, "--exec-id", "peek", id, "cat",
			    "/tmp/n", NULL);
	return r->status == 0 ? atol(r->out) : -1;
}

Test(containerd, exec_ps_pause_resume_kill_delete)
{
	struct run *r =
	    ctr_run("-d", "c2",
		    "sleep 1000 & i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.01; done");
	cr_assert_eq(r->status, 0, "ctr run -d: %s", r->err);
	long task_pid = 0, init = 0;
	cr_assert_str_eq(task_ls("c2", &task_pid), "RUNNING");
	cr_assert_str_eq(sbx_state("c2", &init), "running");
	cr_assert_eq(task_pid, init, "ctr's task pid is the container's init, as with runc");
	cr_assert_eq(shims_left(), 1, "its shim daemonized and we, its subreaper, adopted it");

	r = ctr("task", "exec", "--fifo-dir", E.fifo, "--exec-id", "e1", "c2", "sh", "-c",
		"echo from-exec; exit 5", NULL);
	cr_assert_eq(r->status, 5, "the exec'd process's status: %d %s", r->status, r->err);
	cr_assert(strstr(r->out, "from-exec"), "and its stdout: %s", r->out);
	r = ctr("task", "exec", "--fifo-dir", E.fifo, "--exec-id", "e2", "c2", "no-such-program",
		NULL);
	cr_assert_neq(r->status, 0, "exec of a missing program fails");
	cr_assert(strstr(r->err, "OCI runtime exec failed") &&
		      strstr(r->err, "executable file not found"),
		  "with sbx's reason, through the shim's log: %s", r->err);

	r = ctr("task", "ps", "c2", NULL);
	cr_assert_eq(r->status, 0, "ctr task ps: %s", r->err);
	int lines = 0;
	for (char *c = r->out; (c = strchr(c, '\n')); c++)
		lines++;
	cr_assert_geq(lines, 3, "a header, the shell and its sleep 1000: %s", r->out);

	long before = counter("c2");
	for (int i = 0; i < 500 && before <= 0; i++) /* not yet written, or caught mid-write */
		before = counter("c2");
	cr_assert_gt(before, 0, "the workload counts");
	r = ctr("task", "pause", "c2", NULL);
	cr_assert_eq(r->status, 0, "ctr task pause: %s", r->err);
	cr_assert_str_eq(task_status("c2"), "PAUSED");
	cr_assert_str_eq(sbx_status("c2"), "paused");
	r = ctr("task", "resume", "c2", NULL);
	cr_assert_eq(r->status, 0, "ctr task resume: %s", r->err);
	cr_assert_str_eq(task_status("c2"), "RUNNING");
	long after = counter("c2");
	for (int i = 0; i < 500 && after <= before; i++) {
		usleep(10000);
		after = counter("c2");
	}
	cr_assert_gt(after, before, "the workload goes on after resume");

	r = ctr("task", "kill", "-s", "KILL", "c2", NULL);
	cr_assert_eq(r->status, 0, "ctr task kill: %s", r->err);
	for (int i = 0; i < 1000 && strcmp(task_status("c2"), "STOPPED"); i++)
		usleep(10000);
	cr_assert_str_eq(task_status("c2"), "STOPPED");
	r = ctr("task", "delete", "c2", NULL);
	cr_assert_eq(r->status, 0, "ctr task delete: %s", r->err);
	cr_assert(strstr(r->out, "137") || strstr(r->err, "137"), "exit 137 (SIGKILL): %s %s",
		  r->out, r->err);
	cr_assert_eq(ctr("containers", "rm", "c2", NULL)->status, 0);
	assert_container_gone("c2");
}

Test(containerd, pause_and_delete_force_of_a_paused_task)
{
	struct run *r = ctr_run("-d", "c3", "sleep 1000");
	cr_assert_eq(r->status, 0, "ctr run -d: %s", r->err);
	cr_assert_eq(ctr("task", "pause", "c3", NULL)->status, 0);
	cr_assert_str_eq(task_status("c3"), "PAUSED");
	r = ctr("task", "delete", "--force", "c3", NULL);
	cr_assert_eq(r->status, 0, "ctr task delete --force of a paused task: %s", r->err);
	cr_assert_eq(ctr("containers", "rm", "c3", NULL)->status, 0);
	assert_container_gone("c3");
}

Test(containerd, errors_come_back_through_the_shims_log)
{
	struct run *r =
	    ctr_run("--rm --annotation io.sbx.policy=/nonexistent/policy.json", "c4", "true");
	cr_assert_neq(r->status, 0, "create fails");
	cr_assert(strstr(r->err, "OCI runtime create failed"), "the shim's words: %s", r->err);
	cr_assert(strstr(r->err, "/nonexistent/policy.json"),
		  "and sbx's message, read from the --log file: %s", r->err);
	cr_assert_null(strstr(r->err, "did not terminate successfully"),
		       "taken from the JSON log, not from stderr: %s", r->err);
	ctr("containers", "rm", "c4", NULL);
	assert_container_gone("c4");
}
