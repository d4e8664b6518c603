/* Feature probes: the smallest program of each type sbx uses. The loader loads them one at a
 * time (autoload off for all others) and records what the kernel says; nothing is attached.
 * Names start with "probe_" and fit the kernel's 15-character limit, so a test can check
 * that none stays loaded. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(probe_raw_tp, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("cgroup/connect4")
int probe_connect4(struct bpf_sock_addr *ctx)
{
	return 1; /* allow */
}

SEC("cgroup/sock_create")
int probe_sock_crt(struct bpf_sock *ctx)
{
	return 1;
}

SEC("cgroup/dev")
int probe_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return 1;
}

SEC("cgroup/sysctl")
int probe_sysctl(struct bpf_sysctl *ctx)
{
	return 1;
}

SEC("iter/task")
int probe_iter_task(struct bpf_iter__task *ctx)
{
	return 0;
}

/* do_unlinkat(int dfd, struct filename *name): present and stable since 2.6. */
SEC("fentry/do_unlinkat")
int BPF_PROG(probe_fentry, int dfd)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(probe_file_open, struct file *file)
{
	return 0; /* allow */
}
