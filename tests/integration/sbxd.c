/* sbxd, the per-node daemon: its control socket, the seccomp agent with Debian's runc (and
 * crun), garbage collection after a SIGKILLed `sbx create`, metrics, restart safety, cleanup.
 * Every socket, state dir, bpffs mount and runc root is under the test's own directory; sbxd is
 * stopped by pid; containers by their runc root. */
#include "harness.h"
#include "lib/sbxd_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <glob.h>
#include <linux/magic.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#define SBXD	  "build/sbxd"
#define RUNC	  "/usr/bin/runc"
#define CRUN	  "/usr/bin/crun"
#define MEM_MIB	  64
#define EMULATE	  "sbx_notifications_total{action=\"emulate\"}"
#define DENIED	  "sbx_denials_total{layer=\"sentry\"}"
#define RTT	  "sbx_sentry_roundtrip_seconds_count"
#define RUNNING	  "sbx_sandboxes_running{source=\"agent\"}"
#define KILLED	  "sbx_sandboxes_killed_total{reason=\"sentry_dead\"}"
#define MEM_BYTES ((long long)MEM_MIB << 20)

static char dir[300];	     /* the test's own directory */
static pid_t sbxd_pid;	     /* the running sbxd, or 0 */
static const char *sbx_prog; /* sbxd's --sbx, when not the default */
static int tcp_port;

static char *metrics_unix(void);
static long long sample(const char *text, const char *name);
static void pod_cgroups_remove(void);

static char *path_in(const char *name)
{
	static char buf[8][400];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Set by the pod tests: sbxd's further options, and what its process does before its exec. */
static const char *sbxd_extra[8];
static void (*sbxd_pre_exec)(void);

static void spawn_sbxd(void)
{
	char port[16];
	snprintf(port, sizeof(port), "%d", tcp_port);
	char *argv[40] = {SBXD, "--socket", path_in("ctl.sock"), "--agent-socket",
			  path_in("agent.sock"), "--state", path_in("state"), "--metrics-socket",
			  path_in("metrics.sock"), "--metrics-port", port, "--bpffs",
			  path_in("bpffs/sbx"), "--sbx-root", h_root, "--gc-interval",
			  "600000", /* the tests ask for GC themselves: {"op":"gc"} */
			  /* never the host's pins: GC removes a dead hooked container's */
			  "--hook-pin-root", path_in("bpffs/hook"), NULL};
	int n = 19;
	if (sbx_prog) {
		argv[n++] = "--sbx";
		argv[n++] = (char *)sbx_prog;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sbxd_extra) && sbxd_extra[i]; i++)
		argv[n++] = (char *)sbxd_extra[i];
	int log = open(path_in("sbxd.log"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	cr_assert(log >= 0);
	sbxd_pid = fork();
	if (sbxd_pid == 0) {
		if (sbxd_pre_exec)
			sbxd_pre_exec();
		dup2(log, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(log);
}

static void start_sbxd(void)
{
	spawn_sbxd();
	/* Ready when it answers a ping (it may not have bound its socket yet). */
	for (int i = 0; i < 3000; i++) {
		json_t *req = json_pack("{s:s}", "op", "ping"), *rep = NULL;
		int r = sbxd_call(path_in("ctl.sock"), req, 1000, &rep, NULL);
		json_decref(req);
		json_decref(rep);
		if (r == 0)
			return;
		cr_assert_eq(waitpid(sbxd_pid, NULL, WNOHANG), 0, "sbxd exited at start");
		usleep(10000);
	}
	cr_assert_fail("sbxd never answered");
}

static void stop_sbxd(int sig)
{
	if (sbxd_pid <= 0)
		return;
	kill(sbxd_pid, sig);
	while (waitpid(sbxd_pid, NULL, 0) < 0 && errno == EINTR)
		;
	sbxd_pid = 0;
}

/* One request; the reply (ok or not) is returned, the return code in *ret_r. */
static json_t *call(int *ret_r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_t *req = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	cr_assert(req);
	json_t *rep = NULL;
	struct sbx_error err = {0};
	int r = sbxd_call(path_in("ctl.sock"), req, 5000, &rep, &err);
	json_decref(req);
	if (ret_r)
		*ret_r = r;
	if (r < 0)
		return json_pack("{s:b, s:s}", "ok", 0, "error", err.msg);
	return rep;
}

static json_t *find_sandbox(json_t *list, const char *id)
{
	size_t i;
	json_t *sb;
	json_array_foreach (json_object_get(list, "sandboxes"), i, sb)
		if (!strcmp(json_string_value(json_object_get(sb, "id")), id))
			return sb;
	return NULL;
}

/* The agent's entry for container `id` (waits until sbxd has registered it). */
static json_t *wait_listed(const char *id)
{
	for (int i = 0; i < 3000; i++) {
		json_t *l = call(NULL, "{s:s}", "op", "list");
		json_t *sb = find_sandbox(l, id);
		if (sb) {
			json_incref(sb);
			json_decref(l);
			return sb;
		}
		json_decref(l);
		usleep(10000);
	}
	cr_assert_fail("%s never listed", id);
	return NULL;
}

static void wait_pid_gone(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return; /* already gone */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	close(fd);
}

static bool json_array_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

static void setup(void)
{
	h_setup();
	snprintf(dir, sizeof(dir), "%s/sbxd", h_root);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(mkdir(path_in("bpffs"), 0700), 0);
	/* A mount namespace of the test's own: its bpffs goes when the test process does, even
	 * if the test ends without its fini (a skip). */
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", path_in("bpffs"), "bpf", 0, NULL), 0, "mount bpffs: %s",
		     strerror(errno));
	tcp_port = 20000 + getpid() % 20000;
	setenv("SBXD_SOCKET", path_in("ctl.sock"), 1);
}

/* Containers of the test's own runc/crun roots, then sbxd, then the mount. */
static void teardown(void)
{
	char cmd[2048];
	if (dir[0]) {
		snprintf(
		    cmd, sizeof(cmd),
		    "for rt in runc crun; do r=%s/$rt-root; [ -d $r ] || continue; "
		    "for c in $(ls $r 2>/dev/null); do /usr/bin/$rt --root $r delete --force $c "
		    ">/dev/null 2>&1; done; done",
		    dir);
		if (system(cmd) < 0)
			perror("system");
	}
	stop_sbxd(SIGKILL);
	pod_cgroups_remove();
	if (dir[0])
		umount2(path_in("bpffs"), MNT_DETACH);
	h_teardown();
}

TestSuite(sbxd, .init = setup, .fini = teardown, .timeout = 180);

/* --- bundles for runc and crun ------------------------------------------------------------ */

/* DIR/bundle-NAME: a busybox rootfs of its own (writable /tmp), `args` (JSON), 64 MiB memory,
 * and seccomp: allow by default; sysinfo, mknod, mknodat and mount notified to the test's
 * agent socket, unless `notify` is false (then a filter without notify). `metadata` may be
 * NULL. The rootfs has sbx-probe in /bin. */
static const char *agent_bundle(const char *name, const char *args, bool notify,
				const char *metadata)
{
	static char b[400];
	char cmd[2400], cwd[256];
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(b, sizeof(b), "%s/bundle-%s", dir, name);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && cp -a %s/" ROOTFS " %s/rootfs && cp %s/" HELPERS
		 "/sbx-probe %s/rootfs/bin/ && cd %s && " RUNC " spec",
		 b, cwd, b, cwd, b, b);
	cr_assert_eq(system(cmd), 0, "make bundle %s", name);
	snprintf(cmd, sizeof(cmd), "%s/config.json", b);
	json_t *c = json_load_file(cmd, 0, NULL);
	cr_assert(c);
	json_t *proc = json_object_get(c, "process");
	json_object_set_new(proc, "terminal", json_false());
	json_object_set_new(proc, "args", json_loads(args, 0, NULL));
	json_object_set_new(json_object_get(c, "root"), "readonly", json_false());
	json_t *lnx = json_object_get(c, "linux");
	json_object_set_new(json_object_get(lnx, "resources"), "memory",
			    json_pack("{s:I}", "limit", (json_int_t)MEM_MIB << 20));
	if (!notify) /* a filter of its own (sbx-probe refuses to run without one), no notify */
		json_object_set_new(lnx, "seccomp",
				    json_pack("{s:s, s:[s], s:[{s:[s], s:s}]}", "defaultAction",
					      "SCMP_ACT_ALLOW", "architectures", "SCMP_ARCH_X86_64",
					      "syscalls", "names", "kexec_load", "action",
					      "SCMP_ACT_ERRNO"));
	if (notify) {
		json_t *sc =
		    json_pack("{s:s, s:s, s:[s], s:[{s:[s,s,s,s], s:s}]}", "defaultAction",
			      "SCMP_ACT_ALLOW", "listenerPath", path_in("agent.sock"),
			      "architectures", "SCMP_ARCH_X86_64", "syscalls", "names", "sysinfo",
			      "mknod", "mknodat", "mount", "action", "SCMP_ACT_NOTIFY");
		if (metadata)
			json_object_set_new(sc, "listenerMetadata", json_string(metadata));
		json_object_set_new(lnx, "seccomp", sc);
	}
	cr_assert_eq(json_dump_file(c, cmd, JSON_INDENT(1)), 0);
	json_decref(c);
	return b;
}

/* `RT --root DIR/RT-root run [-d] -b BUNDLE ID`, output captured. */
static struct run *rt_run(const char *rt, const char *bundle, const char *id, bool detach)
{
	char root[400], prog[64];
	snprintf(root, sizeof(root), "%s/%s-root", dir, rt);
	snprintf(prog, sizeof(prog), "/usr/bin/%s", rt);
	char *argv[] = {prog, "--root", root, "run", "-b", (char *)bundle, (char *)id, NULL, NULL};
	if (detach) {
		argv[3] = "run";
		argv[4] = "-d";
		argv[5] = "-b";
		argv[6] = (char *)bundle;
		argv[7] = (char *)id;
	}
	return h_runv(argv);
}

static void rt_kill_delete(const char *rt, const char *id)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "/usr/bin/%s --root %s/%s-root delete --force %s", rt, dir, rt,
		 id);
	cr_assert_eq(system(cmd), 0, "%s delete %s", rt, id);
}

/* A figure of `sbx-probe sysinfo` ("totalram N uptime N procs N"), or -1. */
static long long probe_field(const char *out, const char *name)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "%s ", name);
	const char *m = strstr(out, needle);
	long long v = -1;
	if (m)
		sscanf(m + strlen(needle), "%lld", &v);
	return v;
}

static long long mem_total(const char *out)
{
	return probe_field(out, "totalram");
}

/* --- control socket ----------------------------------------------------------------------- */

Test(sbxd, ping_register_list)
{
	int r;
	start_sbxd();
	json_t *rep = call(&r, "{s:s}", "op", "ping");
	cr_assert_eq(r, 0);
	cr_assert(json_string_value(json_object_get(rep, "version")));
	json_decref(rep);

	/* The test process stands in for a container init (a hook registers such). */
	rep = call(&r, "{s:s, s:s, s:i, s:n, s:s, s:n, s:s}", "op", "register", "id", "it-hook",
		   "pid", (int)getpid(), "cgroup", "bundle", dir, "policy", "source", "hook");
	cr_assert_eq(r, 0, "register: %s", json_string_value(json_object_get(rep, "error")));
	json_decref(rep);
	json_t *l = call(&r, "{s:s}", "op", "list");
	json_t *sb = find_sandbox(l, "it-hook");
	cr_assert(sb, "listed");
	cr_assert_eq(json_integer_value(json_object_get(sb, "pid")), getpid());
	cr_assert(json_is_true(json_object_get(sb, "running")));
	cr_assert_str_eq(json_string_value(json_object_get(sb, "source")), "hook");
	json_decref(l);

	/* Bad requests are refused, with a reason. */
	static const struct {
		const char *req, *needle;
	} bad[] = {
	    {"{\"op\":\"register\",\"id\":\"../x\",\"pid\":1,\"source\":\"hook\"}", "\"id\""},
	    {"{\"op\":\"register\",\"id\":\"a\",\"pid\":-4,\"source\":\"hook\"}", "\"pid\""},
	    {"{\"op\":\"register\",\"id\":\"a\",\"pid\":1,\"source\":\"me\"}", "\"source\""},
	    {"{\"op\":\"register\",\"id\":\"a\",\"pid\":1,\"source\":\"hook\",\"cgroup\":"
	     "\"../../x\"}",
	     "\"cgroup\""},
	    {"{\"op\":\"frobnicate\"}", "unknown op"},
	    {"[1,2]", "not a JSON object"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *req = json_loads(bad[i].req, JSON_DECODE_ANY, NULL), *rep2 = NULL;
		struct sbx_error err = {0};
		cr_assert(req);
		r = sbxd_call(path_in("ctl.sock"), req, 5000, &rep2, &err);
		json_decref(req);
		cr_assert_eq(r, -EPROTO, "%s: %d", bad[i].req, r);
		cr_assert(strstr(err.msg, bad[i].needle), "%s: %s", bad[i].req, err.msg);
	}
	/* A pid that is not running cannot be registered. */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	rep = call(&r, "{s:s, s:s, s:i, s:s}", "op", "register", "id", "it-dead", "pid", (int)dead,
		   "source", "hook");
	cr_assert_eq(r, -EPROTO);
	cr_assert(strstr(json_string_value(json_object_get(rep, "error")), "not running"));
	json_decref(rep);

	rep = call(&r, "{s:s, s:s}", "op", "unregister", "id", "it-hook");
	cr_assert_eq(r, 0);
	json_decref(rep);
	l = call(&r, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, "it-hook"));
	json_decref(l);
	rep = call(&r, "{s:s, s:s}", "op", "unregister", "id", "it-hook");
	cr_assert_eq(r, -EPROTO, "a second unregister fails");
	json_decref(rep);
	stop_sbxd(SIGTERM);
}

Test(sbxd, client_without_daemon)
{
	json_t *req = json_pack("{s:s}", "op", "ping");
	struct sbx_error err = {0};
	int r = sbxd_call(path_in("nobody.sock"), req, 200, NULL, &err);
	json_decref(req);
	cr_assert_eq(r, -ENOENT, "%d %s", r, err.msg);
	cr_assert_str_eq(sbxd_socket_path(), path_in("ctl.sock"), "SBXD_SOCKET is honoured");
}

/* --- the seccomp agent -------------------------------------------------------------------- */

static const char *agent_script =
    "[\"sh\", \"-c\", \"sbx-probe sysinfo; mknod /tmp/null c 1 3 && echo MKNOD_NULL_OK; "
    "mknod /tmp/sda b 8 0 || echo MKNOD_SDA_DENIED; "
    "mount -t tmpfs none /mnt || echo MOUNT_DENIED\"]";

static void agent_with(const char *rt)
{
	start_sbxd();
	const char *b = agent_bundle(rt, agent_script, true, NULL);
	struct run *r = rt_run(rt, b, "it-agent", false);
	cr_assert_eq(r->status, 0, "%s run: %s %s", rt, r->out, r->err);
	/* sysinfo: the container's memory limit, not the host's RAM. */
	cr_assert_eq(mem_total(r->out), MEM_BYTES, "sysinfo: %s", r->out);
	/* ... the container's process count (sh and the probe), not the host's. */
	cr_assert(probe_field(r->out, "procs") >= 1 && probe_field(r->out, "procs") <= 3, "%s",
		  r->out);
	/* mknod: a safe node is made, in the container's root, as the caller. */
	cr_assert(strstr(r->out, "MKNOD_NULL_OK"), "%s %s", r->out, r->err);
	struct stat st;
	char p[500];
	snprintf(p, sizeof(p), "%s/rootfs/tmp/null", b);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	/* A block device is refused, and so is mount (EPERM). */
	cr_assert(strstr(r->out, "MKNOD_SDA_DENIED"), "%s", r->out);
	snprintf(p, sizeof(p), "%s/rootfs/tmp/sda", b);
	cr_assert_neq(access(p, F_OK), 0);
	cr_assert(strstr(r->out, "MOUNT_DENIED"), "%s", r->out);
	cr_assert(strstr(r->err, "not permitted") || strstr(r->err, "permission denied"), "%s",
		  r->err);

	/* The sentry ends with the container; GC then removes its state dir. */
	json_t *sb = wait_listed("it-agent");
	const char *stats_dir = json_string_value(json_object_get(sb, "stats_dir"));
	cr_assert(stats_dir && h_exists("%s", stats_dir));
	char stats[400];
	snprintf(stats, sizeof(stats), "%s", stats_dir);
	wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "pid")));
	wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "sentry_pid")));
	const char *key = json_string_value(json_object_get(sb, "key"));
	json_t *gc = call(NULL, "{s:s}", "op", "gc");
	cr_assert(json_array_has(json_object_get(gc, "collected"), key), "collected %s", key);
	cr_assert(!h_exists("%s", stats), "state dir of the sentry removed");
	json_decref(gc);
	json_decref(sb);
	rt_kill_delete(rt, "it-agent");
	stop_sbxd(SIGTERM);
}

Test(sbxd, agent_runc)
{
	agent_with("runc");
}

/* Debian 12's crun (1.8.1) refuses to run any container on a hybrid cgroup host ("cgroups in
 * hybrid mode not supported"): the test says so and skips where a plain container fails. */
Test(sbxd, agent_crun)
{
	if (access(CRUN, X_OK) != 0)
		cr_skip_test("no crun");
	const char *b = agent_bundle("crun-plain", "[\"true\"]", false, NULL);
	struct run *r = rt_run("crun", b, "it-crun-plain", false);
	if (r->status != 0) {
		static char why[1024];
		snprintf(why, sizeof(why), "%.1000s", r->err);
		teardown(); /* a skipped test gets no fini */
		cr_skip_test("crun cannot run a plain container here: %s", why);
	}
	agent_with("crun");
}

/* The same container without the notify rules sees the host's memory: the check above can
 * fail. */
Test(sbxd, control_without_agent)
{
	const char *b = agent_bundle("control", "[\"sbx-probe\", \"sysinfo\"]", false, NULL);
	struct run *r = rt_run("runc", b, "it-control", false);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_neq(mem_total(r->out), MEM_BYTES, "%s", r->out);
	cr_assert_gt(mem_total(r->out), 0, "%s", r->out);
}

/* listenerMetadata names a policy: a bad one is refused and the container does not run. */
Test(sbxd, agent_bad_policy)
{
	start_sbxd();
	const char *pol = path_in("bad-policy.json");
	FILE *f = fopen(pol, "w");
	cr_assert(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALOW\"}\n", f);
	fclose(f);
	const char *b = agent_bundle("badpol", "[\"sbx-probe\", \"sysinfo\"]", true, pol);
	struct run *r = rt_run("runc", b, "it-badpol", false);
	cr_assert_neq(r->status, 0, "the container must not run: %s", r->out);
	cr_assert_eq(mem_total(r->out), -1, "nothing ran unmediated: %s", r->out);
	char log[400];
	snprintf(log, sizeof(log),
		 "cat %s | grep -q 'container refused.*bad-policy.json:1:[0-9]*: unknown action'",
		 path_in("sbxd.log"));
	cr_assert_eq(system(log), 0, "sbxd says why");
	stop_sbxd(SIGTERM);
}

/* listenerMetadata names a FIFO: sbxd must not block opening it (nobody writes to it); the
 * container is refused and sbxd goes on serving. */
Test(sbxd, agent_policy_fifo)
{
	start_sbxd();
	const char *fifo = path_in("fifo-policy.json");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	const char *b = agent_bundle("fifopol", "[\"sbx-probe\", \"sysinfo\"]", true, fifo);
	struct run *r = rt_run("runc", b, "it-fifopol", false);
	cr_assert_neq(r->status, 0, "the container must not run: %s", r->out);
	cr_assert_eq(mem_total(r->out), -1, "nothing ran unmediated: %s", r->out);
	int rc;
	json_decref(call(&rc, "{s:s}", "op", "ping"));
	cr_assert_eq(rc, 0, "sbxd still serves");
	char log[500];
	snprintf(log, sizeof(log),
		 "grep -q 'container refused.*fifo-policy.json is not a regular' %s",
		 path_in("sbxd.log"));
	cr_assert_eq(system(log), 0, "sbxd says why");
	stop_sbxd(SIGTERM);
}

/* listenerMetadata names a good policy: its mode reaches the sentry. In audit mode a mount the
 * sentry does not emulate is let through to the kernel (which refuses it here for lack of
 * CAP_SYS_ADMIN) and counted as audit, not deny; sysinfo is still emulated. */
Test(sbxd, agent_policy_from_metadata)
{
	start_sbxd();
	const char *pol = h_policy("audit", "{\"mode\": \"audit\"}");
	const char *b = agent_bundle(
	    "audit", "[\"sh\", \"-c\", \"sbx-probe sysinfo; mount -t tmpfs none /mnt\"]", true,
	    pol);
	struct run *r = rt_run("runc", b, "it-audit", false);
	cr_assert_eq(mem_total(r->out), MEM_BYTES, "%s %s", r->out, r->err);
	json_t *sb = wait_listed("it-audit");
	cr_assert_str_eq(json_string_value(json_object_get(sb, "policy")), pol);
	wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "pid")));
	wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "sentry_pid")));
	json_decref(sb);
	char *m = metrics_unix();
	cr_assert_eq(sample(m, "sbx_notifications_total{action=\"audit\"}"), 1, "%s", m);
	cr_assert_eq(sample(m, DENIED), 0, "%s", m);
	cr_assert_eq(sample(m, EMULATE), 1, "%s", m);
	rt_kill_delete("runc", "it-audit");
	stop_sbxd(SIGTERM);
}

/* `runc state ID`'s status ("running", "stopped", ...), or "" when runc has none. */
static const char *runc_status(const char *id)
{
	static char st[32];
	char root[400];
	snprintf(root, sizeof(root), "%s/runc-root", dir);
	char *argv[] = {RUNC, "--root", root, "state", (char *)id, NULL};
	struct run *r = h_runv(argv);
	json_t *o = json_loads(r->out, 0, NULL);
	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(o, "status")) ?: "");
	json_decref(o);
	return st;
}

/* Fail closed: a sentry that dies (SIGKILL, OOM) takes its container with it. sbxd watches the
 * sentry (the test's GC interval is 10 minutes: only that can end the container in time), kills
 * the container, says so in its log and counts it. */
Test(sbxd, sentry_death_kills_container)
{
	char id[64];
	snprintf(id, sizeof(id), "it-sdeath-%d", (int)getpid());
	start_sbxd();
	const char *b = agent_bundle("sdeath", "[\"sleep\", \"1000\"]", true, NULL);
	struct run *r = rt_run("runc", b, id, true);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *sb = wait_listed(id);
	pid_t sentry = (pid_t)json_integer_value(json_object_get(sb, "sentry_pid"));
	pid_t init = (pid_t)json_integer_value(json_object_get(sb, "pid"));
	cr_assert(json_is_true(json_object_get(sb, "sentry_running")), "%s", json_dumps(sb, 0));
	json_decref(sb);
	cr_assert_str_eq(runc_status(id), "running");
	cr_assert_eq(sample(metrics_unix(), KILLED), 0);

	int sfd = (int)syscall(SYS_pidfd_open, sentry, 0),
	    ifd = (int)syscall(SYS_pidfd_open, init, 0);
	cr_assert(sfd >= 0 && ifd >= 0);
	cr_assert_eq(syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0), 0);
	close(sfd);
	/* A generous bound: sbxd acts as soon as it sees the sentry's pidfd readable. */
	struct pollfd p = {.fd = ifd, .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, 30000)) < 0 && errno == EINTR)
		;
	close(ifd);
	cr_assert_eq(n, 1, "the container's init outlived its sentry");
	for (int i = 0; i < 3000 && strcmp(runc_status(id), "stopped"); i++)
		usleep(10000);
	cr_assert_str_eq(runc_status(id), "stopped");
	char *m = metrics_unix();
	cr_assert_eq(sample(m, KILLED), 1, "%s", m);
	char log[600];
	snprintf(log, sizeof(log), "grep -q '\"sentry died: container killed.*\"id\":\"%s\"' %s",
		 id, path_in("sbxd.log"));
	cr_assert_eq(system(log), 0, "sbxd says so");
	/* Then its registration is collected like any ended container's (by the GC that killed
	 * it, if its init was gone by then, else by this one). */
	json_decref(call(NULL, "{s:s}", "op", "gc"));
	json_t *l = call(NULL, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, id), "%s", json_dumps(l, 0));
	json_decref(l);
	rt_kill_delete("runc", id);
	stop_sbxd(SIGTERM);
}

/* Clients that send nonsense, too much, nothing, or the wrong fd: each gets refused, nobody is
 * killed, and sbxd goes on serving. */
static int connect_to(const char *name)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in(name));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_state_with_fd(int sock, const char *state, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)state, .iov_len = strlen(state)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	cr_assert_eq(sendmsg(sock, &msg, 0), (ssize_t)strlen(state));
}

static void assert_still_serving(void)
{
	int r;
	json_decref(call(&r, "{s:s}", "op", "ping"));
	cr_assert_eq(r, 0, "sbxd still answers");
}

Test(sbxd, hostile_clients)
{
	start_sbxd();
	pid_t victim = fork();
	if (victim == 0) {
		pause();
		_exit(0);
	}
	char state[512];
	snprintf(state, sizeof(state),
		 "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
		 "\"metadata\":\"\",\"state\":{\"id\":\"it-hostile\",\"pid\":%d}}",
		 (int)victim, (int)victim);
	/* The agent: no fd; a pipe passed off as a notify fd; not JSON at all. */
	int s = connect_to("agent.sock");
	send_state_with_fd(s, state, -1);
	close(s);
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	s = connect_to("agent.sock");
	send_state_with_fd(s, state, p[0]);
	close(s);
	s = connect_to("agent.sock");
	send_state_with_fd(s, "\x01\x02garbage", p[1]);
	close(s);
	assert_still_serving();
	cr_assert_eq(kill(victim, 0), 0, "a pid named by a bogus message is not killed");
	json_t *l = call(NULL, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, "it-hostile"), "nothing registered");
	json_decref(l);
	char grep[600];
	snprintf(grep, sizeof(grep), "grep -q 'is not a seccomp notify fd' %s",
		 path_in("sbxd.log"));
	cr_assert_eq(system(grep), 0, "the refusal says why");

	/* The control socket: a line longer than a request may be; a client that sends nothing
	 * (sbxd waits a bounded time for it). */
	s = connect_to("ctl.sock");
	static char big[70000];
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	ssize_t n = write(s, big, sizeof(big) - 1);
	cr_assert_gt(n, 0);
	char reply[512] = {0};
	h_read_all(s, reply, sizeof(reply));
	close(s);
	cr_assert(strstr(reply, "\"ok\":false") && strstr(reply, "too long"), "%s", reply);
	s = connect_to("ctl.sock");
	h_read_all(s, reply, sizeof(reply));
	close(s);
	cr_assert(strstr(reply, "timed out"), "%s", reply);
	assert_still_serving();
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	close(p[0]);
	close(p[1]);
	stop_sbxd(SIGTERM);
}

/* A hooked container that ended without its poststop hook: GC drops its registration and
 * removes the pins sbx-hook left in <pin root>/<id>; a live one's pins stay. */
static void pin_a_map(const char *id)
{
	char p[500];
	snprintf(p, sizeof(p), "%s/%s", path_in("bpffs/hook"), id);
	cr_assert_eq(mkdir(p, 0700), 0, "%s: %s", p, strerror(errno));
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
	cr_assert(fd >= 0, "bpf_map_create: %s", strerror(errno));
	snprintf(p, sizeof(p), "%s/%s/counters", path_in("bpffs/hook"), id);
	cr_assert_eq(bpf_obj_pin(fd, p), 0, "pin %s: %s", p, strerror(errno));
	close(fd);
}

Test(sbxd, gc_unpins_dead_hooked_containers)
{
	char dead_id[64], live_id[64];
	int r;
	snprintf(dead_id, sizeof(dead_id), "it-hook-dead-%d", (int)getpid());
	snprintf(live_id, sizeof(live_id), "it-hook-live-%d", (int)getpid());
	cr_assert_eq(mkdir(path_in("bpffs/hook"), 0700), 0);
	pin_a_map(dead_id);
	pin_a_map(live_id);
	start_sbxd();
	pid_t init = fork();
	if (init == 0) {
		pause();
		_exit(0);
	}
	json_decref(call(&r, "{s:s, s:s, s:i, s:s}", "op", "register", "id", dead_id, "pid",
			 (int)init, "source", "hook"));
	cr_assert_eq(r, 0);
	json_decref(call(&r, "{s:s, s:s, s:i, s:s}", "op", "register", "id", live_id, "pid",
			 (int)getpid(), "source", "hook"));
	cr_assert_eq(r, 0);
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);

	json_t *gc = call(NULL, "{s:s}", "op", "gc");
	cr_assert(json_array_has(json_object_get(gc, "collected"), dead_id), "%s",
		  json_dumps(gc, 0));
	cr_assert(!json_array_has(json_object_get(gc, "collected"), live_id));
	json_decref(gc);
	cr_assert(!h_exists("%s/%s", path_in("bpffs/hook"), dead_id), "dead one's pins removed");
	cr_assert(h_exists("%s/%s/counters", path_in("bpffs/hook"), live_id), "live one's kept");
	stop_sbxd(SIGTERM);
}

/* --- GC after a SIGKILLed create ---------------------------------------------------------- */

Test(sbxd, gc_after_sigkill_mid_create)
{
	char id[64]; /* its cgroup is the host's: two runs must not share it */
	snprintf(id, sizeof(id), "it-gc-%d", (int)getpid());
	start_sbxd();
	/* A console socket whose backlog is full: sbx create blocks in connect(), after it made
	 * the state dir and the cgroups, until it is killed. */
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in("console.sock"));
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 0), 0);
	int filler = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(filler, (struct sockaddr *)&sa, sizeof(sa)), 0);

	char b[512];
	h_bundle(b, sizeof(b), "gc", "[\"true\"]", NULL);
	int o, e;
	pid_t sbx = h_sbx_bg(&o, &e, "create", "--bundle", b, "--console-socket",
			     path_in("console.sock"), id, NULL);
	for (int i = 0; i < 3000 && !h_exists("/sys/fs/cgroup/unified/sbx/%s", id); i++) {
		cr_assert_eq(waitpid(sbx, NULL, WNOHANG), 0, "sbx create ended by itself");
		usleep(10000);
	}
	cr_assert(h_exists("/sys/fs/cgroup/unified/sbx/%s", id), "create made its cgroup");
	kill(sbx, SIGKILL);
	struct run *r = h_collect(sbx, o, e);
	cr_assert_eq(r->status, 128 + SIGKILL);
	close(filler);
	close(lfd);

	/* What it left: the state dir, the cgroups. */
	cr_assert(h_exists("%s/%s/state.json", h_root, id));
	cr_assert(h_exists("/sys/fs/cgroup/unified/sbx/%s", id));
	cr_assert(h_exists("/sys/fs/cgroup/memory/sbx/%s", id));
	json_t *gc = call(NULL, "{s:s}", "op", "gc");
	cr_assert(json_array_has(json_object_get(gc, "collected"), id), "%s", json_dumps(gc, 0));
	json_decref(gc);
	h_assert_gone(id);
	stop_sbxd(SIGTERM);
}

/* A `sbx delete --force` that hangs does not stall sbxd: GC kills it after 10 s, says so, and
 * sbxd goes on serving. The abandoned sandbox is a state dir whose creator is gone. */
Test(sbxd, gc_bounds_a_hanging_delete)
{
	char id[64], st[600];
	snprintf(id, sizeof(id), "it-hang-%d", (int)getpid());
	static char hang[400]; /* path_in's buffers are reused */
	snprintf(hang, sizeof(hang), "%s", path_in("hang.sh"));
	FILE *f = fopen(hang, "w");
	cr_assert(f);
	fprintf(f, "#!/bin/sh\necho $$ > %s\nexec sleep 1000\n", path_in("hang.pid"));
	fclose(f);
	cr_assert_eq(chmod(hang, 0755), 0);
	sbx_prog = hang;
	start_sbxd();
	sbx_prog = NULL;
	snprintf(st, sizeof(st), "%s/%s", h_root, id);
	cr_assert_eq(mkdir(st, 0700), 0);
	snprintf(st, sizeof(st), "%s/%s/state.json", h_root, id);
	f = fopen(st, "w");
	cr_assert(f);
	fprintf(f, "{\"pid\": 0, \"sentry_pid\": %d, \"sentry_start\": 1}\n", (int)getpid());
	fclose(f);

	json_t *req = json_pack("{s:s}", "op", "gc"), *rep = NULL;
	int r = sbxd_call(path_in("ctl.sock"), req, 60000, &rep, NULL);
	json_decref(req);
	cr_assert_eq(r, 0, "sbxd answered the gc");
	cr_assert(!json_array_has(json_object_get(rep, "collected"), id), "%s", json_dumps(rep, 0));
	json_decref(rep);
	int hung = 0;
	f = fopen(path_in("hang.pid"), "r");
	cr_assert(f && fscanf(f, "%d", &hung) == 1 && hung > 0);
	fclose(f);
	int fd = (int)syscall(SYS_pidfd_open, hung, 0);
	cr_assert(fd < 0 && errno == ESRCH, "the hanging delete was killed and reaped");
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "grep -q 'did not finish in time.*\"id\":\"%s\"' %s", id,
		 path_in("sbxd.log"));
	cr_assert_eq(system(cmd), 0, "sbxd says so");
	json_decref(call(&r, "{s:s}", "op", "ping"));
	cr_assert_eq(r, 0, "sbxd still serves");
	stop_sbxd(SIGTERM);
	snprintf(st, sizeof(st), "rm -rf %s/%s", h_root, id);
	cr_assert_eq(system(st), 0);
}

/* A sandbox being created (its creator alive) is not collected. */
Test(sbxd, gc_spares_live_sandboxes)
{
	start_sbxd();
	char b[512];
	h_bundle(b, sizeof(b), "live", "[\"sleep\", \"1000\"]", NULL);
	struct run *r = h_sbx("create", "--bundle", b, "it-live", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	/* sbx create registered it (SBXD_SOCKET points at our sbxd). */
	json_t *sb = wait_listed("it-live");
	cr_assert_str_eq(json_string_value(json_object_get(sb, "source")), "sbx");
	cr_assert(json_is_true(json_object_get(sb, "running")));
	cr_assert_gt(json_integer_value(json_object_get(sb, "cgroup_id")), 0);
	json_decref(sb);
	json_t *gc = call(NULL, "{s:s}", "op", "gc");
	cr_assert_eq(json_array_size(json_object_get(gc, "collected")), 0);
	json_decref(gc);
	cr_assert(h_exists("%s/it-live/state.json", h_root));
	/* sbx delete unregisters it. */
	r = h_sbx("delete", "--force", "it-live", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *l = call(NULL, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, "it-live"), "unregistered at delete");
	json_decref(l);
	h_assert_gone("it-live");
	stop_sbxd(SIGTERM);
}

/* --- metrics ------------------------------------------------------------------------------ */

/* GET /metrics over a connected socket; the body. */
static char *http_get(int fd)
{
	static char buf[65536];
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	h_read_all(fd, buf, sizeof(buf));
	close(fd);
	cr_assert(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17), "%s", buf);
	char *body = strstr(buf, "\r\n\r\n");
	cr_assert(body);
	return body + 4;
}

static char *metrics_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in("metrics.sock"));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return http_get(fd);
}

static char *metrics_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)tcp_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return http_get(fd);
}

/* The value of the sample `name` (with its labels, e.g. `x{a="b"}`), or -1. */
static long long sample(const char *text, const char *name)
{
	char needle[200];
	snprintf(needle, sizeof(needle), "\n%s ", name);
	const char *p = strstr(text, needle);
	long long v = -1;
	if (p)
		sscanf(p + strlen(needle), "%lld", &v);
	return v;
}

Test(sbxd, metrics_count_notifications)
{
	start_sbxd();
	char *m = metrics_unix();
	long long emu0 = sample(m, EMULATE), den0 = sample(m, DENIED), rtt0 = sample(m, RTT);
	cr_assert(emu0 >= 0 && den0 >= 0 && rtt0 >= 0, "%s", m);
	cr_assert_eq(sample(m, RUNNING), 0);
	cr_assert(strstr(m, "# TYPE sbx_sentry_roundtrip_seconds histogram"), "%s", m);

	/* While the container runs: 3 emulated sysinfo calls and one denied mount, then it
	 * waits for /tmp/stop. The sentry writes its counters within a second. */
	const char *b = agent_bundle("metrics",
				     "[\"sh\", \"-c\", \"sbx-probe sysinfo; sbx-probe sysinfo; "
				     "sbx-probe sysinfo; mount -t tmpfs none /mnt; "
				     "while [ ! -e /tmp/stop ]; do sleep 0.05; done\"]",
				     true, NULL);
	struct run *r = rt_run("runc", b, "it-metrics", true);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *sb = wait_listed("it-metrics");
	pid_t sentry = (pid_t)json_integer_value(json_object_get(sb, "sentry_pid"));
	pid_t init = (pid_t)json_integer_value(json_object_get(sb, "pid"));
	json_decref(sb);
	long long emu = emu0;
	for (int i = 0; i < 3000 && (emu < emu0 + 3 || sample(m, DENIED) < den0 + 1); i++) {
		usleep(20000);
		m = metrics_unix();
		emu = sample(m, EMULATE);
	}
	cr_assert_eq(emu, emu0 + 3, "%s", m);
	cr_assert_eq(sample(m, DENIED), den0 + 1, "%s", m);
	cr_assert_eq(sample(m, RTT), rtt0 + 4, "%s", m);
	cr_assert_eq(sample(m, RUNNING), 1, "%s", m);
	cr_assert(kill(sentry, 0) == 0, "counted while the sentry still runs");
	/* The same on the TCP port. */
	m = metrics_tcp();
	cr_assert_eq(sample(m, EMULATE), emu0 + 3, "%s", m);

	/* After the container and the GC: the counts stay (counters never go down). */
	char stop[500];
	snprintf(stop, sizeof(stop), "%s/rootfs/tmp/stop", b);
	close(open(stop, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	wait_pid_gone(init);
	wait_pid_gone(sentry);
	json_decref(call(NULL, "{s:s}", "op", "gc"));
	m = metrics_unix();
	cr_assert_eq(sample(m, EMULATE), emu0 + 3, "%s", m);
	cr_assert_eq(sample(m, RUNNING), 0, "%s", m);
	cr_assert_eq(sample(m, KILLED), 0, "a sentry that ended with its container: %s", m);
	rt_kill_delete("runc", "it-metrics");
	stop_sbxd(SIGTERM);
}

/* sbx's own sandboxes, registered by sbx create, feed the same counters through their
 * sentries' statistics files. */
Test(sbxd, metrics_from_sbx_sandboxes)
{
	start_sbxd();
	long long emu0 = sample(metrics_unix(), EMULATE);
	char b[512];
	h_bundle(b, sizeof(b), "sbxm", "[\"sh\", \"-c\", \"free; free; sleep 1000\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "it-sbxm", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_decref(wait_listed("it-sbxm"));
	char *m = metrics_unix();
	for (int i = 0; i < 3000 && sample(m, EMULATE) < emu0 + 2; i++) {
		usleep(20000);
		m = metrics_unix();
	}
	cr_assert_eq(sample(m, EMULATE), emu0 + 2, "%s", m);
	cr_assert_eq(sample(m, "sbx_sandboxes_running{source=\"sbx\"}"), 1, "%s", m);
	r = h_sbx("delete", "--force", "it-sbxm", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	/* Unregistered at delete; its counts stay. */
	m = metrics_unix();
	cr_assert_eq(sample(m, "sbx_sandboxes_running{source=\"sbx\"}"), 0, "%s", m);
	cr_assert_eq(sample(m, EMULATE), emu0 + 2, "%s", m);
	h_assert_gone("it-sbxm");
	stop_sbxd(SIGTERM);
}

/* --- restart safety ----------------------------------------------------------------------- */

/* Ask the container to call sysinfo once more: it does when /tmp/go appears and answers in
 * /tmp/resN. Returns the Mem total it saw. */
static long long ask_free(const char *bundle, int n)
{
	char go[500], res[500];
	snprintf(go, sizeof(go), "%s/rootfs/tmp/go", bundle);
	snprintf(res, sizeof(res), "%s/rootfs/tmp/res%d", bundle, n);
	close(open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (int i = 0; i < 3000 && access(res, F_OK) != 0; i++)
		usleep(10000);
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(res, "r");
	cr_assert(f, "the container answered %d", n);
	cr_assert_neq(getdelim(&text, &len, '\0', f), -1);
	fclose(f);
	long long t = mem_total(text);
	free(text);
	return t;
}

/* The container that answers ask_free. */
static const char *ask_script =
    "[\"sh\", \"-c\", \"i=0; while :; do if [ -e /tmp/go ]; then rm /tmp/go; "
    "sbx-probe sysinfo > /tmp/r.tmp; mv /tmp/r.tmp /tmp/res$i; i=$((i+1)); "
    "fi; sleep 0.02; done\"]";

Test(sbxd, restart_keeps_mediation)
{
	start_sbxd();
	const char *b = agent_bundle("restart", ask_script, true, NULL);
	struct run *r = rt_run("runc", b, "it-restart", true);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(ask_free(b, 0), MEM_BYTES);
	json_t *sb = wait_listed("it-restart");
	pid_t sentry = (pid_t)json_integer_value(json_object_get(sb, "sentry_pid"));
	json_int_t cgid = json_integer_value(json_object_get(sb, "cgroup_id"));
	cr_assert_gt(cgid, 0);
	json_decref(sb);

	/* sbxd killed: the sentry is not its child and goes on serving. */
	stop_sbxd(SIGKILL);
	cr_assert_eq(kill(sentry, 0), 0, "the sentry outlived sbxd");
	cr_assert_eq(ask_free(b, 1), MEM_BYTES, "emulated while sbxd is down");

	/* Restarted: the registry and the pinned map are read back. */
	start_sbxd();
	sb = wait_listed("it-restart");
	cr_assert(json_is_true(json_object_get(sb, "running")));
	cr_assert(json_is_true(json_object_get(sb, "sentry_running")));
	cr_assert_eq(json_integer_value(json_object_get(sb, "sentry_pid")), sentry);
	json_decref(sb);
	int map = bpf_obj_get(path_in("bpffs/sbx/sandboxes"));
	cr_assert(map >= 0, "the map is still pinned");
	__u64 key = (__u64)cgid;
	__u32 val[2];
	cr_assert_eq(bpf_map_lookup_elem(map, &key, val), 0, "the container's cgroup is in it");
	close(map);
	cr_assert_eq(ask_free(b, 2), MEM_BYTES, "emulated after the restart");
	/* A process runc execs later sends its own notify fd: the new sbxd serves it. */
	char root[400];
	snprintf(root, sizeof(root), "%s/runc-root", dir);
	char *ex[] = {RUNC, "--root", root, "exec", "it-restart", "sbx-probe", "sysinfo", NULL};
	r = h_runv(ex);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(mem_total(r->out), MEM_BYTES, "runc exec: %s", r->out);

	rt_kill_delete("runc", "it-restart");
	/* Each sentry (init's, the exec's) ends after its processes. */
	json_t *all = call(NULL, "{s:s}", "op", "list");
	size_t i;
	json_array_foreach (json_object_get(all, "sandboxes"), i, sb) {
		wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "pid")));
		wait_pid_gone((pid_t)json_integer_value(json_object_get(sb, "sentry_pid")));
	}
	json_decref(all);
	json_t *gc = call(NULL, "{s:s}", "op", "gc");
	cr_assert(json_array_size(json_object_get(gc, "collected")) >= 1); /* and the exec's */
	json_decref(gc);
	/* Sentries that ended with their processes are no deaths. */
	cr_assert_eq(sample(metrics_unix(), KILLED), 0);
	json_t *l = call(NULL, "{s:s}", "op", "list");
	cr_assert_null(find_sandbox(l, "it-restart"), "%s", json_dumps(l, 0));
	json_decref(l);
	map = bpf_obj_get(path_in("bpffs/sbx/sandboxes"));
	cr_assert_neq(bpf_map_lookup_elem(map, &key, val), 0, "removed from the map by GC");
	close(map);
	stop_sbxd(SIGTERM);
}

/* --- pins --------------------------------------------------------------------------------- */

Test(sbxd, cleanup_unpins)
{
	start_sbxd();
	stop_sbxd(SIGTERM);
	cr_assert(h_exists("%s", path_in("bpffs/sbx/sandboxes")), "a stop keeps the pin");
	char *argv[] = {SBXD,
			"--cleanup",
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
			NULL};
	struct run *r = h_runv(argv);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(!h_exists("%s", path_in("bpffs/sbx")), "unpinned");
	cr_assert(!h_exists("%s", path_in("state")), "state removed");
	cr_assert(!h_exists("%s", path_in("ctl.sock")));
}

/* --- sbxd in a pod: the sentries in a cgroup of their own (--sentry-cgroup) --------------- */

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

Test(sbxd, pod_restart_keeps_sentries)
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
Test(sbxd, cgroupns_and_the_move)
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

/* sbxd in the pod's own cgroup namespace without --cgroupns: the host's hierarchies show it
 * cgroups outside its namespace (mountinfo's root is not "/"), where the kernel may refuse
 * the move (nsdelegate) and where it cannot read the containers' cgroups. It refuses to start,
 * says why, and makes nothing. */
Test(sbxd, pod_without_cgroupns)
{
	int status = 0;
	pod_cgroups_make();
	pod_sbxd_opts(false);
	spawn_sbxd();
	cr_assert_eq(waitpid(sbxd_pid, &status, 0), sbxd_pid);
	sbxd_pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "sbxd's status: %#x", status);
	char grep[600];
	snprintf(grep, sizeof(grep),
		 "grep -q '\"level\":\"error\".*not the whole hierarchy.*--cgroupns' %s",
		 path_in("sbxd.log"));
	cr_assert_eq(system(grep), 0, "sbxd says why");
	for (size_t i = 0; i < nhier; i++)
		cr_assert(!h_exists("%s", cg_path(i, "sentries", NULL)), "nothing made in %s",
			  cg_path(i, "", NULL));
	assert_cgroups_removed();
}

/* Fail closed: a sentry that cannot join its cgroup (here: the v2 one was removed after sbxd
 * made it) does not serve; sbxd refuses the container, says why, and nothing is left. */
Test(sbxd, sentry_cgroup_unjoinable_fails_closed)
{
	pod_cgroups_make();
	pod_sbxd_opts(true);
	start_sbxd();
	cr_assert_eq(rmdir(cg_path(hier_v2, "sentries", NULL)), 0);
	const char *b = agent_bundle("unjoin", "[\"sbx-probe\", \"sysinfo\"]", true, NULL);
	struct run *r = rt_run("runc", b, "it-unjoin", false);
	cr_assert_neq(r->status, 0, "the container must not run: %s", r->out);
	cr_assert_eq(mem_total(r->out), -1, "nothing ran unmediated: %s", r->out);
	char grep[900];
	snprintf(grep, sizeof(grep),
		 "grep -q '\"level\":\"error\".*container refused.*not started: cannot move it to "
		 "%s/%s/sentries: No such file or directory' %s",
		 hier[hier_v2], cg_top, path_in("sbxd.log"));
	cr_assert_eq(system(grep), 0, "sbxd says why");
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
Test(sbxd, sentry_cgroup_bad_options)
{
	static const struct {
		const char *opt, *val, *needle;
	} bad[] = {
	    {"--sentry-cgroup", "../escape", "a relative cgroup name"},
	    {"--sentry-cgroup", "/abs", "a relative cgroup name"},
	    {"--sentry-cgroup", "a/../../b", "a relative cgroup name"},
	    {"--sentry-cgroup", "a//b", "a relative cgroup name"},
	    {"--cgroup-root", "DIR", "no cgroup hierarchy is mounted there"},
	    {"--cgroup-root", CGROOT "/memory", "is one v1 hierarchy"},
	    {"--cgroupns", "/proc/self/ns/net", "Invalid argument"},
	};
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
				!strcmp(bad[i].val, "DIR") ? dir : (char *)bad[i].val,
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
