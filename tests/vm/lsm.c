/* BPF-LSM (bpf/lsm.bpf.c) on a kernel that loads it (the microVM's): for each hook, the
 * operation is refused with the hook's errno in the sandbox's cgroup, and the same operation
 * goes through outside it (or for an allowed object); each refusal is an event with the hook,
 * rule and object. Each test attaches the layer (loader/lsm.h) to a cgroup of its own and runs
 * tests/helpers/lsm-probe in it, in a mount namespace of the test's own. */
#include "tests/integration/harness.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "bpf/lsm.h"
#include "lib/event_names.h"
#include "loader/loader.h"
#include "loader/lsm.h"

#define PROBE	  HELPERS "/lsm-probe"
#define MAX_EVENT 64

static struct {
	char dir[512]; /* the test's files */
	char cg[512];  /* its cgroup */
	int cgfd;
	struct sbx_lsm_object obj[16];
	size_t nobj;
	struct sbx_lsm l;
	struct sbx_lsm_event ev[MAX_EVENT];
	size_t nev;
	pid_t probe;
} lab = {.cgfd = -1, .l = SBX_LSM_INIT};

static void lab_setup(void)
{
	struct sbx_cgroup_info info;

	h_setup();
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	snprintf(lab.dir, sizeof(lab.dir), "%s/lab", h_root);
	cr_assert_eq(mkdir(lab.dir, 0755), 0);
	sbx_probe_cgroup(&info);
	cr_assert(info.v2_mount[0], "no cgroup v2 in the VM");
	snprintf(lab.cg, sizeof(lab.cg), "%s/sbx-vm-lsm-%d", info.v2_mount, getpid());
	cr_assert_eq(mkdir(lab.cg, 0755), 0, "mkdir %s: %s", lab.cg, strerror(errno));
	lab.cgfd = open(lab.cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(lab.cgfd >= 0);
}

static void lab_teardown(void)
{
	sbx_lsm_close(&lab.l);
	for (size_t i = 0; i < lab.nobj; i++)
		close(lab.obj[i].fd);
	if (lab.cgfd >= 0)
		close(lab.cgfd);
	if (lab.cg[0])
		rmdir(lab.cg);
	h_teardown();
}

TestSuite(lsm, .init = lab_setup, .fini = lab_teardown);

static const char *path(const char *name)
{
	static char p[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", lab.dir, name);
	return p[i];
}

static void make_file(const char *name)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "create %s", name);
	cr_assert_eq(write(fd, "data\n", 5), 5);
	close(fd);
}

static void make_dir(const char *name)
{
	cr_assert_eq(mkdir(path(name), 0755), 0, "mkdir %s", name);
}

/* A rule on the file or directory `p` names. */
static void rule(const char *p, __u8 rules)
{
	int fd = open(p, O_PATH | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", p, strerror(errno));
	lab.obj[lab.nobj++] = (struct sbx_lsm_object){.fd = fd, .rules = rules};
}

static void attach_with(bool exec_allow, struct sbx_net_list egress)
{
	struct stat st;
	char why[SBX_LSM_WHY_LEN] = "";

	cr_assert_eq(fstat(lab.cgfd, &st), 0);
	struct sbx_lsm_policy p = {.cgroup_fd = lab.cgfd,
				   .cgroup_id = st.st_ino,
				   .objects = lab.obj,
				   .n_objects = lab.nobj,
				   .exec_allow = exec_allow,
				   .egress = egress};
	int r = sbx_lsm_attach(&p, &lab.l, why);
	cr_assert_eq(r, 0, "attach: %s (%s)", why, strerror(-r));
}

static void attach(void)
{
	attach_with(false, (struct sbx_net_list){0});
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size == sizeof(struct sbx_lsm_event) && lab.nev < MAX_EVENT)
		memcpy(&lab.ev[lab.nev++], data, size);
	return 0;
}

static void drain(void)
{
	struct ring_buffer *rb = ring_buffer__new(lab.l.events_fd, on_event, NULL, NULL);
	cr_assert(rb, "ring_buffer__new");
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

/* Run the probe in the test's cgroup with these operations; its output. The events of its
 * refusals are in lab.ev afterwards. */
static const char *probe(const char *first, ...)
{
	char *argv[32] = {PROBE};
	int out[2];
	static char buf[16384];
	va_list ap;

	va_start(ap, first);
	h_append_args(argv, 1, 32, first, ap);
	va_end(ap);
	char procs[PATH_MAX + 32];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", lab.cg);
	cr_assert_eq(pipe(out), 0);
	lab.probe = fork();
	if (lab.probe == 0) {
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			_exit(126);
		dup2(out[1], 1);
		execv(PROBE, argv);
		_exit(127);
	}
	close(out[1]);
	h_read_all(out[0], buf, sizeof(buf));
	close(out[0]);
	int st;
	waitpid(lab.probe, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probe: status %d, output:\n%s", st, buf);
	drain();
	return buf;
}

static void expect(const char *out, const char *line)
{
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s\n", line);
	cr_expect(strstr(out, want), "expected \"%s\" in:\n%s", line, out);
}

/* The events seen, for a failure message. */
static const char *events_text(void)
{
	static char buf[8192];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < lab.nev && n < sizeof(buf) - 400; i++) {
		const struct sbx_lsm_event *e = &lab.ev[i];
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "%s/%s pid %u comm %.16s obj %llu %llu "
				      "name %.200s\n",
				      sbx_lsm_hook_name(e->hook), sbx_lsm_rule_name(e->rule),
				      e->pid, e->comm, (unsigned long long)e->obj[0],
				      (unsigned long long)e->obj[1], e->name);
	}
	return buf;
}

/* The event of `hook` for rule `rule` whose object name ends with `name` (NULL: any). */
static const struct sbx_lsm_event *event(int hook, int rule, const char *name)
{
	for (size_t i = 0; i < lab.nev; i++) {
		const struct sbx_lsm_event *e = &lab.ev[i];
		size_t n = strnlen(e->name, sizeof(e->name)), k = name ? strlen(name) : 0;
		if (e->hook == hook && e->rule == rule && n >= k &&
		    (!name || !strcmp(e->name + n - k, name)))
			return e;
	}
	cr_expect_fail("no %s event (%s) for %s among:\n%s", sbx_lsm_hook_name(hook),
		       sbx_lsm_rule_name(rule), name ? name : "anything", events_text());
	return NULL;
}

static void expect_event(int hook, int rule, const char *name, int err)
{
	struct stat st;
	const struct sbx_lsm_event *e = event(hook, rule, name);

	if (!e)
		return;
	fstat(lab.cgfd, &st);
	cr_expect_eq(e->err, err, "%s: errno %d", sbx_lsm_hook_name(hook), e->err);
	cr_expect_eq(e->cgroup_id, (__u64)st.st_ino);
	cr_expect_eq(e->version, 2);
}

Test(lsm, check_loads_every_program)
{
	char why[SBX_LSM_WHY_LEN] = "";
	cr_assert_eq(sbx_lsm_check(why), 0, "%s", why);
}

/* By inode: a hard link or a bind mount of a hidden file or directory is hidden too. */
Test(lsm, file_open_hidden)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX], e[PATH_MAX];
	make_file("secret");
	cr_assert_eq(link(path("secret"), path("alias")), 0);
	make_dir("hdir");
	make_file("hdir/f");
	make_dir("mnt");
	cr_assert_eq(mount(path("hdir"), path("mnt"), NULL, MS_BIND, NULL), 0);
	make_file("ok");
	rule(path("secret"), SBX_LSM_F_HIDDEN);
	rule(path("hdir"), SBX_LSM_F_HIDDEN);
	attach();
	snprintf(a, sizeof(a), "open:%s:r", path("secret"));
	snprintf(b, sizeof(b), "open:%s:r", path("alias"));
	snprintf(c, sizeof(c), "open:%s:r", path("hdir/f"));
	snprintf(d, sizeof(d), "open:%s:r", path("mnt/f"));
	snprintf(e, sizeof(e), "open:%s:r", path("ok"));
	const char *out = probe(a, b, c, d, e, NULL);
	char line[PATH_MAX + 32];
	const char *denied[] = {a, b, c, d};
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		snprintf(line, sizeof(line), "%s: denied ENOENT", denied[i]);
		expect(out, line);
	}
	snprintf(line, sizeof(line), "%s: ok", e);
	expect(out, line);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_HIDDEN, "/lab/secret", ENOENT);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_HIDDEN, "/lab/alias", ENOENT);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_HIDDEN, "/lab/hdir/f", ENOENT);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_HIDDEN, "/lab/mnt/f", ENOENT);
	cr_expect_eq(lab.nev, 4, "%s", events_text());
	int fd = open(path("secret"), O_RDONLY | O_CLOEXEC);
	cr_expect(fd >= 0, "outside the sandbox's cgroup the file opens");
	close(fd);
	umount2(path("mnt"), MNT_DETACH);
}

Test(lsm, file_open_readonly)
{
	char r[PATH_MAX], w[PATH_MAX], t[PATH_MAX], ok[PATH_MAX];
	make_dir("ro");
	make_file("ro/f");
	make_dir("ro/sub");
	make_file("ro/sub/g");
	make_file("rw");
	rule(path("ro"), SBX_LSM_F_READONLY);
	attach();
	snprintf(r, sizeof(r), "open:%s:r", path("ro/f"));
	snprintf(w, sizeof(w), "open:%s:w", path("ro/f"));
	snprintf(t, sizeof(t), "open:%s:t", path("ro/sub/g"));
	snprintf(ok, sizeof(ok), "open:%s:w", path("rw"));
	const char *out = probe(r, w, t, ok, NULL);
	char line[PATH_MAX + 32];
	snprintf(line, sizeof(line), "%s: ok", r);
	expect(out, line);
	snprintf(line, sizeof(line), "%s: denied EACCES", w);
	expect(out, line);
	snprintf(line, sizeof(line), "%s: denied EACCES", t);
	expect(out, line);
	snprintf(line, sizeof(line), "%s: ok", ok);
	expect(out, line);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_READONLY, "/lab/ro/f", EACCES);
	expect_event(SBX_LSM_FILE_OPEN, SBX_LSM_RULE_READONLY, "/lab/ro/sub/g", EACCES);
	cr_expect_eq(lab.nev, 2, "%s", events_text());
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	cr_assert(in >= 0, "open %s", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	cr_assert(out >= 0, "create %s", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* The probe itself is allowed (it is executed in the cgroup), and /usr/bin/true. */
Test(lsm, exec_allow_list)
{
	char other[PATH_MAX + 8];
	copy_file("/usr/bin/true", path("other"));
	rule(PROBE, SBX_LSM_F_EXEC);
	rule("/usr/bin/true", SBX_LSM_F_EXEC);
	attach_with(true, (struct sbx_net_list){0});
	snprintf(other, sizeof(other), "exec:%s", path("other"));
	const char *out = probe("exec:/usr/bin/true", other, NULL);
	expect(out, "exec:/usr/bin/true: ok");
	char line[PATH_MAX + 32];
	snprintf(line, sizeof(line), "%s: denied EACCES", other);
	expect(out, line);
	expect_event(SBX_LSM_BPRM_CHECK, SBX_LSM_RULE_EXEC, "/lab/other", EACCES);
	cr_expect_eq(lab.nev, 1, "%s", events_text());
}

Test(lsm, ptrace_and_signals_stay_inside)
{
	char pt[64], kl[64];
	pid_t victim = fork();
	if (victim == 0) {
		pause();
		_exit(0);
	}
	attach();
	snprintf(pt, sizeof(pt), "ptrace:%d", victim);
	snprintf(kl, sizeof(kl), "kill:%d:0", victim);
	const char *out = probe(pt, kl, "ptrace-child", "kill:self:0", NULL);
	char line[128];
	snprintf(line, sizeof(line), "%s: denied EPERM", pt);
	expect(out, line);
	snprintf(line, sizeof(line), "%s: denied EPERM", kl);
	expect(out, line);
	expect(out, "ptrace-child: ok");
	expect(out, "kill:self:0: ok");
	const struct sbx_lsm_event *e = event(SBX_LSM_PTRACE, SBX_LSM_RULE_OUTSIDE, NULL);
	cr_expect(e && e->obj[0] == (__u64)victim && e->err == EPERM);
	e = event(SBX_LSM_TASK_KILL, SBX_LSM_RULE_OUTSIDE, NULL);
	cr_expect(e && e->obj[0] == (__u64)victim && e->obj[1] == 0 && e->err == EPERM);
	cr_expect_eq(lab.nev, 2, "%s", events_text());
	cr_expect_eq(kill(victim, SIGKILL), 0, "outside the cgroup the signal goes through");
	waitpid(victim, NULL, 0);
}

Test(lsm, no_mounts)
{
	attach();
	const char *out = probe("mount", "move-mount", NULL);
	expect(out, "mount: denied EPERM");
	expect(out, "move-mount: denied EPERM");
	expect_event(SBX_LSM_SB_MOUNT, SBX_LSM_RULE_NEVER, NULL, EPERM);
	expect_event(SBX_LSM_MOVE_MOUNT, SBX_LSM_RULE_NEVER, NULL, EPERM);
	cr_expect_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "outside: allowed");
}

Test(lsm, no_bpf_no_perf)
{
	attach();
	const char *out = probe("bpf", "perf", NULL);
	expect(out, "bpf: denied EPERM");
	expect(out, "perf: denied EPERM");
	const struct sbx_lsm_event *e = event(SBX_LSM_BPF, SBX_LSM_RULE_NEVER, NULL);
	cr_expect(e && e->obj[0] == 0 /* BPF_MAP_CREATE */);
	expect_event(SBX_LSM_PERF_EVENT_OPEN, SBX_LSM_RULE_NEVER, NULL, EPERM);
	struct bpf_map_create_opts o = {.sz = sizeof(o)};
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, &o);
	cr_expect(fd >= 0, "outside: bpf() works");
	close(fd);
}

/* The kernel may ask for a module for a socket family nobody loaded: at least one of these. */
Test(lsm, no_module_loads)
{
	static const char junk[64] = "not a module";
	char fin[PATH_MAX + 16];
	make_file("empty");
	attach();
	snprintf(fin, sizeof(fin), "finit-module:%s", path("empty"));
	const char *out = probe("init-module", fin, "socket:37", "socket:39", "socket:36",
				"socket:35", "socket:30", "socket:21", NULL);
	expect(out, "init-module: denied EPERM");
	char line[PATH_MAX + 32];
	snprintf(line, sizeof(line), "%s: denied EPERM", fin);
	expect(out, line);
	const struct sbx_lsm_event *e = event(SBX_LSM_KERNEL_LOAD_DATA, SBX_LSM_RULE_NEVER, NULL);
	cr_expect(e && e->err == EPERM);
	expect_event(SBX_LSM_KERNEL_READ_FILE, SBX_LSM_RULE_NEVER, "empty", EPERM);
	bool asked = false;
	for (size_t i = 0; i < lab.nev; i++)
		asked |= lab.ev[i].hook == SBX_LSM_MODULE_REQUEST &&
			 !strncmp(lab.ev[i].name, "net-pf-", 7);
	cr_expect(asked, "a kernel_module_request event for a net-pf-N module");
	errno = 0;
	cr_expect_neq(syscall(SYS_init_module, junk, sizeof(junk), ""), 0);
	cr_expect_neq(errno, EPERM, "outside: the kernel, not the layer, refuses the junk");
}

Test(lsm, connect_egress)
{
	struct sbx_net_rule r = {
	    .family = 4, .prefix = 32, .addr = {127, 0, 0, 1}, .port_lo = 1, .port_hi = 100};
	attach_with(false, (struct sbx_net_list){.on = true, .rules = &r, .n = 1});
	const char *out = probe("connect:127.0.0.1:80", "connect:127.0.0.1:8080",
				"connect:::ffff:127.0.0.1:80", "connect:::1:80", NULL);
	/* allowed: the kernel answers (nothing listens there, or lo is down), not the layer */
	cr_expect(strstr(out, "connect:127.0.0.1:80: ") &&
		      !strstr(out, "connect:127.0.0.1:80: denied EPERM"),
		  "%s", out);
	cr_expect(strstr(out, "connect:::ffff:127.0.0.1:80: ") &&
		      !strstr(out, "connect:::ffff:127.0.0.1:80: denied EPERM"),
		  "%s", out);
	expect(out, "connect:127.0.0.1:8080: denied EPERM");
	expect(out, "connect:::1:80: denied EPERM");
	cr_expect_eq(lab.nev, 2, "%s", events_text());
	const struct sbx_lsm_event *e = event(SBX_LSM_SOCKET_CONNECT, SBX_LSM_RULE_EGRESS, NULL);
	cr_expect(e && e->obj[0] == 2 && e->obj[1] == 8080 && e->addr[0] == 127);
}

/* Links hold the programs; closing them frees everything. */
Test(lsm, nothing_left_after_close)
{
	make_file("f");
	rule(path("f"), SBX_LSM_F_HIDDEN);
	attach();
	int links = 0;
	for (int i = 0; i < SBX_LSM_HOOK__MAX; i++)
		links += lab.l.links[i] >= 0;
	cr_expect_eq(links, 10, "9 hooks for every sandbox, file_open for the rule");
	cr_expect_eq(h_programs_named("sbx_lsm_"), links, "only the attached programs stay loaded");
	sbx_lsm_close(&lab.l);
	cr_expect_eq(h_programs_named("sbx_lsm_"), 0);
}
