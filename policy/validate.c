/* The top level of a policy document (or an OCI linux.seccomp object) into the model.
 *
 * Accepted and ignored: "defaultErrno" (containers-common's errno name; "defaultErrnoRet" is
 * what counts), "errno" in syscall entries (likewise), "comment", "flags" (checked against the
 * known SECCOMP_FILTER_FLAG_* names; the caller chooses the flags it installs with),
 * "listenerPath" and "listenerMetadata" (the runtime's business, not the filter's). */
#include "policy/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static const char *const top_keys[] = {
    "defaultAction", "defaultErrnoRet", "defaultErrno",	    "architectures", "archMap", "syscalls",
    "flags",	     "listenerPath",	"listenerMetadata", "sbx",	     NULL,
};
static const char *const oci_top_keys[] = {
    "defaultAction", "defaultErrnoRet", "architectures",    "syscalls",
    "flags",	     "listenerPath",	"listenerMetadata", NULL,
};
static const char *const sbx_keys[] = {"emulate", "mode",      "files", "network", "sysctl",
				       "require", "isolation", "exec",	NULL};
static const char *const archmap_keys[] = {"architecture", "subArchitectures", NULL};

static int check_syscall(const char *s, const char *path, const struct policy_src *src)
{
	if (policy_syscall_known(s) < 0)
		return policy_errf(src, false, path, "unknown syscall \"%s\"", s);
	return 0;
}

static int check_flag(const char *s, const char *path, const struct policy_src *src)
{
	if (!policy_flag_known(s))
		return policy_errf(src, false, path, "unknown seccomp flag \"%s\"", s);
	return 0;
}

static int check_scmp_arch(const char *s, const char *path, const struct policy_src *src)
{
	if (policy_scmp_arch_parse(s) == 0)
		return policy_errf(src, false, path, "unknown architecture \"%s\"", s);
	return 0;
}

static int add_arches(struct sbx_policy *p, const json_t *v, const char *path,
		      const struct policy_src *src)
{
	char **names = NULL;
	if (policy_get_string_array(v, path, src, check_scmp_arch, &names) < 0)
		return -EINVAL;
	for (char **n = names; *n; n++) {
		uint32_t a = policy_scmp_arch_parse(*n);
		bool seen = false;
		for (size_t i = 0; i < p->n_arches; i++)
			seen = seen || p->arches[i] == a;
		if (!seen && p->n_arches < POLICY_MAX_ARCHES)
			p->arches[p->n_arches++] = a;
	}
	policy_strv_free(names);
	return 0;
}

static int parse_archmap(struct sbx_policy *p, const json_t *v, const struct policy_src *src)
{
	size_t i;
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return policy_type_err(src, "archMap", v, "an array");
	json_array_foreach (v, i, e) {
		char path[64], sub[96];
		json_t *arch, *one;
		snprintf(path, sizeof(path), "archMap/%zu", i);
		if (!json_is_object(e))
			return policy_type_err(src, path, e, "an object");
		if (policy_check_keys(e, path, src, archmap_keys) < 0)
			return -EINVAL;
		snprintf(sub, sizeof(sub), "%s/architecture", path);
		if (!(arch = json_object_get(e, "architecture")))
			return policy_errf(src, false, path,
					   "archMap entry without \"architecture\"");
		if (!(one = json_array()) || json_array_append(one, arch) < 0) {
			json_decref(one);
			return sbx_err(src->err, ENOMEM, "out of memory");
		}
		int r = json_is_string(arch) ? add_arches(p, one, sub, src)
					     : policy_type_err(src, sub, arch, "a string");
		json_decref(one);
		snprintf(sub, sizeof(sub), "%s/subArchitectures", path);
		if (r < 0 || ((arch = json_object_get(e, "subArchitectures")) &&
			      add_arches(p, arch, sub, src) < 0))
			return -EINVAL;
	}
	return 0;
}

static int parse_default(struct sbx_policy *p, const json_t *root, const struct policy_src *src)
{
	const char *s;
	uint64_t n;
	json_t *v = json_object_get(root, "defaultAction");
	if (!v)
		return policy_errf(src, false, "", "missing \"defaultAction\"");
	if (policy_get_string(v, "defaultAction", src, &s) < 0)
		return -EINVAL;
	if (policy_action_parse(s, &p->default_action.kind) < 0)
		return policy_errf(src, false, "defaultAction", "unknown action \"%s\"", s);
	if ((v = json_object_get(root, "defaultErrnoRet")) && !json_is_null(v)) {
		if (policy_get_uint(v, "defaultErrnoRet", src, 0xffff, &n) < 0)
			return -EINVAL;
		p->has_default_errno = true;
		p->default_errno = (unsigned)n;
	}
	if ((v = json_object_get(root, "defaultErrno")) && !json_is_null(v) &&
	    policy_get_string(v, "defaultErrno", src, &s) < 0)
		return -EINVAL;
	return 0;
}

static int parse_ignored(const json_t *root, const struct policy_src *src)
{
	static const char *const strings[] = {"listenerPath", "listenerMetadata"};
	char **flags = NULL;
	const char *s;
	json_t *v;
	for (size_t i = 0; i < 2; i++)
		if ((v = json_object_get(root, strings[i])) && !json_is_null(v) &&
		    policy_get_string(v, strings[i], src, &s) < 0)
			return -EINVAL;
	if ((v = json_object_get(root, "flags")) &&
	    policy_get_string_array(v, "flags", src, check_flag, &flags) < 0)
		return -EINVAL;
	policy_strv_free(flags);
	return 0;
}

/* sbx.isolation: "container" (the default) or "vm" (a microVM, microvm/). */
static int parse_isolation(struct sbx_policy *p, const json_t *e, const struct policy_src *src)
{
	const char *v;
	if (policy_get_string(e, "sbx/isolation", src, &v) < 0)
		return -EINVAL;
	if (strcmp(v, "vm") && strcmp(v, "container"))
		return policy_errf(src, false, "sbx/isolation",
				   "unknown isolation \"%s\", expected \"container\" or \"vm\"", v);
	p->vm = !strcmp(v, "vm");
	return 0;
}

static int parse_sbx(struct sbx_policy *p, const json_t *v, const struct policy_src *src)
{
	const char *mode, *key;
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, "sbx", v, "an object");
	json_object_foreach ((json_t *)v, key, e) {
		char kpath[300];
		if (policy_strv_contains((char *const *)sbx_keys, key))
			continue;
		snprintf(kpath, sizeof(kpath), "sbx/%s", key);
		return policy_errf(src, true, kpath,
				   "unknown key \"%s\" in sbx (this version knows \"emulate\", "
				   "\"mode\", \"files\", \"network\", \"sysctl\", \"require\", "
				   "\"isolation\" and \"exec\")",
				   key);
	}
	if ((e = json_object_get(v, "emulate")) &&
	    policy_get_string_array(e, "sbx/emulate", src, check_syscall, &p->emulate) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "files")) && policy_files_parse(p, e, "sbx/files", src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "network")) &&
	    policy_network_parse(p, e, "sbx/network", src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "sysctl")) && policy_sysctl_parse(p, e, "sbx/sysctl", src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "exec")) && policy_exec_parse(p, e, "sbx/exec", src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "require")) &&
	    policy_require_parse(p, e, "sbx/require", src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "isolation")) && parse_isolation(p, e, src) < 0)
		return -EINVAL;
	if ((e = json_object_get(v, "mode"))) {
		if (policy_get_string(e, "sbx/mode", src, &mode) < 0)
			return -EINVAL;
		if (strcmp(mode, "enforce") == 0)
			p->mode = POLICY_ENFORCE;
		else if (strcmp(mode, "audit") == 0)
			p->mode = POLICY_AUDIT;
		else
			return policy_errf(src, false, "sbx/mode",
					   "unknown mode \"%s\", expected \"enforce\" or \"audit\"",
					   mode);
	}
	return 0;
}

static int parse_syscalls(struct sbx_policy *p, const json_t *v, const struct policy_src *src)
{
	size_t i;
	json_t *e;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return policy_type_err(src, "syscalls", v, "an array");
	p->rules = calloc(json_array_size(v) + 1, sizeof(*p->rules));
	if (!p->rules)
		return sbx_err(src->err, ENOMEM, "out of memory");
	json_array_foreach (v, i, e) {
		char path[64];
		snprintf(path, sizeof(path), "syscalls/%zu", i);
		if (policy_rule_parse(e, path, src, &p->rules[i]) < 0)
			return -EINVAL;
		p->n_rules++;
	}
	return 0;
}

static void policy_freep(struct sbx_policy **p)
{
	policy_free(*p);
}

int policy_from_json(const json_t *root, const struct policy_src *src, struct sbx_policy **ret)
{
	__attribute__((cleanup(policy_freep))) struct sbx_policy *p = NULL;
	json_t *v;
	if (!json_is_object(root))
		return policy_type_err(src, "", root, "an object");
	if (policy_check_keys(root, "", src, src->oci ? oci_top_keys : top_keys) < 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return sbx_err(src->err, ENOMEM, "out of memory");
	p->mode = POLICY_ENFORCE;
	if (parse_default(p, root, src) < 0 || parse_ignored(root, src) < 0)
		return -EINVAL;
	if ((v = json_object_get(root, "architectures")) &&
	    add_arches(p, v, "architectures", src) < 0)
		return -EINVAL;
	if ((v = json_object_get(root, "archMap")) && parse_archmap(p, v, src) < 0)
		return -EINVAL;
	if ((v = json_object_get(root, "syscalls")) && parse_syscalls(p, v, src) < 0)
		return -EINVAL;
	if ((v = json_object_get(root, "sbx")) && parse_sbx(p, v, src) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(p);
	return 0;
}
