/* sbx-trace --profile: a least-privilege policy from what a traced workload did. The output is
 * an sbx policy (a Docker/OCI seccomp profile plus an "sbx" section) that `sbx run --policy`
 * accepts: the syscalls seen are allowed, everything else fails with EPERM, the sentry's
 * emulations it saw stay emulated, written paths become sbx.files.writable and the
 * destinations connected to become sbx.network.egress. */
#ifndef SBX_TOOLS_TRACE_PROFILE_H
#define SBX_TOOLS_TRACE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_error;

#define TRACE_PROFILE_NR_MAX 512

struct trace_profile_dest {
	uint8_t family;	  /* 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t port;	  /* host order */
};

struct trace_profile {
	/* a syscall the workload made and that was not refused by seccomp's own errno action:
	 * it ran in the kernel, or the sentry answered it (emulated, brokered, let through) */
	bool seen[TRACE_PROFILE_NR_MAX];
	bool emulated[TRACE_PROFILE_NR_MAX]; /* the sentry emulated it (sbx.emulate) */
	char **written;			     /* container paths the gofer changed; owned */
	size_t nwritten;
	struct trace_profile_dest *egress; /* successful connects / sends; owned */
	size_t negress;
};

void trace_profile_init(struct trace_profile *p);
void trace_profile_free(struct trace_profile *p);
/* Record one path (deduplicated) / one destination (deduplicated; an IPv4-mapped IPv6 address
 * is the IPv4 one). 0, -ENOMEM, or -E2BIG past a bound (65536 paths; 256 destinations, what
 * sbx.network holds); -EINVAL for a family other than 4 or 6. */
int trace_profile_add_written(struct trace_profile *p, const char *path);
int trace_profile_add_egress(struct trace_profile *p, const struct trace_profile_dest *d);

/* Write the policy to `path` (atomically: a temp file renamed into place). 0 or -errno with
 * err set. */
int trace_profile_write(const struct trace_profile *p, const char *path, struct sbx_error *err);

#endif
