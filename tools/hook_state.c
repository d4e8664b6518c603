/* What sbx-hook reads: the OCI state on stdin and the bundle's config.json (the io.sbx.policy
 * annotation and linux.resources.devices, which the device program enforces again). */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonpos.h"
#include "lib/util.h"
#include "tools/hook.h"

#define STATE_MAX	  (1 << 20)
#define CONFIG_MAX	  (4 << 20)
#define POLICY_ANNOTATION "io.sbx.policy"

/* runc's rule for container ids; also what makes an id safe as a file name. */
static bool id_valid(const char *id)
{
	if (!id[0] || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.",
			    *p))
			return false;
	return true;
}

static int state_string(json_t *o, const char *key, char *ret, size_t cap, struct sbx_error *err)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		return sbx_err(err, EINVAL, "OCI state on stdin: \"%s\" missing or not a string",
			       key);
	if (str_copy(ret, cap, s) < 0)
		return sbx_err(err, ENAMETOOLONG, "OCI state on stdin: \"%s\" too long", key);
	return 0;
}

int hook_state_read(int fd, struct hook_state *ret, struct sbx_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_fd(fd, STATE_MAX, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "read the OCI state from stdin");
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return sbx_err(err, EINVAL, "OCI state on stdin:%d:%d: %s", je.line, je.column,
			       o ? "expected an object" : je.text);
	}
	*ret = (struct hook_state){0};
	json_int_t pid = json_integer_value(json_object_get(o, "pid"));
	if ((r = state_string(o, "id", ret->id, sizeof(ret->id), err)) < 0 ||
	    (r = state_string(o, "bundle", ret->bundle, sizeof(ret->bundle), err)) < 0 ||
	    (r = state_string(o, "status", ret->status, sizeof(ret->status), err)) < 0) {
		json_decref(o);
		return r;
	}
	json_decref(o);
	if (!id_valid(ret->id))
		return sbx_err(err, EINVAL, "OCI state on stdin: bad container id '%s'", ret->id);
	if (pid < 0 || pid > INT_MAX)
		return sbx_err(err, EINVAL, "OCI state on stdin: bad pid %lld", (long long)pid);
	ret->pid = (pid_t)pid;
	return 0;
}

/* "file:line:col: linux.resources.devices[i]: what" */
static int dev_err(struct sbx_error *err, const char *file, const char *text, size_t len, size_t i,
		   const char *key, const char *what)
{
	char path[128];
	unsigned line = 0, col = 0;
	snprintf(path, sizeof(path), "linux/resources/devices/%zu%s%s", i, key ? "/" : "",
		 key ? key : "");
	json_locate(text, len, path, false, &line, &col);
	return sbx_err(err, EINVAL, "%s:%u:%u: linux.resources.devices[%zu]%s%s: %s", file, line,
		       col, i, key ? "." : "", key ? key : "", what);
}

static int dev_number(json_t *d, const char *key, __u32 *ret)
{
	json_t *v = json_object_get(d, key);
	if (!v || json_is_null(v)) {
		*ret = SBX_DEV_ANY;
		return 0;
	}
	json_int_t n = json_integer_value(v);
	if (!json_is_integer(v) || n < -1 || n >= (json_int_t)SBX_DEV_ANY)
		return -EINVAL;
	*ret = n < 0 ? SBX_DEV_ANY : (__u32)n;
	return 0;
}

static int dev_access(json_t *d, __u8 *ret)
{
	json_t *v = json_object_get(d, "access");
	const char *s = v ? json_string_value(v) : "rwm";
	if (!s)
		return -EINVAL;
	*ret = 0;
	for (const char *p = s; *p; p++) {
		const char *at = strchr("mrw", *p);
		if (!at)
			return -EINVAL;
		*ret |= (__u8)(1u << (at - "mrw"));
	}
	return 0;
}

static int dev_rule(json_t *d, struct sbx_dev_rule *ret, const char **ret_key)
{
	json_t *type = json_object_get(d, "type");
	const char *t = type ? json_string_value(type) : "a";
	*ret = (struct sbx_dev_rule){0};
	*ret_key = "allow";
	if (!json_is_boolean(json_object_get(d, "allow")))
		return -EINVAL;
	ret->allow = json_is_true(json_object_get(d, "allow"));
	*ret_key = "type";
	if (!t || strlen(t) != 1 || !strchr("abc", t[0]))
		return -EINVAL;
	ret->type = (__u8)t[0];
	*ret_key = "major";
	if (dev_number(d, "major", &ret->major) < 0)
		return -EINVAL;
	*ret_key = "minor";
	if (dev_number(d, "minor", &ret->minor) < 0)
		return -EINVAL;
	*ret_key = "access";
	return dev_access(d, &ret->access);
}

static int read_devices(struct hook_state *s, json_t *c, const char *file, const char *text,
			size_t len, struct sbx_error *err)
{
	json_t *res = json_object_get(json_object_get(c, "linux"), "resources");
	json_t *devs = json_object_get(res, "devices"), *d;
	size_t i;
	if (!devs)
		return 0;
	if (!json_is_array(devs))
		return dev_err(err, file, text, len, 0, NULL, "expected an array");
	if (json_array_size(devs) > SBX_DEV_RULES_MAX)
		return sbx_err(err, E2BIG, "%s: linux.resources.devices: more than %d rules", file,
			       SBX_DEV_RULES_MAX);
	json_array_foreach (devs, i, d) {
		const char *key = NULL;
		if (!json_is_object(d))
			return dev_err(err, file, text, len, i, NULL, "expected an object");
		if (dev_rule(d, &s->devs[i], &key) < 0)
			return dev_err(err, file, text, len, i, key, "bad value");
	}
	s->n_devs = json_array_size(devs);
	return 0;
}

static bool policy_name_ok(const char *p)
{
	size_t n = strlen(p);
	return n > 0 && n <= 200 && p[0] != '.' &&
	       strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The annotation names a policy of the node's: policy_dir/NAME.json. */
static int read_policy_annotation(struct hook_state *s, json_t *c, const char *file,
				  const char *policy_dir, struct sbx_error *err)
{
	json_t *v = json_object_get(json_object_get(c, "annotations"), POLICY_ANNOTATION);
	const char *p = json_string_value(v);
	char name[256];
	if (!v)
		return 0;
	if (!p || !policy_name_ok(p))
		return sbx_err(err, EINVAL,
			       "%s: annotation %s: expected the name of a policy in %s (letters, "
			       "digits, '.', '_', '-'), not a path",
			       file, POLICY_ANNOTATION, policy_dir);
	snprintf(name, sizeof(name), "%s.json", p);
	int r = path_join(s->policy, sizeof(s->policy), policy_dir, name);
	return r < 0 ? sbx_err(err, -r, "%s: annotation %s: too long", file, POLICY_ANNOTATION) : 0;
}

int hook_bundle_read(struct hook_state *s, const char *policy_dir, struct sbx_error *err)
{
	char file[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (path_join(file, sizeof(file), s->bundle, "config.json") < 0)
		return sbx_err(err, ENAMETOOLONG, "bundle path too long");
	int r = read_file(file, CONFIG_MAX, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "read %s", file);
	json_error_t je;
	json_t *c = json_loadb(text, len, 0, &je);
	if (!c)
		return sbx_err(err, EINVAL, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	r = read_policy_annotation(s, c, file, policy_dir, err);
	if (r == 0)
		r = read_devices(s, c, file, text, len, err);
	json_decref(c);
	return r;
}
