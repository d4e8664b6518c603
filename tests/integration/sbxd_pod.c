/* sbxd in a pod: the seccomp agent's sentries in a cgroup of their own (--sentry-cgroup), so
 * that a restart of sbxd's pod, which kills every process of the pod's cgroups, leaves them
 * serving. Every cgroup is one the test made, removed at the end. */
#include "sbxd_common.h"

/* The test's cgroups, in every hierarchy under /sys/fs/cgroup: TOP/pod, the "pod" sbxd runs in
 * (alone, in a cgroup namespace of its own rooted there, as in a Kubernetes pod), and
 * TOP/sentries, sbxd's --sentry-cgroup. A pod restart kills every process of TOP/pod. */
#define CGROOT "/sys/fs/cgroup"
static char hier[16][300];
static size_t nhier, hier_v2 = SIZE_MAX;
static char cg_top[64]; /* "sbx-it-PID" while the test's cgroups may exist */
static char sentry_name[96], cgns_path[64];

static void find_hierarchies(void)
{
	struct statfs sf;
	if (statfs(CGROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(hier[0], sizeof(hier[0]), CGROOT); /* pure v2 */
		nhier = 1;
		hier_v2 = 0;
		return;
	}
	DIR *d = opendir(CGROOT);
	struct dirent *e;
	cr_assert(d);
	while ((e = readdir(d)) && nhier < ARRAY_SIZE(hier)) {
		char p[300];
		struct stat st;
		snprintf(p, sizeof(p), CGROOT "/%s", e->d_name);
		if (e->d_name[0] == '.' || lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    statfs(p, &sf) < 0)
			continue;
		if (sf.f_type == CGROUP2_SUPER_MAGIC)
			hier_v2 = nhier;
		if (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC)
			snprintf(hier[nhier++], sizeof(hier[0]), "%s", p);
	}
	closedir(d);
	cr_assert(hier_v2 != SIZE_MAX, "a v2 hierarchy (hybrid: " CGROOT "/unified)");
}

/* Hierarchy i's TOP/sub (TOP for ""), or a file in it. */
static const char *cg_path(size_t i, const char *sub, const char *file)
{
	static char buf[8][480];
	static int k;
	k = (k + 1) % 8;
	int n = snprintf(buf[k], sizeof(buf[k]), "%s/%s%s%s%s%s", hier[i], cg_top, *sub ? "/" : "",
			 sub, file ? "/" : "", file ? file : "");
	cr_assert(n > 0 && (size_t)n < sizeof(buf[k]));
	return buf[k];
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* TOP/sub in every hierarchy; a v1 cpuset one gets its parent's cpus and mems (no process may
 * join it without). */
static void make_cg(const char *sub)
{
	static const char *const cpuset[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < nhier; i++) {
		const char *d = cg_path(i, sub, NULL);
		cr_assert(mkdir(d, 0755) == 0 || errno == EEXIST, "%s: %s", d, strerror(errno));
		for (size_t j = 0; j < ARRAY_SIZE(cpuset); j++) {
			char parent[600], v[256] = {0};
			snprintf(parent, sizeof(parent), "%s/../%s", d, cpuset[j]);
			FILE *f = fopen(parent, "re");
			if (!f)
				continue;
			size_t n = fread(v, 1, sizeof(v) - 1, f);
			fclose(f);
			cr_assert(n > 0 && write_str(cg_path(i, sub, cpuset[j]), v) == 0);
		}
	}
}

static void pod_cgroups_make(void)
{
	find_hierarchies();
	snprintf(cg_top, sizeof(cg_top), "sbx-it-%d", (int)getpid());
	make_cg("");
	make_cg("pod");
}

/* SIGKILL each process of hierarchy i's TOP/sub (the test's own cgroups only); how many. */
static int kill_procs(size_t i, const char *sub)
{
	FILE *f = fopen(cg_path(i, sub, "cgroup.procs"), "re");
	int pid, n = 0;
	while (f && fscanf(f, "%d", &pid) == 1)
		n += kill(pid, SIGKILL) == 0;
	if (f)
		fclose(f);
	return n;
}

static bool procs_empty(size_t i, const char *sub)
{
	FILE *f = fopen(cg_path(i, sub, "cgroup.procs"), "re");
	int pid;
	bool empty = !f || fscanf(f, "%d", &pid) != 1;
	if (f)
		fclose(f);
	return empty;
}

/* Kill what is left in the test's cgroups and remove them (on success and in the fini):
 * whether none is left. */
static void pod_cgroups_remove(void)
{
	static const char *const subs[] = {"pod", "sentries", ""};
	if (!cg_top[0])
		return;
	for (size_t i = 0; i < nhier; i++)
		for (size_t j = 0; j < ARRAY_SIZE(subs); j++)
			for (int t = 0; t < 3000; t++) {
				kill_procs(i, subs[j]);
				if (rmdir(cg_path(i, subs[j], NULL)) == 0 || errno == ENOENT)
					break;
				usleep(10000);
			}
	for (size_t i = 0; i < nhier; i++)
		if (h_exists("%s", cg_path(i, "", NULL)))
			fprintf(stderr, "left behind: %s\n", cg_path(i, "", NULL));
}

static void pod_setup(void)
{
	setup();
	teardown_extra = pod_cgroups_remove;
}

TestSuite(sbxd_pod, .init = pod_setup, .fini = teardown, .timeout = 180);

static void assert_cgroups_removed(void)
{
	pod_cgroups_remove();
	for (size_t i = 0; i < nhier; i++)
		cr_assert(!h_exists("%s", cg_path(i, "", NULL)), "%s removed",
			  cg_path(i, "", NULL));
	cg_top[0] = '\0';
}

/* In sbxd's process, before its exec: into the pod's cgroups, then a cgroup namespace rooted
 * there. */
static void pod_enter(void)
{
	for (size_t i = 0; i < nhier; i++)
		if (write_str(cg_path(i, "pod", "cgroup.procs"), "0") != 0)
			_exit(126);
	if (unshare(CLONE_NEWCGROUP) < 0)
		_exit(126);
}

/* sbxd in the pod, its sentries to TOP/sentries; with_ns: --cgroupns the test's own, which is
 * outside the pod (PID 1's is not open to this test on this host). */
static void pod_sbxd_opts(bool with_ns)
{
	snprintf(sentry_name, sizeof(sentry_name), "%s/sentries", cg_top);
	snprintf(cgns_path, sizeof(cgns_path), "/proc/%d/ns/cgroup", (int)getpid());
	const char *o[] = {
	    "--sentry-cgroup", sentry_name, "--cgroup-root", CGROOT, with_ns ? "--cgroupns" : NULL,
	    cgns_path,	       NULL};
	memcpy(sbxd_extra, o, sizeof(o));
	sbxd_pre_exec = pod_enter;
}

/* pid is in TOP/sub in every hierarchy (as seen from the test's cgroup namespace). */
static void assert_in_cgroup(pid_t pid, const char *sub)
{
	char path[64], line[600], want[200];
	size_t n = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "/%s/%s\n", cg_top, sub);
	FILE *f = fopen(path, "re");
	cr_assert(f, "%d is alive", (int)pid);
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		cr_assert(p && !strcmp(p + 1, want), "%d: %s (want %s)", (int)pid, line, want);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, nhier, "%d: in every hierarchy", (int)pid);
}

/* pid runs (a zombie does not: the sentry's parent is not the test). */
static bool runs(pid_t pid)
{
	char path[64], buf[512] = {0};
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	char *p = n ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* The pod goes (rollout, restart, deletion), the way a runtime ends it: cgroup.kill on its v2
 * cgroup, SIGKILL to each pid of its v1 ones. */
static void pod_kill(void)
{
	cr_assert_eq(write_str(cg_path(hier_v2, "pod", "cgroup.kill"), "1"), 0);
	for (size_t i = 0; i < nhier; i++)
		kill_procs(i, "pod");
	while (waitpid(sbxd_pid, NULL, 0) < 0 && errno == EINTR)
		;
	sbxd_pid = 0;
	for (size_t i = 0; i < nhier; i++) {
		for (int t = 0; t < 3000 && !procs_empty(i, "pod"); t++)
			usleep(10000);
		cr_assert(procs_empty(i, "pod"), "%s is empty", cg_path(i, "pod", NULL));
	}
}

Test(sbxd_pod, pod_restart_keeps_sentries)
{
	char id[64];
	snprintf(id, sizeof(id), "it-pod-%d", (int)getpid());
	pod_cgroups_make();
	pod_sbxd_opts(true);
	start_sbxd();
	assert_in_cgroup(sbxd_pid, "pod");
	const char *b = agent_bundle("pod", ask_script, true, NULL);
	struct run *r = rt_run("runc", b, id, true);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(ask_free(b, 0), MEM_BYTES, "mediated");
	json_t *sb = wait_listed(id);
	pid_t sentry = (pid_t)json_integer_value(json_object_get(sb, "sentry_pid"));
	json_decref(sb);
	assert_in_cgroup(sentry, "sentries");

	pod_kill();
	cr_assert(runs(sentry), "the sentry outlived the pod");
	assert_in_cgroup(sentry, "sentries");
	cr_assert_str_eq(runc_status(id), "running");
	cr_assert_eq(ask_free(b, 1), MEM_BYTES, "emulated while the pod is gone");

	/* The pod again: its new sbxd re-adopts the sandbox. */
	start_sbxd();
	assert_in_cgroup(sbxd_pid, "pod");
	sb = wait_listed(id);
	cr_assert(json_is_true(json_object_get(sb, "running")));
	cr_assert(json_is_true(json_object_get(sb, "sentry_running")), "%s", json_dumps(sb, 0));
	cr_assert_eq(json_integer_value(json_object_get(sb, "sentry_pid")), sentry);
	json_decref(sb);
	cr_assert_eq(ask_free(b, 2), MEM_BYTES, "emulated after the pod came back");
	cr_assert_eq(sample(metrics_unix(), KILLED), 0, "no container was killed");

	/* Stopping the container ends its sentry; its cgroup is empty again. */
	rt_kill_delete("runc", id);
	wait_pid_gone(sentry);
	for (size_t i = 0; i < nhier; i++)
		cr_assert(procs_empty(i, "sentries"), "%s", cg_path(i, "sentries", NULL));
	json_decref(call(NULL, "{s:s}", "op", "gc"));
	stop_sbxd(SIGTERM);
	assert_cgroups_removed();
}

/* Whether the v2 hierarchy is mounted with nsdelegate: only then does the kernel refuse a move
 * to a cgroup outside the cgroup namespace of whoever opened cgroup.procs (ENOENT). systemd
 * mounts it so; this host does not. */
static bool v2_nsdelegate(void)
{
	char line[1024], mnt[320];
	bool yes = false;
	snprintf(mnt, sizeof(mnt), " %s ", hier[hier_v2]);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		if (sep && strstr(line, mnt) && strstr(line, mnt) < sep)
			yes = strstr(sep, "nsdelegate") != NULL;
	}
	fclose(f);
	return yes;
}

/* The kernel's rule, checked on this kernel: from a cgroup namespace rooted at the pod, a
 * process moves itself to a cgroup outside it in the v1 hierarchies always, in the v2 one only
 * without nsdelegate (else ENOENT); after entering a namespace that holds both (the test's
 * own), always. */
Test(sbxd_pod, cgroupns_and_the_move)
{
	pod_cgroups_make();
	make_cg("sentries");
	bool delegate = v2_nsdelegate();
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t c = fork();
	if (c == 0) {
		int res[ARRAY_SIZE(hier) + 1];
		int ns = open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC);
		pod_enter();
		for (size_t i = 0; i < nhier; i++)
			res[i] = write_str(cg_path(i, "sentries", "cgroup.procs"), "0");
		res[nhier] = setns(ns, CLONE_NEWCGROUP) < 0
				 ? -1
				 : write_str(cg_path(hier_v2, "sentries", "cgroup.procs"), "0");
		_exit(write(p[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(p[1]);
	int res[ARRAY_SIZE(hier) + 1] = {0};
	cr_assert_eq(read(p[0], res, sizeof(res)), (ssize_t)sizeof(res));
	close(p[0]);
	waitpid(c, NULL, 0);
	for (size_t i = 0; i < nhier; i++)
		cr_assert_eq(res[i], i == hier_v2 && delegate ? ENOENT : 0,
			     "%s (nsdelegate %d): %s", hier[i], delegate, strerror(res[i]));
	cr_assert_eq(res[nhier], 0, "in the outer namespace: %s", strerror(res[nhier]));
	cr_log_info("v2 nsdelegate: %s", delegate ? "yes" : "no");
	assert_cgroups_removed();
}

/* sbxd starts, refuses, says `why` (a basic regex) and makes no sentry cgroup. */
static void assert_refused(const char *why)
{
	int status = 0;
	spawn_sbxd();
	cr_assert_eq(waitpid(sbxd_pid, &status, 0), sbxd_pid);
	sbxd_pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "sbxd's status: %#x", status);
	cr_assert(sbxd_logged("\"level\":\"error\".*%s", why), "sbxd says why (%s)", why);
	for (size_t i = 0; i < nhier; i++)
		cr_assert(!h_exists("%s", cg_path(i, "sentries", NULL)), "nothing made in %s",
			  cg_path(i, "", NULL));
	assert_cgroups_removed();
}

/* sbxd at the root of the pod's own cgroup namespace without --cgroupns: every cgroup it could
 * make is the pod's (and the host's hierarchies show it cgroups outside its namespace, where
 * the kernel may refuse the move and where it cannot read the containers' cgroups). */
Test(sbxd_pod, pod_without_cgroupns)
{
	pod_cgroups_make();
	pod_sbxd_opts(false);
	assert_refused("cgroup namespace of its own.*--cgroupns");
}

static void pod_enter_and_mount(void)
{
	pod_enter();
	char podcg[400];
	snprintf(podcg, sizeof(podcg), "%s", path_in("podcg"));
	if (mount("cgroup2", podcg, "cgroup2", 0, NULL) < 0)
		_exit(126);
}

/* With --cgroupns but the pod's own cgroup mount as --cgroup-root (the default
 * /sys/fs/cgroup in a pod): it shows the pod's cgroup, not the whole hierarchy. */
Test(sbxd_pod, a_mount_of_the_pods_cgroup_is_refused)
{
	pod_cgroups_make();
	pod_sbxd_opts(true);
	static char podcg[400];
	snprintf(podcg, sizeof(podcg), "%s", path_in("podcg"));
	cr_assert_eq(mkdir(podcg, 0700), 0);
	sbxd_extra[3] = podcg;
	sbxd_pre_exec = pod_enter_and_mount;
	assert_refused("shows cgroup /[^ ]*/pod, not the whole hierarchy");
}

/* Fail closed: a sentry that cannot join its cgroup (here: the v2 one was removed after sbxd
 * made it) does not serve; sbxd refuses the container, says why, and nothing is left. */
Test(sbxd_pod, sentry_cgroup_unjoinable_fails_closed)
{
	pod_cgroups_make();
	pod_sbxd_opts(true);
	start_sbxd();
	cr_assert_eq(rmdir(cg_path(hier_v2, "sentries", NULL)), 0);
	const char *b = agent_bundle("unjoin", "[\"sbx-probe\", \"sysinfo\"]", true, NULL);
	struct run *r = rt_run("runc", b, "it-unjoin", false);
	cr_assert_neq(r->status, 0, "the container must not run: %s", r->out);
	cr_assert_eq(mem_total(r->out), -1, "nothing ran unmediated: %s", r->out);
	cr_assert(sbxd_logged("\"level\":\"error\".*container refused.*not started: cannot move "
			      "it to %s/%s/sentries: No such file or directory",
			      hier[hier_v2], cg_top),
		  "sbxd says why");
	json_t *l = call(NULL, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, "it-unjoin"), "nothing registered");
	json_decref(l);
	for (size_t i = 0; i < nhier; i++) {
		for (int t = 0; t < 3000 && !procs_empty(i, "sentries"); t++)
			usleep(10000);
		cr_assert(procs_empty(i, "sentries"), "no sentry left: %s",
			  cg_path(i, "sentries", NULL));
	}
	stop_sbxd(SIGTERM);
	rt_kill_delete("runc", "it-unjoin");
	assert_cgroups_removed();
}

/* Bad options fail start-up with a clear error, and leave nothing (no socket, no state). */
Test(sbxd_pod, sentry_cgroup_bad_options)
{
	static const struct {
		const char *opt, *val, *needle;
	} bad[] = {
	    {"--sentry-cgroup", "../escape", "a relative cgroup name"},
	    {"--sentry-cgroup", "/abs", "a relative cgroup name"},
	    {"--sentry-cgroup", "a/../../b", "a relative cgroup name"},
	    {"--sentry-cgroup", "a//b", "a relative cgroup name"},
	    {"--cgroup-root", "DIR", "no cgroup hierarchy is mounted there"},
	    {"--cgroup-root", "SUB", "(not a mount point), not the whole hierarchy"},
	    {"--cgroup-root", CGROOT "/memory", "is one v1 hierarchy"},
	    {"--cgroupns", "/proc/self/ns/net", "Invalid argument"},
	};
	/* a cgroup inside the v2 hierarchy, not its mount */
	find_hierarchies();
	cr_assert_neq(hier_v2, SIZE_MAX, "a v2 hierarchy");
	snprintf(cg_top, sizeof(cg_top), "sbx-it-%d", (int)getpid());
	make_cg("");
	char sub[400];
	snprintf(sub, sizeof(sub), "%s", cg_path(hier_v2, "", NULL));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (strstr(bad[i].needle, "v1") && !h_exists(CGROOT "/memory/cgroup.procs"))
			continue; /* a pure v2 host */
		char *argv[] = {SBXD,
				"--socket",
				path_in("ctl.sock"),
				"--agent-socket",
				path_in("agent.sock"),
				"--state",
				path_in("state"),
				"--metrics-socket",
				path_in("metrics.sock"),
				"--bpffs",
				path_in("bpffs/sbx"),
				"--sentry-cgroup",
				"sbx-it-never",
				(char *)bad[i].opt,
				!strcmp(bad[i].val, "DIR")   ? dir
				: !strcmp(bad[i].val, "SUB") ? sub
							     : (char *)bad[i].val,
				NULL};
		struct run *r = h_runv(argv);
		cr_assert_eq(r->status, 1, "%s %s", bad[i].opt, bad[i].val);
		cr_assert(strstr(r->err, bad[i].needle) && strstr(r->err, "\"level\":\"error\""),
			  "%s", r->err);
		cr_assert(!h_exists("%s", path_in("ctl.sock")) &&
			  !h_exists("%s", path_in("state")));
	}
	glob_t g = {0};
	cr_assert_eq(glob(CGROOT "/*/sbx-it-never", 0, NULL, &g), GLOB_NOMATCH, "no cgroup made");
	globfree(&g);
	cr_assert(!h_exists(CGROOT "/sbx-it-never"), "no cgroup made");
}
