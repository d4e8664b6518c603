/* sbx.network to the LPM tries of bpf/cgroup.bpf.c. */
#include "loader/cgroup_bpf.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "loader/internal.h"

/* Does the prefix of rule `r` contain address `a` (the first r->prefix bits match)? */
static bool contains(const struct sbx_net_rule *r, const __u8 *a)
{
	unsigned bytes = r->prefix / 8, rest = r->prefix % 8;

	if (memcmp(r->addr, a, bytes) != 0)
		return false;
	return rest == 0 || ((r->addr[bytes] ^ a[bytes]) & (0xff00 >> rest)) == 0;
}

static bool of_family(const struct sbx_net_rule *r, int family)
{
	return r->family == family || r->family == 0;
}

static int add_range(struct sbx_net_ports *p, __u16 lo, __u16 hi)
{
	for (__u32 i = 0; i < p->n; i++)
		if (p->lo[i] <= lo && hi <= p->hi[i])
			return 0; /* already covered */
	if (p->n == SBX_NET_PORTS_MAX)
		return -E2BIG;
	p->lo[p->n] = lo;
	p->hi[p->n] = hi;
	p->n++;
	return 0;
}

static int find_entry(const struct sbx_net_entry *e, size_t n, __u8 prefix, const __u8 *addr)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].prefix == prefix && memcmp(e[i].addr, addr, 16) == 0)
			return (int)i;
	return -1;
}

int sbx_net_entries(const struct sbx_net_rule *rules, size_t n, int family,
		    struct sbx_net_entry *ret, size_t cap)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		const struct sbx_net_rule *r = &rules[i];
		__u8 prefix = r->family ? r->prefix : 0;
		if (!of_family(r, family) || find_entry(ret, count, prefix, r->addr) >= 0)
			continue;
		if (count == cap)
			return -E2BIG;
		struct sbx_net_entry *e = &ret[count++];
		*e = (struct sbx_net_entry){.prefix = prefix};
		memcpy(e->addr, r->addr, 16);
		for (size_t j = 0; j < n; j++) {
			const struct sbx_net_rule *o = &rules[j];
			if (!of_family(o, family) || (o->family && o->prefix > prefix) ||
			    (o->family && !contains(o, e->addr)))
				continue;
			if (add_range(&e->ports, o->port_lo, o->port_hi) < 0)
				return -E2BIG;
		}
	}
	return (int)count;
}

static int fill_family(const struct sbx_net_list *l, int family, int map_fd)
{
	struct sbx_net_entry e[SBX_NET_RULES_MAX]; /* 14 KiB */
	int n = sbx_net_entries(l->rules, l->n, family, e, SBX_NET_RULES_MAX);

	for (int i = 0; i < n; i++) {
		/* key4 is key6's first 8 bytes: the IPv4 trie reads no further */
		struct sbx_net_key6 k = {.prefixlen = e[i].prefix};
		memcpy(k.addr, e[i].addr, family == 4 ? 4 : 16);
		if (bpf_map_update_elem(map_fd, &k, &e[i].ports, BPF_ANY) < 0)
			return -errno;
	}
	return n < 0 ? n : 0;
}

int sbx_net_fill(const struct sbx_net_list *l, int map4_fd, int map6_fd)
{
	int r = fill_family(l, 4, map4_fd);
	return r < 0 ? r : fill_family(l, 6, map6_fd);
}
