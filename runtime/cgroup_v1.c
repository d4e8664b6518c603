/* Resource limits through the v1 controllers (v1 and hybrid hosts). */
#include "runtime/cgroup_internal.h"
#include "runtime/oci.h"

#include "lib/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

/* The controller's directory, or an error naming the file that could not be written. */
static int need(struct sbx_cgroup *cg, const char *controller, const char *file,
		const char **ret_dir, struct sbx_error *err)
{
	const struct cgroup_hier *h = cgroup_find_v1(cg, controller);
	if (h) {
		*ret_dir = h->path;
		return 0;
	}
	char root[64];
	snprintf(root, sizeof(root), "%s/%s", CGROUP_MOUNT, controller);
	return cgroup_err_missing(err, root, cg->name, file);
}

static int apply_memory(struct sbx_cgroup *cg, const struct oci_resources *res,
			struct sbx_error *err)
{
	const char *dir = NULL;
	if (res->memory_limit == 0 && res->memory_swap == 0)
		return 0;
	int r = need(cg, "memory", "memory.limit_in_bytes", &dir, err);
	if (r < 0)
		return r;
	if (res->memory_limit != 0) {
		r = cgroup_write_i64(dir, "memory.limit_in_bytes", res->memory_limit, err);
		if (r < 0)
			return r;
	}
	/* Without swap accounting there is no memsw file, and nothing to limit. */
	if (res->memory_swap != 0 && cgroup_file_exists(dir, "memory.memsw.limit_in_bytes"))
		return cgroup_write_i64(dir, "memory.memsw.limit_in_bytes", res->memory_swap, err);
	return 0;
}

static int apply_pids(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err)
{
	const char *dir = NULL;
	if (res->pids_limit == 0)
		return 0;
	int r = need(cg, "pids", "pids.max", &dir, err);
	if (r < 0)
		return r;
	if (res->pids_limit < 0)
		return cgroup_write(dir, "pids.max", "max", err);
	return cgroup_write_i64(dir, "pids.max", res->pids_limit, err);
}

static int apply_cpu(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err)
{
	const char *dir = NULL;
	if (res->cpu_shares == 0 && res->cpu_quota == 0 && res->cpu_period == 0)
		return 0;
	int r = need(cg, "cpu", res->cpu_shares ? "cpu.shares" : "cpu.cfs_quota_us", &dir, err);
	if (r < 0)
		return r;
	if (res->cpu_shares != 0)
		r = cgroup_write_u64(dir, "cpu.shares", res->cpu_shares, err);
	/* Period first: the kernel checks the quota against the period in place. */
	if (r == 0 && res->cpu_period != 0)
		r = cgroup_write_u64(dir, "cpu.cfs_period_us", res->cpu_period, err);
	/* v1 takes any negative quota as "no limit"; v2 rejects it. Reject it on both. */
	if (r == 0 && res->cpu_quota < -1)
		r = sbx_err(err, EINVAL, "%s/cpu.cfs_quota_us: invalid quota %" PRId64, dir,
			    res->cpu_quota);
	else if (r == 0 && res->cpu_quota != 0)
		r = cgroup_write_i64(dir, "cpu.cfs_quota_us", res->cpu_quota, err);
	return r;
}

/* Deny every device but the harmless ones /dev holds (runc's defaults, without tun): a node in
 * an image layer, or one the sentry made, cannot reach a host disk. Creating nodes ("m") stays
 * allowed; opening them is what the list decides. On v2 this is a cgroup/dev BPF program,
 * which the eBPF layer adds. */
static int apply_devices(struct sbx_cgroup *cg, struct sbx_error *err)
{
	static const char *const allow[] = {
	    "c *:* m",	 "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm",
	    "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
	};
	const struct cgroup_hier *h = cgroup_find_v1(cg, "devices");
	if (!h)
		return 0;
	int r = cgroup_write(h->path, "devices.deny", "a", err);
	for (size_t i = 0; r == 0 && i < sizeof(allow) / sizeof(allow[0]); i++)
		r = cgroup_write(h->path, "devices.allow", allow[i], err);
	return r;
}

int cgroup_v1_apply_limits(struct sbx_cgroup *cg, const struct oci_resources *res,
			   struct sbx_error *err)
{
	int r = apply_memory(cg, res, err);
	if (r == 0)
		r = apply_pids(cg, res, err);
	if (r == 0)
		r = apply_cpu(cg, res, err);
	return r;
}

int cgroup_v1_apply(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err)
{
	int r = apply_devices(cg, err);
	return r < 0 ? r : cgroup_v1_apply_limits(cg, res, err);
}
