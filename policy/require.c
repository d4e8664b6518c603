/* "sbx": {"require": ["cgroup-bpf", "gofer", "lsm", "landlock"]}: layers without which the
 * sandbox must not start (by default a missing layer is logged and the others carry on). */
#include "policy/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned bit;
} layers[] = {
    {"cgroup-bpf", POLICY_REQUIRE_CGROUP_BPF},
    {"gofer", POLICY_REQUIRE_GOFER},
    {"lsm", POLICY_REQUIRE_LSM},
    {"landlock", POLICY_REQUIRE_LANDLOCK},
};

int policy_require_parse(struct sbx_policy *p, const json_t *v, const char *path,
			 const struct policy_src *src)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return policy_type_err(src, path, v, "an array of layer names");
	json_array_foreach ((json_t *)v, i, e) {
		char sub[300];
		const char *name = json_string_value(e);
		size_t k = 0;
		snprintf(sub, sizeof(sub), "%s/%zu", path, i);
		if (!name)
			return policy_type_err(src, sub, e, "a layer name");
		while (k < sizeof(layers) / sizeof(layers[0]) && strcmp(layers[k].name, name))
			k++;
		if (k == sizeof(layers) / sizeof(layers[0]))
			return policy_errf(
			    src, false, sub,
			    "unknown layer \"%s\", expected \"cgroup-bpf\", \"gofer\", "
			    "\"lsm\" or \"landlock\"",
			    name);
		p->require |= layers[k].bit;
	}
	return 0;
}

unsigned policy_require(const struct sbx_policy *p)
{
	return p ? p->require : 0;
}

bool policy_isolation_vm(const struct sbx_policy *p)
{
	return p && p->vm;
}
