/* Entry points: parse a document, load a file, take an OCI linux.seccomp object; accessors. */
#include "policy/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

int policy_parse(const char *text, size_t len, const char *name, struct sbx_policy **ret,
		 struct sbx_error *err)
{
	struct policy_src src = {
	    .name = name ? name : "policy", .text = text, .len = len, .prefix = "", .err = err};
	json_error_t jerr;
	if (!text)
		return sbx_err(err, EINVAL, "%s: no policy text", src.name);
	if (len > POLICY_MAX_TEXT)
		return sbx_err(err, EFBIG, "%s: policy larger than %u bytes", src.name,
			       POLICY_MAX_TEXT);
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sbx_err(err, EINVAL, "%s:%d:%d: %s", src.name, jerr.line, jerr.column,
			       jerr.text);
	int r = policy_from_json(root, &src, ret);
	json_decref(root);
	return r;
}

int policy_load_file(const char *path, struct sbx_policy **ret, struct sbx_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(path, POLICY_MAX_TEXT, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "read policy %s", path);
	return policy_parse(text, len, path, ret, err);
}

int policy_load_default(struct sbx_policy **ret, struct sbx_error *err)
{
	const char *text = policy_default_text();
	return policy_parse(text, strlen(text), "default policy", ret, err);
}

int policy_from_oci(const json_t *seccomp, const char *name, const char *text, size_t len,
		    const char *path, struct sbx_policy **ret, struct sbx_error *err)
{
	struct policy_src src = {.name = name ? name : "config.json",
				 .text = text,
				 .len = len,
				 .prefix = path ? path : "",
				 .oci = true,
				 .err = err};
	if (!seccomp)
		return sbx_err(err, EINVAL, "%s: no linux.seccomp object", src.name);
	return policy_from_json(seccomp, &src, ret);
}

void policy_free(struct sbx_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		policy_rule_done(&p->rules[i]);
	free(p->rules);
	policy_strv_free(p->emulate);
	policy_strv_free(p->files_writable);
	policy_strv_free(p->files_readonly);
	policy_strv_free(p->files_hidden);
	free(p->egress);
	free(p->bind);
	policy_strv_free(p->sysctl_allow);
	policy_strv_free(p->exec_allow);
	free(p);
}

enum policy_mode policy_mode(const struct sbx_policy *p)
{
	return p ? p->mode : POLICY_ENFORCE;
}

bool policy_emulates(const struct sbx_policy *p, const char *syscall_name)
{
	return p && syscall_name && policy_strv_contains(p->emulate, syscall_name);
}
