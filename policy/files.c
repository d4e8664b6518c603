/* "sbx": {"files": {"writable": [...], "readonly": [...], "hidden": [...]}}: container paths for
 * the gofer, absolute and normalized, and their accessors. */
#include "policy/internal.h"
#include "lib/error.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *const files_keys[] = {"writable", "readonly", "hidden", NULL};

/* "/" or "/a/b": no empty, "." or ".." component, no trailing "/". */
static bool path_normalized(const char *s)
{
	if (strcmp(s, "/") == 0)
		return true;
	while (*s == '/') {
		const char *end = strchrnul(s + 1, '/');
		size_t n = (size_t)(end - (s + 1));
		if (n == 0 || (n == 1 && s[1] == '.') || (n == 2 && s[1] == '.' && s[2] == '.'))
			return false;
		s = end;
	}
	return *s == '\0';
}

int policy_check_path(const char *s, const char *path, const struct policy_src *src)
{
	if (s[0] != '/')
		return policy_errf(src, false, path,
				   "relative path \"%s\", expected an absolute container path", s);
	if (strlen(s) >= PATH_MAX)
		return policy_errf(src, false, path, "path longer than %d bytes", PATH_MAX - 1);
	if (!path_normalized(s))
		return policy_errf(src, false, path,
				   "path \"%s\" is not normalized (no empty, \".\" or \"..\" "
				   "components, no trailing \"/\")",
				   s);
	return 0;
}

/* A list: absent or null leaves *ret NULL. */
static int parse_list(const json_t *files, const char *key, const char *path,
		      const struct policy_src *src, char ***ret)
{
	char sub[512];
	json_t *v = json_object_get(files, key);
	if (!v || json_is_null(v))
		return 0;
	snprintf(sub, sizeof(sub), "%s/%s", path, key);
	return policy_get_string_array(v, sub, src, policy_check_path, ret);
}

int policy_files_parse(struct sbx_policy *p, const json_t *v, const char *path,
		       const struct policy_src *src)
{
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return policy_type_err(src, path, v, "an object");
	if (policy_check_keys(v, path, src, files_keys) < 0)
		return -EINVAL;
	if (parse_list(v, "writable", path, src, &p->files_writable) < 0 ||
	    parse_list(v, "readonly", path, src, &p->files_readonly) < 0 ||
	    parse_list(v, "hidden", path, src, &p->files_hidden) < 0)
		return -EINVAL;
	return 0;
}

static const char *const no_paths[] = {NULL};

const char *const *policy_files_writable(const struct sbx_policy *p)
{
	return p ? (const char *const *)p->files_writable : NULL;
}

const char *const *policy_files_readonly(const struct sbx_policy *p)
{
	return p && p->files_readonly ? (const char *const *)p->files_readonly : no_paths;
}

const char *const *policy_files_hidden(const struct sbx_policy *p)
{
	return p && p->files_hidden ? (const char *const *)p->files_hidden : no_paths;
}
