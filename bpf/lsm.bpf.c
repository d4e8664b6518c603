/* Per-sandbox BPF-LSM policy. One instance per sandbox: global `lsm/` programs, each of which
 * first asks whether the caller is in the sandbox (its v2 cgroup, or one beneath it) and lets
 * everyone else through. For the sandbox:
 * - file_open: no open of a hidden file (ENOENT), no write-mode open of a read-only regular
 *   file (EACCES). Rules sit on inodes (sbx_lsm_files); a file is checked with its ancestors up
 *   to the root, across mount points, so no path, link or mount trick reaches around them.
 * - bprm_check_security: with sbx.exec.allow, only allowed files (or files beneath allowed
 *   directories) may be executed (EACCES).
 * - ptrace_access_check, task_kill: not at tasks outside the sandbox (EPERM).
 * - sb_mount, move_mount, bpf, kernel_module_request, kernel_read_file, kernel_load_data,
 *   perf_event_open: never (EPERM).
 * - socket_connect: with sbx.network.egress, only the addresses it allows (EPERM), as the
 *   cgroup-BPF layer checks them too.
 * A denial counts in `counters` and goes to the `sbx_lsm_events` ring buffer.
 *
 * The sandbox's cgroup id and level are not known at load: sbx_lsm_learn, a task_file
 * iterator run over the loader's own fds, reads them from the sandbox's cgroup directory, and
 * the inodes of the rules from O_PATH fds the container's init opened (as the kernel names
 * them: stat(2) on an overlay may report another device). Names start with "sbx_lsm_" so that
 * what a sandbox loaded can be found and checked. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/cgroup.h"
#include "bpf/events.h"
#include "bpf/lsm.h"

#define EPERM	    1
#define ENOENT	    2
#define EACCES	    13
#define AF_INET	    2
#define AF_INET6    10
#define O_TRUNC	    01000
#define FMODE_WRITE 0x2
#define S_IFMT	    00170000
#define S_IFREG	    0100000

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 learn_tgid; /* the loader: sbx_lsm_learn reads this process's fds */

/* Filled by sbx_lsm_learn before anything is attached. */
__u64 sandbox_cgid SEC(".data") = 0;
__u32 sandbox_level SEC(".data") = 0;
__u32 learned SEC(".data") = 0; /* fds learned, the cgroup's included */

struct sbx_lsm_counters counters;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SBX_LSM_FILES_MAX);
	__type(key, struct sbx_lsm_inode);
	__type(value, __u8);
} sbx_lsm_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SBX_LSM_FILES_MAX + 1);
	__type(key, __u32);  /* fd of the loader */
	__type(value, __u8); /* SBX_LSM_F_*, or SBX_LSM_LEARN_CGROUP */
} sbx_lsm_learn_fds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SBX_LSM_EVENTS_SIZE);
} sbx_lsm_events SEC(".maps");

/* sbx.network.egress, as in bpf/cgroup.bpf.c (loaded only with the list) */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SBX_NET_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sbx_net_key4);
	__type(value, struct sbx_net_ports);
} sbx_lsm_egress4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SBX_NET_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sbx_net_key6);
	__type(value, struct sbx_net_ports);
} sbx_lsm_egress6 SEC(".maps");

/* The caller is in the sandbox: its cgroup is the sandbox's or beneath it. */
static __always_inline bool in_sandbox(void)
{
	return bpf_get_current_ancestor_cgroup_id(sandbox_level) == sandbox_cgid;
}

static bool task_in_sandbox(struct task_struct *t)
{
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp), *anc = NULL;
	__u32 level = sandbox_level;

	if (!cg || BPF_CORE_READ(cg, level) < (int)level)
		return false;
	bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level]);
	return anc && BPF_CORE_READ(anc, kn, id) == sandbox_cgid;
}

static __always_inline struct sbx_lsm_event *deny(enum sbx_lsm_hook hook, enum sbx_lsm_rule rule,
						  int err)
{
	struct sbx_lsm_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	__sync_fetch_and_add(&counters.denied[hook], 1);
	e = bpf_ringbuf_reserve(&sbx_lsm_events, sizeof(*e), 0);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->version = SBX_EVENT_VERSION;
	e->hook = hook;
	e->rule = rule;
	e->err = err;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = sandbox_cgid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* A denial without an object. */
static __always_inline int refuse(enum sbx_lsm_hook hook)
{
	struct sbx_lsm_event *e = deny(hook, SBX_LSM_RULE_NEVER, EPERM);

	if (e)
		bpf_ringbuf_submit(e, 0);
	return -EPERM;
}

/* The walk from a file up to the root: the rules of every inode on the way, across mounts. */
struct walk {
	struct dentry *d;
	struct mount *mnt;
	__u32 flags; /* rules met so far */
	__u32 stop;  /* rules that decide: stop at the first */
	bool done;   /* reached the root */
};

static struct mount *real_mount(struct vfsmount *m)
{
	return (void *)m - bpf_core_field_offset(struct mount, mnt);
}

/* One step up. The walk's fields are read into locals first: inside BPF_CORE_READ they would
 * be CO-RE relocated as if struct walk were the kernel's. */
static long walk_step(__u32 i, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *d = w->d, *up;
	struct mount *mnt = w->mnt, *parent;
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	struct sbx_lsm_inode key = {};
	__u8 *rules;

	if (inode) {
		key.ino = BPF_CORE_READ(inode, i_ino);
		key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
		rules = bpf_map_lookup_elem(&sbx_lsm_files, &key);
		if (rules)
			w->flags |= *rules;
	}
	if (w->flags & w->stop)
		return 1;
	if (d == BPF_CORE_READ(mnt, mnt.mnt_root)) { /* on to the mount point */
		parent = BPF_CORE_READ(mnt, mnt_parent);
		if (!parent || parent == mnt) {
			w->done = true;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = parent;
		return 0;
	}
	up = BPF_CORE_READ(d, d_parent);
	if (!up || up == d) {
		w->done = true;
		return 1;
	}
	w->d = up;
	return 0;
}

static __always_inline void walk(struct file *file, struct walk *w)
{
	w->d = BPF_CORE_READ(file, f_path.dentry);
	w->mnt = real_mount(BPF_CORE_READ(file, f_path.mnt));
	bpf_loop(SBX_LSM_WALK_MAX, walk_step, w, 0);
}

static void file_name(struct file *file, char *buf)
{
	const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);

	bpf_probe_read_kernel_str(buf, SBX_LSM_NAME_LEN, name);
}

static __always_inline int deny_open(struct file *file, enum sbx_lsm_rule rule, int err)
{
	struct sbx_lsm_event *e = deny(SBX_LSM_FILE_OPEN, rule, err);

	if (!e)
		return -err;
	e->obj[0] = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->obj[1] = BPF_CORE_READ(file, f_inode, i_ino);
	e->obj[2] = BPF_CORE_READ(file, f_flags);
	e->obj[3] = BPF_CORE_READ(file, f_mode);
	if (bpf_d_path((struct path *)&file->f_path, e->name, sizeof(e->name)) < 0)
		file_name(file, e->name);
	bpf_ringbuf_submit(e, 0);
	return -err;
}

/* Opens that can change a regular file's contents (O_TRUNC truncates even O_RDONLY). */
static bool writes(struct file *file)
{
	__u32 mode = BPF_CORE_READ(file, f_inode, i_mode);

	return (mode & S_IFMT) == S_IFREG && ((BPF_CORE_READ(file, f_mode) & FMODE_WRITE) ||
					      (BPF_CORE_READ(file, f_flags) & O_TRUNC));
}

SEC("lsm/file_open")
int BPF_PROG(sbx_lsm_file_open, struct file *file)
{
	struct walk w = {.stop = SBX_LSM_F_HIDDEN};

	if (!in_sandbox())
		return 0;
	if (writes(file))
		w.stop |= SBX_LSM_F_READONLY;
	walk(file, &w);
	if (w.flags & SBX_LSM_F_HIDDEN)
		return deny_open(file, SBX_LSM_RULE_HIDDEN, ENOENT);
	if (w.flags & w.stop & SBX_LSM_F_READONLY)
		return deny_open(file, SBX_LSM_RULE_READONLY, EACCES);
	if (!w.done)
		return deny_open(file, SBX_LSM_RULE_DEPTH, EACCES);
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(sbx_lsm_bprm_check, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct walk w = {.stop = SBX_LSM_F_EXEC};
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	walk(file, &w);
	if (w.flags & SBX_LSM_F_EXEC)
		return 0;
	e = deny(SBX_LSM_BPRM_CHECK, w.done ? SBX_LSM_RULE_EXEC : SBX_LSM_RULE_DEPTH, EACCES);
	if (e) {
		e->obj[0] = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		e->obj[1] = BPF_CORE_READ(file, f_inode, i_ino);
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), BPF_CORE_READ(bprm, filename));
		bpf_ringbuf_submit(e, 0);
	}
	return -EACCES;
}

static __always_inline int deny_task(enum sbx_lsm_hook hook, struct task_struct *t, __u64 what)
{
	struct sbx_lsm_event *e = deny(hook, SBX_LSM_RULE_OUTSIDE, EPERM);

	if (e) {
		e->obj[0] = BPF_CORE_READ(t, tgid);
		e->obj[1] = what;
		BPF_CORE_READ_STR_INTO(&e->name, t, comm);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(sbx_lsm_ptrace, struct task_struct *child, unsigned int mode)
{
	if (!in_sandbox() || task_in_sandbox(child))
		return 0;
	return deny_task(SBX_LSM_PTRACE, child, mode);
}

SEC("lsm/task_kill")
int BPF_PROG(sbx_lsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig)
{
	if (!in_sandbox() || task_in_sandbox(p))
		return 0;
	return deny_task(SBX_LSM_TASK_KILL, p, (__u64)sig);
}

SEC("lsm/sb_mount")
int BPF_PROG(sbx_lsm_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags)
{
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	e = deny(SBX_LSM_SB_MOUNT, SBX_LSM_RULE_NEVER, EPERM);
	if (e) {
		e->obj[0] = flags;
		if (dev_name)
			bpf_probe_read_kernel_str(e->name, sizeof(e->name), dev_name);
		if (type)
			bpf_probe_read_kernel_str(e->aux, sizeof(e->aux), type);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

SEC("lsm/move_mount")
int BPF_PROG(sbx_lsm_move_mount)
{
	return in_sandbox() ? refuse(SBX_LSM_MOVE_MOUNT) : 0;
}

/* Only `cmd` is read: Linux 6.14 added a fourth argument. */
SEC("lsm/bpf")
int BPF_PROG(sbx_lsm_bpf, int cmd)
{
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	e = deny(SBX_LSM_BPF, SBX_LSM_RULE_NEVER, EPERM);
	if (e) {
		e->obj[0] = (__u32)cmd;
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

SEC("lsm/kernel_module_request")
int BPF_PROG(sbx_lsm_module_request, char *kmod_name)
{
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	e = deny(SBX_LSM_MODULE_REQUEST, SBX_LSM_RULE_NEVER, EPERM);
	if (e) {
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), kmod_name);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

SEC("lsm/kernel_read_file")
int BPF_PROG(sbx_lsm_read_file, struct file *file, enum kernel_read_file_id id)
{
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	e = deny(SBX_LSM_KERNEL_READ_FILE, SBX_LSM_RULE_NEVER, EPERM);
	if (e) {
		e->obj[0] = id;
		if (file)
			file_name(file, e->name);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

SEC("lsm/kernel_load_data")
int BPF_PROG(sbx_lsm_load_data, enum kernel_load_data_id id)
{
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	e = deny(SBX_LSM_KERNEL_LOAD_DATA, SBX_LSM_RULE_NEVER, EPERM);
	if (e) {
		e->obj[0] = id;
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* No argument read: Linux 6.1 passes (attr, type), later kernels less. */
SEC("lsm/perf_event_open")
int BPF_PROG(sbx_lsm_perf_open)
{
	return in_sandbox() ? refuse(SBX_LSM_PERF_EVENT_OPEN) : 0;
}

static __always_inline bool port_allowed(const struct sbx_net_ports *p, __u16 port)
{
	if (!p)
		return false;
	for (__u32 i = 0; i < SBX_NET_PORTS_MAX && i < p->n; i++)
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
	return false;
}

static __always_inline bool allowed4(__u32 ip, __u16 port)
{
	struct sbx_net_key4 k = {.prefixlen = 32};

	__builtin_memcpy(k.addr, &ip, 4);
	return port_allowed(bpf_map_lookup_elem(&sbx_lsm_egress4, &k), port);
}

/* An IPv4-mapped address (::ffff:a.b.c.d) is checked as IPv4. */
static __always_inline bool allowed6(const __u32 *ip, __u16 port)
{
	struct sbx_net_key6 k = {.prefixlen = 128};

	if (ip[0] == 0 && ip[1] == 0 && ip[2] == bpf_htonl(0xffff))
		return allowed4(ip[3], port);
	__builtin_memcpy(k.addr, ip, 16);
	return port_allowed(bpf_map_lookup_elem(&sbx_lsm_egress6, &k), port);
}

/* The address is the kernel's copy (move_addr_to_kernel): no race with the caller. A length
 * too short for the family is refused by the protocol later. */
SEC("lsm/socket_connect")
int BPF_PROG(sbx_lsm_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	__u32 ip[4] = {};
	__u16 family, port;
	struct sbx_lsm_event *e;

	if (!in_sandbox())
		return 0;
	family = BPF_CORE_READ(address, sa_family);
	if (family == AF_INET && addrlen >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *sin = (void *)address;
		ip[0] = BPF_CORE_READ(sin, sin_addr.s_addr);
		port = bpf_ntohs(BPF_CORE_READ(sin, sin_port));
		if (allowed4(ip[0], port))
			return 0;
	} else if (family == AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *sin6 = (void *)address;
		bpf_probe_read_kernel(ip, sizeof(ip), &sin6->sin6_addr);
		port = bpf_ntohs(BPF_CORE_READ(sin6, sin6_port));
		if (allowed6(ip, port))
			return 0;
	} else {
		return 0;
	}
	e = deny(SBX_LSM_SOCKET_CONNECT, SBX_LSM_RULE_EGRESS, EPERM);
	if (e) {
		e->obj[0] = family;
		e->obj[1] = port;
		e->obj[2] = BPF_CORE_READ(sock, type);
		__builtin_memcpy(e->addr, ip, 16);
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}

/* The sandbox's cgroup from its directory: kernfs keeps the node in i_private, the node the
 * cgroup in priv. */
static void learn_cgroup(struct inode *inode)
{
	struct kernfs_node *kn = BPF_CORE_READ(inode, i_private);
	struct cgroup *cg = BPF_CORE_READ(kn, priv);

	sandbox_cgid = BPF_CORE_READ(kn, id);
	sandbox_level = BPF_CORE_READ(cg, level);
}

SEC("iter/task_file")
int sbx_lsm_learn(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sbx_lsm_inode key = {};
	__u32 fd = ctx->fd;
	struct inode *inode;
	__u8 *want, *old, v;

	if (!task || !file || task->tgid != learn_tgid)
		return 0;
	want = bpf_map_lookup_elem(&sbx_lsm_learn_fds, &fd);
	if (!want)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if (*want & SBX_LSM_LEARN_CGROUP) {
		learn_cgroup(inode);
	} else {
		key.ino = BPF_CORE_READ(inode, i_ino);
		key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
		old = bpf_map_lookup_elem(&sbx_lsm_files, &key);
		v = *want | (old ? *old : 0);
		if (bpf_map_update_elem(&sbx_lsm_files, &key, &v, BPF_ANY) < 0)
			return 0;
	}
	learned++;
	return 0;
}
