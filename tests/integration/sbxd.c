/* sbxd, the per-node daemon: its control socket, the seccomp agent with Debian's runc (and
 * crun), garbage collection after a SIGKILLed `sbx create`, metrics, restart safety, cleanup.
 * Every socket, state dir, bpffs mount and runc root is under the test's own directory; sbxd is
 * stopped by pid; containers by their runc root. sbxd in a pod: sbxd_pod.c. */
#include "sbxd_common.h"

TestSuite(sbxd, .init = setup, .fini = teardown, .timeout = 180);

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
	cr_assert(sbxd_logged("container refused.*bad-policy.json:1:[0-9]*: unknown action"),
		  "sbxd says why");
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
	cr_assert(sbxd_logged("container refused.*fifo-policy.json is not a regular"),
		  "sbxd says why");
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
	cr_assert(sbxd_logged("\"sentry died: container killed.*\"id\":\"%s\"", id),
		  "sbxd says so");
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
	cr_assert(sbxd_logged("is not a seccomp notify fd"), "the refusal says why");

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
	cr_assert(sbxd_logged("did not finish in time.*\"id\":\"%s\"", id), "sbxd says so");
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
