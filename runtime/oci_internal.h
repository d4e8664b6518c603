/* Private to runtime/oci*.c: the parse context, JSON paths, and typed getters that fail with
 * "NAME:LINE:COL: path: what" (positions from lib/jsonpos.h). */
#ifndef SBX_RUNTIME_OCI_INTERNAL_H
#define SBX_RUNTIME_OCI_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/oci.h"

/* A JSON path is '/'-separated object keys and array indexes ("process/args/0"), as
 * json_locate() takes it; messages show it as "process.args[0]". */
#define OCI_PATH_MAX 256

struct oci_ctx {
	const char *text;
	size_t len;
	const char *name;
	struct sbx_error *err;
};

void oci_path_key(char *buf, const char *parent, const char *key);
void oci_path_index(char *buf, const char *parent, size_t index);

/* Errors, positioned at the value `path` names (or its nearest existing ancestor). */
int oci_err_at(const struct oci_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "expected <what>, got <type of v>". */
int oci_err_type(const struct oci_ctx *c, const char *path, const char *what, const json_t *v);
/* Positioned at the object `parent` that lacks `key`. */
int oci_err_missing(const struct oci_ctx *c, const char *parent, const char *key);

/* Parse text into a JSON object (syntax errors with jansson's line and column). */
int oci_json_load(const struct oci_ctx *c, json_t **ret);

/* Getters for obj[key], where obj sits at `parent`. An absent key or a JSON null counts as
 * absent: an error if `required`, else *ret is left alone (and *ret_present, if given, false). */
int oci_get_object(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, json_t **ret);
int oci_get_array(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		  bool required, const char *what, json_t **ret);
int oci_get_string(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, const char **ret);
int oci_dup_string(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		   bool required, char **ret);
int oci_get_bool(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool *ret);
int oci_get_u64(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, uint64_t max, uint64_t *ret, bool *ret_present);
int oci_get_i64(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, int64_t min, int64_t max, int64_t *ret, bool *ret_present);
int oci_num_u64(const struct oci_ctx *c, json_t *v, const char *path, uint64_t max, uint64_t *ret);

/* An array of strings, copied into a NULL-terminated vector (never NULL on success: an absent
 * array gives an empty vector). */
int oci_get_strv(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool required, char ***ret, size_t *ret_n);
void oci_strv_free(char **v);
/* An optional object whose values must all be strings (annotations, sysctl); borrowed. */
int oci_get_string_map(const struct oci_ctx *c, json_t *obj, const char *parent, const char *key,
		       json_t **ret);
/* An absolute path: error positioned at `path` otherwise. */
int oci_check_absolute(const struct oci_ctx *c, const char *path, const char *s);

int oci_parse_process(const struct oci_ctx *c, json_t *obj, const char *path,
		      struct oci_process *p);
/* memory, cpu and pids of a linux.resources object `res` found at `path` ("" for a document
 * of its own, as `sbx update --resources` reads). */
int oci_parse_resource_limits(const struct oci_ctx *c, json_t *res, const char *path,
			      struct oci_resources *rs);
/* linux.resources.devices, where `res` is linux.resources. */
int oci_parse_devices(const struct oci_ctx *c, json_t *res, struct oci_resources *rs);
int oci_parse_linux(const struct oci_ctx *c, json_t *doc, struct oci_config *cfg);

/* "pid" to CLONE_NEWPID ..., -1 if unknown. */
int oci_ns_from_name(const char *name);

#endif
