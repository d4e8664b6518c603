/* sbx.require: a sandbox whose policy requires a layer this host (or this sbx) cannot give
 * does not start, and the error says why. Checked before anything is made. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <string.h>

#include "lib/error.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "runtime/policy_cache.h"

static int require_cgroup_bpf(struct sbx_error *err)
{
	struct sbx_features f;

	memset(&f, 0, sizeof(f));
	sbx_probe_cgroup(&f.cgroup);
	sbx_probe_cgroup_bpf(&f);
	if (!f.cgroup_bpf_attach.ok)
		return sbx_err(err, ENOTSUP,
			       "the policy requires the cgroup-BPF layer, which this host cannot "
			       "give: %s",
			       f.cgroup_bpf_attach.reason);
	return 0;
}

/* Where the probe passes, the monitor attaches the layer or the sandbox does not start. */
static int require_lsm(const char *why_needed, struct sbx_error *err)
{
	struct sbx_features f;

	memset(&f, 0, sizeof(f));
	sbx_probe_bpf_progs(&f);
	sbx_probe_lsm(&f);
	if (!f.bpf_lsm.ok)
		return sbx_err(err, ENOTSUP,
			       "%s the BPF-LSM layer, which this host refuses: %s (a microVM "
			       "sandbox has it in the guest: --isolation vm)",
			       why_needed, f.bpf_lsm.reason);
	return 0;
}

static int require_landlock(struct sbx_error *err)
{
	struct sbx_features f;

	memset(&f, 0, sizeof(f));
	sbx_probe_landlock(&f);
	if (!f.landlock.ok)
		return sbx_err(err, ENOTSUP,
			       "the policy requires the Landlock layer, which this host lacks: %s",
			       f.landlock.reason);
	return 0; /* the init builds the ruleset (runtime/landlock.c) and fails if it cannot */
}

/* A microVM sandbox has the guest kernel, with seccomp, Landlock and BPF-LSM in the guest
 * (sbx-agent builds them there and fails when the policy needs a layer the guest refuses), and
 * none of the host-side layers: a policy that needs one must not start rather than run without. */
static int vm_required(unsigned req, struct sbx_error *err)
{
	const char *what = (req & POLICY_REQUIRE_GOFER)	       ? "the gofer"
			   : (req & POLICY_REQUIRE_CGROUP_BPF) ? "the cgroup-BPF layer"
							       : NULL;
	if (what)
		return sbx_err(err, ENOTSUP,
			       "the policy requires %s, which a microVM sandbox does not have "
			       "(sbx-agent applies seccomp, Landlock and BPF-LSM in the guest, not "
			       "the host's layers)",
			       what);
	return 0;
}

int sandbox_check_required(const struct sandbox_spec *spec, struct sbx_error *err)
{
	unsigned req = spec->policy_flags >> POLICY_CACHE_REQUIRE_SHIFT;
	int r = 0;

	if (spec->vm)
		return vm_required(req, err);
	if ((req & POLICY_REQUIRE_GOFER) && !spec->gofer)
		return sbx_err(err, ENOTSUP,
			       "the policy requires the gofer, but this sandbox runs without it "
			       "(--no-gofer, or the annotation io.sbx.gofer: \"false\")");
	if (req & POLICY_REQUIRE_CGROUP_BPF)
		r = require_cgroup_bpf(err);
	if (r == 0 && (req & POLICY_REQUIRE_LSM))
		r = require_lsm("the policy requires", err);
	else if (r == 0 && (spec->policy_flags & POLICY_CACHE_EXEC))
		r = require_lsm("the policy's sbx.exec.allow needs", err);
	if (r == 0 && (req & POLICY_REQUIRE_LANDLOCK))
		r = require_landlock(err);
	return r;
}
