/* Every process of a sandbox: the pids listed in any of its hierarchies, nested cgroups
 * included. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pid_set {
	pid_t *pids;
	size_t n, cap;
};

static int collect_pids(const char *dir, void *data)
{
	struct pid_set *set = data;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int r = cgroup_read_pids(dir, &pids, &n);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (set->n + n > set->cap) {
		size_t cap = set->n + n + 16;
		pid_t *np = realloc(set->pids, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		set->pids = np;
		set->cap = cap;
	}
	memcpy(set->pids + set->n, pids, n * sizeof(*pids));
	set->n += n;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static void sort_unique(struct pid_set *set)
{
	if (set->n > 1)
		qsort(set->pids, set->n, sizeof(pid_t), cmp_pid);
	size_t u = 0;
	for (size_t i = 0; i < set->n; i++)
		if (u == 0 || set->pids[u - 1] != set->pids[i])
			set->pids[u++] = set->pids[i];
	set->n = u;
}

int cgroup_pids(const struct sbx_cgroup *cg, pid_t **ret_pids, size_t *ret_n)
{
	const struct cgroup_hier *h[1 + CGROUP_MAX_V1];
	struct pid_set set = {0};
	size_t nh = 0;
	if (cg->v2.path)
		h[nh++] = &cg->v2;
	for (size_t i = 0; i < cg->n_v1; i++)
		h[nh++] = &cg->v1[i];
	for (size_t i = 0; i < nh; i++) {
		int r = collect_pids(h[i]->path, &set);
		if (r == 0)
			r = cgroup_for_each_child(h[i]->path, 0, collect_pids, &set);
		if (r < 0) {
			free(set.pids);
			return r;
		}
	}
	sort_unique(&set);
	*ret_pids = set.pids;
	*ret_n = set.n;
	return 0;
}
