/* "sbx": {"sysctl": {"allow": ["net.ipv4.ip_forward", ...]}}: the sysctls the sandbox may write
 * (cgroup-BPF refuses every other sysctl write). Names are dotted; the loader turns them into
 * the kernel's "net/ipv4/ip_forward" (sbx_sysctl_key), so each must fit its map key. */
#include "policy/internal.h"
#include "bpf/cgroup.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Components of [A-Za-z0-9_-], separated by single dots. */
static bool name_wellformed(const char *s)
{
	bool empty = true;
	for (; *s; s++) {
		if (*s == '.') {
			if (empty)
				return false;
			empty = true;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '_' || *s == '-') {
			empty = false;
		} else {
			return false;
		}
	}
	return !empty;
}

static int check_name(const char *s, const char *path, const struct policy_src *src)
{
	if (s[0] == '\0')
		return policy_errf(src, false, path, "empty sysctl name");
	if (strlen(s) >= SBX_SYSCTL_NAME_LEN)
		return policy_errf(src, false, path, "sysctl name \"%s\" longer than %d bytes", s,
				   SBX_SYSCTL_NAME_LEN - 1);
	if (!name_wellformed(s))
		return policy_errf(src, false, path,
				   "bad sysctl name \"%s\", expected dotted components of letters, "
				   "digits, \"_\" and \"-\" (\"net.ipv4.ip_forward\")",
				   s);
	return 0;
}

int policy_sysctl_parse(struct sbx_policy *p, const json_t *v, const char *path,
			const struct policy_src *src)
{
	return policy_allow_list_parse(v, path, src, SBX_SYSCTL_ALLOW_MAX, "names", check_name,
				       &p->sysctl_allow);
}

static const char *const no_names[] = {NULL};

const char *const *policy_sysctl_allow(const struct sbx_policy *p)
{
	return p && p->sysctl_allow ? (const char *const *)p->sysctl_allow : no_names;
}
