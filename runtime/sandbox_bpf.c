/* From linux.resources.devices, sbx.sysctl and sbx.network to the cgroup-BPF policy, then
 * attach (loader/cgroup_bpf.c). */
#include "runtime/sandbox_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/log.h"
#include "policy/policy.h"
#include "runtime/policy_cache.h"
#include "runtime/cgroup.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"

static void to_rule(const struct oci_device_rule *d, struct sbx_dev_rule *ret)
{
	*ret = (struct sbx_dev_rule){
	    .type = (__u8)d->type,
	    .major = d->major < 0 ? SBX_DEV_ANY : (__u32)d->major,
	    .minor = d->minor < 0 ? SBX_DEV_ANY : (__u32)d->minor,
	    .access = (__u8)d->access,
	    .allow = d->allow,
	};
}

/* Without the layer the sandbox runs on (logged), unless its policy has sbx.network: only
 * this layer enforces it, so then it refuses to start (fail closed). */
static int attached_or_optional(const struct sandbox_spec *spec, int r)
{
	if (r >= 0)
		return 0;
	if (spec->net_egress.on || spec->net_bind.on) {
		log_error("cgroup-BPF layer off (%s): the policy's sbx.network needs it",
			  strerror(-r));
		return r;
	}
	if ((spec->policy_flags >> POLICY_CACHE_REQUIRE_SHIFT) & POLICY_REQUIRE_CGROUP_BPF) {
		log_error("cgroup-BPF layer off (%s): the policy's sbx.require names it",
			  strerror(-r));
		return r;
	}
	log_warn("cgroup-BPF layer off: %s", strerror(-r));
	return 0;
}

int sandbox_bpf_attach(const struct sandbox_spec *spec, const struct sbx_cgroup *cg,
		       struct sbx_cgroup_bpf *ret)
{
	const struct oci_config *c = spec->config;
	struct sbx_dev_rule rules[SBX_DEV_RULES_MAX];
	const struct oci_resources *rs = &c->resources;
	const char *dir = cg ? cgroup_v2_path(cg) : NULL;

	if (!dir) {
		log_debug("cgroup-BPF: the sandbox has no cgroup v2");
		return attached_or_optional(spec, -ENOENT);
	}
	if (rs->n_devices > SBX_DEV_RULES_MAX) {
		log_warn("cgroup-BPF: more than %d device rules", SBX_DEV_RULES_MAX);
		return attached_or_optional(spec, -E2BIG);
	}
	for (size_t i = 0; i < rs->n_devices; i++)
		to_rule(&rs->devices[i], &rules[i]);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("cgroup-BPF: open %s: %s", dir, strerror(errno));
		return attached_or_optional(spec, -errno);
	}
	struct sbx_cgroup_bpf_policy p = {.dev_rules = rules,
					  .n_dev_rules = rs->n_devices,
					  .sysctl_allow = (const char *const *)spec->sysctl_allow,
					  .egress = spec->net_egress,
					  .bind = spec->net_bind};
	return attached_or_optional(spec, sbx_cgroup_bpf_attach(&p, fd, ret));
}
