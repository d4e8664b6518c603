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

static struct sbx_net_rule rule4(__u8 a, __u8 b, __u8 c, __u8 d, __u8 prefix, __u16 lo, __u16 hi)
{
	struct sbx_net_rule r = {.family = 4, .prefix = prefix, .port_lo = lo, .port_hi = hi};
	r.addr[0] = a, r.addr[1] = b, r.addr[2] = c, r.addr[3] = d;
	return r;
}

/* The longest match decides alone in the trie, so a /16 inside a /8 carries the /8's ports. */
Test(cgroup_bpf, net_entries_fold_shorter_prefixes_in)
{
	struct sbx_net_rule rules[] = {
	    rule4(10, 0, 0, 0, 8, 0, 65535),
	    rule4(10, 1, 0, 0, 16, 80, 80),
	    rule4(127, 0, 0, 1, 32, 1, 100),
	    {.family = 6, .prefix = 128, .addr = {[15] = 1}, .port_lo = 22, .port_hi = 22},
	};
	struct sbx_net_entry e[8];
	int n = sbx_net_entries(rules, 4, 4, e, 8);

	cr_assert(eq(int, n, 3));
	cr_assert(eq(u8, e[0].prefix, 8));
	cr_assert(eq(u32, e[0].ports.n, 1));
	cr_assert(eq(u8, e[1].prefix, 16));
	cr_assert(eq(u32, e[1].ports.n, 1), "80 lies in the /8's 0-65535: not added again");
	cr_assert(eq(u16, e[1].ports.hi[0], 65535));
	cr_assert(eq(u8, e[2].prefix, 32));
	cr_assert(eq(u32, e[2].ports.n, 1));
	cr_assert(eq(u16, e[2].ports.lo[0], 1));
	cr_assert(eq(u16, e[2].ports.hi[0], 100));

	n = sbx_net_entries(rules, 4, 6, e, 8);
	cr_assert(eq(int, n, 1));
	cr_assert(eq(u8, e[0].prefix, 128));
	cr_assert(eq(u16, e[0].ports.lo[0], 22));
}

Test(cgroup_bpf, net_entries_any_address_and_limits)
{
	struct sbx_net_rule rules[SBX_NET_PORTS_MAX + 2] = {
	    {.family = 0, .port_lo = 8080, .port_hi = 8080},
	    rule4(127, 0, 0, 1, 32, 9000, 9000),
	};
	struct sbx_net_entry e[SBX_NET_PORTS_MAX + 2];

	cr_assert(eq(int, sbx_net_entries(rules, 2, 4, e, 4), 2));
	cr_assert(eq(u8, e[0].prefix, 0), "no cidr: 0.0.0.0/0");
	cr_assert(eq(u32, e[1].ports.n, 2), "127.0.0.1 gets 9000 and the any-address 8080");
	cr_assert(eq(int, sbx_net_entries(rules, 2, 6, e, 4), 1), "and ::/0");
	cr_assert(eq(int, sbx_net_entries(rules, 2, 4, e, 1), -E2BIG));

	for (int i = 0; i < SBX_NET_PORTS_MAX + 1; i++)
		rules[i] = rule4(10, 0, 0, 0, 8, (__u16)(i * 10), (__u16)(i * 10));
	cr_assert(eq(int, sbx_net_entries(rules, SBX_NET_PORTS_MAX + 1, 4, e, 4), -E2BIG));
}
