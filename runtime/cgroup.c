/* An existing sandbox's cgroups: open, enter, inspect, free. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void hier_clear(struct cgroup_hier *h)
{
	free(h->root);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

void cgroup_free(struct sbx_cgroup *cg)
{
	if (!cg)
		return;
	hier_clear(&cg->v2);
	for (size_t i = 0; i < cg->n_v1; i++)
		hier_clear(&cg->v1[i]);
	free(cg->name);
	free(cg);
}

/* Keep only the hierarchies where the sandbox's directory exists. */
static void keep_existing(struct sbx_cgroup *cg)
{
	struct stat st;
	if (cg->v2.path && stat(cg->v2.path, &st) == 0) {
		cg->v2.owned = true;
		cg->v2_id = st.st_ino;
	} else {
		hier_clear(&cg->v2);
	}
	size_t n = 0;
	for (size_t i = 0; i < cg->n_v1; i++) {
		if (stat(cg->v1[i].path, &st) == 0) {
			cg->v1[i].owned = true;
			cg->v1[n++] = cg->v1[i];
		} else {
			hier_clear(&cg->v1[i]);
		}
	}
	for (size_t i = n; i < cg->n_v1; i++)
		memset(&cg->v1[i], 0, sizeof(cg->v1[i]));
	cg->n_v1 = n;
}

int cgroup_open(const char *name, struct sbx_cgroup **ret, struct sbx_error *err)
{
	struct sbx_cgroup *cg = NULL;
	int r = cgroup_new(name, &cg, err);
	if (r < 0)
		return err ? sbx_err_prefix(err, "open cgroup") : r;
	keep_existing(cg);
	if (!cg->v2.path && cg->n_v1 == 0) {
		cgroup_free(cg);
		return sbx_err(err, ENOENT, "open cgroup %s: no such cgroup", name);
	}
	*ret = cg;
	return 0;
}

int cgroup_enter(const struct sbx_cgroup *cg, pid_t pid, struct sbx_error *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_v1; i++) {
		int r = cgroup_write(cg->v1[i].path, "cgroup.procs", buf, err);
		if (r < 0)
			return err ? sbx_err_prefix(err, "enter cgroup") : r;
	}
	if (cg->v2.path) {
		int r = cgroup_write(cg->v2.path, "cgroup.procs", buf, err);
		if (r < 0)
			return err ? sbx_err_prefix(err, "enter cgroup") : r;
	}
	return 0;
}

const char *cgroup_v2_path(const struct sbx_cgroup *cg)
{
	return cg->v2.path;
}

int cgroup_keeper_path(const struct sbx_cgroup *cg, char *buf, size_t len)
{
	if (!cg->v2.path)
		return -ENOENT;
	return (size_t)snprintf(buf, len, "%s:keeper", cg->v2.path) < len ? 0 : -ENAMETOOLONG;
}

uint64_t cgroup_v2_id(const struct sbx_cgroup *cg)
{
	return cg->v2_id;
}

const char *cgroup_memory_path(const struct sbx_cgroup *cg)
{
	if (cg->layout == CGROUP_V2)
		return cg->v2.path;
	const struct cgroup_hier *h = cgroup_find_v1(cg, "memory");
	return h ? h->path : NULL;
}

static int count_in(const char *dir)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int r = cgroup_read_pids(dir, &pids, &n);
	return r < 0 ? r : (int)n;
}

int cgroup_count_procs(const struct sbx_cgroup *cg)
{
	int max = cg->v2.path ? count_in(cg->v2.path) : -ENOENT;
	for (size_t i = 0; i < cg->n_v1; i++) {
		int n = count_in(cg->v1[i].path);
		if (n > max)
			max = n;
	}
	return max;
}

bool cgroup_oom_killed(const struct sbx_cgroup *cg)
{
	const char *dir = cgroup_memory_path(cg);
	uint64_t n = 0;
	if (!dir)
		return false;
	const char *file = cg->layout == CGROUP_V2 ? "memory.events" : "memory.oom_control";
	return cgroup_read_key(dir, file, "oom_kill", &n) == 0 && n > 0;
}
