/* "sbx": {"exec": {"allow": ["/usr/bin/python3", "/usr/lib/git-core", ...]}}: the files the
 * sandbox may execute, absolute container paths; a directory allows everything beneath it.
 * Only the BPF-LSM layer enforces it, so a policy with the list needs that layer. */
#include "policy/internal.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>

int policy_exec_parse(struct sbx_policy *p, const json_t *v, const char *path,
		      const struct policy_src *src)
{
	return policy_allow_list_parse(v, path, src, POLICY_EXEC_ALLOW_MAX, "paths",
				       policy_check_path, &p->exec_allow);
}

const char *const *policy_exec_allow(const struct sbx_policy *p)
{
	return p ? (const char *const *)p->exec_allow : NULL;
}
