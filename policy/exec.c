/* "sbx": {"exec": {"allow": ["/usr/bin/python3", "/usr/lib/git-core", ...]}}: the files the
 * sandbox may execute, absolute container paths; a directory allows everything beneath it.
 * Only the BPF-LSM layer enforces it, so a policy with the list needs that layer. */
#include "policy/internal.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>

static const char *const exec_keys[] = {"allow", NULL};

int policy_exec_parse(struct sbx_policy *p, const json_t *v, const char *path,
		      const struct policy_src *src)
{
	char sub[512];
	json_t *allow;

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, exec_keys) < 0)
		return -EINVAL;
	allow = json_object_get(v, "allow");
	if (!allow || json_is_null(allow))
		return 0;
	snprintf(sub, sizeof(sub), "%s/allow", path);
	if (json_is_array(allow) && json_array_size(allow) > POLICY_EXEC_ALLOW_MAX)
		return policy_errf(src, false, sub, "more than %d paths", POLICY_EXEC_ALLOW_MAX);
	return policy_get_string_array(allow, sub, src, policy_check_path, &p->exec_allow);
}

const char *const *policy_exec_allow(const struct sbx_policy *p)
{
	return p ? (const char *const *)p->exec_allow : NULL;
}
