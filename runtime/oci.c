/* config.json: load, parse the top level (version, root, hostname, mounts, annotations) and hand
 * "process" and "linux" to their own files. Unknown keys are ignored, as the spec requires. */
#include "runtime/oci_internal.h"

#include <errno.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#define OCI_CONFIG_MAX (4u << 20)

static void oci_config_freep(struct oci_config **c)
{
	oci_config_free(*c);
}

static int parse_mount(const struct oci_ctx *c, json_t *v, const char *item, struct oci_mount *m)
{
	char sub[OCI_PATH_MAX];
	int r;

	if (!json_is_object(v))
		return oci_err_type(c, item, "object", v);
	r = oci_dup_string(c, v, item, "destination", true, &m->destination);
	if (r < 0)
		return r;
	oci_path_key(sub, item, "destination");
	if ((r = oci_check_absolute(c, sub, m->destination)) < 0 ||
	    (r = oci_dup_string(c, v, item, "type", false, &m->type)) < 0 ||
	    (r = oci_dup_string(c, v, item, "source", false, &m->source)) < 0 ||
	    (r = oci_get_strv(c, v, item, "options", false, &m->options, NULL)) < 0)
		return r;
	return 0;
}

static int parse_mounts(const struct oci_ctx *c, json_t *doc, struct oci_config *cfg)
{
	json_t *arr = NULL, *v;
	char item[OCI_PATH_MAX];
	size_t i;

	int r = oci_get_array(c, doc, "", "mounts", false, "array of objects", &arr);
	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	cfg->mounts = calloc(json_array_size(arr), sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return sbx_err(c->err, ENOMEM, "out of memory");
	json_array_foreach (arr, i, v) {
		oci_path_index(item, "mounts", i);
		cfg->n_mounts = i + 1; /* so that oci_config_free frees what parse_mount copied */
		r = parse_mount(c, v, item, &cfg->mounts[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(const struct oci_ctx *c, json_t *doc, struct oci_config *cfg)
{
	json_t *root;
	int r = oci_get_object(c, doc, "", "root", true, &root);
	if (r < 0)
		return r;
	if ((r = oci_dup_string(c, root, "root", "path", true, &cfg->root_path)) < 0 ||
	    (r = oci_get_bool(c, root, "root", "readonly", &cfg->root_readonly)) < 0)
		return r;
	return 0;
}

static int parse_doc(const struct oci_ctx *c, struct oci_config *cfg)
{
	json_t *doc = cfg->doc, *proc;
	int r;

	if ((r = oci_dup_string(c, doc, "", "ociVersion", true, &cfg->oci_version)) < 0 ||
	    (r = parse_root(c, doc, cfg)) < 0 ||
	    (r = oci_get_object(c, doc, "", "process", true, &proc)) < 0 ||
	    (r = oci_parse_process(c, proc, "process", &cfg->process)) < 0 ||
	    (r = oci_dup_string(c, doc, "", "hostname", false, &cfg->hostname)) < 0 ||
	    (r = parse_mounts(c, doc, cfg)) < 0 ||
	    (r = oci_get_string_map(c, doc, "", "annotations", &cfg->annotations)) < 0 ||
	    (r = oci_parse_linux(c, doc, cfg)) < 0)
		return r;
	return 0;
}

int oci_config_parse(const char *text, size_t len, const char *name, struct oci_config **ret,
		     struct sbx_error *err)
{
	_cleanup_(oci_config_freep) struct oci_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return sbx_err(err, ENOMEM, "out of memory");
	cfg->name = strdup(name);
	cfg->text = malloc(len + 1);
	if (!cfg->name || !cfg->text)
		return sbx_err(err, ENOMEM, "out of memory");
	memcpy(cfg->text, text, len);
	cfg->text[len] = '\0';
	cfg->text_len = len;

	struct oci_ctx c = {.text = cfg->text, .len = len, .name = cfg->name, .err = err};
	int r = oci_json_load(&c, &cfg->doc);
	if (r < 0)
		return r;
	r = parse_doc(&c, cfg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cfg);
	return 0;
}

int oci_config_load(const char *bundle, struct oci_config **ret, struct sbx_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t n = strlen(bundle), len;

	while (n > 1 && bundle[n - 1] == '/')
		n--;
	if (asprintf(&path, "%.*s/config.json", (int)n, bundle) < 0) {
		path = NULL;
		return sbx_err(err, ENOMEM, "out of memory");
	}
	int r = read_file(path, OCI_CONFIG_MAX, &text, &len);
	if (r == -EFBIG)
		return sbx_err(err, EFBIG, "%s: larger than %u bytes", path, OCI_CONFIG_MAX);
	if (r < 0)
		return sbx_err(err, -r, "%s: %s", path, strerror(-r));
	return oci_config_parse(text, len, path, ret, err);
}

static void free_mounts(struct oci_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].destination);
		free(m[i].type);
		free(m[i].source);
		oci_strv_free(m[i].options);
	}
	free(m);
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	free(c->hostname);
	oci_process_clear(&c->process);
	free_mounts(c->mounts, c->n_mounts);
	for (size_t i = 0; i < c->n_namespaces; i++)
		free(c->namespaces[i].path);
	free(c->namespaces);
	free(c->uid_mappings);
	free(c->gid_mappings);
	oci_strv_free(c->masked_paths);
	oci_strv_free(c->readonly_paths);
	free(c->cgroups_path);
	free(c->resources.devices);
	json_decref(c->doc);
	free(c->text);
	free(c->name);
	free(c);
}
