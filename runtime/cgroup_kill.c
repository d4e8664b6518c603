/* Signalling every process of a sandbox. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#define FREEZE_WAIT_MS 1000

static int signal_listed(const struct sbx_cgroup *cg, int sig)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = cgroup_pids(cg, &pids, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			r = -errno;
	return r;
}

int cgroup_kill_all(const struct sbx_cgroup *cg, int sig)
{
	/* cgroup.kill takes the whole subtree at once, forks in flight included (frozen tasks
	 * too). Anything listed only in a v1 hierarchy is signalled after. */
	bool was_frozen = cgroup_frozen(cg) > 0;
	if (sig == SIGKILL && cg->v2.path && cgroup_file_exists(cg->v2.path, "cgroup.kill") &&
	    cgroup_write(cg->v2.path, "cgroup.kill", "1", NULL) == 0) {
		int r = cg->n_v1 ? signal_listed(cg, sig) : 0;
		if (was_frozen) /* a frozen v1 task dies only once thawed */
			cgroup_freeze(cg, false, 0, NULL);
		return r;
	}
	/* Frozen, nothing can fork between reading cgroup.procs and the signal. A paused
	 * sandbox stays paused, unless the signal is SIGKILL (which a frozen task cannot act on
	 * until it is thawed, as runc does). */
	int fz = was_frozen ? 0 : cgroup_freeze(cg, true, FREEZE_WAIT_MS, NULL);
	bool thaw = (!was_frozen && fz == 0) || (was_frozen && sig == SIGKILL);
	int r = signal_listed(cg, sig);
	if (thaw) {
		int q = cgroup_freeze(cg, false, 0, NULL);
		if (r == 0)
			r = q;
	}
	return r;
}
