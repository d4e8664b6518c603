/* One entry of "syscalls": names, action, errnoRet, args, includes/excludes. */
#include "policy/internal.h"
#include "lib/util.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static const char *const entry_keys[] = {"names",   "name",	"action",   "errnoRet", "args",
					 "comment", "includes", "excludes", "errno",	NULL};
static const char *const oci_entry_keys[] = {"names", "action",	 "errnoRet",
					     "args",  "comment", NULL};
static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
static const char *const filter_keys[] = {"caps", "arches", "minKernel", NULL};

/* A JSON path one level down; too long a path only makes an error point at the document. */
#define SUBPATH(buf, path, key)                                                                    \
	do {                                                                                       \
		if (path_join(buf, sizeof(buf), path, key) < 0)                                    \
			buf[0] = '\0';                                                             \
	} while (0)

static int check_syscall(const char *s, const char *path, const struct policy_src *src)
{
	if (policy_syscall_known(s) < 0)
		return policy_errf(src, false, path, "unknown syscall \"%s\"", s);
	return 0;
}

static int check_cap(const char *s, const char *path, const struct policy_src *src)
{
	unsigned cap;
	if (policy_cap_parse(s, &cap) < 0)
		return policy_errf(src, false, path, "unknown capability \"%s\"", s);
	return 0;
}

static int check_arch(const char *s, const char *path, const struct policy_src *src)
{
	if (!policy_docker_arch_known(s))
		return policy_errf(src, false, path, "unknown architecture \"%s\"", s);
	return 0;
}

static int parse_kernel(const json_t *v, const char *path, const struct policy_src *src,
			struct policy_filter *f)
{
	const char *s;
	unsigned major, minor;
	int n = 0;
	if (policy_get_string(v, path, src, &s) < 0)
		return -EINVAL;
	if (sscanf(s, "%4u.%4u%n", &major, &minor, &n) != 2 || (size_t)n != strlen(s) ||
	    s[0] < '0' || s[0] > '9' || strchr(s, '+') || strchr(s, '-') || strchr(s, ' '))
		return policy_errf(src, false, path,
				   "bad kernel version \"%s\", expected \"MAJOR.MINOR\"", s);
	f->has_kernel = true;
	f->kernel_major = major;
	f->kernel_minor = minor;
	return 0;
}

static int parse_filter(const json_t *v, const char *path, const struct policy_src *src,
			struct policy_filter *f)
{
	char sub[512];
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, filter_keys) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "caps")) && !json_is_null(e)) {
		char **caps = NULL;
		SUBPATH(sub, path, "caps");
		if (policy_get_string_array(e, sub, src, check_cap, &caps) < 0)
			return -EINVAL;
		for (char **c = caps; *c; c++) {
			unsigned n;
			policy_cap_parse(*c, &n);
			f->caps |= 1ull << n;
		}
		policy_strv_free(caps);
	}
	SUBPATH(sub, path, "arches");
	if ((e = json_object_get(v, "arches")) &&
	    policy_get_string_array(e, sub, src, check_arch, &f->arches) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "minKernel");
	if ((e = json_object_get(v, "minKernel")) && !json_is_null(e) &&
	    parse_kernel(e, sub, src, f) < 0)
		return -EINVAL;
	return 0;
}

static int parse_arg(const json_t *v, const char *path, const struct policy_src *src,
		     struct policy_cond *c)
{
	char sub[512];
	uint64_t index;
	const char *op;
	json_t *e;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, arg_keys) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "index");
	if (!(e = json_object_get(v, "index")))
		return policy_errf(src, false, path, "argument without \"index\"");
	if (!json_is_integer(e))
		return policy_type_err(src, sub, e, "an integer from 0 to 5");
	if (json_integer_value(e) < 0 || json_integer_value(e) >= POLICY_MAX_ARGS)
		return policy_errf(src, false, sub, "argument index %lld out of range (0 to 5)",
				   (long long)json_integer_value(e));
	index = (uint64_t)json_integer_value(e);
	c->index = (unsigned)index;
	SUBPATH(sub, path, "value");
	if ((e = json_object_get(v, "value")) &&
	    policy_get_uint(e, sub, src, INT64_MAX, &c->value) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "valueTwo");
	if ((e = json_object_get(v, "valueTwo")) &&
	    policy_get_uint(e, sub, src, INT64_MAX, &c->value_two) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "op");
	if (!(e = json_object_get(v, "op")))
		return policy_errf(src, false, path, "argument without \"op\"");
	if (policy_get_string(e, sub, src, &op) < 0)
		return -EINVAL;
	if (policy_op_parse(op, &c->op) < 0)
		return policy_errf(src, false, sub, "unknown op \"%s\"", op);
	return 0;
}

static int parse_args(const json_t *v, const char *path, const struct policy_src *src,
		      struct policy_rule *r)
{
	size_t i;
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return policy_type_err(src, path, v, "an array");
	if (json_array_size(v) > 64)
		return policy_errf(src, false, path,
				   "too many argument conditions (%zu, at most 64)",
				   json_array_size(v));
	r->conds = calloc(json_array_size(v) + 1, sizeof(*r->conds));
	if (!r->conds)
		return sbx_err(src->err, ENOMEM, "out of memory");
	json_array_foreach (v, i, e) {
		char sub[512], idx[24];
		snprintf(idx, sizeof(idx), "%zu", i);
		SUBPATH(sub, path, idx);
		if (parse_arg(e, sub, src, &r->conds[i]) < 0)
			return -EINVAL;
		r->n_conds++;
	}
	return 0;
}

static int parse_names(const json_t *entry, const char *path, const struct policy_src *src,
		       struct policy_rule *r)
{
	char sub[512];
	json_t *names = json_object_get(entry, "names"), *name = json_object_get(entry, "name");
	if (names && name && !json_is_null(names) && !json_is_null(name)) {
		SUBPATH(sub, path, "name");
		return policy_errf(src, true, sub, "both \"name\" and \"names\" given, use one");
	}
	if (name && !json_is_null(name)) {
		const char *s;
		SUBPATH(sub, path, "name");
		if (policy_get_string(name, sub, src, &s) < 0 || check_syscall(s, sub, src) < 0)
			return -EINVAL;
		r->names = calloc(2, sizeof(char *));
		if (!r->names || !(r->names[0] = strdup(s)))
			return sbx_err(src->err, ENOMEM, "out of memory");
	} else {
		SUBPATH(sub, path, "names");
		if (policy_get_string_array(names ? names : json_null(), sub, src, check_syscall,
					    &r->names) < 0)
			return -EINVAL;
	}
	while (r->names[r->n_names])
		r->n_names++;
	return 0;
}

static int parse_action(const json_t *entry, const char *path, const struct policy_src *src,
			struct policy_rule *r)
{
	char sub[512];
	const char *s;
	uint64_t ret;
	json_t *e;
	SUBPATH(sub, path, "action");
	if (!(e = json_object_get(entry, "action")))
		return policy_errf(src, false, path, "syscall entry without \"action\"");
	if (policy_get_string(e, sub, src, &s) < 0)
		return -EINVAL;
	if (policy_action_parse(s, &r->action.kind) < 0)
		return policy_errf(src, false, sub, "unknown action \"%s\"", s);
	SUBPATH(sub, path, "errnoRet");
	if ((e = json_object_get(entry, "errnoRet")) && !json_is_null(e)) {
		if (policy_get_uint(e, sub, src, 0xffff, &ret) < 0)
			return -EINVAL;
		r->action.has_ret = true;
		r->action.ret = (unsigned)ret;
	}
	SUBPATH(sub, path, "errno");
	if ((e = json_object_get(entry, "errno")) && !json_is_null(e) &&
	    policy_get_string(e, sub, src, &s) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "comment");
	if ((e = json_object_get(entry, "comment")) && !json_is_null(e) &&
	    policy_get_string(e, sub, src, &s) < 0)
		return -EINVAL;
	return 0;
}

static int rule_parse(const json_t *entry, const char *path, const struct policy_src *src,
		      struct policy_rule *r)
{
	char sub[512];
	json_t *e;
	if (!json_is_object(entry))
		return policy_type_err(src, path, entry, "an object");
	if (policy_check_keys(entry, path, src, src->oci ? oci_entry_keys : entry_keys) < 0)
		return -EINVAL;
	if (parse_names(entry, path, src, r) < 0 || parse_action(entry, path, src, r) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "args");
	if ((e = json_object_get(entry, "args")) && parse_args(e, sub, src, r) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "includes");
	if ((e = json_object_get(entry, "includes")) && parse_filter(e, sub, src, &r->includes) < 0)
		return -EINVAL;
	SUBPATH(sub, path, "excludes");
	if ((e = json_object_get(entry, "excludes")) && parse_filter(e, sub, src, &r->excludes) < 0)
		return -EINVAL;
	return 0;
}

/* On failure r holds nothing. */
int policy_rule_parse(const json_t *entry, const char *path, const struct policy_src *src,
		      struct policy_rule *r)
{
	memset(r, 0, sizeof(*r));
	int ret = rule_parse(entry, path, src, r);
	if (ret < 0)
		policy_rule_done(r);
	return ret;
}

void policy_rule_done(struct policy_rule *r)
{
	policy_strv_free(r->names);
	free(r->conds);
	policy_strv_free(r->includes.arches);
	policy_strv_free(r->excludes.arches);
	memset(r, 0, sizeof(*r));
}
