/* sbx.network on this kernel: cgroup/connect4/6, sendmsg4/6 and bind4/6 refuse what the
 * egress and bind lists do not name (EPERM), under --network host and in the sandbox's own
 * network namespace; without the lists nothing changes; nothing stays after the sandbox.
 *
 * Landlock (ABI 4) refuses a TCP port no rule names before these programs run (EACCES,
 * tests/integration/landlock.c), so the lists here name each port refused by address for
 * some other network (10.0.0.0/8): Landlock lets the call through and cgroup-BPF decides. */
#include "harness.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

TestSuite(cgroup_net, .init = h_setup, .fini = h_teardown);

Test(cgroup_net, host_network_connect_allowed_port_only)
{
	int a, b, la = h_listen_local(&a), lb = h_listen_local(&b);
	char sbx[200], pa[8], pb[8];
	snprintf(sbx, sizeof(sbx),
		 "{\"network\": {\"egress\": [{\"cidr\": \"127.0.0.1/32\", \"ports\": \"%d\"}, "
		 "{\"cidr\": \"10.0.0.0/8\", \"ports\": \"%d\"}]}}",
		 a, b);
	snprintf(pa, sizeof(pa), "%d", a);
	snprintf(pb, sizeof(pb), "%d", b);
	struct run *r =
	    h_sbx("run", "--no-gofer", "--stats", "--network", "host", "--policy",
		  h_policy("host", sbx), "-v", h_probe_volume(), "--", "/opt/sbx/net-probe",
		  "connect", "127.0.0.1", pa, "connect", "127.0.0.1", pb, NULL);
	close(la);
	close(lb);
	cr_assert_eq(r->status, 0, "%s", r->err);
	char want_a[64], want_b[64];
	snprintf(want_a, sizeof(want_a), "connect 127.0.0.1 %d: ok\n", a);
	snprintf(want_b, sizeof(want_b), "connect 127.0.0.1 %d: EPERM\n", b);
	cr_assert(strstr(r->out, want_a), "%s", r->out);
	cr_assert(strstr(r->out, want_b), "%s", r->out);
	cr_assert(strstr(r->err, "connect 1, sendmsg 0, bind 0"), "%s", r->err);
}

#define PROBES                                                                                     \
	"connect", "127.0.0.1", "7", "connect", "127.0.0.1", "9", "connect", "::1", "9", "udp",    \
	    "127.0.0.1", "53", "udp", "127.0.0.2", "53", "udp", "::1", "53", "bind", "0.0.0.0",    \
	    "8080", "bind", "0.0.0.0", "8081", "bind", "::", "8081"

/* In the sandbox's own network namespace nothing listens: an allowed connect is refused by
 * the stack (ECONNREFUSED), a disallowed one by the program (EPERM). */
Test(cgroup_net, own_netns_egress_udp_and_bind)
{
	const char *p = h_policy(
	    "own",
	    "{\"network\": {\"egress\": [{\"cidr\": \"127.0.0.1/32\", \"ports\": \"1-8\"}, "
	    "{\"cidr\": \"127.0.0.1\", \"ports\": \"53\"}, {\"cidr\": \"10.0.0.0/8\", \"ports\": "
	    "\"9\"}], \"bind\": [{\"ports\": \"8080\"}, {\"cidr\": \"10.0.0.0/8\", \"ports\": "
	    "\"8081\"}]}}");
	struct run *r = h_sbx("run", "--no-gofer", "--stats", "--policy", p, "-v", h_probe_volume(),
			      "--", "/opt/sbx/net-probe", PROBES, NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "connect 127.0.0.1 7: ECONNREFUSED\n"), "%s", r->out);
	cr_assert(strstr(r->out, "connect 127.0.0.1 9: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->out, "connect ::1 9: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->out, "udp 127.0.0.1 53: ok\n"), "%s", r->out);
	cr_assert(strstr(r->out, "udp 127.0.0.2 53: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->out, "udp ::1 53: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->out, "bind 0.0.0.0 8080: ok\n"), "%s", r->out);
	cr_assert(strstr(r->out, "bind 0.0.0.0 8081: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->out, "bind :: 8081: EPERM\n"), "%s", r->out);
	cr_assert(strstr(r->err, "connect 2, sendmsg 2, bind 2"), "%s", r->err);
}

Test(cgroup_net, no_network_key_changes_nothing)
{
	const char *p = h_policy("none", "{}");
	struct run *r = h_sbx("run", "--no-gofer", "--policy", p, "-v", h_probe_volume(), "--",
			      "/opt/sbx/net-probe", PROBES, NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "connect 127.0.0.1 9: ECONNREFUSED\n"), "%s", r->out);
	cr_assert(strstr(r->out, "connect ::1 9: ECONNREFUSED\n"), "%s", r->out);
	cr_assert(strstr(r->out, "udp 127.0.0.2 53: ok\n"), "%s", r->out);
	cr_assert(strstr(r->out, "bind 0.0.0.0 8081: ok\n"), "%s", r->out);
	cr_assert_null(strstr(r->out, "EPERM"), "%s", r->out);
}

/* The compiled program is cached in the state root; the lists must hold on a hit too, however
 * the key is spelled ("netw\u006frk" is "network"). */
Test(cgroup_net, enforced_on_a_policy_cache_hit)
{
	const char *p = h_policy("cached", "{\"netw\\u006frk\": {\"egress\": [{\"cidr\": "
					   "\"10.0.0.0/8\", \"ports\": \"9\"}]}}");
	for (int i = 0; i < 2; i++) {
		struct run *r =
		    h_sbx("run", "--no-gofer", "--policy", p, "-v", h_probe_volume(), "--",
			  "/opt/sbx/net-probe", "connect", "127.0.0.1", "9", NULL);
		cr_assert_eq(r->status, 0, "%s", r->err);
		cr_assert_str_eq(r->out, "connect 127.0.0.1 9: EPERM\n", "run %d", i);
	}
}

Test(cgroup_net, bad_policy_refused_before_start)
{
	const char *p =
	    h_policy("bad", "{\"network\": {\"egress\": [{\"cidr\": \"10.0.0.0/8\", \"ports\": "
			    "\"9-1\"}]}}");
	struct run *r = h_sbx("run", "--name", "cgnet-bad", "--policy", p, "--", "/bin/true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "bad.json:1:"), "%s", r->err);
	cr_assert(strstr(r->err, "bad port range \"9-1\""), "%s", r->err);
	h_assert_gone("cgnet-bad");
}

/* More port ranges for one address than a trie entry holds: the lists cannot be enforced,
 * so the sandbox does not start (fail closed), and nothing of it is left. */
Test(cgroup_net, unenforceable_lists_refuse_to_start)
{
	char sbx[1024] = "{\"network\": {\"egress\": [";
	for (int port = 1; port <= 9; port++)
		snprintf(sbx + strlen(sbx), sizeof(sbx) - strlen(sbx),
			 "%s{\"cidr\": \"127.0.0.1/32\", \"ports\": \"%d\"}", port > 1 ? ", " : "",
			 port);
	strcat(sbx, "]}}");
	const char *p = h_policy("many", sbx);
	struct run *r = h_sbx("run", "--no-gofer", "--name", "cgnet-many", "--policy", p, "--",
			      "/bin/true", NULL);
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->err, "cannot enforce the policy's sbx.network"), "%s", r->err);
	h_assert_gone("cgnet-many");
}

/* The program attached to the cgroup for connect4, or 0. */
static __u32 connect4_prog(const char *id)
{
	char dir[300];
	__u32 ids[4], n = 4;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/unified/sbx/%s", id);
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return 0;
	int r = bpf_prog_query(cg, BPF_CGROUP_INET4_CONNECT, 0, NULL, ids, &n);
	close(cg);
	return r == 0 && n == 1 ? ids[0] : 0;
}

static bool prog_exists(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

Test(cgroup_net, nothing_left_after_the_sandbox)
{
	int o, e;
	__u32 prog = 0;
	const char *p = h_policy("left", "{\"network\": {\"egress\": []}}");
	pid_t pid = h_sbx_bg(&o, &e, "run", "--no-gofer", "--name", "cgnet-left", "--policy", p,
			     "--", "sleep", "100", NULL);
	for (int i = 0; i < 200 && !prog; i++, usleep(20 * 1000))
		prog = connect4_prog("cgnet-left");
	cr_assert(prog, "connect4 attached to the sandbox's cgroup");
	struct run *r = h_sbx("delete", "--force", "cgnet-left", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	h_collect(pid, o, e);
	for (int i = 0; i < 100 && prog_exists(prog); i++)
		usleep(50 * 1000);
	cr_assert_not(prog_exists(prog), "the connect4 program is left");
	h_assert_gone("cgnet-left");
}
