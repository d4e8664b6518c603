/* The event record the sentry sends its subscribers and bpf/trace.bpf.c puts on its ring
 * buffer (one per syscall in stream mode). Shared by BPF and user space: fixed-width fields
 * only, explicit padding. A record may end early: `path` is only sent when it holds
 * something (kernel records without one stop at offsetof(struct sbx_event, path)). */
#ifndef SBX_BPF_EVENTS_H
#define SBX_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SBX_EVENT_VERSION  2
#define SBX_EVENT_ID_LEN   64
#define SBX_EVENT_COMM_LEN 16
#define SBX_EVENT_PATH_LEN 256

enum sbx_event_source {
	SBX_SRC_SENTRY = 1, /* seccomp user notification, handled in user space */
	SBX_SRC_KERNEL = 2, /* a BPF program */
};

enum sbx_event_kind {
	SBX_KIND_SYSCALL = 0, /* one syscall (sentry: one notification) */
	SBX_KIND_EXEC = 1,    /* sched_process_exec: path holds the file name */
	SBX_KIND_EXIT = 2,    /* sched_process_exit: result holds the exit code (wait status) */
	SBX_KIND_HELLO = 3,   /* the sentry greets a subscriber: sandbox, cgroup_id, pid (init),
			       * path (the state dir) */
};

/* Kernel syscall records: flags */
#define SBX_EVF_ENTERED	 1  /* the syscall entered the kernel (seccomp let it through) */
#define SBX_EVF_REFUSED	 2  /* returned without entering: seccomp's errno, or the sentry's answer */
#define SBX_EVF_PATH	 4  /* path holds the first path argument */
#define SBX_EVF_SOCKADDR 8  /* path holds the socket address (path_len bytes) */
#define SBX_EVF_NOARGS	 16 /* args were not captured (the execve that armed tracing) */
#define SBX_EVF_COMPAT	 32 /* a 32-bit syscall (int 0x80): syscall_nr is an i386 number */

enum sbx_event_action {
	SBX_ACT_ALLOW = 0,   /* let the kernel run it (CONTINUE) */
	SBX_ACT_DENY = 1,    /* failed with an errno */
	SBX_ACT_EMULATE = 2, /* answered by the sentry */
	SBX_ACT_BROKER = 3,  /* performed by the gofer */
	SBX_ACT_KILL = 4,    /* the sandbox was ended */
	SBX_ACT_AUDIT = 5,   /* would have been denied; allowed in audit mode */
	SBX_ACT__MAX
};

struct sbx_event {
	__u16 version;	  /* SBX_EVENT_VERSION */
	__u16 source;	  /* enum sbx_event_source */
	__u16 action;	  /* enum sbx_event_action (sentry records) */
	__u16 kind;	  /* enum sbx_event_kind */
	__s32 syscall_nr; /* -1 when not a syscall */
	__u32 pid;	  /* thread group id, host pid namespace */
	__u32 tid;	  /* thread id, host pid namespace */
	__u16 flags;	  /* SBX_EVF_* (kernel records) */
	__u16 path_len;	  /* bytes used in path, with its NUL */
	__u64 time_ns;	  /* sentry: CLOCK_REALTIME; kernel: CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;  /* the sandbox's cgroup v2 id, 0 if unknown */
	__u32 sub_lost;	  /* sentry records: how many this subscriber had no room for so far */
	__u32 _pad1;
	__u64 args[6];
	__s64 result;	  /* the value returned to the caller, or -errno */
	__u64 latency_ns; /* sentry: notification to reply; kernel: sys_enter to sys_exit */
	char sandbox[SBX_EVENT_ID_LEN]; /* sandbox id, NUL-padded ("" in kernel records) */
	char comm[SBX_EVENT_COMM_LEN];	/* kernel records: the task's comm */
	char path[SBX_EVENT_PATH_LEN];	/* see flags and kind; may be cut off (see above) */
};

#endif
