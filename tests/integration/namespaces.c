/* Namespaces, root and process settings as a user would check them from inside. */
#include "harness.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

TestSuite(ns, .init = h_setup, .fini = h_teardown, .timeout = 60);

Test(ns, network_none_has_only_lo_up)
{
	struct run *r = h_sbx(
	    "run", "--name", "net1", "--", "/bin/sh", "-c",
	    "ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(!strncmp(r->out, "lo\n", 3), "only lo: %s", r->out);
	cr_assert(strstr(r->out, "0x9"), "lo is up (IFF_UP|IFF_LOOPBACK): %s", r->out);
}

Test(ns, network_host_shares_the_host_stack)
{
	struct run *r = h_sbx("run", "--name", "net2", "--network", "host", "--", "/bin/sh", "-c",
			      "readlink /proc/self/ns/net", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	char ours[64] = {0};
	cr_assert_gt(readlink("/proc/self/ns/net", ours, sizeof(ours) - 1), 0);
	cr_assert(strstr(r->out, ours), "same netns %s: %s", ours, r->out);
}

static char netns_path[64];

static void join_netns(json_t *c)
{
	json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces");
	size_t i;
	json_t *v;
	json_array_foreach (ns, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "type")), "network"))
			json_object_set_new(v, "path", json_string(netns_path));
	}
}

Test(ns, a_namespace_given_by_path_is_joined)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t holder = fork();
	if (holder == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	cr_assert_eq(read(p[0], &c, 1), 1);
	snprintf(netns_path, sizeof(netns_path), "/proc/%d/ns/net", holder);
	char want[64] = {0};
	readlink(netns_path, want, sizeof(want) - 1);

	char b[512];
	h_bundle(b, sizeof(b), "join", "[\"readlink\", \"/proc/self/ns/net\"]", join_netns);
	struct run *r = h_sbx("run", "--bundle", b, "join1", NULL);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, want), "joined %s: %s", want, r->out);
	h_assert_gone("join1");
}

static void join_host_pidns(json_t *c)
{
	json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces");
	size_t i;
	json_t *v;
	snprintf(netns_path, sizeof(netns_path), "/proc/%d/ns/pid", getpid());
	json_array_foreach (ns, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "type")), "pid"))
			json_object_set_new(v, "path", json_string(netns_path));
	}
}

/* A path to the host's own namespace is refused before anything starts (sharing the host's is
 * leaving the entry out): a manager that joins a pod's namespaces through a pid that is not
 * the container's would ask for it. */
Test(ns, a_path_to_the_hosts_own_namespace_is_refused)
{
	char b[512];
	h_bundle(b, sizeof(b), "hostpid", "[\"true\"]", join_host_pidns);
	struct run *r = h_sbx("create", "--bundle", b, "hostpid1", NULL);
	cr_assert_neq(r->status, 0, "created: %s", r->out);
	cr_assert(strstr(r->err, "is this host's own pid namespace"), "%s", r->err);
	h_assert_gone("hostpid1");
}

static bool same_ns(pid_t a, pid_t b, const char *ns)
{
	char pa[64], pb[64], la[64] = "", lb[64] = "";
	snprintf(pa, sizeof(pa), "/proc/%d/ns/%s", a, ns);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/%s", b, ns);
	return readlink(pa, la, sizeof(la) - 1) > 0 && readlink(pb, lb, sizeof(lb) - 1) > 0 &&
	       !strcmp(la, lb);
}

/* containerd's CRI builds a pod's other containers from the pid in the pid file (and a
 * shareProcessNamespace pod, from its pid namespace): it names init, whose namespaces are the
 * container's, not the host's. */
Test(ns, the_pid_file_names_init_whose_namespaces_are_the_containers)
{
	char b[512], pidfile[600], buf[32] = "";
	h_bundle(b, sizeof(b), "pidns", "[\"sleep\", \"100\"]", NULL);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", h_root);
	struct run *r = h_sbx("create", "--bundle", b, "--pid-file", pidfile, "pidns1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	FILE *f = fopen(pidfile, "r");
	cr_assert(f && fgets(buf, sizeof(buf), f));
	fclose(f);
	pid_t named = atoi(buf);
	cr_assert_eq(named, atoi(h_state_field("pidns1", "pid")), "the pid file names init");
	const char *own[] = {"net", "ipc", "uts", "pid", "mnt"};
	for (size_t i = 0; i < 5; i++)
		cr_expect(!same_ns(named, getpid(), own[i]), "not the host's %s", own[i]);
	cr_assert_eq(h_sbx("delete", "--force", "pidns1", NULL)->status, 0);
	h_assert_gone("pidns1");
}

static void userns(json_t *c)
{
	json_t *linux_ = json_object_get(c, "linux");
	json_array_append_new(json_object_get(linux_, "namespaces"),
			      json_pack("{s:s}", "type", "user"));
	json_object_set_new(
	    linux_, "uidMappings",
	    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 200000, "size", 65536));
	json_object_set_new(
	    linux_, "gidMappings",
	    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 200000, "size", 65536));
}

Test(ns, user_namespace_maps_root_to_an_unprivileged_host_uid)
{
	char b[512];
	h_bundle(b, sizeof(b), "user",
		 "[\"sh\", \"-c\", \"id -u; cat /proc/self/uid_map; sleep 100\"]", userns);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "user1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	int pid = atoi(h_state_field("user1", "pid"));
	char path[64], *status = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	cr_assert(f);
	char line[256];
	unsigned uid = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid:\t%u", &uid) == 1)
			break;
	fclose(f);
	free(status);
	cr_assert_eq(uid, 200000, "the workload's host uid is the mapped one");
	r = h_sbx("exec", "user1", "sh", "-c", "id -u; cat /proc/self/uid_map", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "0\n"), "root inside: %s", r->out);
	cr_assert(strstr(r->out, "200000"), "%s", r->out);
	cr_assert_eq(h_sbx("delete", "--force", "user1", NULL)->status, 0);
	h_assert_gone("user1");
}

Test(ns, root_masked_and_readonly_paths)
{
	/* Without the gofer the root is read-only; with it (the default) changes reach it. */
	struct run *r = h_sbx("run", "--no-gofer", "--name", "ro0", "--", "/bin/sh", "-c",
			      "touch /etc/x 2>&1; echo status $?", NULL);
	cr_assert(strstr(r->out, "/etc/x: Read-only file system\nstatus 1\n"),
		  "root is read-only: %s", r->out);
	r = h_sbx(
	    "run", "--name", "ro1", "--", "/bin/sh", "-c",
	    "touch /etc/x && ls /etc/x; (echo 1 > /proc/sys/kernel/domainname) 2>&1; wc -c < "
	    "/proc/timer_list; "
	    "ls /sys/firmware | wc -l; echo data > /tmp/ok && cat /tmp/ok; readlink /dev/ptmx; "
	    "readlink /dev/fd",
	    NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "/etc/x\n"), "the root takes changes through the gofer: %s",
		  r->out);
	cr_assert(strstr(r->out, "domainname: Read-only file system\n"), "/proc/sys read-only: %s",
		  r->out);
	cr_assert(strstr(r->out, "\n0\n0\n"), "timer_list and /sys/firmware masked: %s", r->out);
	cr_assert(strstr(r->out, "data\n"), "/tmp is writable: %s", r->out);
	cr_assert(strstr(r->out, "pts/ptmx\n/proc/self/fd\n"), "/dev links: %s", r->out);
}

static void process_settings(json_t *c)
{
	json_t *p = json_object_get(c, "process");
	json_object_set_new(p, "cwd", json_string("/tmp"));
	json_object_set_new(p, "env", json_pack("[s, s]", "PATH=/bin:/usr/bin", "SBX_TEST=42"));
	json_object_set_new(
	    p, "user",
	    json_pack("{s:i, s:i, s:[i]}", "uid", 65534, "gid", 65534, "additionalGids", 5));
	json_object_set_new(
	    p, "rlimits",
	    json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "soft", 77, "hard", 99));
	json_object_set_new(p, "oomScoreAdj", json_integer(123));
	json_object_set_new(c, "hostname", json_string("sbx-host"));
}

Test(ns, process_settings_apply)
{
	char b[512];
	h_bundle(b, sizeof(b), "proc",
		 "[\"sh\", \"-c\", \"pwd; echo $SBX_TEST; id; ulimit -n; ulimit -H -n; hostname; "
		 "cat /proc/self/oom_score_adj; grep -E 'CapEff|NoNewPrivs' /proc/self/status\"]",
		 process_settings);
	struct run *r = h_sbx("run", "--bundle", b, "proc1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "/tmp\n42\n"), "%s", r->out);
	cr_assert(strstr(r->out, "uid=65534") && strstr(r->out, "gid=65534"), "%s", r->out);
	cr_assert(strstr(r->out, "groups=5") || strstr(r->out, ",5(") || strstr(r->out, "=5("),
		  "%s", r->out);
	cr_assert(strstr(r->out, "\n77\n99\nsbx-host\n123\n"), "%s", r->out);
	cr_assert(strstr(r->out, "CapEff:\t0000000000000000"), "non-root has no effective caps: %s",
		  r->out);
	cr_assert(strstr(r->out, "NoNewPrivs:\t1"), "%s", r->out);
}

static void huge_rlimit(json_t *c)
{
	json_object_set_new(json_object_get(c, "process"), "rlimits",
			    json_pack("[{s:s, s:I, s:I}]", "type", "RLIMIT_NOFILE", "soft",
				      (json_int_t)1024, "hard", (json_int_t)1 << 40));
}

Test(ns, rlimit_above_the_host_hard_limit_fails_clearly)
{
	struct rlimit host;
	getrlimit(RLIMIT_NOFILE, &host);
	if ((rlim_t)1 << 40 <= host.rlim_max)
		cr_skip_test("this host allows such a limit");
	char b[512];
	h_bundle(b, sizeof(b), "rl", "[\"true\"]", huge_rlimit);
	struct run *r = h_sbx("create", "--bundle", b, "rl1", NULL);
	if (r->status == 0) {
		h_sbx("delete", "--force", "rl1", NULL);
		cr_skip_test("sbx holds CAP_SYS_RESOURCE here");
	}
	cr_assert(strstr(r->err, "RLIMIT_NOFILE"), "names the limit: %s", r->err);
	h_assert_gone("rl1");
}

static char devdir[512];

static void bind_devdir(json_t *c)
{
	json_array_append_new(json_object_get(c, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/devs", "type",
					"bind", "source", devdir, "options", "rbind"));
}

Test(ns, device_nodes_outside_the_allow_list_cannot_be_opened)
{
	/* A node planted in a volume (or an image layer): the device cgroup refuses to open it. */
	snprintf(devdir, sizeof(devdir), "%s/devs", h_root);
	mkdir(devdir, 0755);
	char p[600];
	snprintf(p, sizeof(p), "%s/loop", devdir);
	cr_assert_eq(mknod(p, S_IFBLK | 0666, makedev(7, 0)), 0);
	snprintf(p, sizeof(p), "%s/null", devdir);
	cr_assert_eq(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	if (!h_exists("/sys/fs/cgroup/devices/devices.allow"))
		cr_skip_test(
		    "no v1 devices controller here (v2 device policy comes with cgroup-BPF)");
	char b[512];
	h_bundle(b, sizeof(b), "dev",
		 "[\"sh\", \"-c\", \"echo x > /devs/null && echo null-ok; "
		 "dd if=/devs/loop of=/dev/null bs=1 count=1 2>&1; true\"]",
		 bind_devdir);
	struct run *r = h_sbx("run", "--bundle", b, "dev1", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "null-ok"), "allowed devices work: %s", r->out);
	cr_assert(strstr(r->out, "Operation not permitted"), "a block device is refused: %s",
		  r->out);
}
