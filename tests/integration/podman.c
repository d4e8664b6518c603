/* podman drives sbx: `podman --runtime <absolute build/sbx>` runs, runs with a terminal,
 * execs into, stops, pauses and force-removes containers of an image imported from the test
 * rootfs, as it does with runc. podman gets its own containers.conf, storage.conf, XDG dirs and
 * TMPDIR under the test's directory (never /etc or ~), and each test runs in a private mount
 * namespace whose /run and /var/lib are tmpfs, so podman's overlay mounts, the state podman,
 * conmon and sbx keep under /run and podman's image cache are the test's alone. Afterwards nothing
 * is left: containers, storage, conmon processes, podman's cgroups and sbx's. */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "harness.h"

#define IMAGE "localhost/sbx-busybox:it"

static char pm_dir[300];      /* everything podman writes */
static char pm_sbx[PATH_MAX]; /* the absolute path of build/sbx: podman's --runtime */
static char pm_parent[64];    /* the cgroup parent of the test's containers */
static char pm_podman[PATH_MAX];

static void find_in_path(const char *name, char *ret, size_t len)
{
	const char *path = getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin";
	char *dup = strdup(path), *save = NULL;
	for (char *d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(ret, len, "%s/%s", d, name);
		if (access(ret, X_OK) == 0) {
			free(dup);
			return;
		}
	}
	free(dup);
	cr_assert_fail("%s is not installed (scripts/deps installs it)", name);
}

/* The hard limit of `res`, at most `cap`: podman's default ulimits exceed this host's. */
static unsigned long long limit_within(int res, unsigned long long cap)
{
	struct rlimit rl;
	cr_assert_eq(getrlimit(res, &rl), 0);
	return rl.rlim_max < cap ? rl.rlim_max : cap;
}

static void write_configs(void)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "[containers]\n"
		 "default_ulimits = [\"nofile=%llu:%llu\", \"nproc=%llu:%llu\"]\n"
		 "[engine]\n"
		 /* conmon gets only these: its exit command (podman container cleanup) must
		  * read the same configuration, or it fails and podman waits 20 s for it */
		 "conmon_env_vars = [\"PATH=%s\", \"CONTAINERS_CONF=%s/containers.conf\", "
		 "\"CONTAINERS_STORAGE_CONF=%s/storage.conf\"]\n"
		 "cgroup_manager = \"cgroupfs\"\n"
		 "events_logger = \"file\"\n"
		 "events_logfile_path = \"%s/events.log\"\n"
		 "lock_type = \"file\"\n"
		 "tmp_dir = \"%s/tmp\"\n"
		 "volume_path = \"%s/volumes\"\n"
		 "[network]\n"
		 "network_config_dir = \"%s/net\"\n",
		 limit_within(RLIMIT_NOFILE, 4096), limit_within(RLIMIT_NOFILE, 4096),
		 limit_within(RLIMIT_NPROC, 16384), limit_within(RLIMIT_NPROC, 16384),
		 getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin", pm_dir, pm_dir,
		 pm_dir, pm_dir, pm_dir, pm_dir);
	h_write_file(text, "%s/containers.conf", pm_dir);
	snprintf(text, sizeof(text),
		 "[storage]\ndriver = \"overlay\"\ngraphroot = \"%s/graph\"\n"
		 "runroot = \"%s/run\"\n",
		 pm_dir, pm_dir);
	h_write_file(text, "%s/storage.conf", pm_dir);
	h_write_file("unqualified-search-registries = []\n", "%s/registries.conf", pm_dir);
}

static void set_env(const char *var, const char *sub)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", pm_dir, sub);
	mkdir(p, 0700);
	setenv(var, p, 1);
}

static void set_environment(void)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/containers.conf", pm_dir);
	setenv("CONTAINERS_CONF", p, 1);
	snprintf(p, sizeof(p), "%s/storage.conf", pm_dir);
	setenv("CONTAINERS_STORAGE_CONF", p, 1);
	snprintf(p, sizeof(p), "%s/registries.conf", pm_dir);
	setenv("CONTAINERS_REGISTRIES_CONF", p, 1);
	set_env("XDG_CONFIG_HOME", "xdg-config");
	set_env("XDG_DATA_HOME", "xdg-data");
	set_env("XDG_CACHE_HOME", "xdg-cache");
	set_env("XDG_RUNTIME_DIR", "xdg-run");
	set_env("HOME", "home");
	set_env("TMPDIR", "tmp");
}

/* podman --runtime <sbx> ARGS... (NULL-terminated). sbx keeps its state in its default root
 * (/run/sbx), under podman's container ids: podman's exit command (container cleanup) does not
 * pass --runtime-flag on, so a root of the test's own would leave its containers behind. */
static struct run *pm(const char *first, ...)
{
	char *argv[64] = {pm_podman, "--runtime", pm_sbx};
	va_list ap;
	va_start(ap, first);
	h_append_args(argv, 3, 64, first, ap);
	va_end(ap);
	return h_runv(argv);
}

/* `podman run -d` of `sh -c SCRIPT`; the container's full id. */
static const char *pm_start(const char *name, const char *script)
{
	static char id[128];
	struct run *r = pm("run", "-d", "--name", name, "--network", "none", "--cgroup-parent",
			   pm_parent, IMAGE, "sh", "-c", script, NULL);
	cr_assert_eq(r->status, 0, "podman run -d: %s", r->err);
	cr_assert_eq(sscanf(r->out, "%127s", id), 1, "podman prints the id: %s", r->out);
	cr_assert_eq(strlen(id), 64, "a full id: %s", id);
	return id;
}

/* `podman inspect --format FORMAT NAME`, trimmed. */
static const char *pm_inspect(const char *name, const char *format)
{
	static char out[256];
	struct run *r = pm("inspect", "--format", format, name, NULL);
	cr_assert_eq(r->status, 0, "podman inspect %s: %s", name, r->err);
	snprintf(out, sizeof(out), "%.255s", r->out);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* sbx's own view of the container (its state root is the test's). */
/* `sbx state ID`'s status (and its pid in *pid), or NULL when sbx has no such container. */
static const char *sbx_state(const char *id, int *pid)
{
	static char st[64];
	char *argv[] = {pm_sbx, "state", (char *)id, NULL};
	struct run *r = h_runv(argv);
	if (r->status != 0)
		return NULL;
	json_t *o = json_loads(r->out, 0, NULL);
	cr_assert(o, "sbx state prints JSON: %s", r->out);
	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(o, "status")));
	if (pid)
		*pid = (int)json_integer_value(json_object_get(o, "pid"));
	json_decref(o);
	return st;
}

static const char *sbx_status(const char *id)
{
	return sbx_state(id, NULL);
}

/* The pids of conmon processes whose command line names the test's directory. */
static int our_conmons(pid_t *pids, int cap)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)) && n < cap) {
		char p[300], comm[32] = "", cmd[8192];
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/comm", pid);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		if (strcmp(comm, "conmon\n"))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd < 0 ? -1 : read(fd, cmd, sizeof(cmd) - 1);
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < len; i++)
			cmd[i] = cmd[i] ? cmd[i] : ' ';
		if (len > 0 && (cmd[len] = '\0', strstr(cmd, pm_dir)))
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

/* Wait for our conmons to finish (they end with their container); SIGKILL the rest by pid. */
static int end_conmons(void)
{
	pid_t pids[64];
	int n = 0;
	for (int i = 0; i < 500 && (n = our_conmons(pids, 64)) > 0; i++)
		usleep(20000);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	return n;
}

/* Unmount what podman left mounted under the test's directory, deepest first. */
static void unmount_ours(void)
{
	char paths[64][512];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f) && n < 64) {
		char mp[512];
		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 &&
		    !strncmp(mp, pm_dir, strlen(pm_dir)))
			snprintf(paths[n++], sizeof(paths[0]), "%s", mp);
	}
	if (f)
		fclose(f);
	while (n-- > 0)
		umount2(paths[n], MNT_DETACH);
}

/* Remove the test's cgroup parent in every hierarchy; count libpod-* (a container's) left. */
static int remove_cgroups(void)
{
	int left = 0;
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", de->d_name, pm_parent);
		DIR *sub = opendir(p);
		struct dirent *se;
		while (sub && (se = readdir(sub))) {
			char c[800];
			if (se->d_type != DT_DIR || se->d_name[0] == '.')
				continue;
			left += !strncmp(se->d_name, "libpod-", 7);
			snprintf(c, sizeof(c), "%s/%s", p, se->d_name);
			rmdir(c);
		}
		if (sub) {
			closedir(sub);
			rmdir(p);
		}
	}
	if (d)
		closedir(d);
	return left;
}

/* Every container id podman logged an event for (the event log is the test's own). With
 * `delete`, also delete what sbx still has of them; returns how many it still had. */
static int sbx_leftovers(bool delete)
{
	char p[512], line[4096];
	snprintf(p, sizeof(p), "%s/events.log", pm_dir);
	FILE *f = fopen(p, "r");
	int left = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char id[65];
		const char *at = strstr(line, "\"ID\":\"");
		if (!at || !strstr(line, "\"Type\":\"container\"") ||
		    sscanf(at + 6, "%64[0-9a-f]", id) != 1 || strlen(id) != 64 ||
		    !h_exists("/run/sbx/%s", id))
			continue;
		left++;
		if (delete) {
			char *argv[] = {pm_sbx, "delete", "--force", id, NULL};
			h_runv(argv);
		}
	}
	if (f)
		fclose(f);
	return left;
}

static void pm_setup(void)
{
	h_setup();
	/* podman's mounts (overlay roots, shm) stay in this namespace, and what podman, conmon
	 * and sbx keep under /run (/run/containers, /run/sbx) in its own tmpfs */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare mount namespace");
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"), 0, "tmpfs on /run");
	/* and containers/image's blob-info cache, /var/lib/containers/cache for root (no setting
	 * moves it), in another */
	cr_assert_eq(mount("tmpfs", "/var/lib", "tmpfs", 0, "mode=0755"), 0, "tmpfs on /var/lib");
	find_in_path("podman", pm_podman, sizeof(pm_podman));
	cr_assert(realpath(SBX, pm_sbx), "build/sbx exists (make build)");
	snprintf(pm_dir, sizeof(pm_dir), "%s/podman", h_root);
	snprintf(pm_parent, sizeof(pm_parent), "/sbx-it-podman-%d", getpid());
	cr_assert_eq(mkdir(pm_dir, 0700), 0);
	write_configs();
	set_environment();
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "tar -C %s -cf %s/rootfs.tar .", ROOTFS, pm_dir);
	cr_assert_eq(system(cmd), 0, "tar the rootfs (make rootfs)");
	snprintf(cmd, sizeof(cmd), "%s/rootfs.tar", pm_dir);
	struct run *r = pm("import", cmd, IMAGE, NULL);
	cr_assert_eq(r->status, 0, "podman import: %s", r->err);
}

/* After a test, failed or not: remove everything podman and sbx made for it. */
static void pm_teardown(void)
{
	if (pm_dir[0]) {
		pm("rm", "--all", "--force", "--time", "0", NULL);
		end_conmons();
		sbx_leftovers(true);
		unmount_ours();
		remove_cgroups();
	}
	h_teardown();
}

/* What a test asserts at its end: podman's clean-up leaves no container, no conmon, no
 * container cgroup and no sbx state behind. */
static void pm_assert_clean(void)
{
	struct run *r = pm("rm", "--all", "--force", "--time", "0", NULL);
	cr_assert_eq(r->status, 0, "podman rm -af: %s", r->err);
	r = pm("ps", "--all", "--quiet", NULL);
	cr_assert_str_eq(r->out, "", "no container left");
	cr_assert_eq(end_conmons(), 0, "a conmon outlived its container");
	cr_assert_eq(remove_cgroups(), 0, "a container's cgroup was left");
	cr_assert_eq(sbx_leftovers(false), 0, "sbx still has one of the test's containers");
	unmount_ours();
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f))
		cr_assert(!strstr(line, pm_dir), "left mounted: %s", line);
	if (f)
		fclose(f);
}

TestSuite(podman, .init = pm_setup, .fini = pm_teardown);

Test(podman, run_rm_gives_the_exit_status_and_the_output)
{
	struct run *r = pm("run", "--rm", "--network", "none", "--cgroup-parent", pm_parent, IMAGE,
			   "sh", "-c", "echo hello from sbx; exit 7", NULL);
	cr_assert_eq(r->status, 7, "exit status: %d (%s)", r->status, r->err);
	cr_assert_str_eq(r->out, "hello from sbx\n", "stdout: %s", r->out);
	r = pm("run", "--rm", "--network", "none", "--cgroup-parent", pm_parent, IMAGE, "true",
	       NULL);
	cr_assert_eq(r->status, 0, "true: %s", r->err);
	/* sbx's sandbox, not a plain container: the root is read-only in the container's
	 * mount namespace, and a write to it still works (the gofer makes it) */
	r = pm("run", "--rm", "--network", "none", "--cgroup-parent", pm_parent, IMAGE, "sh", "-c",
	       "awk '$2 == \"/\" { split($4, o, \",\"); print o[1] }' /proc/mounts; "
	       "echo written > /root/f && cat /root/f",
	       NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "ro\nwritten\n");
	pm_assert_clean();
}

Test(podman, run_it_gets_a_terminal_through_the_console_socket)
{
	char cmd[PATH_MAX * 4];
	snprintf(cmd, sizeof(cmd),
		 "script -qec \"%s --runtime %s run -it --rm --network "
		 "none --cgroup-parent %s %s sh -c 'test -t 0 && test -t 1 && tty; exit 5'\" "
		 "/dev/null",
		 pm_podman, pm_sbx, pm_parent, IMAGE);
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 5, "exit status through the terminal: %d (%s%s)", r->status, r->out,
		     r->err);
	cr_assert(strstr(r->out, "/dev/pts/"), "the process's stdio is a pty: %s", r->out);
	pm_assert_clean();
}

Test(podman, exec_runs_in_the_running_container)
{
	const char *id = pm_start("ex", "echo ready > /tmp/mark; exec sleep 1000");
	char full[128];
	snprintf(full, sizeof(full), "%s", id);
	const char *s = sbx_status(full);
	cr_assert(s && !strcmp(s, "running"), "sbx runs it: %s", s ? s : "(no state)");
	struct run *r = pm("exec", "ex", "sh", "-c", "cat /tmp/mark; exit 4", NULL);
	cr_assert_eq(r->status, 4, "exec status: %d (%s)", r->status, r->err);
	cr_assert_str_eq(r->out, "ready\n", "exec sees the container's files");
	r = pm("exec", "ex", "true", NULL);
	cr_assert_eq(r->status, 0, "exec true: %s", r->err);
	cr_assert_str_eq(pm_inspect("ex", "{{.State.Status}}"), "running");
	pm_assert_clean();
}

Test(podman, stop_sends_term_then_kill)
{
	/* PID 1 without a TERM handler ignores TERM: podman must follow with KILL. */
	pm_start("deaf", "exec sleep 1000");
	struct run *r = pm("stop", "--time", "1", "deaf", NULL);
	cr_assert_eq(r->status, 0, "stop: %s", r->err);
	cr_assert_str_eq(pm_inspect("deaf", "{{.State.Status}}"), "exited");
	cr_assert_str_eq(pm_inspect("deaf", "{{.State.ExitCode}}"), "137");
	/* One that handles TERM ends with its own status. */
	pm_start("polite", "trap 'exit 3' TERM; while :; do sleep 0.1; done");
	r = pm("stop", "--time", "30", "polite", NULL);
	cr_assert_eq(r->status, 0, "stop: %s", r->err);
	cr_assert_str_eq(pm_inspect("polite", "{{.State.ExitCode}}"), "3");
	pm_assert_clean();
}

Test(podman, pause_and_unpause)
{
	const char *id = pm_start("pz", "exec sleep 1000");
	char full[128];
	snprintf(full, sizeof(full), "%s", id);
	struct run *r = pm("pause", "pz", NULL);
	cr_assert_eq(r->status, 0, "pause: %s", r->err);
	cr_assert_str_eq(pm_inspect("pz", "{{.State.Status}}"), "paused");
	const char *s = sbx_status(full);
	cr_assert(s && !strcmp(s, "paused"), "sbx says paused: %s", s ? s : "(no state)");
	r = pm("unpause", "pz", NULL);
	cr_assert_eq(r->status, 0, "unpause: %s", r->err);
	cr_assert_str_eq(pm_inspect("pz", "{{.State.Status}}"), "running");
	r = pm("exec", "pz", "true", NULL);
	cr_assert_eq(r->status, 0, "exec after unpause: %s", r->err);
	pm_assert_clean();
}

Test(podman, rm_force_removes_a_running_container)
{
	const char *id = pm_start("gone", "exec sleep 1000");
	char full[128];
	snprintf(full, sizeof(full), "%s", id);
	/* podman's pid is the container's init, as with runc */
	int init = atoi(pm_inspect("gone", "{{.State.Pid}}")), sbx_pid = 0;
	cr_assert_gt(init, 1);
	cr_assert_str_eq(sbx_state(full, &sbx_pid), "running");
	cr_assert_eq(init, sbx_pid, "podman's State.Pid is sbx's init");
	char path[300];
	snprintf(path, sizeof(path), "/run/sbx/%s/state.json", full);
	json_t *st = json_load_file(path, 0, NULL);
	cr_assert(st, "sbx's state record %s", path);
	pid_t sentry = (pid_t)json_integer_value(json_object_get(st, "sentry_pid"));
	json_decref(st);
	pid_t keeper = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", sentry, sentry);
	FILE *kids = fopen(path, "r");
	for (int k = 0; kids && !keeper && fscanf(kids, "%d", &k) == 1;) {
		char comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", k);
		FILE *c = fopen(path, "r");
		keeper = c && fgets(comm, sizeof(comm), c) && !strcmp(comm, "sbx-keeper\n") ? k : 0;
		if (c)
			fclose(c);
	}
	if (kids)
		fclose(kids);
	cr_assert_gt(sentry, 1);
	struct run *r = pm("rm", "--force", "gone", NULL);
	cr_assert_eq(r->status, 0, "rm -f: %s", r->err);
	r = pm("ps", "--all", "--quiet", NULL);
	cr_assert_str_eq(r->out, "", "podman forgot it");
	cr_assert_null(sbx_status(full), "sbx forgot it");
	pm_assert_clean();
	cr_assert(!h_exists("/proc/%d", init), "its init is gone");
	cr_assert_gt(keeper, 1, "a keeper ran");
	cr_assert(h_wait_dead(sentry), "its sentry is gone");
	cr_assert(h_wait_dead(keeper), "its keeper is gone");
}
