/* Resource limits through cgroup v2 (pure v2 hosts; the hybrid v2 tree has no controllers). */
#include "runtime/cgroup_internal.h"
#include "runtime/oci.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define CPU_PERIOD_DEFAULT 100000

/* runc's and crun's long-standing linear map of cpu.shares [2, 262144] to cpu.weight
 * [1, 10000]. */
uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* Enable controller in dir's cgroup.subtree_control, so dir's children have its files. */
static int enable_in(const char *dir, const char *controller, const char *limit_file,
		     struct sbx_error *err)
{
	char path[PATH_MAX], op[32];
	_cleanup_free_ char *avail = NULL;
	cgroup_file_path(dir, "cgroup.controllers", path, sizeof(path));
	int r = read_file(path, 4096, &avail, NULL);
	if (r < 0)
		return sbx_err_errno(err, r, "read %s", path);
	if (!has_word(avail, controller))
		return sbx_err(err, ENOTSUP,
			       "%s: controller '%s' not available in %s (cgroup.controllers: %s)",
			       limit_file, controller, dir, strtok(avail, "\n") ?: "none");
	snprintf(op, sizeof(op), "+%s", controller);
	return cgroup_write(dir, "cgroup.subtree_control", op, err);
}

/* Every ancestor of the sandbox's v2 directory, root first. Controllers a limit needs must be
 * enabled; the others are enabled where possible, for memory.events and cpu.stat. */
int cgroup_v2_enable_controllers(struct sbx_cgroup *cg, const struct oci_resources *res,
				 struct sbx_error *err)
{
	static const char *const ctrl[] = {"memory", "pids", "cpu"};
	static const char *const file[] = {"memory.max", "pids.max", "cpu.max"};
	bool needed[] = {
	    res && (res->memory_limit || res->memory_swap),
	    res && res->pids_limit,
	    res && (res->cpu_shares || res->cpu_quota || res->cpu_period),
	};
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", cg->v2.root);
	for (const char *p = cg->name;;) {
		for (size_t i = 0; i < ARRAY_SIZE(ctrl); i++) {
			char limit[PATH_MAX];
			snprintf(limit, sizeof(limit), "%s/%s", cg->v2.path, file[i]);
			struct sbx_error e = {0};
			int r = enable_in(dir, ctrl[i], limit, &e);
			if (r < 0 && needed[i])
				return sbx_err(err, r, "%s", e.msg);
		}
		size_t n = strcspn(p, "/");
		if (!p[n])
			return 0; /* p is the sandbox's own directory */
		size_t len = strlen(dir);
		snprintf(dir + len, sizeof(dir) - len, "/%.*s", (int)n, p);
		p += n + 1;
	}
}

static int apply_memory(const char *dir, const struct oci_resources *res, struct sbx_error *err)
{
	int r = 0;
	if (res->memory_limit > 0)
		r = cgroup_write_i64(dir, "memory.max", res->memory_limit, err);
	else if (res->memory_limit < 0)
		r = cgroup_write(dir, "memory.max", "max", err);
	if (r < 0 || res->memory_swap == 0 || !cgroup_file_exists(dir, "memory.swap.max"))
		return r;
	if (res->memory_swap < 0)
		return cgroup_write(dir, "memory.swap.max", "max", err);
	/* OCI's swap is memory+swap (v1 memsw); v2 limits swap alone. */
	if (res->memory_limit <= 0 || res->memory_swap < res->memory_limit)
		return sbx_err(err, EINVAL,
			       "%s/memory.swap.max: memory.swap (%" PRId64
			       ") must be at least memory.limit (%" PRId64 ")",
			       dir, res->memory_swap, res->memory_limit);
	return cgroup_write_i64(dir, "memory.swap.max", res->memory_swap - res->memory_limit, err);
}

static int apply_cpu(const char *dir, const struct oci_resources *res, struct sbx_error *err)
{
	int r = 0;
	if (res->cpu_shares != 0)
		r = cgroup_write_u64(dir, "cpu.weight", cgroup_shares_to_weight(res->cpu_shares),
				     err);
	if (r < 0 || (res->cpu_quota == 0 && res->cpu_period == 0))
		return r;
	char buf[64];
	uint64_t period = res->cpu_period ? res->cpu_period : CPU_PERIOD_DEFAULT;
	if (res->cpu_quota == 0 || res->cpu_quota == -1)
		snprintf(buf, sizeof(buf), "max %" PRIu64, period);
	else /* other negative quotas are the kernel's to reject */
		snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, res->cpu_quota, period);
	return cgroup_write(dir, "cpu.max", buf, err);
}

int cgroup_v2_apply(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err)
{
	const char *dir = cg->v2.path;
	int r = apply_memory(dir, res, err);
	if (r == 0 && res->pids_limit > 0)
		r = cgroup_write_i64(dir, "pids.max", res->pids_limit, err);
	else if (r == 0 && res->pids_limit < 0)
		r = cgroup_write(dir, "pids.max", "max", err);
	if (r == 0)
		r = apply_cpu(dir, res, err);
	return r;
}
