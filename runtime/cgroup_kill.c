/* Signalling every process of a sandbox. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_STEP_MS   10
#define FREEZE_WAIT_MS 1000

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

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

/* Every pid in every hierarchy of the sandbox, nested cgroups included, each once. */
static int sandbox_pids(const struct sbx_cgroup *cg, struct pid_set *set)
{
	const struct cgroup_hier *h[1 + CGROUP_MAX_V1];
	size_t nh = 0;
	if (cg->v2.path)
		h[nh++] = &cg->v2;
	for (size_t i = 0; i < cg->n_v1; i++)
		h[nh++] = &cg->v1[i];
	for (size_t i = 0; i < nh; i++) {
		int r = collect_pids(h[i]->path, set);
		if (r == 0)
			r = cgroup_for_each_child(h[i]->path, 0, collect_pids, set);
		if (r < 0)
			return r;
	}
	if (set->n > 1)
		qsort(set->pids, set->n, sizeof(pid_t), cmp_pid);
	size_t u = 0;
	for (size_t i = 0; i < set->n; i++)
		if (u == 0 || set->pids[u - 1] != set->pids[i])
			set->pids[u++] = set->pids[i];
	set->n = u;
	return 0;
}

static int signal_listed(const struct sbx_cgroup *cg, int sig)
{
	struct pid_set set = {0};
	int r = sandbox_pids(cg, &set);
	for (size_t i = 0; r == 0 && i < set.n; i++)
		if (kill(set.pids[i], sig) < 0 && errno != ESRCH)
			r = -errno;
	free(set.pids);
	return r;
}

static bool frozen(const struct sbx_cgroup *cg, const char *v1_dir)
{
	if (!v1_dir) {
		uint64_t v = 0;
		return cgroup_read_key(cg->v2.path, "cgroup.events", "frozen", &v) == 0 && v == 1;
	}
	char path[PATH_MAX];
	_cleanup_free_ char *state = NULL;
	cgroup_file_path(v1_dir, "freezer.state", path, sizeof(path));
	return read_file(path, 64, &state, NULL) == 0 && str_has_prefix(state, "FROZEN");
}

/* Freeze with v2 cgroup.freeze, else the v1 freezer. Returns 1 if frozen, 0 if this host
 * cannot freeze (the signals are then sent to running processes), or -errno. */
static int freeze(const struct sbx_cgroup *cg, bool on)
{
	const struct cgroup_hier *fz = cgroup_find_v1(cg, "freezer");
	bool v2 = cg->v2.path && cgroup_file_exists(cg->v2.path, "cgroup.freeze");
	const char *v1_dir = v2 ? NULL : fz ? fz->path : NULL;
	int r;
	if (v2)
		r = cgroup_write(cg->v2.path, "cgroup.freeze", on ? "1" : "0", NULL);
	else if (v1_dir)
		r = cgroup_write(v1_dir, "freezer.state", on ? "FROZEN" : "THAWED", NULL);
	else
		return 0;
	if (r < 0 || !on)
		return r;
	for (int ms = 0; ms < FREEZE_WAIT_MS && !frozen(cg, v1_dir); ms += WAIT_STEP_MS)
		sleep_ms(WAIT_STEP_MS);
	return 1;
}

int cgroup_kill_all(const struct sbx_cgroup *cg, int sig)
{
	/* cgroup.kill takes the whole subtree at once, forks in flight included. Anything listed
	 * only in a v1 hierarchy is signalled after. */
	if (sig == SIGKILL && cg->v2.path && cgroup_file_exists(cg->v2.path, "cgroup.kill") &&
	    cgroup_write(cg->v2.path, "cgroup.kill", "1", NULL) == 0)
		return cg->n_v1 ? signal_listed(cg, sig) : 0;
	/* Frozen, nothing can fork between reading cgroup.procs and the signal. */
	int fz = freeze(cg, true);
	int r = signal_listed(cg, sig);
	if (fz > 0) {
		int q = freeze(cg, false);
		if (r == 0)
			r = q;
	}
	return r < 0 ? r : fz < 0 ? fz : 0;
}
