/* loader/cgroup_bpf.h: the device rule table and sysctl keys the cgroup-BPF programs get. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <errno.h>
#include <string.h>

#include "loader/cgroup_bpf.h"

Test(cgroup_bpf, config_rules_first_then_defaults)
{
	struct sbx_dev_rule cfg[] = {
	    {.type = 'a', .major = SBX_DEV_ANY, .minor = SBX_DEV_ANY, .access = 7, .allow = 0},
	    {.type = 'b', .major = 7, .minor = SBX_DEV_ANY, .access = 6, .allow = 1},
	};
	struct sbx_dev_rule out[SBX_DEV_RULES_MAX];
	int n = sbx_dev_rules_build(cfg, 2, out, SBX_DEV_RULES_MAX);

	cr_assert(eq(int, n, 10)); /* two, then null zero full random urandom tty ptmx pts */
	cr_assert(eq(int, out[0].allow, 0));
	cr_assert(eq(u32, out[1].major, 7));
	cr_assert(eq(int, out[1].type, 'b'));
	/* the defaults come last, so a deny-all first cannot take /dev/null away */
	cr_assert(eq(int, out[2].type, 'c'));
	cr_assert(eq(u32, out[2].major, 1));
	cr_assert(eq(u32, out[2].minor, 3));
	cr_assert(eq(int, out[2].allow, 1));
	cr_assert(eq(u32, out[9].major, 136));
	cr_assert(eq(u32, out[9].minor, SBX_DEV_ANY));
	for (int i = 2; i < n; i++)
		cr_assert(eq(int, out[i].access, 7), "default rule %d is rwm", i);
}

Test(cgroup_bpf, no_config_rules_gives_defaults_only)
{
	struct sbx_dev_rule out[SBX_DEV_RULES_MAX];
	cr_assert(eq(int, sbx_dev_rules_build(NULL, 0, out, SBX_DEV_RULES_MAX), 8));
}

Test(cgroup_bpf, too_many_rules)
{
	struct sbx_dev_rule cfg[SBX_DEV_RULES_MAX] = {0};
	struct sbx_dev_rule out[SBX_DEV_RULES_MAX];
	cr_assert(eq(int, sbx_dev_rules_build(cfg, SBX_DEV_RULES_MAX - 8, out, SBX_DEV_RULES_MAX),
		     SBX_DEV_RULES_MAX));
	cr_assert(eq(int, sbx_dev_rules_build(cfg, SBX_DEV_RULES_MAX - 7, out, SBX_DEV_RULES_MAX),
		     -E2BIG));
}

Test(cgroup_bpf, sysctl_key)
{
	char key[SBX_SYSCTL_NAME_LEN];
	char longname[SBX_SYSCTL_NAME_LEN + 1];

	cr_assert(eq(int, sbx_sysctl_key("net.ipv4.ip_forward", key), 0));
	cr_assert(eq(str, key, "net/ipv4/ip_forward"));
	for (size_t i = strlen(key); i < sizeof(key); i++)
		cr_assert(eq(int, key[i], 0), "NUL-padded at %zu", i);
	cr_assert(eq(int, sbx_sysctl_key("", key), -EINVAL));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert(eq(int, sbx_sysctl_key(longname, key), -ENAMETOOLONG));
}
