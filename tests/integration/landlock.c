/* Landlock on this kernel: outside sbx.files.writable nothing is written even where the
 * mount is writable and the seccomp filter allows the call; writable paths, volumes, reading,
 * exec and devices work, with and without the gofer; hidden paths get no right at all; `sbx
 * exec` gets the same ruleset; TCP ports beyond sbx.network's lists are refused by Landlock
 * before cgroup-BPF sees them. */
#include "harness.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

TestSuite(landlock, .init = h_setup, .fini = h_teardown, .timeout = 120);

static int abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
	return v < 0 ? 0 : (int)v;
}

static void need_abi(int min)
{
	if (abi() < min)
		cr_skip_test("this kernel has Landlock ABI %d, the test needs %d", abi(), min);
}

/* A policy file under the test root: the filter allows every syscall (open, openat and creat
 * by name too), then `sbx` (a JSON object body). */
static const char *policy(const char *name, const char *sbx)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s/%s.json", h_root, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"open\", "
		"\"openat\", \"openat2\", \"creat\"], \"action\": \"SCMP_ACT_ALLOW\"}], \"sbx\": "
		"%s}\n",
		sbx);
	fclose(f);
	return path;
}

/* How the next bundle is edited (h_bundle takes a plain function). */
static const char *edit_policy; /* io.sbx.policy */
static bool edit_no_gofer;	/* io.sbx.gofer: "false" */
static bool edit_sys_admin;	/* CAP_SYS_ADMIN in every set */

static void edit_bundle(json_t *c)
{
	json_t *a = json_object();
	json_object_set_new(a, "io.sbx.policy", json_string(edit_policy));
	if (edit_no_gofer)
		json_object_set_new(a, "io.sbx.gofer", json_string("false"));
	json_object_set_new(c, "annotations", a);
	json_object_set_new(json_object_get(c, "root"), "readonly", json_false());
	json_t *caps = json_object_get(json_object_get(c, "process"), "capabilities");
	const char *sets[] = {"bounding", "effective", "permitted"};
	for (size_t i = 0; edit_sys_admin && i < ARRAY_SIZE(sets); i++)
		json_array_append_new(json_object_get(caps, sets[i]), json_string("CAP_SYS_ADMIN"));
}

/* A bundle with a writable root of its own (a copy of the test rootfs) and the policy. */
static void own_bundle(char *b, size_t len, const char *name, const char *args,
		       const char *policy_path, bool no_gofer)
{
	char cwd[256], cmd[1400];
	edit_policy = policy_path;
	edit_no_gofer = no_gofer;
	h_bundle(b, len, name, args, edit_bundle);
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd), "cd %s && rm rootfs && cp -a %s/" ROOTFS " rootfs", b, cwd);
	cr_assert_eq(system(cmd), 0, "copy the rootfs");
}

#define WRITE_ETC                                                                                  \
	"[\"/bin/sh\", \"-c\", \"echo x > /etc/ll-file; echo etc=$?; grep -o ' / r[ow],' "         \
	"/proc/self/mountinfo\"]"

/* The root mount is writable, the gofer is off and the filter allows openat: only Landlock
 * stands between the workload and /etc. With /etc listed as writable the same write lands. */
Test(landlock, denies_a_write_the_seccomp_filter_allows)
{
	need_abi(1);
	char b[512];
	own_bundle(b, sizeof(b), "deny", WRITE_ETC,
		   policy("deny", "{\"files\": {\"writable\": [\"/root\"]}}"), true);
	struct run *r = h_sbx("run", "--bundle", b, "ll-deny", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, " / rw,"), "the root mount is writable: %s", r->out);
	cr_assert(strstr(r->out, "etc=1"), "%s", r->out);
	cr_assert(strstr(r->err, "/etc/ll-file: Permission denied"), "EACCES: %s", r->err);
	cr_assert(!h_exists("%s/rootfs/etc/ll-file", b), "the file was created");
	h_assert_gone("ll-deny");

	own_bundle(b, sizeof(b), "allow", WRITE_ETC,
		   policy("allow", "{\"files\": {\"writable\": [\"/root\", \"/etc\"]}}"), true);
	r = h_sbx("run", "--bundle", b, "ll-allow", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "etc=0"), "%s %s", r->out, r->err);
	cr_assert(h_exists("%s/rootfs/etc/ll-file", b), "the write did not land");
	h_assert_gone("ll-allow");
}

/* A volume is writable where sbx.files.writable says so, as the gofer has it: with the gofer
 * (it refuses) and without (Landlock refuses, the container's mount being writable). */
Test(landlock, writable_paths_in_a_volume_with_and_without_the_gofer)
{
	need_abi(1);
	char vol[512], v[600];
	snprintf(vol, sizeof(vol), "%s/vol", h_root);
	cr_assert_eq(mkdir(vol, 0755), 0);
	snprintf(v, sizeof(v), "%s/ok", vol);
	cr_assert_eq(mkdir(v, 0755), 0);
	snprintf(v, sizeof(v), "%s:/data", vol);
	const char *p = policy("vol", "{\"files\": {\"writable\": [\"/data/ok\"]}}");
	const char *script = "echo a > /data/ok/f && mkdir /data/ok/d && echo b > /data/ok/d/g && "
			     "mv /data/ok/d/g /data/ok/g && cat /data/ok/f /data/ok/g; echo no > "
			     "/data/no; echo no=$?";
	for (int no_gofer = 0; no_gofer < 2; no_gofer++) {
		const char *mode = no_gofer ? "gofer off" : "gofer on";
		struct run *r = no_gofer ? h_sbx("run", "--no-gofer", "--policy", p, "-v", v, "--",
						 "/bin/sh", "-c", script, NULL)
					 : h_sbx("run", "--policy", p, "-v", v, "--", "/bin/sh",
						 "-c", script, NULL);
		cr_assert_eq(r->status, 0, "%s: %s", mode, r->err);
		cr_assert(strstr(r->out, "a\nb\nno=1\n"), "%s: %s", mode, r->out);
		cr_assert(strstr(r->err, "/data/no: Permission denied"), "%s: %s", mode, r->err);
		cr_assert(h_exists("%s/ok/g", vol) && !h_exists("%s/no", vol), "%s", mode);
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s/ok/*", vol);
		cr_assert_eq(system(cmd), 0);
	}
}

/* Nothing writable at all: reading, listing, exec (from the root and from a read-only
 * volume), the device nodes and the sandbox's own tmpfs still work. */
Test(landlock, reading_exec_and_devices_work_with_nothing_writable)
{
	need_abi(1);
	const char *p = policy("ro", "{\"files\": {\"writable\": []}}");
	struct run *r =
	    h_sbx("run", "--no-gofer", "--policy", p, "-v", h_probe_volume(), "--", "/bin/sh", "-c",
		  "ls / >/dev/null && head -1 /etc/passwd && echo x > /dev/null && "
		  "head -c 4 /dev/zero | wc -c && echo t > /tmp/t && cat /tmp/t && "
		  "/opt/sbx/net-probe udp 127.0.0.1 9",
		  NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "root:x:0:0:root:/root:/bin/sh\n4\nt\n"
				 "udp 127.0.0.1 9: ok\n");
}

/* A hidden path outside the writable ones gets no right: opening it for reading is EACCES,
 * with the gofer and without (not the overlay: there it is a whiteout). A hidden path in a
 * writable one keeps its mask, which not even CAP_SYS_ADMIN with umount allowed can lift. */
Test(landlock, hidden_paths_have_no_rights)
{
	need_abi(1);
	const char *p = policy("hidden", "{\"files\": {\"writable\": [\"/root\"], \"hidden\": "
					 "[\"/etc/hosts\", \"/usr/sbin\", \"/root/secret\"]}}");
	const char *args =
	    "[\"/bin/sh\", \"-c\", \"cat /etc/hosts; echo hosts=$?; ls /usr/sbin | wc -l; cat "
	    "/root/secret; echo secret=$?; cat /etc/passwd | wc -l; umount /root/secret; echo "
	    "umount=$?; cat /root/secret\"]";
	for (int no_gofer = 0; no_gofer < 2; no_gofer++) {
		char b[512], secret[600];
		edit_sys_admin = true;
		own_bundle(b, sizeof(b), no_gofer ? "hidden-off" : "hidden-on", args, p, no_gofer);
		edit_sys_admin = false;
		snprintf(secret, sizeof(secret), "%s/rootfs/root/secret", b);
		FILE *f = fopen(secret, "w");
		cr_assert(f);
		fputs("top secret\n", f);
		fclose(f);
		struct run *r = h_sbx("run", "--bundle", b, "ll-hidden", NULL);
		cr_assert_eq(r->status, 0, "%s", r->err);
		cr_assert(strstr(r->err, "can't open '/etc/hosts': Permission denied"),
			  "gofer %s: %s", no_gofer ? "off" : "on", r->err);
		cr_assert(strstr(r->out, "hosts=1\n0\nsecret=0\n2\numount=1\n"), "%s", r->out);
		cr_assert(!strstr(r->out, "top secret"), "%s", r->out);
		cr_assert(strstr(r->err, "Operation not permitted"), "umount: %s", r->err);
		h_assert_gone("ll-hidden");
	}
}

/* `sbx exec` builds the same ruleset (from landlock.json in the state dir); it may still
 * signal the workload (the PID namespace confines signals, Landlock does not scope them
 * there). */
Test(landlock, exec_gets_the_same_ruleset)
{
	need_abi(1);
	char b[512];
	own_bundle(b, sizeof(b), "exec", "[\"sleep\", \"1000\"]",
		   policy("exec", "{\"files\": {\"writable\": [\"/root\"]}, \"require\": "
				  "[\"landlock\"]}"),
		   true);
	cr_assert_eq(h_sbx("run", "--detach", "--bundle", b, "ll-exec", NULL)->status, 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/ll-exec/landlock.json", h_root);
	json_t *plan = json_load_file(path, 0, NULL);
	cr_assert(plan, "the state dir has the plan exec builds from");
	cr_assert(json_is_true(json_object_get(plan, "required")), "sbx.require reached it");
	json_decref(plan);
	struct run *r = h_sbx("exec", "ll-exec", "/bin/sh", "-c",
			      "echo x > /etc/ll-exec; echo etc=$?; echo y > /root/ll-exec; echo "
			      "root=$?; kill -0 1; echo signal=$?",
			      NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "etc=1\nroot=0\nsignal=0\n"), "%s %s", r->out, r->err);
	cr_assert(strstr(r->err, "/etc/ll-exec: Permission denied"), "%s", r->err);
	cr_assert(!h_exists("%s/rootfs/etc/ll-exec", b));
	cr_assert(h_exists("%s/rootfs/root/ll-exec", b));
	cr_assert_eq(h_sbx("delete", "--force", "ll-exec", NULL)->status, 0);
	h_assert_gone("ll-exec");
}

/* Landlock refuses ports no rule names (EACCES) before cgroup-BPF sees the call; an address
 * outside the lists on a named port is cgroup-BPF's to refuse (EPERM), and UDP is never
 * Landlock's. A rule for any port leaves connect to cgroup-BPF alone. */
Test(landlock, tcp_ports_beyond_the_lists)
{
	need_abi(4);
	const char *p = policy("ports", "{\"network\": {\"egress\": [{\"cidr\": \"10.0.0.0/8\", "
					"\"ports\": \"80\"}], \"bind\": [{\"ports\": \"8080\"}]}}");
	struct run *r = h_sbx("run", "--no-gofer", "--policy", p, "-v", h_probe_volume(), "--",
			      "/opt/sbx/net-probe", "connect", "127.0.0.1", "80", "connect",
			      "127.0.0.1", "81", "connect", "::1", "81", "udp", "127.0.0.1", "81",
			      "bind", "0.0.0.0", "8080", "bind", "0.0.0.0", "8081", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "connect 127.0.0.1 80: EPERM\n"
				 "connect 127.0.0.1 81: EACCES\n"
				 "connect ::1 81: EACCES\n"
				 "udp 127.0.0.1 81: EPERM\n"
				 "bind 0.0.0.0 8080: ok\n"
				 "bind 0.0.0.0 8081: EACCES\n");

	p = policy("anyport", "{\"network\": {\"egress\": [{\"cidr\": \"10.0.0.0/8\", \"ports\": "
			      "\"80\"}, {\"cidr\": \"127.0.0.1/32\"}]}}");
	r = h_sbx("run", "--no-gofer", "--policy", p, "-v", h_probe_volume(), "--",
		  "/opt/sbx/net-probe", "connect", "127.0.0.1", "81", "connect", "::1", "81", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "connect 127.0.0.1 81: ECONNREFUSED\n"
				 "connect ::1 81: EPERM\n");
}

/* Sharing the host's network namespace, the sandbox cannot reach the host's abstract unix
 * sockets (ABI 6 scoping); the test process itself can. */
Test(landlock, host_abstract_sockets_are_out_of_reach_with_host_network)
{
	need_abi(6);
	char name[64];
	snprintf(name, sizeof(name), "sbx-it-landlock-%d", getpid());
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path + 1, name, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(s >= 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, len), 0);
	cr_assert_eq(listen(s, 4), 0);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&a, len), 0, "the host reaches it");
	close(c);
	struct run *r = h_sbx("run", "--no-gofer", "--network", "host", "-v", h_probe_volume(),
			      "--", "/opt/sbx/net-probe", "abstract", name, "0", NULL);
	close(s);
	cr_assert_eq(r->status, 0, "%s", r->err);
	char want[128];
	snprintf(want, sizeof(want), "abstract %s 0: EPERM\n", name);
	cr_assert_str_eq(r->out, want);
}
