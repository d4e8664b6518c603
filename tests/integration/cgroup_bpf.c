/* Per-sandbox cgroup-BPF (bpf/cgroup.bpf.c) on this kernel: the BPF layer is what refuses
 * (the policy file allows every syscall, the capability is granted), and nothing of a
 * sandbox's programs, links or maps stays after it ends. */
#include "harness.h"

#include <bpf/bpf.h>

TestSuite(cgroup_bpf, .init = h_setup, .fini = h_teardown);

static const char *allow_all_policy(void)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s/allow-all.json", h_root);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}\n", f);
	fclose(f);
	return path;
}

Test(cgroup_bpf, block_device_refused_even_with_cap_mknod)
{
	struct run *r = h_sbx("run", "--no-gofer", "--stats", "--policy", allow_all_policy(),
			      "--cap-add", "CAP_MKNOD", "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "mknod_blk", "mknod_null", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "mknod_blk: denied EPERM"), "%s", r->out);
	cr_assert(strstr(r->out, "mknod_null: ok"), "%s", r->out);
	cr_assert(strstr(r->err, "cgroup-BPF denials: dev 1, sysctl 0, sock_create 0"), "%s",
		  r->err);
}

/* AF_PACKET never reaches cgroup/sock_create (the kernel runs it for inet sockets only): a
 * raw inet socket with CAP_NET_RAW is what this layer refuses. */
Test(cgroup_bpf, raw_socket_refused_with_cap_net_raw)
{
	struct run *r = h_sbx("run", "--no-gofer", "--stats", "--policy", allow_all_policy(),
			      "--cap-add", "CAP_NET_RAW", "-v", h_probe_volume(), "--",
			      "/opt/sbx/sbx-probe", "raw_socket", "tcp_socket", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "raw_socket: denied EPERM"), "%s", r->out);
	cr_assert(strstr(r->out, "tcp_socket: ok"), "%s", r->out);
	cr_assert(strstr(r->err, "sock_create 1"), "%s", r->err);
}

static void no_readonly_paths(json_t *c)
{
	json_object_set_new(json_object_get(c, "linux"), "readonlyPaths", json_array());
}

/* CAP_NET_ADMIN: the kernel's own check on writing ip_forward. */
static void add_net_admin(json_t *c)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	json_t *caps = json_object_get(json_object_get(c, "process"), "capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_array_append_new(json_object_get(caps, sets[i]), json_string("CAP_NET_ADMIN"));
}

static void writable_net_sysctls(json_t *c)
{
	add_net_admin(c);
	no_readonly_paths(c);
}

/* /proc/sys is writable here (no readonlyPaths), ip_forward belongs to the sandbox's own
 * network namespace and the process has CAP_NET_ADMIN: only cgroup/sysctl stands in the way
 * of the write. */
Test(cgroup_bpf, sysctl_write_refused_read_allowed)
{
	char b[600];
	h_bundle(b, sizeof(b), "sysctl",
		 "[\"sh\", \"-c\", \"cat /proc/sys/net/ipv4/ip_forward && "
		 "echo 1 > /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward\"]",
		 writable_net_sysctls);
	struct run *r = h_sbx("run", "--bundle", b, "cgbpf-sysctl", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "0\n0\n");
	cr_assert(strstr(r->err, "Operation not permitted"), "%s", r->err);
	h_assert_gone("cgbpf-sysctl");
}

static char sysctl_policy_path[300];

/* No readonlyPaths, CAP_NET_ADMIN (the kernel's own check on ip_forward), and the policy
 * file (sbx.sysctl allows ip_forward) by annotation. */
static void sysctl_allow_bundle(json_t *c)
{
	writable_net_sysctls(c);
	json_t *a = json_object_get(c, "annotations");
	if (!a)
		json_object_set_new(c, "annotations", a = json_object());
	json_object_set_new(a, "io.sbx.policy", json_string(sysctl_policy_path));
	/* Without the gofer a cache hit skips parsing unless the entry says the policy has
	 * sysctls: the second run checks that it does. */
	json_object_set_new(a, "io.sbx.gofer", json_string("false"));
}

/* The allowed name is written; another of the same netns, which CAP_NET_ADMIN would let the
 * kernel write, is still refused. Twice: the second run finds the policy compiled in the
 * cache and must still know its list. */
Test(cgroup_bpf, sysctl_write_allowed_by_policy)
{
	char b[600];
	snprintf(sysctl_policy_path, sizeof(sysctl_policy_path), "%s/sysctl-allow.json", h_root);
	FILE *f = fopen(sysctl_policy_path, "w");
	cr_assert(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [], \"sbx\": {\"sysctl\": "
	      "{\"allow\": [\"net.ipv4.ip_forward\"]}}}\n",
	      f);
	fclose(f);
	h_bundle(
	    b, sizeof(b), "sysctl-allow",
	    "[\"sh\", \"-c\", \"echo 1 > /proc/sys/net/ipv4/ip_forward; "
	    "cat /proc/sys/net/ipv4/ip_forward; "
	    "echo 32 > /proc/sys/net/ipv4/ip_default_ttl; cat /proc/sys/net/ipv4/ip_default_ttl\"]",
	    sysctl_allow_bundle);
	for (int i = 0; i < 2; i++) {
		struct run *r = h_sbx("run", "--bundle", b, "cgbpf-sysctl-allow", NULL);
		cr_assert_eq(r->status, 0, "run %d: %s", i, r->err);
		cr_assert_str_eq(r->out, "1\n64\n", "run %d: %s", i, r->err);
		cr_assert(strstr(r->err, "Operation not permitted"), "run %d: %s", i, r->err);
		h_assert_gone("cgbpf-sysctl-allow");
	}
}

#define MAX_IDS 16

/* Programs attached to the cgroup at `dir`, and the maps they use. */
static void attached_ids(const char *dir, __u32 *progs, __u32 *nprogs, __u32 *maps, __u32 *nmaps)
{
	static const enum bpf_attach_type types[] = {BPF_CGROUP_DEVICE, BPF_CGROUP_SYSCTL,
						     BPF_CGROUP_INET_SOCK_CREATE};
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(cg >= 0, "open %s", dir);
	*nprogs = *nmaps = 0;
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		__u32 ids[4], n = 4;
		cr_assert_eq(bpf_prog_query(cg, types[t], 0, NULL, ids, &n), 0);
		cr_assert_eq(n, 1, "one program per hook");
		progs[(*nprogs)++] = ids[0];
		int fd = bpf_prog_get_fd_by_id(ids[0]);
		__u32 map_ids[8];
		struct bpf_prog_info info = {.nr_map_ids = 8, .map_ids = (__u64)(long)map_ids};
		__u32 len = sizeof(info);
		cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		cr_assert(strncmp(info.name, "sbx_cg_", 7) == 0, "name %s", info.name);
		for (__u32 i = 0; i < info.nr_map_ids && *nmaps < MAX_IDS; i++)
			maps[(*nmaps)++] = map_ids[i];
		close(fd);
	}
	close(cg);
}

/* Links whose program is one of `progs`. */
static int links_of(const __u32 *progs, __u32 nprogs)
{
	__u32 id = 0;
	int n = 0;
	while (bpf_link_get_next_id(id, &id) == 0) {
		int fd = bpf_link_get_fd_by_id(id);
		struct bpf_link_info info = {0};
		__u32 len = sizeof(info);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (__u32 i = 0; i < nprogs; i++)
				n += info.prog_id == progs[i];
		close(fd);
	}
	return n;
}

static bool any_left(const __u32 *progs, __u32 nprogs, const __u32 *maps, __u32 nmaps)
{
	for (__u32 i = 0; i < nprogs; i++) {
		int fd = bpf_prog_get_fd_by_id(progs[i]);
		if (fd >= 0) {
			close(fd);
			return true;
		}
	}
	for (__u32 i = 0; i < nmaps; i++) {
		int fd = bpf_map_get_fd_by_id(maps[i]);
		if (fd >= 0) {
			close(fd);
			return true;
		}
	}
	return links_of(progs, nprogs) > 0;
}

Test(cgroup_bpf, nothing_left_after_delete)
{
	char b[600], dir[300];
	__u32 progs[MAX_IDS], maps[MAX_IDS], nprogs, nmaps;
	h_bundle(b, sizeof(b), "left", "[\"sleep\", \"100\"]", NULL);
	struct run *r = h_sbx("run", "--detach", "--bundle", b, "cgbpf-left", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/unified/sbx/cgbpf-left");
	attached_ids(dir, progs, &nprogs, maps, &nmaps);
	cr_assert_eq(nprogs, 3);
	cr_assert_geq(nmaps, 3, "rules/counters, sysctl names, ring buffer");
	cr_assert_eq(links_of(progs, nprogs), 3, "attached with bpf_link");

	r = h_sbx("delete", "--force", "cgbpf-left", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	/* The kernel frees programs and maps shortly after the last reference goes. */
	for (int i = 0; i < 100 && any_left(progs, nprogs, maps, nmaps); i++)
		usleep(50 * 1000);
	cr_assert(!any_left(progs, nprogs, maps, nmaps), "a program, link or map is left");
	h_assert_gone("cgbpf-left");
}
