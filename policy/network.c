/* "sbx": {"network": {"egress": [{"cidr": ..., "ports": ...}], "bind": [...]}}: the address and
 * port allow-lists that cgroup-BPF enforces on connect/sendmsg and on bind. */
#include "policy/internal.h"
#include "lib/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_RULES_MAX 256 /* per list; the BPF maps hold no more */

static const char *const network_keys[] = {"egress", "bind", NULL};
static const char *const rule_keys[] = {"cidr", "ports", NULL};

/* Decimal digits only, at most 65535. */
static bool parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned long v = 0;
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*ret = (uint16_t)v;
	return true;
}

static int parse_ports(const char *s, const char *path, const struct policy_src *src,
		       struct policy_net_rule *r)
{
	const char *dash = strchr(s, '-');
	size_t len = strlen(s);
	bool ok = dash ? parse_port(s, (size_t)(dash - s), &r->port_lo) &&
			     parse_port(dash + 1, len - (size_t)(dash - s) - 1, &r->port_hi)
		       : parse_port(s, len, &r->port_lo);
	if (!dash)
		r->port_hi = r->port_lo;
	if (!ok)
		return policy_errf(src, false, path,
				   "bad port range \"%s\", expected a port (0-65535) or \"a-b\"",
				   s);
	if (r->port_lo > r->port_hi)
		return policy_errf(src, false, path,
				   "bad port range \"%s\": the first port is above the last", s);
	return 0;
}

/* Bits past the prefix must be zero: "10.1.0.0/8" is a typo more often than a wish. */
static bool host_bits_clear(const uint8_t *addr, unsigned prefix, unsigned bits)
{
	for (unsigned i = prefix; i < bits; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

static bool parse_prefix(const char *s, unsigned max, unsigned *ret)
{
	uint16_t v;
	if (!parse_port(s, strlen(s), &v) || v > max || (s[0] == '0' && s[1]))
		return false;
	*ret = v;
	return true;
}

static int parse_cidr(const char *s, const char *path, const struct policy_src *src,
		      struct policy_net_rule *r)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits, prefix;

	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, r->addr) == 1)
		r->family = 4, bits = 32;
	else if (inet_pton(AF_INET6, addr, r->addr) == 1)
		r->family = 6, bits = 128;
	else
		goto bad;
	prefix = bits;
	if (slash && !parse_prefix(slash + 1, bits, &prefix))
		goto bad;
	if (!host_bits_clear(r->addr, prefix, bits))
		return policy_errf(src, false, path,
				   "cidr \"%s\" has address bits set past the /%u prefix", s,
				   prefix);
	r->prefix = (uint8_t)prefix;
	return 0;
bad:
	return policy_errf(src, false, path,
			   "bad cidr \"%s\", expected an IPv4 or IPv6 address with an optional "
			   "/prefix",
			   s);
}

static int parse_rule(const json_t *v, const char *path, const struct policy_src *src,
		      bool need_cidr, struct policy_net_rule *r)
{
	char sub[640];
	const char *s;
	json_t *e;

	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, rule_keys) < 0)
		return -EINVAL;
	*r = (struct policy_net_rule){.port_hi = 65535};
	snprintf(sub, sizeof(sub), "%s/cidr", path);
	if ((e = json_object_get(v, "cidr"))) {
		if (policy_get_string(e, sub, src, &s) < 0 || parse_cidr(s, sub, src, r) < 0)
			return -EINVAL;
	} else if (need_cidr) {
		return policy_errf(src, false, path, "an egress rule needs a \"cidr\"");
	}
	snprintf(sub, sizeof(sub), "%s/ports", path);
	if ((e = json_object_get(v, "ports")) &&
	    (policy_get_string(e, sub, src, &s) < 0 || parse_ports(s, sub, src, r) < 0))
		return -EINVAL;
	return 0;
}

/* A list: absent leaves *ret_present false (unrestricted); [] allows nothing. */
static int parse_list(const json_t *net, const char *key, const char *path,
		      const struct policy_src *src, bool *ret_present, struct policy_net_rule **ret,
		      size_t *ret_n)
{
	char sub[512];
	json_t *v = json_object_get(net, key), *e;
	size_t i;

	snprintf(sub, sizeof(sub), "%s/%s", path, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return policy_type_err(src, sub, v, "an array of rules");
	if (json_array_size(v) > NET_RULES_MAX)
		return policy_errf(src, false, sub, "more than %d rules", NET_RULES_MAX);
	*ret = calloc(json_array_size(v) + 1, sizeof(**ret));
	if (!*ret)
		return sbx_err(src->err, ENOMEM, "%s: out of memory", src->name);
	json_array_foreach (v, i, e) {
		char epath[600];
		snprintf(epath, sizeof(epath), "%s/%zu", sub, i);
		if (parse_rule(e, epath, src, strcmp(key, "egress") == 0, &(*ret)[i]) < 0)
			return -EINVAL;
	}
	*ret_n = json_array_size(v);
	*ret_present = true;
	return 0;
}

int policy_network_parse(struct sbx_policy *p, const json_t *v, const char *path,
			 const struct policy_src *src)
{
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, network_keys) < 0)
		return -EINVAL;
	if (parse_list(v, "egress", path, src, &p->has_egress, &p->egress, &p->n_egress) < 0 ||
	    parse_list(v, "bind", path, src, &p->has_bind, &p->bind, &p->n_bind) < 0)
		return -EINVAL;
	return 0;
}

struct policy_net_list policy_net_egress(const struct sbx_policy *p)
{
	if (!p)
		return (struct policy_net_list){0};
	return (struct policy_net_list){p->has_egress, p->egress, p->n_egress};
}

struct policy_net_list policy_net_bind(const struct sbx_policy *p)
{
	if (!p)
		return (struct policy_net_list){0};
	return (struct policy_net_list){p->has_bind, p->bind, p->n_bind};
}
