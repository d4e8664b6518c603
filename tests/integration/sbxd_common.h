/* What the sbxd suites share (sbxd.c, sbxd_pod.c): the test's own sbxd (its sockets, state
 * dir and bpffs under the test's directory, stopped by pid), its control socket, and runc/crun
 * containers under the test's own roots. */
#ifndef SBX_TESTS_SBXD_COMMON_H
#define SBX_TESTS_SBXD_COMMON_H
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

static void (*teardown_extra)(void); /* set by a suite with more to remove */

__attribute__((unused)) static char *path_in(const char *name)
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

__attribute__((unused)) static void spawn_sbxd(void)
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

__attribute__((unused)) static void start_sbxd(void)
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

__attribute__((unused)) static void stop_sbxd(int sig)
{
	if (sbxd_pid <= 0)
		return;
	kill(sbxd_pid, sig);
	while (waitpid(sbxd_pid, NULL, 0) < 0 && errno == EINTR)
		;
	sbxd_pid = 0;
}

/* One request; the reply (ok or not) is returned, the return code in *ret_r. */
/* Whether sbxd's log has a line grep matches with the basic regular expression made from fmt
 * (no single quotes in it). */
__attribute__((unused, format(printf, 1, 2))) static bool sbxd_logged(const char *fmt, ...)
{
	char pattern[800], cmd[1300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pattern, sizeof(pattern), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "grep -q '%s' %s", pattern, path_in("sbxd.log"));
	return system(cmd) == 0;
}

__attribute__((unused)) static json_t *call(int *ret_r, const char *fmt, ...)
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

__attribute__((unused)) static json_t *find_sandbox(json_t *list, const char *id)
{
	size_t i;
	json_t *sb;
	json_array_foreach (json_object_get(list, "sandboxes"), i, sb)
		if (!strcmp(json_string_value(json_object_get(sb, "id")), id))
			return sb;
	return NULL;
}

/* The agent's entry for container `id` (waits until sbxd has registered it). */
__attribute__((unused)) static json_t *wait_listed(const char *id)
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

__attribute__((unused)) static void wait_pid_gone(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return; /* already gone */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	close(fd);
}

__attribute__((unused)) static bool json_array_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

__attribute__((unused)) static void setup(void)
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
__attribute__((unused)) static void teardown(void)
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
	if (teardown_extra)
		teardown_extra();
	if (dir[0])
		umount2(path_in("bpffs"), MNT_DETACH);
	h_teardown();
}

/* --- bundles for runc and crun ------------------------------------------------------------ */

/* DIR/bundle-NAME: a busybox rootfs of its own (writable /tmp), `args` (JSON), 64 MiB memory,
 * and seccomp: allow by default; sysinfo, mknod, mknodat and mount notified to the test's
 * agent socket, unless `notify` is false (then a filter without notify). `metadata` may be
 * NULL. The rootfs has sbx-probe in /bin. */
__attribute__((unused)) static const char *agent_bundle(const char *name, const char *args,
							bool notify, const char *metadata)
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
__attribute__((unused)) static struct run *rt_run(const char *rt, const char *bundle,
						  const char *id, bool detach)
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

__attribute__((unused)) static void rt_kill_delete(const char *rt, const char *id)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "/usr/bin/%s --root %s/%s-root delete --force %s", rt, dir, rt,
		 id);
	cr_assert_eq(system(cmd), 0, "%s delete %s", rt, id);
}

/* The number after the first `needle` in text, or -1. */
__attribute__((unused)) static long long number_after(const char *text, const char *needle)
{
	const char *m = strstr(text, needle);
	long long v = -1;
	if (m)
		sscanf(m + strlen(needle), "%lld", &v);
	return v;
}

/* A figure of `sbx-probe sysinfo` ("totalram N uptime N procs N"), or -1. */
__attribute__((unused)) static long long probe_field(const char *out, const char *name)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "%s ", name);
	return number_after(out, needle);
}

__attribute__((unused)) static long long mem_total(const char *out)
{
	return probe_field(out, "totalram");
}

/* Ask the container to call sysinfo once more: it does when /tmp/go appears and answers in
 * /tmp/resN. Returns the Mem total it saw. */
__attribute__((unused)) static long long ask_free(const char *bundle, int n)
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
__attribute__((unused)) static const char *ask_script =
    "[\"sh\", \"-c\", \"i=0; while :; do if [ -e /tmp/go ]; then rm /tmp/go; "
    "sbx-probe sysinfo > /tmp/r.tmp; mv /tmp/r.tmp /tmp/res$i; i=$((i+1)); "
    "fi; sleep 0.02; done\"]";

/* `runc state ID`'s status ("running", "stopped", ...), or "" when runc has none. */
__attribute__((unused)) static const char *runc_status(const char *id)
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

/* GET /metrics over a connected socket; the body. */
__attribute__((unused)) static char *http_get(int fd)
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

__attribute__((unused)) static char *metrics_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in("metrics.sock"));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return http_get(fd);
}

__attribute__((unused)) static char *metrics_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)tcp_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return http_get(fd);
}

/* The value of the sample `name` (with its labels, e.g. `x{a="b"}`), or -1. */
__attribute__((unused)) static long long sample(const char *text, const char *name)
{
	char needle[200];
	snprintf(needle, sizeof(needle), "\n%s ", name);
	return number_after(text, needle);
}

#endif
