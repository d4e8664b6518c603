/* sysinfo(2): the sandbox's own figures, so that `free` and `uptime` inside report the
 * memory limit and the sandbox's age rather than the host's. */
#include "sentry/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

/* A cgroup memory file: a number, or "max" (v2) meaning no limit. -ENOENT if absent. */
static int read_mem_file(const char *dir, const char *name, uint64_t *ret)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	int r = read_file(path, 256, &buf, NULL);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "max")) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(buf, ret);
}

/* Memory (or memory+swap) limit and usage. Returns the cgroup version whose files were found
 * (2: memory.max, 1: memory.limit_in_bytes), or -errno. */
static int mem_limit(const char *dir, bool swap, uint64_t *ret_limit, uint64_t *ret_usage)
{
	static const char *const names[2][2][2] = {
	    {{"memory.max", "memory.current"}, {"memory.swap.max", "memory.swap.current"}},
	    {{"memory.limit_in_bytes", "memory.usage_in_bytes"},
	     {"memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes"}},
	};
	for (int v = 0; v < 2; v++) {
		const char *const *n = names[v][swap];
		int r = read_mem_file(dir, n[0], ret_limit);
		if (r == -ENOENT)
			continue;
		if (r == 0)
			r = read_mem_file(dir, n[1], ret_usage);
		return r < 0 ? r : 2 - v;
	}
	return -ENOENT;
}

static uint64_t count_procs(const char *cgroup_v2)
{
	char path[4096];
	_cleanup_free_ char *buf = NULL;
	if (!cgroup_v2 ||
	    snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_v2) >= (int)sizeof(path) ||
	    read_file(path, 1 << 20, &buf, NULL) < 0)
		return 1;
	uint64_t n = 0;
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	return n ? n : 1;
}

static void fill_loads(struct sysinfo *si)
{
	_cleanup_free_ char *buf = NULL;
	double l[3];
	if (read_file("/proc/loadavg", 256, &buf, NULL) < 0 ||
	    sscanf(buf, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
		return;
	for (int i = 0; i < 3; i++)
		si->loads[i] = (unsigned long)(l[i] * (double)(1 << SI_LOAD_SHIFT));
}

static void fill_memory(const struct sentry *s, const struct sysinfo *host, struct sysinfo *si)
{
	uint64_t host_ram = (uint64_t)host->totalram * host->mem_unit;
	uint64_t host_swap = (uint64_t)host->totalswap * host->mem_unit;
	uint64_t limit, usage, swlimit, swusage;
	int v = s->cgroup_mem ? mem_limit(s->cgroup_mem, false, &limit, &usage) : -ENOENT;
	if (v < 0 || limit >= host_ram) {
		*si = *host; /* no limit, or one above the host's RAM */
		return;
	}
	si->mem_unit = 1;
	si->totalram = limit;
	si->freeram = usage < limit ? limit - usage : 0;
	if (mem_limit(s->cgroup_mem, true, &swlimit, &swusage) != v)
		return; /* no swap figures: report none */
	if (v == 1) {	/* memsw counts memory plus swap */
		swlimit = swlimit > limit ? swlimit - limit : 0;
		swusage = swusage > usage ? swusage - usage : 0;
	}
	if (swlimit > host_swap)
		swlimit = host_swap;
	si->totalswap = swlimit;
	si->freeswap = swusage < swlimit ? swlimit - swusage : 0;
}

#define SYSINFO_CACHE_NS 50000000ull /* 50 ms */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Memory, process count and loads: from the files, or from the cache while it is fresh. */
static void fill_figures(struct sentry *s, struct sysinfo *si)
{
	uint64_t now = monotonic_ns();
	if (s->si_cache && now - s->si_cache_ns < SYSINFO_CACHE_NS) {
		*si = *s->si_cache;
		return;
	}
	struct sysinfo host;
	memset(si, 0, sizeof(*si));
	if (sysinfo(&host) < 0)
		memset(&host, 0, sizeof(host));
	fill_memory(s, &host, si);
	si->procs = (unsigned short)count_procs(s->cgroup_v2);
	fill_loads(si);
	if (!s->si_cache)
		s->si_cache = malloc(sizeof(*si));
	if (s->si_cache) {
		*s->si_cache = *si;
		s->si_cache_ns = now;
	}
}

static void fill(struct sentry *s, struct sysinfo *si)
{
	struct timespec now;
	fill_figures(s, si);
	clock_gettime(CLOCK_BOOTTIME, &now);
	long up = now.tv_sec - s->boot_time.tv_sec - (now.tv_nsec < s->boot_time.tv_nsec);
	si->uptime = up > 0 ? up : 0;
}

int64_t sentry_handle_sysinfo(struct sentry_call *c)
{
	struct sysinfo si;
	c->action = SBX_ACT_EMULATE;
	fill(c->s, &si);
	return sentry_mem_write(c, c->req->data.args[0], &si, sizeof(si));
}
