/* The cgroup-BPF policy a hooked container gets: sbx.network and sbx.sysctl of its policy
 * file (or the built-in default), and the device rules of its config.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "policy/policy.h"
#include "tools/hook.h"

/* policy's rule layout to the loader's (the same fields). */
static int net_list(struct policy_net_list l, struct sbx_net_rule **ret_rules,
		    struct sbx_net_list *ret)
{
	struct sbx_net_rule *r = calloc(l.n + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < l.n; i++) {
		const struct policy_net_rule *p = &l.rules[i];
		r[i] = (struct sbx_net_rule){.family = p->family,
					     .prefix = p->prefix,
					     .port_lo = p->port_lo,
					     .port_hi = p->port_hi};
		memcpy(r[i].addr, p->addr, sizeof(r[i].addr));
	}
	*ret_rules = r;
	*ret = (struct sbx_net_list){.on = l.present, .rules = r, .n = l.n};
	return 0;
}

/* Layers only sbx as the runtime gives. */
static int require_check(const char *path, unsigned req, struct sbx_error *err)
{
	static const struct {
		unsigned bit;
		const char *name;
	} others[] = {{POLICY_REQUIRE_GOFER, "gofer"},
		      {POLICY_REQUIRE_LSM, "lsm"},
		      {POLICY_REQUIRE_LANDLOCK, "landlock"}};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (req & others[i].bit)
			return sbx_err(
			    err, ENOTSUP,
			    "%s: sbx.require names %s, which sbx-hook cannot give (it "
			    "adds the cgroup-BPF layer only; run the container with sbx)",
			    path[0] ? path : "the built-in policy", others[i].name);
	return 0;
}

int hook_layer_load(const struct hook_state *s, const char *path, struct hook_layer *ret,
		    struct sbx_error *err)
{
	*ret = (struct hook_layer){0};
	int r = path[0] ? policy_load_file(path, &ret->policy, err)
			: policy_load_default(&ret->policy, err);
	if (r == 0)
		r = require_check(path, policy_require(ret->policy), err);
	if (r < 0) {
		hook_layer_free(ret);
		return r;
	}
	ret->p = (struct sbx_cgroup_bpf_policy){
	    .dev_rules = s->devs,
	    .n_dev_rules = s->n_devs,
	    .sysctl_allow = policy_sysctl_allow(ret->policy),
	};
	if (net_list(policy_net_egress(ret->policy), &ret->egress, &ret->p.egress) < 0 ||
	    net_list(policy_net_bind(ret->policy), &ret->bind, &ret->p.bind) < 0) {
		hook_layer_free(ret);
		return sbx_err(err, ENOMEM, "out of memory");
	}
	ret->required = ret->p.egress.on || ret->p.bind.on ||
			(policy_require(ret->policy) & POLICY_REQUIRE_CGROUP_BPF);
	return 0;
}

void hook_layer_free(struct hook_layer *l)
{
	policy_free(l->policy);
	free(l->egress);
	free(l->bind);
	*l = (struct hook_layer){0};
}
