/* The "linux" object of config.json: namespaces, id mappings, masked and read-only paths,
 * cgroup path and resources, seccomp and sysctl.
 *
 * Decisions:
 * - A namespace with "path" is kept as {type, path}: the runtime joins it (setns) instead of
 *   creating one. A type given twice is an error (the spec says so).
 * - "time" namespaces are refused as unsupported (with or without path): sbx does not write
 *   linux.timeOffsets, and silently ignoring the request would run the container unisolated.
 * - A user namespace that sbx creates (no path) needs uidMappings and gidMappings; mappings
 *   without a user namespace are an error (both as runc).
 * - resources: values are kept as given; 0 (or absent) means "not set", -1 means "unlimited"
 *   (write "max") for memory.limit, memory.swap, cpu.quota and pids.limit; below -1 is an
 *   error. */
#include "runtime/oci_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int parse_namespace(const struct oci_ctx *c, json_t *v, const char *item,
			   const struct oci_namespace *seen, size_t n_seen,
			   struct oci_namespace *ns)
{
	const char *type;
	char sub[OCI_PATH_MAX];

	if (!json_is_object(v))
		return oci_err_type(c, item, "object", v);
	int r = oci_get_string(c, v, item, "type", true, &type);
	if (r < 0)
		return r;
	oci_path_key(sub, item, "type");
	ns->type = oci_ns_from_name(type);
	if (ns->type < 0)
		return oci_err_at(c, sub, "unknown namespace type \"%s\"", type);
	if (ns->type == CLONE_NEWTIME)
		return oci_err_at(c, sub, "namespace type \"time\" is not supported by sbx");
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].type == ns->type)
			return oci_err_at(c, sub, "duplicate namespace type \"%s\"", type);
	r = oci_dup_string(c, v, item, "path", false, &ns->path);
	if (r < 0 || !ns->path)
		return r;
	oci_path_key(sub, item, "path");
	return oci_check_absolute(c, sub, ns->path);
}

static int parse_namespaces(const struct oci_ctx *c, json_t *lx, struct oci_config *cfg)
{
	json_t *arr = NULL, *v;
	char item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, lx, "linux", "namespaces", false, "array of objects", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	cfg->namespaces = calloc(json_array_size(arr), sizeof(*cfg->namespaces));
	if (!cfg->namespaces)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		oci_path_index(item, "linux/namespaces", i);
		r = parse_namespace(c, v, item, cfg->namespaces, i, &cfg->namespaces[i]);
		cfg->n_namespaces = i + 1; /* so that oci_config_free frees the path */
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_idmap(const struct oci_ctx *c, json_t *v, const char *item, struct oci_idmap *m)
{
	uint64_t cid, hid, size;
	int r;

	if (!json_is_object(v))
		return oci_err_type(c, item, "object", v);
	if ((r = oci_get_u64(c, v, item, "containerID", true, UINT32_MAX, &cid, NULL)) < 0 ||
	    (r = oci_get_u64(c, v, item, "hostID", true, UINT32_MAX, &hid, NULL)) < 0 ||
	    (r = oci_get_u64(c, v, item, "size", true, UINT32_MAX, &size, NULL)) < 0)
		return r;
	if (size == 0 || cid + size > UINT64_C(1) << 32 || hid + size > UINT64_C(1) << 32)
		return oci_err_at(c, item,
				  "mapping of %" PRIu64 " ids from %" PRIu64 " to %" PRIu64
				  " is empty or beyond 2^32",
				  size, cid, hid);
	*m = (struct oci_idmap){(uint32_t)cid, (uint32_t)hid, (uint32_t)size};
	return 0;
}

static int parse_idmaps(const struct oci_ctx *c, json_t *lx, const char *key,
			struct oci_idmap **ret, size_t *ret_n)
{
	json_t *arr = NULL, *v;
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, lx, "linux", key, false, "array of objects", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	oci_path_key(sub, "linux", key);
	_cleanup_free_ struct oci_idmap *maps = calloc(json_array_size(arr), sizeof(*maps));
	if (!maps)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		oci_path_index(item, sub, i);
		r = parse_idmap(c, v, item, &maps[i]);
		if (r < 0)
			return r;
	}
	*ret_n = json_array_size(arr);
	*ret = TAKE_PTR(maps);
	return 0;
}

static int parse_abs_paths(const struct oci_ctx *c, json_t *lx, const char *key, char ***ret)
{
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t n;

	int r = oci_get_strv(c, lx, "linux", key, false, ret, &n);
	if (r < 0)
		return r;
	oci_path_key(sub, "linux", key);
	for (size_t i = 0; i < n; i++) {
		oci_path_index(item, sub, i);
		r = oci_check_absolute(c, item, (*ret)[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A user namespace we create must come with mappings; mappings need a user namespace. */
static int check_userns(const struct oci_ctx *c, struct oci_config *cfg)
{
	const struct oci_namespace *user = NULL;
	for (size_t i = 0; i < cfg->n_namespaces; i++)
		if (cfg->namespaces[i].type == CLONE_NEWUSER)
			user = &cfg->namespaces[i];
	bool mapped = cfg->n_uid_mappings || cfg->n_gid_mappings;
	if (!user && mapped)
		return oci_err_at(c, "linux",
				  "uidMappings/gidMappings given without a user namespace");
	if (user && !user->path && (!cfg->n_uid_mappings || !cfg->n_gid_mappings))
		return oci_err_at(c, "linux",
				  "a new user namespace needs both uidMappings and gidMappings");
	return 0;
}

static int parse_resources(const struct oci_ctx *c, json_t *lx, struct oci_resources *rs)
{
	json_t *res = NULL;
	int r = oci_get_object(c, lx, "linux", "resources", false, &res);
	if (r < 0 || !res)
		return r;
	if ((r = oci_parse_resource_limits(c, res, "linux/resources", rs)) < 0)
		return r;
	return oci_parse_devices(c, res, rs);
}

int oci_parse_linux(const struct oci_ctx *c, json_t *doc, struct oci_config *cfg)
{
	json_t *lx = NULL;
	int r = oci_get_object(c, doc, "", "linux", false, &lx);
	if (r < 0)
		return r;
	if (!lx) {
		/* keep the vectors non-NULL, as documented */
		if (!(cfg->masked_paths = calloc(1, sizeof(char *))) ||
		    !(cfg->readonly_paths = calloc(1, sizeof(char *))))
			return sbx_err(c->err, ENOMEM, "out of memory");
		return 0;
	}
	if ((r = parse_namespaces(c, lx, cfg)) < 0 ||
	    (r = parse_idmaps(c, lx, "uidMappings", &cfg->uid_mappings, &cfg->n_uid_mappings)) <
		0 ||
	    (r = parse_idmaps(c, lx, "gidMappings", &cfg->gid_mappings, &cfg->n_gid_mappings)) <
		0 ||
	    (r = check_userns(c, cfg)) < 0 ||
	    (r = parse_abs_paths(c, lx, "maskedPaths", &cfg->masked_paths)) < 0 ||
	    (r = parse_abs_paths(c, lx, "readonlyPaths", &cfg->readonly_paths)) < 0 ||
	    (r = oci_dup_string(c, lx, "linux", "cgroupsPath", false, &cfg->cgroups_path)) < 0 ||
	    (r = parse_resources(c, lx, &cfg->resources)) < 0 ||
	    (r = oci_get_object(c, lx, "linux", "seccomp", false, &cfg->seccomp)) < 0 ||
	    (r = oci_get_string_map(c, lx, "linux", "sysctl", &cfg->sysctl)) < 0)
		return r;
	return 0;
}
