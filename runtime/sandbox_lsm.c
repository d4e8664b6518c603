/* From the policy to the BPF-LSM layer (loader/lsm.c), and what happens without it. */
#include "runtime/sandbox_lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "lib/log.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "runtime/cgroup.h"
#include "runtime/lsm_objects.h"
#include "runtime/policy_cache.h"
#include "runtime/sandbox.h"

/* In the state root: this boot's id, then why the kernel refused the programs. */
#define REFUSED_FILE ".lsm-refused"

bool sandbox_lsm_needed(const struct sandbox_spec *spec)
{
	return (spec->policy_flags & POLICY_CACHE_EXEC) ||
	       ((spec->policy_flags >> POLICY_CACHE_REQUIRE_SHIFT) & POLICY_REQUIRE_LSM);
}

static int boot_id(char ret[64])
{
	_cleanup_free_ char *id = NULL;
	int r = read_file("/proc/sys/kernel/random/boot_id", 64, &id, NULL);

	if (r < 0)
		return r;
	snprintf(ret, 64, "%.*s", (int)strcspn(id, "\n"), id);
	return 0;
}

static bool refused_path(const struct sandbox_spec *spec, char *path, size_t len)
{
	return policy_cache_root_usable(spec->cache_root) &&
	       path_join(path, len, spec->cache_root, REFUSED_FILE) == 0;
}

/* Whether the kernel refused the programs earlier this boot; its reason in `why`. */
static bool refused_earlier(const struct sandbox_spec *spec, char *why, size_t len)
{
	char path[PATH_MAX], id[64];
	_cleanup_free_ char *text = NULL;
	size_t n;

	if (!refused_path(spec, path, sizeof(path)) || boot_id(id) < 0 ||
	    read_file(path, 4096, &text, NULL) < 0)
		return false;
	n = strlen(id);
	if (strncmp(text, id, n) != 0 || text[n] != '\n')
		return false;
	snprintf(why, len, "%.*s", (int)strcspn(text + n + 1, "\n"), text + n + 1);
	return true;
}

static void note_refusal(const struct sandbox_spec *spec, const char *why)
{
	char path[PATH_MAX], id[64], text[256];

	if (!refused_path(spec, path, sizeof(path)) || boot_id(id) < 0)
		return;
	snprintf(text, sizeof(text), "%s\n%s\n", id, why);
	write_file_atomic(path, text, strlen(text), 0644); /* best effort */
}

bool sandbox_lsm_wanted(const struct sandbox_spec *spec)
{
	char why[SBX_LSM_WHY_LEN];

	if (sandbox_lsm_needed(spec) || !refused_earlier(spec, why, sizeof(why)))
		return true;
	log_debug("BPF-LSM layer off: this host refused it earlier this boot (%s)", why);
	return false;
}

/* The layer is off: say so, and refuse when the policy needs it. */
static int off(const struct sandbox_spec *spec, int r, const char *why, struct sbx_error *err)
{
	if (spec->policy_flags & POLICY_CACHE_EXEC)
		return sbx_err(err, -r,
			       "BPF-LSM layer off (%s): the policy's sbx.exec.allow needs it", why);
	if (sandbox_lsm_needed(spec))
		return sbx_err(err, -r, "BPF-LSM layer off (%s): the policy's sbx.require names it",
			       why);
	log_warn("BPF-LSM layer off: %s; sandboxes run with the other layers (sbx check)", why);
	return 0;
}

int sandbox_lsm_attach(const struct sandbox_spec *spec, const struct sbx_cgroup *cg,
		       const struct lsm_objects *objs, struct sbx_lsm *ret, struct sbx_error *err)
{
	const char *dir = cg ? cgroup_v2_path(cg) : NULL;
	char why[SBX_LSM_WHY_LEN] = "";
	int r;

	if (!dir)
		return off(spec, -ENOENT, "the sandbox has no cgroup v2", err);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof(why), "open %s: %s", dir, strerror(errno));
		return off(spec, -errno, why, err);
	}
	struct sbx_lsm_policy p = {.cgroup_fd = fd,
				   .cgroup_id = cgroup_v2_id(cg),
				   .objects = objs->v,
				   .n_objects = objs->n,
				   .exec_allow = spec->exec_allow != NULL,
				   .egress = spec->net_egress};
	r = sbx_lsm_attach(&p, ret, why);
	if (r == 0)
		return 0;
	if (strstr(why, " at load"))
		note_refusal(spec, why);
	return off(spec, r, why, err);
}

int sandbox_lsm_hold(struct sbx_lsm *l, struct lsm_objects *objs)
{
	size_t n = 0;
	_cleanup_free_ int *fds = calloc(SBX_LSM_HOOK__MAX + objs->n, sizeof(int));

	if (!fds)
		return -ENOMEM;
	for (int i = 0; i < SBX_LSM_HOOK__MAX; i++)
		if (l->links[i] >= 0)
			fds[n++] = l->links[i];
	for (size_t i = 0; i < objs->n; i++)
		fds[n++] = objs->v[i].fd;
	int hold = fd_hold(fds, n);
	if (hold < 0)
		return hold;
	for (int i = 0; i < SBX_LSM_HOOK__MAX; i++) {
		if (l->links[i] >= 0)
			close(l->links[i]);
		l->links[i] = -1;
	}
	lsm_objects_close(objs);
	return hold;
}
