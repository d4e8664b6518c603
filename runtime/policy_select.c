/* Which policy a sandbox runs under, compiled (or found compiled) before anything starts. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/oci.h"
#include "runtime/policy_cache.h"

#define POLICY_ANNOTATION "io.sbx.policy"
#define POLICY_MAX_FILE	  (4 << 20)

/* Where the policy comes from, and its text (what the cache is keyed on). */
struct policy_source {
	const char *kind; /* "oci", "file", "default" */
	const char *path; /* file name for messages */
	char *owned;
	const char *text;
	size_t len;
};

static int policy_source_pick(const struct oci_config *c, const char *policy_file,
			      struct policy_source *src, struct sbx_error *err)
{
	const char *annot = json_string_value(json_object_get(c->annotations, POLICY_ANNOTATION));
	const char *file = annot ? annot : policy_file;
	if (c->seccomp) {
		src->kind = "oci";
		src->owned = json_dumps(c->seccomp, JSON_COMPACT | JSON_SORT_KEYS);
		if (!src->owned)
			return sbx_err(err, ENOMEM, "out of memory");
	} else if (file) {
		src->kind = "file";
		src->path = file;
		int r = read_file(file, POLICY_MAX_FILE, &src->owned, NULL);
		if (r < 0)
			return sbx_err_errno(err, -r, "read policy %s", file);
	} else {
		src->kind = "default";
		src->text = policy_default_text();
	}
	if (src->owned)
		src->text = src->owned;
	src->len = strlen(src->text);
	return 0;
}

static int policy_source_parse(const struct oci_config *c, const struct policy_source *src,
			       struct sbx_policy **ret, struct sbx_error *err)
{
	if (!strcmp(src->kind, "oci"))
		return policy_from_oci(c->seccomp, c->name, c->text, c->text_len, "linux/seccomp",
				       ret, err);
	if (!strcmp(src->kind, "file"))
		return policy_parse(src->text, src->len, src->path, ret, err);
	return policy_load_default(ret, err);
}

static char **strv_copy(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **c = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i])))
			return NULL; /* leaks on OOM only, just before the CLI exits */
	return c;
}

/* sbx.files and sbx.exec, for the gofer, Landlock, the masks and BPF-LSM (they outlive the
 * parsed policy). */
static int take_files_policy(struct sandbox_spec *spec, const struct sbx_policy *p)
{
	const char *const *w = policy_files_writable(p);
	const char *const *x = policy_exec_allow(p);
	spec->files_writable = w ? strv_copy(w) : NULL;
	spec->files_readonly = strv_copy(policy_files_readonly(p));
	spec->files_hidden = strv_copy(policy_files_hidden(p));
	spec->exec_allow = x ? strv_copy(x) : NULL;
	if ((w && !spec->files_writable) || !spec->files_readonly || !spec->files_hidden ||
	    (x && !spec->exec_allow))
		return -ENOMEM;
	return 0;
}

static int take_net_list(struct sbx_net_list *ret, struct policy_net_list l)
{
	struct sbx_net_rule *r = calloc(l.n + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < l.n; i++) {
		const struct policy_net_rule *p = &l.rules[i];
		r[i] = (struct sbx_net_rule){.family = p->family,
					     .prefix = p->prefix,
					     .port_lo = p->port_lo,
					     .port_hi = p->port_hi};
		memcpy(r[i].addr, p->addr, sizeof(r[i].addr));
	}
	*ret = (struct sbx_net_list){.on = l.present, .rules = r, .n = l.n};
	return 0;
}

/* sbx.network, for the cgroup-BPF layer the monitor attaches. */
static int take_net_policy(struct sandbox_spec *spec, const struct sbx_policy *p)
{
	int r = take_net_list(&spec->net_egress, policy_net_egress(p));
	return r < 0 ? r : take_net_list(&spec->net_bind, policy_net_bind(p));
}

/* sbx.sysctl, for the same layer. */
static int take_sysctl_policy(struct sandbox_spec *spec, const struct sbx_policy *p)
{
	spec->sysctl_allow = strv_copy(policy_sysctl_allow(p));
	return spec->sysctl_allow ? 0 : -ENOMEM;
}

static unsigned policy_flags_of(const struct sbx_policy *p)
{
	return (policy_mode(p) == POLICY_AUDIT ? POLICY_CACHE_AUDIT : 0) |
	       (policy_emulates(p, "mknod") ? POLICY_CACHE_EMULATE_MKNOD : 0) |
	       (policy_emulates(p, "mknodat") ? POLICY_CACHE_EMULATE_MKNODAT : 0) |
	       (policy_net_egress(p).present || policy_net_bind(p).present ? POLICY_CACHE_NETWORK
									   : 0) |
	       (policy_sysctl_allow(p)[0] ? POLICY_CACHE_SYSCTL : 0) |
	       (policy_isolation_vm(p) ? POLICY_CACHE_VM : 0) |
	       (policy_files_writable(p) || policy_files_readonly(p)[0] ||
			policy_files_hidden(p)[0] || policy_exec_allow(p)
		    ? POLICY_CACHE_FILES
		    : 0) |
	       (policy_exec_allow(p) ? POLICY_CACHE_EXEC : 0) |
	       policy_require(p) << POLICY_CACHE_REQUIRE_SHIFT;
}

/* Parse and compile, unless the cache has this very policy compiled for this target. The
 * text is parsed even then where the file lists, the network lists or the writable sysctls
 * come from it (a cached entry says whether the policy has any). */
static int parse_and_compile(struct sandbox_spec *spec, const struct policy_source *src,
			     const struct policy_target *t, const char *dir, const char *key,
			     size_t key_len, struct sbx_error *err)
{
	bool hit = dir && key &&
		   policy_cache_get(dir, key, key_len, &spec->prog, &spec->policy_flags) == 0;
	if (hit && !spec->gofer &&
	    !(spec->policy_flags &
	      (POLICY_CACHE_NETWORK | POLICY_CACHE_SYSCTL | POLICY_CACHE_FILES)))
		return 0;
	struct sbx_policy *p = NULL;
	int r = policy_source_parse(spec->config, src, &p, err);
	if (r < 0) {
		if (hit)
			policy_program_free(&spec->prog);
		return r;
	}
	if ((r = take_files_policy(spec, p)) < 0 || (r = take_net_policy(spec, p)) < 0 ||
	    (r = take_sysctl_policy(spec, p)) < 0) {
		policy_free(p);
		return sbx_err(err, -r, "out of memory");
	}
	if (hit) {
		policy_free(p);
		return 0;
	}
	r = policy_compile(p, t, &spec->prog, err);
	spec->policy_flags = policy_flags_of(p);
	policy_free(p);
	if (r == 0 && dir && key)
		policy_cache_put(dir, key, key_len, &spec->prog,
				 spec->policy_flags); /* best effort */
	return r;
}

int sandbox_compile_policy(struct sandbox_spec *spec, const char *policy_file,
			   struct sbx_error *err)
{
	struct oci_config *c = spec->config;
	struct policy_source src = {0};
	struct policy_target t = {.caps = c->process.cap_bounding | c->process.cap_effective,
				  .broker_files = spec->gofer};
	int r = policy_source_pick(c, policy_file, &src, err);
	if (r < 0)
		return r;
	/* The target is part of the key: a program compiled with brokering is another program. */
	char kind[32];
	snprintf(kind, sizeof(kind), "%s%s", src.kind, spec->gofer ? "+broker" : "");
	size_t key_len = 0;
	_cleanup_free_ char *key = policy_cache_key(kind, src.text, src.len, t.caps, &key_len);
	char dir[PATH_MAX];
	const char *root = policy_cache_root_usable(spec->cache_root) ? spec->cache_root : NULL;
	if (root && path_join(dir, sizeof(dir), root, ".policy-cache") < 0)
		root = NULL;
	r = parse_and_compile(spec, &src, &t, root ? dir : NULL, key, key_len, err);
	free(src.owned);
	return r;
}
