/* Where a value sits in JSON text (line and column), for error messages.
 *
 * jansson reports positions only for syntax errors; after a successful parse the model code
 * knows *which* value is wrong (a path such as "syscalls/3/action") and asks this module
 * where that value starts in the original text. */
#ifndef SBX_LIB_JSONPOS_H
#define SBX_LIB_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

/* `path` is '/'-separated: object keys, or decimal indexes into arrays; "" is the document.
 * With `at_key`, the position of the last component's key (for "unknown key" errors) rather
 * than of its value. Lines and columns count from 1. Returns 0, or -ENOENT if the path does
 * not exist, -EINVAL on malformed text. */
int json_locate(const char *text, size_t len, const char *path, bool at_key, unsigned *ret_line,
		unsigned *ret_col);

typedef struct json_t json_t;

/* The JSON name of a value's type, for messages: object, array, string, number, boolean,
 * null. */
const char *json_type_name(const json_t *v);

#endif
