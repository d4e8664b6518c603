/* The limits of a linux.resources object: memory, cpu, pids. Values are kept as given; 0 (or
 * absent) means "not set", -1 "unlimited" for memory.limit, memory.swap, cpu.quota and
 * pids.limit; below -1 is an error. */
#include "runtime/oci_internal.h"

#include <stdint.h>

static int parse_memory(const struct oci_ctx *c, json_t *res, const char *base,
			struct oci_resources *rs)
{
	json_t *mem = NULL;
	char p[OCI_PATH_MAX];
	int r = oci_get_object(c, res, base, "memory", false, &mem);
	if (r < 0 || !mem)
		return r;
	oci_path_key(p, base, "memory");
	if ((r = oci_get_i64(c, mem, p, "limit", false, -1, INT64_MAX, &rs->memory_limit, NULL)) <
		0 ||
	    (r = oci_get_i64(c, mem, p, "swap", false, -1, INT64_MAX, &rs->memory_swap, NULL)) < 0)
		return r;
	return 0;
}

static int parse_cpu(const struct oci_ctx *c, json_t *res, const char *base,
		     struct oci_resources *rs)
{
	json_t *cpu = NULL;
	char p[OCI_PATH_MAX];
	int r = oci_get_object(c, res, base, "cpu", false, &cpu);
	if (r < 0 || !cpu)
		return r;
	oci_path_key(p, base, "cpu");
	if ((r = oci_get_u64(c, cpu, p, "shares", false, UINT64_MAX, &rs->cpu_shares, NULL)) < 0 ||
	    (r = oci_get_i64(c, cpu, p, "quota", false, -1, INT64_MAX, &rs->cpu_quota, NULL)) < 0 ||
	    (r = oci_get_u64(c, cpu, p, "period", false, UINT64_MAX, &rs->cpu_period, NULL)) < 0)
		return r;
	return 0;
}

int oci_parse_resource_limits(const struct oci_ctx *c, json_t *res, const char *base,
			      struct oci_resources *rs)
{
	json_t *pids = NULL;
	char p[OCI_PATH_MAX];
	int r;
	if ((r = parse_memory(c, res, base, rs)) < 0 || (r = parse_cpu(c, res, base, rs)) < 0)
		return r;
	r = oci_get_object(c, res, base, "pids", false, &pids);
	if (r < 0 || !pids)
		return r;
	oci_path_key(p, base, "pids");
	return oci_get_i64(c, pids, p, "limit", false, -1, INT64_MAX, &rs->pids_limit, NULL);
}

int oci_resources_parse(const char *text, size_t len, const char *name, struct oci_resources *ret,
			struct sbx_error *err)
{
	struct oci_ctx c = {.text = text, .len = len, .name = name, .err = err};
	struct oci_resources rs = {0};
	json_t *doc;
	int r = oci_json_load(&c, &doc);
	if (r < 0)
		return r;
	r = oci_parse_resource_limits(&c, doc, "", &rs);
	json_decref(doc);
	if (r < 0)
		return r;
	*ret = rs;
	return 0;
}
