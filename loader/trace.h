/* Syscall tracing (bpf/trace.bpf.c), for sbx-trace: load and attach the tracepoint programs,
 * choose which cgroups they trace, read the summary and the counters.
 *
 * Nothing is pinned: the programs, links and maps live as long as the struct sbx_trace (and
 * the process holding it); sbx_trace_close or the process's exit unloads them. */
#ifndef SBX_LOADER_TRACE_H
#define SBX_LOADER_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/trace.h"

struct sbx_error;
struct sbx_trace;

struct sbx_trace_opts {
	bool stream;	    /* one ring buffer record per syscall (else summary only) */
	size_t ring_bytes;  /* ring buffer size, a power of two >= the page size; 0: 8 MiB */
	const __u8 *argmap; /* SBX_TRACE_NR_MAX entries of SBX_TRACE_ARG_*, or NULL */
	bool force_raw_tp;  /* use the raw_tp programs even where tp_btf works (tests) */
};

/* Load and attach. tp_btf where the kernel takes it, else raw_tp. -errno with err set. */
int sbx_trace_open(const struct sbx_trace_opts *o, struct sbx_trace **ret, struct sbx_error *err);
void sbx_trace_close(struct sbx_trace *t);

/* Trace the tasks of the v2 cgroup `cgroup_id`, counted under `slot`. !armed: only from the
 * first exec in that cgroup. 0 or -errno. */
int sbx_trace_cgroup_add(struct sbx_trace *t, uint64_t cgroup_id, uint32_t slot, bool armed);
int sbx_trace_cgroup_del(struct sbx_trace *t, uint64_t cgroup_id);
/* The traced-cgroup map, for a runtime that adds its sandbox's cgroup itself. */
int sbx_trace_cgroups_fd(const struct sbx_trace *t);
/* The BPF_MAP_TYPE_RINGBUF of struct sbx_event records (stream mode). */
int sbx_trace_events_fd(const struct sbx_trace *t);

void sbx_trace_counters_read(const struct sbx_trace *t, struct sbx_trace_counters *ret);

/* Every summary row, its per-CPU values folded (min_ns stays ~0 when nothing entered).
 * Stops at the first non-zero return of fn and returns it; else 0, or -errno. */
/* Add s to acc (sums; the least minimum of the calls that entered, the greatest maximum).
 * Start acc with min_ns = ~0. */
void sbx_trace_stat_add(struct sbx_trace_stat *acc, const struct sbx_trace_stat *s);

typedef int (*sbx_trace_row_fn)(void *arg, const struct sbx_trace_key *k,
				const struct sbx_trace_stat *s);
int sbx_trace_stats_walk(const struct sbx_trace *t, sbx_trace_row_fn fn, void *arg);

/* Add one cgroup to a traced-cgroup map by its fd (what `sbx run` does when sbx-trace hands
 * it the map): checks that the fd is such a map first. 0 or -errno (-EINVAL: not the map). */
int sbx_trace_map_add(int map_fd, uint64_t cgroup_id, uint32_t slot, bool armed);

#endif
