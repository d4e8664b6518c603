/* Positioned error messages and typed access to JSON values for the validator. */
#include "policy/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonpos.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void join_path(char *buf, size_t size, const char *prefix, const char *path)
{
	snprintf(buf, size, "%s%s%s", prefix, (*prefix && *path) ? "/" : "", path);
}

/* Position of the value at path, else of the nearest ancestor that can be found. */
static int locate(const struct policy_src *src, bool at_key, const char *path, unsigned *line,
		  unsigned *col)
{
	char full[512];
	join_path(full, sizeof(full), src->prefix ? src->prefix : "", path);
	if (!src->text)
		return -ENOENT;
	for (;;) {
		if (json_locate(src->text, src->len, full, at_key, line, col) == 0)
			return 0;
		at_key = false;
		char *slash = strrchr(full, '/');
		if (!slash) {
			if (!*full)
				return -ENOENT;
			*full = '\0';
		} else {
			*slash = '\0';
		}
	}
}

int policy_errf(const struct policy_src *src, bool at_key, const char *path, const char *fmt, ...)
{
	char msg[768];
	unsigned line, col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (locate(src, at_key, path, &line, &col) == 0)
		return sbx_err(src->err, EINVAL, "%s:%u:%u: %s", src->name, line, col, msg);
	return sbx_err(src->err, EINVAL, "%s: %s (at %s)", src->name, msg, *path ? path : "top");
}

/* "string \"abc\"": the type and a short rendering of an offending value. */
void policy_json_describe(const json_t *v, char *buf, size_t size)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	const char *shown = s ? s : "?";
	size_t n = strlen(shown);
	if (n > 60)
		snprintf(buf, size, "%s %.57s...", json_type_name(v), shown);
	else
		snprintf(buf, size, "%s %s", json_type_name(v), shown);
}

int policy_type_err(const struct policy_src *src, const char *path, const json_t *v,
		    const char *expected)
{
	char d[96];
	const char *key = strrchr(path, '/');
	policy_json_describe(v, d, sizeof(d));
	if (!*path)
		return policy_errf(src, false, path, "policy: expected %s, got %s", expected, d);
	return policy_errf(src, false, path, "\"%s\": expected %s, got %s", key ? key + 1 : path,
			   expected, d);
}

int policy_get_uint(const json_t *v, const char *path, const struct policy_src *src, uint64_t max,
		    uint64_t *ret)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		char expected[64];
		snprintf(expected, sizeof(expected), "an integer from 0 to %llu",
			 (unsigned long long)max);
		return policy_type_err(src, path, v, expected);
	}
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

int policy_get_string(const json_t *v, const char *path, const struct policy_src *src,
		      const char **ret)
{
	if (!json_is_string(v))
		return policy_type_err(src, path, v, "a string");
	*ret = json_string_value(v);
	return 0;
}

void policy_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

bool policy_strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static void strv_freep(char ***v)
{
	policy_strv_free(*v);
}

/* An array of strings, each passed to check (may be NULL). null counts as empty. */
int policy_get_string_array(const json_t *v, const char *path, const struct policy_src *src,
			    int (*check)(const char *s, const char *path,
					 const struct policy_src *src),
			    char ***ret)
{
	__attribute__((cleanup(strv_freep))) char **out = NULL;
	size_t i, n;
	json_t *e;
	if (json_is_null(v)) {
		n = 0;
	} else if (!json_is_array(v)) {
		return policy_type_err(src, path, v, "an array of strings");
	} else {
		n = json_array_size(v);
	}
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return sbx_err(src->err, ENOMEM, "%s: out of memory", src->name);
	json_array_foreach (v, i, e) {
		char epath[512];
		snprintf(epath, sizeof(epath), "%s/%zu", path, i);
		if (!json_is_string(e))
			return policy_type_err(src, epath, e, "a string");
		if (check) {
			int r = check(json_string_value(e), epath, src);
			if (r < 0)
				return r;
		}
		out[i] = strdup(json_string_value(e));
		if (!out[i])
			return sbx_err(src->err, ENOMEM, "%s: out of memory", src->name);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int policy_check_keys(const json_t *obj, const char *path, const struct policy_src *src,
		      const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)obj, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(key, *a) == 0)
				ok = true;
		if (!ok) {
			char kpath[512];
			snprintf(kpath, sizeof(kpath), "%s%s%s", path, *path ? "/" : "", key);
			return policy_errf(src, true, kpath, "unknown key \"%s\"%s%s", key,
					   *path ? " in " : "", path);
		}
	}
	return 0;
}

/* {"allow": [...]} (null or absent: nothing), as sbx.sysctl and sbx.exec have it. */
int policy_allow_list_parse(
    const json_t *v, const char *path, const struct policy_src *src, size_t max, const char *what,
    int (*check)(const char *s, const char *path, const struct policy_src *src), char ***ret)
{
	static const char *const keys[] = {"allow", NULL};
	char sub[512];

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, keys) < 0)
		return -EINVAL;
	json_t *allow = json_object_get(v, "allow");
	if (!allow || json_is_null(allow))
		return 0;
	snprintf(sub, sizeof(sub), "%s/allow", path);
	if (json_is_array(allow) && json_array_size(allow) > max)
		return policy_errf(src, false, sub, "more than %zu %s", max, what);
	return policy_get_string_array(allow, sub, src, check, ret);
}
