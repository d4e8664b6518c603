/* linux.resources.devices: the device allow-list, as runc and crun read it. Each entry is
 * {"allow": bool, "type": "a"|"b"|"c", "major": N, "minor": N, "access": "rwm"}; only
 * "allow" is required. Errors name the entry: "config.json:12:7: linux.resources.devices[1]
 * .access: ...". */
#include "runtime/oci_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"

static int parse_type(const struct oci_ctx *c, json_t *v, const char *item, char *ret)
{
	const char *s = NULL;
	char path[OCI_PATH_MAX];
	int r = oci_get_string(c, v, item, "type", false, &s);

	if (r < 0 || !s)
		return r;
	oci_path_key(path, item, "type");
	if (strlen(s) != 1 || !strchr("abc", s[0]))
		return oci_err_at(c, path, "device type '%s': expected \"a\", \"b\" or \"c\"", s);
	*ret = s[0];
	return 0;
}

static int parse_access(const struct oci_ctx *c, json_t *v, const char *item, unsigned *ret)
{
	const char *s = NULL;
	char path[OCI_PATH_MAX];
	int r = oci_get_string(c, v, item, "access", false, &s);

	if (r < 0 || !s)
		return r;
	oci_path_key(path, item, "access");
	*ret = 0;
	for (const char *p = s; *p; p++) {
		const char *at = strchr("mrw", *p);
		if (!at)
			return oci_err_at(c, path, "device access '%s': only r, w and m", s);
		*ret |= 1u << (at - "mrw");
	}
	return 0;
}

static int parse_rule(const struct oci_ctx *c, json_t *v, const char *item,
		      struct oci_device_rule *d)
{
	int r;

	*d = (struct oci_device_rule){.type = 'a', .major = -1, .minor = -1, .access = 7};
	if (!json_is_object(v))
		return oci_err_type(c, item, "object", v);
	if ((r = oci_get_bool(c, v, item, "allow", &d->allow)) < 0)
		return r;
	if (!json_is_boolean(json_object_get(v, "allow")))
		return oci_err_missing(c, item, "allow");
	if ((r = parse_type(c, v, item, &d->type)) < 0 ||
	    (r = oci_get_i64(c, v, item, "major", false, -1, UINT32_MAX - 1, &d->major, NULL)) <
		0 ||
	    (r = oci_get_i64(c, v, item, "minor", false, -1, UINT32_MAX - 1, &d->minor, NULL)) <
		0 ||
	    (r = parse_access(c, v, item, &d->access)) < 0)
		return r;
	return 0;
}

int oci_parse_devices(const struct oci_ctx *c, json_t *res, struct oci_resources *rs)
{
	const char *parent = "linux/resources";
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	json_t *arr = NULL, *v;
	size_t i;

	int r = oci_get_array(c, res, parent, "devices", false, "array of objects", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	oci_path_key(sub, parent, "devices");
	_cleanup_free_ struct oci_device_rule *d = calloc(json_array_size(arr), sizeof(*d));
	if (!d)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		oci_path_index(item, sub, i);
		if ((r = parse_rule(c, v, item, &d[i])) < 0)
			return r;
	}
	rs->n_devices = json_array_size(arr);
	rs->devices = TAKE_PTR(d);
	return 0;
}
