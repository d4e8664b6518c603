/* Load bpf/trace.bpf.c and attach its tracepoint programs. */
#include "loader/trace.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/trace.skel.h"
#include "lib/error.h"
#include "lib/log.h"
#include "loader/loader.h"

#define RING_DEFAULT (8u << 20)

struct sbx_trace {
	struct trace_bpf *skel;
};

static void choose(struct trace_bpf *skel, bool raw)
{
	struct bpf_program *btf[] = {skel->progs.sbx_tr_enter, skel->progs.sbx_tr_exit,
				     skel->progs.sbx_tr_exec, skel->progs.sbx_tr_task_exit,
				     skel->progs.sbx_tr_fork};
	struct bpf_program *rawp[] = {skel->progs.sbx_tr_enter_raw, skel->progs.sbx_tr_exit_raw,
				      skel->progs.sbx_tr_exec_raw, skel->progs.sbx_tr_texit_raw};

	for (size_t i = 0; i < sizeof(btf) / sizeof(btf[0]); i++)
		bpf_program__set_autoload(btf[i], !raw);
	for (size_t i = 0; i < sizeof(rawp) / sizeof(rawp[0]); i++)
		bpf_program__set_autoload(rawp[i], raw);
}

static int fill_args(struct trace_bpf *skel, const __u8 *argmap)
{
	int fd = bpf_map__fd(skel->maps.sbx_tr_args);

	for (__u32 nr = 0; argmap && nr < SBX_TRACE_NR_MAX; nr++) {
		if (argmap[nr] && bpf_map_update_elem(fd, &nr, &argmap[nr], BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

static int load(const struct sbx_trace_opts *o, size_t ring, bool raw, struct trace_bpf **ret)
{
	struct trace_bpf *skel = trace_bpf__open();
	int r;

	if (!skel)
		return -errno;
	skel->rodata->stream = o->stream;
	choose(skel, raw);
	if ((r = bpf_map__set_max_entries(skel->maps.sbx_tr_events, (__u32)ring)) < 0 ||
	    (r = trace_bpf__load(skel)) < 0 || (r = fill_args(skel, o->argmap)) < 0 ||
	    (r = trace_bpf__attach(skel)) < 0) {
		trace_bpf__destroy(skel);
		return r;
	}
	*ret = skel;
	return 0;
}

int sbx_trace_open(const struct sbx_trace_opts *o, struct sbx_trace **ret, struct sbx_error *err)
{
	size_t ring = o->ring_bytes ? o->ring_bytes : RING_DEFAULT;
	struct sbx_trace *t;
	int r = -EINVAL;

	if (ring < (size_t)getpagesize() || (ring & (ring - 1)) || ring > (1u << 30))
		return sbx_err(err, EINVAL,
			       "ring buffer size %zu: not a power of two from %d to 1 GiB", ring,
			       getpagesize());
	if (!(t = calloc(1, sizeof(*t))))
		return sbx_err_errno(err, ENOMEM, "trace");
	sbx_libbpf_log_setup();
	if (!o->force_raw_tp)
		r = load(o, ring, false, &t->skel);
	if (r < 0) {
		if (!o->force_raw_tp)
			log_debug("trace: tp_btf programs refused (%s), trying raw_tp",
				  strerror(-r));
		r = load(o, ring, true, &t->skel);
	}
	if (r < 0) {
		free(t);
		return sbx_err_errno(err, -r, "loading the tracing programs (bpf/trace.bpf.c)");
	}
	*ret = t;
	return 0;
}

void sbx_trace_close(struct sbx_trace *t)
{
	if (!t)
		return;
	trace_bpf__destroy(t->skel);
	free(t);
}

int sbx_trace_cgroup_add(struct sbx_trace *t, uint64_t cgroup_id, uint32_t slot, bool armed)
{
	return sbx_trace_map_add(sbx_trace_cgroups_fd(t), cgroup_id, slot, armed);
}

int sbx_trace_cgroup_del(struct sbx_trace *t, uint64_t cgroup_id)
{
	__u64 k = cgroup_id;
	return bpf_map_delete_elem(sbx_trace_cgroups_fd(t), &k) < 0 ? -errno : 0;
}

int sbx_trace_cgroups_fd(const struct sbx_trace *t)
{
	return bpf_map__fd(t->skel->maps.sbx_tr_cgroups);
}

int sbx_trace_events_fd(const struct sbx_trace *t)
{
	return bpf_map__fd(t->skel->maps.sbx_tr_events);
}

void sbx_trace_counters_read(const struct sbx_trace *t, struct sbx_trace_counters *ret)
{
	ret->lost = __atomic_load_n(&t->skel->bss->counters.lost, __ATOMIC_RELAXED);
	ret->stats_full = __atomic_load_n(&t->skel->bss->counters.stats_full, __ATOMIC_RELAXED);
}

void sbx_trace_stat_add(struct sbx_trace_stat *acc, const struct sbx_trace_stat *s)
{
	acc->calls += s->calls;
	acc->errors += s->errors;
	acc->refused += s->refused;
	acc->total_ns += s->total_ns;
	if (s->calls > s->refused && s->min_ns < acc->min_ns)
		acc->min_ns = s->min_ns;
	if (s->max_ns > acc->max_ns)
		acc->max_ns = s->max_ns;
}

static void fold(const struct sbx_trace_stat *cpu, int ncpu, struct sbx_trace_stat *ret)
{
	*ret = (struct sbx_trace_stat){.min_ns = ~0ULL};
	for (int i = 0; i < ncpu; i++)
		sbx_trace_stat_add(ret, &cpu[i]);
}

int sbx_trace_stats_walk(const struct sbx_trace *t, sbx_trace_row_fn fn, void *arg)
{
	int fd = bpf_map__fd(t->skel->maps.sbx_tr_stats), ncpu = libbpf_num_possible_cpus();
	struct sbx_trace_key k, next, *prev = NULL;
	struct sbx_trace_stat sum;
	int r = 0;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	struct sbx_trace_stat *cpu = calloc((size_t)ncpu, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	while (r == 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, cpu) < 0)
			continue; /* deleted meanwhile */
		fold(cpu, ncpu, &sum);
		r = fn(arg, &k, &sum);
	}
	free(cpu);
	return r;
}

int sbx_trace_map_add(int map_fd, uint64_t cgroup_id, uint32_t slot, bool armed)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct sbx_trace_cgroup v = {.slot = slot, .armed = armed};
	__u64 k = cgroup_id;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) < 0)
		return errno == EBADF ? -EBADF : -EINVAL;
	if (info.type != BPF_MAP_TYPE_HASH || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(v) || strcmp(info.name, "sbx_tr_cgroups") != 0)
		return -EINVAL;
	return bpf_map_update_elem(map_fd, &k, &v, BPF_ANY) < 0 ? -errno : 0;
}
