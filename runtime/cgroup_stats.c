/* A sandbox's resource usage in the layout of runc's `events --stats` (cpu, memory, pids),
 * read from the v1 controllers or from cgroup v2. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAT_FILE_MAX (64 * 1024)

/* The first v1 hierarchy holding `file` (cpu and cpuacct may share one mount). */
static const char *v1_dir_with(const struct sbx_cgroup *cg, const char *file)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (cgroup_file_exists(cg->v1[i].path, file))
			return cg->v1[i].path;
	return NULL;
}

/* A number, "max" as 0 (no limit, as runc reports it); 0 when the file is missing. */
static uint64_t read_u64(const char *dir, const char *file)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	uint64_t v = 0;
	if (!dir || cgroup_file_path(dir, file, path, sizeof(path)) < 0 ||
	    read_file(path, 64, &buf, NULL) < 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, &v) < 0 ? 0 : v;
}

static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	uint64_t v = 0;
	return dir && cgroup_read_key(dir, file, key, &v) == 0 ? v : 0;
}

/* "key value" lines (memory.stat) as an object of numbers. */
static json_t *read_flat(const char *dir, const char *file)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	json_t *o = json_object();
	if (!o || !dir || cgroup_file_path(dir, file, path, sizeof(path)) < 0 ||
	    read_file(path, STAT_FILE_MAX, &buf, NULL) < 0)
		return o;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char key[128];
		unsigned long long v;
		if (sscanf(l, "%127s %llu", key, &v) == 2)
			json_object_set_new(o, key, json_integer((json_int_t)v));
	}
	return o;
}

static json_t *percpu(const char *dir)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	json_t *a = json_array();
	if (!a || !dir || cgroup_file_path(dir, "cpuacct.usage_percpu", path, sizeof(path)) < 0 ||
	    read_file(path, STAT_FILE_MAX, &buf, NULL) < 0)
		return a;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		json_array_append_new(a, json_integer((json_int_t)strtoull(t, NULL, 10)));
	return a;
}

static json_t *entry(uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "limit", (json_int_t)limit, "usage",
			 (json_int_t)usage, "max", (json_int_t)max, "failcnt", (json_int_t)failcnt);
}

static json_t *v1_cpu(const struct sbx_cgroup *cg)
{
	const char *acct = v1_dir_with(cg, "cpuacct.usage");
	const char *cpu = v1_dir_with(cg, "cpu.stat");
	uint64_t tick_ns = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	return json_pack("{s:{s:I, s:o, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
			 (json_int_t)read_u64(acct, "cpuacct.usage"), "percpu", percpu(acct),
			 "kernel", (json_int_t)(read_key(acct, "cpuacct.stat", "system") * tick_ns),
			 "user", (json_int_t)(read_key(acct, "cpuacct.stat", "user") * tick_ns),
			 "throttling", "periods",
			 (json_int_t)read_key(cpu, "cpu.stat", "nr_periods"), "throttledPeriods",
			 (json_int_t)read_key(cpu, "cpu.stat", "nr_throttled"), "throttledTime",
			 (json_int_t)read_key(cpu, "cpu.stat", "throttled_time"));
}

static json_t *v1_memory(const struct sbx_cgroup *cg)
{
	const struct cgroup_hier *h = cgroup_find_v1(cg, "memory");
	const char *d = h ? h->path : NULL;
	json_t *raw = read_flat(d, "memory.stat");
	uint64_t cache = (uint64_t)json_integer_value(json_object_get(raw, "total_cache"));
	return json_pack(
	    "{s:I, s:o, s:o, s:o}", "cache", (json_int_t)cache, "usage",
	    entry(read_u64(d, "memory.limit_in_bytes"), read_u64(d, "memory.usage_in_bytes"),
		  read_u64(d, "memory.max_usage_in_bytes"), read_u64(d, "memory.failcnt")),
	    "swap",
	    entry(read_u64(d, "memory.memsw.limit_in_bytes"),
		  read_u64(d, "memory.memsw.usage_in_bytes"),
		  read_u64(d, "memory.memsw.max_usage_in_bytes"),
		  read_u64(d, "memory.memsw.failcnt")),
	    "raw", raw);
}

static json_t *v2_cpu(const char *d)
{
	return json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
			 (json_int_t)(read_key(d, "cpu.stat", "usage_usec") * 1000), "kernel",
			 (json_int_t)(read_key(d, "cpu.stat", "system_usec") * 1000), "user",
			 (json_int_t)(read_key(d, "cpu.stat", "user_usec") * 1000), "throttling",
			 "periods", (json_int_t)read_key(d, "cpu.stat", "nr_periods"),
			 "throttledPeriods", (json_int_t)read_key(d, "cpu.stat", "nr_throttled"),
			 "throttledTime",
			 (json_int_t)(read_key(d, "cpu.stat", "throttled_usec") * 1000));
}

static json_t *v2_memory(const char *d)
{
	json_t *raw = read_flat(d, "memory.stat");
	uint64_t cache = (uint64_t)json_integer_value(json_object_get(raw, "file"));
	return json_pack("{s:I, s:o, s:o, s:o}", "cache", (json_int_t)cache, "usage",
			 entry(read_u64(d, "memory.max"), read_u64(d, "memory.current"),
			       read_u64(d, "memory.peak"), read_key(d, "memory.events", "max")),
			 "swap",
			 entry(read_u64(d, "memory.swap.max"), read_u64(d, "memory.swap.current"),
			       read_u64(d, "memory.swap.peak"), 0),
			 "raw", raw);
}

json_t *cgroup_stats(const struct sbx_cgroup *cg)
{
	bool v2 = cg->layout == CGROUP_V2;
	const struct cgroup_hier *ph = cgroup_find_v1(cg, "pids");
	const char *pids = v2 ? cg->v2.path : ph ? ph->path : NULL;
	return json_pack("{s:o, s:o, s:{s:I, s:I}, s:{}, s:{}, s:{}, s:n}", "cpu",
			 v2 ? v2_cpu(cg->v2.path) : v1_cpu(cg), "memory",
			 v2 ? v2_memory(cg->v2.path) : v1_memory(cg), "pids", "current",
			 (json_int_t)read_u64(pids, "pids.current"), "limit",
			 (json_int_t)read_u64(pids, "pids.max"), "blkio", "hugetlb", "intel_rdt",
			 "network_interfaces");
}
