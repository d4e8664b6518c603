/* Syscall tracing (bpf/trace.bpf.c): the traced-cgroup map, the per-task state and the summary
 * statistics. Shared by BPF and user space: fixed-width fields only. */
#ifndef SBX_BPF_TRACE_H
#define SBX_BPF_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SBX_TRACE_NR_MAX      512     /* syscall numbers below this are traced */
#define SBX_TRACE_CGROUPS_MAX 1024    /* sandboxes traced at once */
#define SBX_TRACE_STATS_MAX   16384   /* (sandbox, process, syscall) summary rows */
#define SBX_TRACE_COMPAT      0x10000 /* in a summary key's nr: a 32-bit (int 0x80) syscall */

/* The value of the traced-cgroup map (key: the v2 cgroup id). */
struct sbx_trace_cgroup {
	__u32 slot;  /* sbx-trace's index for the sandbox, echoed in the summary key */
	__u32 armed; /* 0: wait for the first exec in the cgroup (sbx-trace -- sbx run) */
};

/* The argument table (index: syscall number): which argument to read for the stream. */
#define SBX_TRACE_ARG_PATH(i)	  ((i) + 1)	   /* bits 0-3: path argument index + 1 */
#define SBX_TRACE_ARG_SOCKADDR(i) (((i) + 1) << 4) /* bits 4-7: sockaddr argument index + 1 */

struct sbx_trace_key {
	__u32 slot;
	__u32 pid; /* thread group id, host pid namespace */
	__u32 nr;
	__u32 _pad;
};

/* Per CPU: user space sums the CPUs (min and max: the least and greatest). */
struct sbx_trace_stat {
	__u64 calls;
	__u64 errors;  /* returned -1..-4095 */
	__u64 refused; /* never entered the kernel: seccomp errno, or answered by the sentry */
	__u64 total_ns;
	__u64 min_ns; /* of the calls that entered; ~0 when none */
	__u64 max_ns;
};

/* Counters in the program's .bss, read through the skeleton. */
struct sbx_trace_counters {
	__u64 lost;	  /* stream records the ring buffer had no room for */
	__u64 stats_full; /* summary rows that did not fit the map */
};

#endif
