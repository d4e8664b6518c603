/* Positioned errors and typed getters over jansson values, shared by the config.json parsers. */
#include "runtime/oci_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonpos.h"

void oci_path_key(char *buf, const char *parent, const char *key)
{
	/* a truncated path locates an ancestor, or nothing: only the message's position suffers */
	if (snprintf(buf, OCI_PATH_MAX, "%s%s%s", parent, *parent ? "/" : "", key) >= OCI_PATH_MAX)
		buf[OCI_PATH_MAX - 1] = '\0';
}

void oci_path_index(char *buf, const char *parent, size_t index)
{
	if (snprintf(buf, OCI_PATH_MAX, "%s%s%zu", parent, *parent ? "/" : "", index) >=
	    OCI_PATH_MAX)
		buf[OCI_PATH_MAX - 1] = '\0';
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "process/args/0" -> "process.args[0]" */
static void path_display(const char *path, char *buf, size_t size)
{
	size_t out = 0;
	buf[0] = '\0';
	for (const char *p = path; *p && out < size;) {
		size_t n = strcspn(p, "/");
		int w;
		if (all_digits(p, n))
			w = snprintf(buf + out, size - out, "[%.*s]", (int)n, p);
		else
			w = snprintf(buf + out, size - out, "%s%.*s", out ? "." : "", (int)n, p);
		if (w < 0)
			break;
		out += (size_t)w;
		p += n;
		if (*p == '/')
			p++;
	}
}

/* The position of `path`, or of its nearest ancestor that json_locate() can find (keys that
 * contain '/' cannot be named in a path). */
static bool locate(const struct oci_ctx *c, const char *path, unsigned *line, unsigned *col)
{
	char buf[OCI_PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		if (json_locate(c->text, c->len, buf, false, line, col) == 0)
			return true;
		if (!buf[0])
			return false;
		char *slash = strrchr(buf, '/');
		if (slash)
			*slash = '\0';
		else
			buf[0] = '\0';
	}
}

static int err_vat(const struct oci_ctx *c, const char *path, const char *what, const char *fmt,
		   va_list ap)
{
	char msg[768], where[OCI_PATH_MAX + 64], shown[OCI_PATH_MAX];
	unsigned line, col;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (locate(c, path, &line, &col))
		snprintf(where, sizeof(where), "%s:%u:%u", c->name, line, col);
	else
		snprintf(where, sizeof(where), "%s", c->name);
	path_display(what, shown, sizeof(shown));
	if (shown[0])
		return sbx_err(c->err, EINVAL, "%s: %s: %s", where, shown, msg);
	return sbx_err(c->err, EINVAL, "%s: %s", where, msg);
}

int oci_err_at(const struct oci_ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vat(c, path, path, fmt, ap);
	va_end(ap);
	return r;
}

static int err_at_named(const struct oci_ctx *c, const char *path, const char *what,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vat(c, path, what, fmt, ap);
	va_end(ap);
	return r;
}

int oci_err_type(const struct oci_ctx *c, const char *path, const char *what, const json_t *v)
{
	return oci_err_at(c, path, "expected %s, got %s", what, json_type_name(v));
}

int oci_err_missing(const struct oci_ctx *c, const char *parent, const char *key)
{
	return err_at_named(c, parent, parent, "missing required field \"%s\"", key);
}

int oci_json_load(const struct oci_ctx *c, json_t **ret)
{
	const size_t flags = JSON_REJECT_DUPLICATES;
	json_error_t je;

	json_t *doc = json_loadb(c->text, c->len, flags, &je);
	/* Integers above INT64_MAX (RLIM_INFINITY written as 18446744073709551615): read the
	 * document again with every integer as a double; the getters accept integral reals. */
	if (!doc && json_error_code(&je) == json_error_numeric_overflow)
		doc = json_loadb(c->text, c->len, flags | JSON_DECODE_INT_AS_REAL, &je);
	if (!doc)
		return sbx_err(c->err, EINVAL, "%s:%d:%d: %s", c->name, je.line, je.column,
			       je.text);
	if (!json_is_object(doc)) {
		int r = oci_err_type(c, "", "object", doc);
		json_decref(doc);
		return r;
	}
	*ret = doc;
	return 0;
}

/* Common prologue: look the key up; absent is fine unless required. Returns 1 if present. */
static int lookup(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		  bool required, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || (json_is_null(v) && !required)) {
		if (required)
			return oci_err_missing(c, parent, key);
		return 0;
	}
	*ret = v;
	return 1;
}

#define TYPED_LOOKUP(check, what)                                                                  \
	json_t *v = NULL;                                                                          \
	char path[OCI_PATH_MAX];                                                                   \
	int r = lookup(c, obj, parent, key, required, &v);                                         \
	if (r <= 0)                                                                                \
		return r;                                                                          \
	oci_path_key(path, parent, key);                                                           \
	if (!check(v))                                                                             \
		return oci_err_type(c, path, what, v);

int oci_get_object(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, json_t **ret)
{
	TYPED_LOOKUP(json_is_object, "object");
	*ret = v;
	return 0;
}

int oci_get_array(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		  bool required, const char *what, json_t **ret)
{
	TYPED_LOOKUP(json_is_array, what);
	*ret = v;
	return 0;
}

int oci_get_string(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, const char **ret)
{
	TYPED_LOOKUP(json_is_string, "string");
	*ret = json_string_value(v);
	return 0;
}

int oci_dup_string(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, char **ret)
{
	const char *s = NULL;
	int r = oci_get_string(c, obj, parent, key, required, &s);
	if (r < 0 || !s)
		return r;
	char *d = strdup(s);
	if (!d)
		return sbx_err(c->err, ENOMEM, "out of memory");
	*ret = d;
	return 0;
}

int oci_get_bool(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool *ret)
{
	const bool required = false;
	TYPED_LOOKUP(json_is_boolean, "boolean");
	*ret = json_is_true(v);
	return 0;
}

static int range_u64(const struct oci_ctx *c, const char *path, const char *value, uint64_t max)
{
	return oci_err_at(c, path, "%s out of range (0..%" PRIu64 ")", value, max);
}

int oci_num_u64(const struct oci_ctx *c, json_t *v, const char *path, uint64_t max, uint64_t *ret)
{
	char shown[64];
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		snprintf(shown, sizeof(shown), "%lld", (long long)x);
		if (x < 0 || (uint64_t)x > max)
			return range_u64(c, path, shown, max);
		*ret = (uint64_t)x;
		return 0;
	}
	if (!json_is_real(v))
		return oci_err_type(c, path, "integer", v);
	double d = json_real_value(v);
	snprintf(shown, sizeof(shown), "%.17g", d);
	if (d < 0 || d > 18446744073709551616.0)
		return range_u64(c, path, shown, max);
	if (d == 18446744073709551616.0) {
		/* UINT64_MAX rounds up to 2^64 as a double */
		if (max != UINT64_MAX)
			return range_u64(c, path, shown, max);
		*ret = UINT64_MAX;
		return 0;
	}
	uint64_t x = (uint64_t)d;
	if ((double)x != d)
		return oci_err_at(c, path, "expected integer, got %s", shown);
	if (x > max)
		return range_u64(c, path, shown, max);
	*ret = x;
	return 0;
}

static int num_i64(const struct oci_ctx *c, json_t *v, const char *path, int64_t min, int64_t max,
		   int64_t *ret)
{
	char shown[64];
	int64_t x;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
		snprintf(shown, sizeof(shown), "%" PRId64, x);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		snprintf(shown, sizeof(shown), "%.17g", d);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return oci_err_at(c, path, "%s out of range (%" PRId64 "..%" PRId64 ")",
					  shown, min, max);
		x = (int64_t)d;
		if ((double)x != d)
			return oci_err_at(c, path, "expected integer, got %s", shown);
	} else {
		return oci_err_type(c, path, "integer", v);
	}
	if (x < min || x > max)
		return oci_err_at(c, path, "%s out of range (%" PRId64 "..%" PRId64 ")", shown, min,
				  max);
	*ret = x;
	return 0;
}

int oci_get_u64(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, uint64_t max, uint64_t *ret, bool *ret_present)
{
	json_t *v = NULL;
	char path[OCI_PATH_MAX];
	int r = lookup(c, obj, parent, key, required, &v);
	if (ret_present)
		*ret_present = false;
	if (r <= 0)
		return r;
	oci_path_key(path, parent, key);
	r = oci_num_u64(c, v, path, max, ret);
	if (r == 0 && ret_present)
		*ret_present = true;
	return r;
}

int oci_get_i64(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, int64_t min, int64_t max, int64_t *ret, bool *ret_present)
{
	json_t *v = NULL;
	char path[OCI_PATH_MAX];
	int r = lookup(c, obj, parent, key, required, &v);
	if (ret_present)
		*ret_present = false;
	if (r <= 0)
		return r;
	oci_path_key(path, parent, key);
	r = num_i64(c, v, path, min, max, ret);
	if (r == 0 && ret_present)
		*ret_present = true;
	return r;
}

void oci_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void strv_freep(char ***v)
{
	oci_strv_free(*v);
}

int oci_get_strv(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool required, char ***ret, size_t *ret_n)
{
	json_t *arr = NULL, *v;
	char path[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, obj, parent, key, required, "array of strings", &arr);
	if (r < 0)
		return r;
	size_t n = arr ? json_array_size(arr) : 0;
	__attribute__((cleanup(strv_freep))) char **strv = calloc(n + 1, sizeof(char *));
	if (!strv)
		return sbx_err(c->err, ENOMEM, "out of memory");
	oci_path_key(path, parent, key);
	if (arr) {
		json_array_foreach (arr, i, v) {
			oci_path_index(item, path, i);
			if (!json_is_string(v))
				return oci_err_type(c, item, "string", v);
			strv[i] = strdup(json_string_value(v));
			if (!strv[i])
				return sbx_err(c->err, ENOMEM, "out of memory");
		}
	}
	if (ret_n)
		*ret_n = n;
	*ret = TAKE_PTR(strv);
	return 0;
}

int oci_get_string_map(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		       json_t **ret)
{
	json_t *map = NULL, *v;
	char path[OCI_PATH_MAX], item[OCI_PATH_MAX];
	const char *k;

	int r = oci_get_object(c, obj, parent, key, false, &map);
	if (r < 0 || !map)
		return r;
	oci_path_key(path, parent, key);
	json_object_foreach (map, k, v) {
		if (!json_is_string(v)) {
			oci_path_key(item, path, k);
			return oci_err_type(c, item, "string", v);
		}
	}
	*ret = map;
	return 0;
}

int oci_check_absolute(const struct oci_ctx *c, const char *path, const char *s)
{
	if (s[0] != '/')
		return oci_err_at(c, path, "expected an absolute path, got \"%s\"", s);
	return 0;
}
