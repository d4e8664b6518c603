/* Freezing a sandbox (pause, resume, and signalling without a race against fork): the v2
 * cgroup.freeze where the sandbox's v2 directory has it, else the v1 freezer controller.
 *
 * Only the container's processes are in these cgroups; the sentry and the gofer are not, so
 * they keep serving while the container is frozen (freezing them too could never complete: a
 * task waits for the sentry's answer before it can freeze). A container thread in a notified
 * syscall that the sentry has received waits killably (the filter has WAIT_KILLABLE_RECV), so
 * the freezer does not interrupt it: it freezes on its way back to user space, once the sentry
 * has answered. One whose notification the sentry has not yet received is woken, the
 * notification withdrawn, and the syscall restarts after the thaw. On a kernel without
 * WAIT_KILLABLE_RECV a received notification is interrupted too, and the sentry's answer is
 * lost (ENOENT): the syscall restarts and the sentry sees it again. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <limits.h>
#include <time.h>

#define WAIT_STEP_MS 10

struct freezer {
	const char *dir; /* NULL: this host cannot freeze the sandbox */
	bool v2;
};

static struct freezer freezer_of(const struct sbx_cgroup *cg)
{
	if (cg->v2.path && cgroup_file_exists(cg->v2.path, "cgroup.freeze"))
		return (struct freezer){cg->v2.path, true};
	const struct cgroup_hier *fz = cgroup_find_v1(cg, "freezer");
	return (struct freezer){fz ? fz->path : NULL, false};
}

/* 1 frozen, 0 not (or freezing), -errno. */
static int frozen_in(struct freezer f)
{
	if (f.v2) {
		uint64_t v = 0;
		int r = cgroup_read_key(f.dir, "cgroup.events", "frozen", &v);
		return r < 0 ? r : v == 1;
	}
	char path[PATH_MAX];
	_cleanup_free_ char *state = NULL;
	cgroup_file_path(f.dir, "freezer.state", path, sizeof(path));
	int r = read_file(path, 64, &state, NULL);
	return r < 0 ? r : str_has_prefix(state, "FROZEN");
}

int cgroup_frozen(const struct sbx_cgroup *cg)
{
	struct freezer f = freezer_of(cg);
	return f.dir ? frozen_in(f) : 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cgroup_freeze(const struct sbx_cgroup *cg, bool on, int wait_ms, struct sbx_error *err)
{
	struct freezer f = freezer_of(cg);
	if (!f.dir)
		return sbx_err(err, ENOTSUP,
			       "cgroup %s: no freezer (neither cgroup.freeze nor the v1 freezer "
			       "controller)",
			       cg->name);
	const char *file = f.v2 ? "cgroup.freeze" : "freezer.state";
	const char *value = f.v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED");
	int r = cgroup_write(f.dir, file, value, err);
	if (r < 0 || !on)
		return r;
	for (int ms = 0;; ms += WAIT_STEP_MS) {
		if ((r = frozen_in(f)) != 0)
			return r < 0 ? sbx_err_errno(err, -r, "read the freezer state of %s", f.dir)
				     : 0;
		if (ms >= wait_ms)
			break;
		sleep_ms(WAIT_STEP_MS);
		/* the v1 freezer may stay FREEZING while a task forks: writing again retries */
		if (!f.v2)
			cgroup_write(f.dir, file, value, NULL);
	}
	cgroup_write(f.dir, file, f.v2 ? "0" : "THAWED", NULL);
	return sbx_err(err, EBUSY,
		       "%s/%s: the container did not freeze within %d ms (a process in an "
		       "uninterruptible wait?); it was thawed again",
		       f.dir, file, wait_ms);
}

bool cgroup_name_frozen(const char *name)
{
	struct sbx_cgroup *cg = NULL;
	if (cgroup_open(name, &cg, NULL) < 0)
		return false;
	bool frozen = cgroup_frozen(cg) > 0;
	cgroup_free(cg);
	return frozen;
}
