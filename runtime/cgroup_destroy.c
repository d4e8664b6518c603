/* Tearing a sandbox's cgroups down: kill, wait until empty, rmdir. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define WAIT_STEP_MS	10
#define DESTROY_WAIT_MS 2000
#define KEEPER_WAIT_MS	10000

static bool populated(const struct sbx_cgroup *cg)
{
	uint64_t v = 0;
	if (cg->v2.path && cgroup_read_key(cg->v2.path, "cgroup.events", "populated", &v) == 0 && v)
		return true;
	return cgroup_count_procs(cg) > 0;
}

static void wait_empty(const struct sbx_cgroup *cg, long max_ms)
{
	struct timespec step = {.tv_nsec = WAIT_STEP_MS * 1000000L};
	for (long ms = 0; ms < max_ms && populated(cg); ms += WAIT_STEP_MS)
		nanosleep(&step, NULL);
}

static int rmdir_one(const char *path, _unused_ void *data)
{
	return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The sandbox's directory, nested cgroups first. */
static int remove_leaf(const struct cgroup_hier *h, struct sbx_error *err)
{
	int r = cgroup_for_each_child(h->path, 0, rmdir_one, NULL);
	if (r == 0)
		r = rmdir_one(h->path, NULL);
	if (r < 0)
		return sbx_err_errno(err, r, "rmdir %s", h->path);
	return 0;
}

/* Parents sbx made (in this process, or marked by another), deepest first, while empty.
 * A parent another sandbox still uses fails rmdir with EBUSY or ENOTEMPTY: it stays. */
static void remove_parents(const struct cgroup_hier *h)
{
	char path[PATH_MAX], mark[4];
	size_t root_len = strlen(h->root);
	snprintf(path, sizeof(path), "%s", h->path);
	for (int depth = 1;; depth++) {
		char *slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) <= root_len)
			return;
		*slash = '\0';
		bool ours = depth <= h->parents_made ||
			    getxattr(path, CGROUP_CREATED_XATTR, mark, sizeof(mark)) > 0;
		if (!ours || (rmdir(path) < 0 && errno != ENOENT))
			return;
	}
}

/* The keeper's sibling cgroup (cgroup.h): its keeper leaves once the sandbox's cgroup is
 * empty, and is ended if it has not within a second; its exit may take longer (each BPF-LSM
 * detach waits for the kernel, ~130 ms in the TCG microVM). Before the sandbox's parents,
 * which it keeps busy. */
static void remove_keeper_dir(const struct sbx_cgroup *cg)
{
	char path[PATH_MAX], file[PATH_MAX + 16];
	struct timespec step = {.tv_nsec = WAIT_STEP_MS * 1000000L};
	uint64_t v = 1;
	if (cgroup_keeper_path(cg, path, sizeof(path)) < 0)
		return;
	for (long ms = 0; ms < KEEPER_WAIT_MS; ms += WAIT_STEP_MS) {
		if (cgroup_read_key(path, "cgroup.events", "populated", &v) < 0 || v == 0)
			break;
		if (ms == 1000) {
			snprintf(file, sizeof(file), "%s/cgroup.kill", path);
			write_file(file, "1");
		}
		nanosleep(&step, NULL);
	}
	rmdir(path);
}

int cgroup_remove_dirs(struct sbx_cgroup *cg, struct sbx_error *err)
{
	struct cgroup_hier *h[1 + CGROUP_MAX_V1];
	size_t nh = 0;
	int r = 0;
	remove_keeper_dir(cg);
	if (cg->v2.path)
		h[nh++] = &cg->v2;
	for (size_t i = 0; i < cg->n_v1; i++)
		h[nh++] = &cg->v1[i];
	for (size_t i = 0; i < nh; i++) {
		if (!h[i]->owned)
			continue;
		int q = remove_leaf(h[i], r < 0 ? NULL : err);
		if (q < 0 && r == 0)
			r = q;
		if (q == 0)
			remove_parents(h[i]);
	}
	return r;
}

int cgroup_destroy(struct sbx_cgroup *cg, struct sbx_error *err)
{
	if (!cg)
		return 0;
	if (populated(cg)) {
		cgroup_kill_all(cg, SIGKILL);
		wait_empty(cg, DESTROY_WAIT_MS);
	}
	int r = cgroup_remove_dirs(cg, err);
	if (r < 0 && err)
		return sbx_err_prefix(err, "destroy cgroup %s", cg->name);
	return r;
}
