/* Per-sandbox cgroup-BPF policy, attached to the sandbox's v2 cgroup with bpf_link:
 * - cgroup/dev: the device allow-list of linux.resources.devices plus the default nodes;
 * - cgroup/sysctl: reads allowed, writes denied unless the name is in sbx_cg_sysctls;
 * - cgroup/sock_create: AF_INET(6) stream and datagram only (raw sockets and other types are
 *   refused). The kernel runs this hook from inet_create/inet6_create alone: AF_PACKET,
 *   AF_NETLINK and AF_UNIX never reach it, so AF_PACKET stays the seccomp layer's to refuse.
 * - cgroup/connect4/6, sendmsg4/6 (UDP sendto), bind4/6: the sbx.network allow-lists, kept
 *   in LPM tries (attached only when the policy has the list).
 * A denial counts in `counters` and goes to the `sbx_cg_events` ring buffer.
 * Names start with "sbx_cg_" so that what a sandbox loaded can be found and checked. */
/* uapi, not vmlinux.h: these contexts are stable ABI, and without CO-RE relocations libbpf
 * does not read the kernel's BTF at load (about 80 ms per sandbox on this host). */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/cgroup.h"
#include "bpf/events.h"

#define AF_INET	       2
#define AF_INET6       10
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define DEVCG_DEV_CHAR BPF_DEVCG_DEV_CHAR

char LICENSE[] SEC("license") = "GPL";

const volatile struct sbx_dev_rule dev_rules[SBX_DEV_RULES_MAX];
const volatile __u32 n_dev_rules;

struct sbx_cg_counters counters;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SBX_SYSCTL_ALLOW_MAX);
	__type(key, char[SBX_SYSCTL_NAME_LEN]);
	__type(value, __u8);
} sbx_cg_sysctls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SBX_CG_EVENTS_SIZE);
} sbx_cg_events SEC(".maps");

static struct sbx_cg_event *deny(enum sbx_cg_hook hook)
{
	struct sbx_cg_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	__sync_fetch_and_add(&counters.denied[hook], 1);
	e = bpf_ringbuf_reserve(&sbx_cg_events, sizeof(*e), 0);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->version = SBX_EVENT_VERSION;
	e->hook = hook;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	return e;
}

/* As runc's device filter: a rule applies when it covers every access bit asked for. */
static bool rule_matches(const volatile struct sbx_dev_rule *r, char type, __u32 major, __u32 minor,
			 __u32 access)
{
	if (r->type != 'a' && r->type != type)
		return false;
	if (r->major != SBX_DEV_ANY && r->major != major)
		return false;
	if (r->minor != SBX_DEV_ANY && r->minor != minor)
		return false;
	return (r->access & access) == access;
}

SEC("cgroup/dev")
int sbx_cg_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	char type = (ctx->access_type & 0xffff) == DEVCG_DEV_CHAR ? 'c' : 'b';
	__u32 access = ctx->access_type >> 16;
	bool allow = false;
	struct sbx_cg_event *e;

	for (__u32 i = 0; i < SBX_DEV_RULES_MAX && i < n_dev_rules; i++) {
		const volatile struct sbx_dev_rule *r = &dev_rules[i];
		if (rule_matches(r, type, ctx->major, ctx->minor, access))
			allow = r->allow;
	}
	if (allow)
		return 1;
	e = deny(SBX_CG_DEV);
	if (e) {
		e->obj[0] = type;
		e->obj[1] = ctx->major;
		e->obj[2] = ctx->minor;
		e->obj[3] = access;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("cgroup/sysctl")
int sbx_cg_sysctl(struct bpf_sysctl *ctx)
{
	char name[SBX_SYSCTL_NAME_LEN] = {};
	struct sbx_cg_event *e;

	if (!ctx->write)
		return 1;
	/* A name too long for the key (-E2BIG) is never in the allow-list. */
	if (bpf_sysctl_get_name(ctx, name, sizeof(name), 0) >= 0 &&
	    bpf_map_lookup_elem(&sbx_cg_sysctls, name))
		return 1;
	e = deny(SBX_CG_SYSCTL);
	if (e) {
		e->obj[3] = 1;
		__builtin_memcpy(e->name, name, sizeof(name));
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

static bool sock_allowed(__u32 family, __u32 type)
{
	if (family != AF_INET && family != AF_INET6)
		return true; /* not reached today (see above) */
	return type == SOCK_STREAM || type == SOCK_DGRAM;
}

SEC("cgroup/sock_create")
int sbx_cg_sock(struct bpf_sock *ctx)
{
	struct sbx_cg_event *e;

	if (sock_allowed(ctx->family, ctx->type))
		return 1;
	e = deny(SBX_CG_SOCK_CREATE);
	if (e) {
		e->obj[0] = ctx->family;
		e->obj[1] = ctx->type;
		e->obj[2] = ctx->protocol;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

/* Network allow-lists: attached only when the policy has sbx.network.egress (connect,
 * sendmsg) or .bind (bind); a missing list costs nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SBX_NET_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sbx_net_key4);
	__type(value, struct sbx_net_ports);
} sbx_cg_egress4 SEC(".maps"), sbx_cg_binds4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SBX_NET_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sbx_net_key6);
	__type(value, struct sbx_net_ports);
} sbx_cg_egress6 SEC(".maps"), sbx_cg_binds6 SEC(".maps");

static __always_inline bool port_allowed(const struct sbx_net_ports *p, __u16 port)
{
	if (!p)
		return false;
	for (__u32 i = 0; i < SBX_NET_PORTS_MAX && i < p->n; i++)
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
	return false;
}

static __always_inline bool allowed4(void *map, __u32 ip, __u16 port)
{
	struct sbx_net_key4 k = {.prefixlen = 32};

	__builtin_memcpy(k.addr, &ip, 4);
	return port_allowed(bpf_map_lookup_elem(map, &k), port);
}

/* An IPv4-mapped address (::ffff:a.b.c.d) on a dual-stack socket is checked as IPv4. */
static __always_inline bool allowed6(void *map4, void *map6, const __u32 *ip, __u16 port)
{
	struct sbx_net_key6 k = {.prefixlen = 128};

	if (ip[0] == 0 && ip[1] == 0 && ip[2] == bpf_htonl(0xffff))
		return allowed4(map4, ip[3], port);
	__builtin_memcpy(k.addr, ip, 16);
	return port_allowed(bpf_map_lookup_elem(map6, &k), port);
}

/* `ip`: 16 bytes, network order (IPv4: the first 4, then zeros). */
static __always_inline int deny_net(enum sbx_cg_hook hook, struct bpf_sock_addr *ctx,
				    const __u32 *ip, __u16 port)
{
	struct sbx_cg_event *e = deny(hook);

	if (e) {
		e->obj[0] = ctx->user_family;
		e->obj[1] = port;
		e->obj[2] = ctx->type;
		__builtin_memcpy(e->addr, ip, 16);
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

static __always_inline int check4(struct bpf_sock_addr *ctx, void *map, enum sbx_cg_hook hook)
{
	__u32 ip[4] = {ctx->user_ip4};
	__u16 port = bpf_ntohs((__u16)ctx->user_port);

	if (allowed4(map, ip[0], port))
		return 1;
	return deny_net(hook, ctx, ip, port);
}

static __always_inline int check6(struct bpf_sock_addr *ctx, void *map4, void *map6,
				  enum sbx_cg_hook hook)
{
	__u32 ip[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	__u16 port = bpf_ntohs((__u16)ctx->user_port);

	if (allowed6(map4, map6, ip, port))
		return 1;
	return deny_net(hook, ctx, ip, port);
}

SEC("cgroup/connect4")
int sbx_cg_connect4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, &sbx_cg_egress4, SBX_CG_CONNECT4);
}

SEC("cgroup/connect6")
int sbx_cg_connect6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, &sbx_cg_egress4, &sbx_cg_egress6, SBX_CG_CONNECT6);
}

SEC("cgroup/sendmsg4")
int sbx_cg_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, &sbx_cg_egress4, SBX_CG_SENDMSG4);
}

SEC("cgroup/sendmsg6")
int sbx_cg_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, &sbx_cg_egress4, &sbx_cg_egress6, SBX_CG_SENDMSG6);
}

SEC("cgroup/bind4")
int sbx_cg_bind4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, &sbx_cg_binds4, SBX_CG_BIND4);
}

SEC("cgroup/bind6")
int sbx_cg_bind6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, &sbx_cg_binds4, &sbx_cg_binds6, SBX_CG_BIND6);
}
