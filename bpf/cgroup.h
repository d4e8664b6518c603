/* Per-sandbox cgroup-BPF policy (bpf/cgroup.bpf.c): the device rule table, the counter
 * indices and the denial event. Shared by BPF and user space: fixed-width fields only. */
#ifndef SBX_BPF_CGROUP_H
#define SBX_BPF_CGROUP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SBX_CG_EVENTS_SIZE   (64 * 1024) /* the denial ring buffer (a power of two) */
#define SBX_DEV_RULES_MAX    64
#define SBX_DEV_ANY	     0xffffffffu /* major or minor wildcard */
#define SBX_SYSCTL_NAME_LEN  64		 /* "net/ipv4/ip_forward", NUL-padded */
#define SBX_SYSCTL_ALLOW_MAX 64		 /* names in the writable-sysctl map */

/* Access bits, as BPF_DEVCG_ACC_* */
#define SBX_DEV_ACC_MKNOD 1
#define SBX_DEV_ACC_READ  2
#define SBX_DEV_ACC_WRITE 4

/* One rule of linux.resources.devices; the last rule that matches decides. */
struct sbx_dev_rule {
	__u32 major; /* SBX_DEV_ANY: any */
	__u32 minor; /* SBX_DEV_ANY: any */
	__u8 type;   /* 'a' (any), 'b' or 'c' */
	__u8 access; /* SBX_DEV_ACC_* */
	__u8 allow;  /* 1 allow, 0 deny */
	__u8 _pad;
};

enum sbx_cg_hook {
	SBX_CG_DEV = 0,
	SBX_CG_SYSCTL = 1,
	SBX_CG_SOCK_CREATE = 2,
	SBX_CG_CONNECT4 = 3,
	SBX_CG_CONNECT6 = 4,
	SBX_CG_SENDMSG4 = 5,
	SBX_CG_SENDMSG6 = 6,
	SBX_CG_BIND4 = 7,
	SBX_CG_BIND6 = 8,
	SBX_CG_HOOK__MAX
};

/* Network allow-lists (sbx.network): LPM tries keyed by prefix length and address, one per
 * family and list. The value is the port ranges allowed for that prefix; user space folds the
 * ranges of every shorter prefix that contains it into it, so the longest match decides. */
#define SBX_NET_RULES_MAX 256 /* entries per trie */
#define SBX_NET_PORTS_MAX 8   /* port ranges per entry */

struct sbx_net_key4 {
	__u32 prefixlen;
	__u8 addr[4]; /* network order */
};

struct sbx_net_key6 {
	__u32 prefixlen;
	__u8 addr[16]; /* network order */
};

struct sbx_net_ports {
	__u16 lo[SBX_NET_PORTS_MAX]; /* host order, inclusive */
	__u16 hi[SBX_NET_PORTS_MAX];
	__u32 n;
};

/* Denials per hook, in the skeleton's .bss: the sentry maps it read-only. */
struct sbx_cg_counters {
	__u64 denied[SBX_CG_HOOK__MAX];
};

/* One denial, on the ring buffer. Layer "cgroup-bpf". */
struct sbx_cg_event {
	__u16 version; /* SBX_EVENT_VERSION of bpf/events.h */
	__u16 hook;    /* enum sbx_cg_hook */
	__u32 pid;     /* thread group id, host pid namespace */
	__u32 tid;
	__u32 _pad0;
	__u64 time_ns;	 /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id; /* the sandbox's v2 cgroup */
	/* dev: type ('b'/'c'), major, minor, access; sock_create: family, type, protocol, 0;
	 * sysctl: 0, 0, 0, 1 (a write); connect, sendmsg, bind: family (AF_INET/AF_INET6),
	 * port (host order), socket type, 0 */
	__u32 obj[4];
	char name[SBX_SYSCTL_NAME_LEN]; /* sysctl name; "" for the other hooks */
	__u8 addr[16]; /* connect, sendmsg, bind: the address, network order (IPv4: 4 bytes) */
};

#endif
