/* The "process" object of config.json, also given alone to `exec --process FILE`. */
#include "runtime/oci_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"

static int parse_console(const struct oci_ctx *c, json_t *obj, const char *path,
			 struct oci_process *p)
{
	json_t *cs = NULL;
	char sub[OCI_PATH_MAX];
	uint64_t w, h;

	int r = oci_get_object(c, obj, path, "consoleSize", false, &cs);
	if (r < 0 || !cs)
		return r;
	oci_path_key(sub, path, "consoleSize");
	r = oci_get_u64(c, cs, sub, "height", true, UINT16_MAX, &h, NULL);
	if (r < 0)
		return r;
	r = oci_get_u64(c, cs, sub, "width", true, UINT16_MAX, &w, NULL);
	if (r < 0)
		return r;
	p->console_height = (unsigned)h;
	p->console_width = (unsigned)w;
	return 0;
}

static int parse_gids(const struct oci_ctx *c, json_t *user, const char *path,
		      struct oci_process *p)
{
	json_t *arr = NULL, *v;
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, user, path, "additionalGids", false, "array of integers", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	oci_path_key(sub, path, "additionalGids");
	_cleanup_free_ gid_t *gids = calloc(json_array_size(arr), sizeof(gid_t));
	if (!gids)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		uint64_t g;
		oci_path_index(item, sub, i);
		r = oci_num_u64(c, v, item, UINT32_MAX, &g);
		if (r < 0)
			return r;
		gids[i] = (gid_t)g;
	}
	p->n_additional_gids = json_array_size(arr);
	p->additional_gids = TAKE_PTR(gids);
	return 0;
}

static int parse_user(const struct oci_ctx *c, json_t *obj, const char *path, struct oci_process *p)
{
	json_t *user = NULL;
	char sub[OCI_PATH_MAX];
	uint64_t uid, gid, umask;

	int r = oci_get_object(c, obj, path, "user", true, &user);
	if (r < 0)
		return r;
	oci_path_key(sub, path, "user");
	r = oci_get_u64(c, user, sub, "uid", true, UINT32_MAX, &uid, NULL);
	if (r < 0)
		return r;
	r = oci_get_u64(c, user, sub, "gid", true, UINT32_MAX, &gid, NULL);
	if (r < 0)
		return r;
	r = oci_get_u64(c, user, sub, "umask", false, 0777, &umask, &p->has_umask);
	if (r < 0)
		return r;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	if (p->has_umask)
		p->umask = (mode_t)umask;
	return parse_gids(c, user, sub, p);
}

/* args: non-empty; env: "KEY=value"; cwd: absolute. */
static int parse_command(const struct oci_ctx *c, json_t *obj, const char *path,
			 struct oci_process *p)
{
	char sub[OCI_PATH_MAX];
	size_t n;

	int r = oci_get_strv(c, obj, path, "args", true, &p->args, &n);
	if (r < 0)
		return r;
	oci_path_key(sub, path, "args");
	if (n == 0)
		return oci_err_at(c, sub, "must contain at least one element");
	r = oci_get_strv(c, obj, path, "env", false, &p->env, &n);
	if (r < 0)
		return r;
	oci_path_key(sub, path, "env");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (!eq || eq == p->env[i]) {
			char item[OCI_PATH_MAX];
			oci_path_index(item, sub, i);
			return oci_err_at(c, item, "expected \"KEY=value\", got \"%s\"", p->env[i]);
		}
	}
	r = oci_dup_string(c, obj, path, "cwd", true, &p->cwd);
	if (r < 0)
		return r;
	oci_path_key(sub, path, "cwd");
	return oci_check_absolute(c, sub, p->cwd);
}

static int parse_cap_set(const struct oci_ctx *c, json_t *caps, const char *path, const char *key,
			 uint64_t *ret)
{
	json_t *arr = NULL, *v;
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t i;
	uint64_t mask = 0;

	int r = oci_get_array(c, caps, path, key, false, "array of strings", &arr);
	if (r < 0 || !arr)
		return r;
	oci_path_key(sub, path, key);
	json_array_foreach (arr, i, v) {
		oci_path_index(item, sub, i);
		if (!json_is_string(v))
			return oci_err_type(c, item, "string", v);
		int cap = oci_cap_from_name(json_string_value(v));
		if (cap < 0)
			return oci_err_at(c, item, "unknown capability \"%s\"",
					  json_string_value(v));
		mask |= UINT64_C(1) << cap;
	}
	*ret = mask;
	return 0;
}

static int parse_caps(const struct oci_ctx *c, json_t *obj, const char *path, struct oci_process *p)
{
	json_t *caps = NULL;
	char sub[OCI_PATH_MAX];

	int r = oci_get_object(c, obj, path, "capabilities", false, &caps);
	if (r < 0 || !caps)
		return r;
	oci_path_key(sub, path, "capabilities");
	if ((r = parse_cap_set(c, caps, sub, "bounding", &p->cap_bounding)) < 0 ||
	    (r = parse_cap_set(c, caps, sub, "effective", &p->cap_effective)) < 0 ||
	    (r = parse_cap_set(c, caps, sub, "inheritable", &p->cap_inheritable)) < 0 ||
	    (r = parse_cap_set(c, caps, sub, "permitted", &p->cap_permitted)) < 0 ||
	    (r = parse_cap_set(c, caps, sub, "ambient", &p->cap_ambient)) < 0)
		return r;
	return 0;
}

static int parse_rlimit(const struct oci_ctx *c, json_t *v, const char *item,
			const struct oci_rlimit *seen, size_t n_seen, struct oci_rlimit *rl)
{
	const char *type;
	char sub[OCI_PATH_MAX];

	if (!json_is_object(v))
		return oci_err_type(c, item, "object", v);
	int r = oci_get_string(c, v, item, "type", true, &type);
	if (r < 0)
		return r;
	oci_path_key(sub, item, "type");
	rl->resource = oci_rlimit_from_name(type);
	if (rl->resource < 0)
		return oci_err_at(c, sub, "unknown rlimit \"%s\"", type);
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].resource == rl->resource)
			return oci_err_at(c, sub, "duplicate rlimit \"%s\"", type);
	if ((r = oci_get_u64(c, v, item, "soft", true, UINT64_MAX, &rl->soft, NULL)) < 0 ||
	    (r = oci_get_u64(c, v, item, "hard", true, UINT64_MAX, &rl->hard, NULL)) < 0)
		return r;
	if (rl->soft > rl->hard)
		return oci_err_at(c, item, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
				  rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(const struct oci_ctx *c, json_t *obj, const char *path,
			 struct oci_process *p)
{
	json_t *arr = NULL, *v;
	char sub[OCI_PATH_MAX], item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, obj, path, "rlimits", false, "array of objects", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	oci_path_key(sub, path, "rlimits");
	_cleanup_free_ struct oci_rlimit *rls = calloc(json_array_size(arr), sizeof(*rls));
	if (!rls)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		oci_path_index(item, sub, i);
		r = parse_rlimit(c, v, item, rls, i, &rls[i]);
		if (r < 0)
			return r;
	}
	p->n_rlimits = json_array_size(arr);
	p->rlimits = TAKE_PTR(rls);
	return 0;
}

static int parse_flags(const struct oci_ctx *c, json_t *obj, const char *path,
		       struct oci_process *p)
{
	int64_t adj;
	int r;

	if ((r = oci_get_bool(c, obj, path, "terminal", &p->terminal)) < 0 ||
	    (r = oci_get_bool(c, obj, path, "noNewPrivileges", &p->no_new_privileges)) < 0)
		return r;
	r = oci_get_i64(c, obj, path, "oomScoreAdj", false, -1000, 1000, &adj,
			&p->has_oom_score_adj);
	if (r < 0)
		return r;
	if (p->has_oom_score_adj)
		p->oom_score_adj = (int)adj;
	return 0;
}

/* `path` is where obj sits: "process" in config.json, "" for a lone process file. */
int oci_parse_process(const struct oci_ctx *c, json_t *obj, const char *path, struct oci_process *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = parse_command(c, obj, path, p)) < 0 || (r = parse_user(c, obj, path, p)) < 0 ||
	    (r = parse_flags(c, obj, path, p)) < 0 || (r = parse_console(c, obj, path, p)) < 0 ||
	    (r = parse_caps(c, obj, path, p)) < 0 || (r = parse_rlimits(c, obj, path, p)) < 0) {
		oci_process_clear(p);
		return r;
	}
	return 0;
}

int oci_process_parse(const char *text, size_t len, const char *name, struct oci_process *ret,
		      struct sbx_error *err)
{
	struct oci_ctx c = {.text = text, .len = len, .name = name, .err = err};
	struct oci_process p;
	json_t *doc;

	int r = oci_json_load(&c, &doc);
	if (r < 0)
		return r;
	r = oci_parse_process(&c, doc, "", &p);
	json_decref(doc);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

void oci_process_clear(struct oci_process *p)
{
	if (!p)
		return;
	free(p->additional_gids);
	oci_strv_free(p->args);
	oci_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}
