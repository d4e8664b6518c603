/* An error a user must read: an errno and a message, with context added at each layer. */
#ifndef SBX_LIB_ERROR_H
#define SBX_LIB_ERROR_H

#include <stddef.h>

struct sbx_error {
	int code;	/* positive errno, 0 when no error */
	char msg[1024]; /* "policy.json:12:7: unknown action 'alow'" */
};

/* Set the error (if err is non-NULL) and return -code, so callers can `return sbx_err(...)`. */
int sbx_err(struct sbx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like sbx_err, appending ": strerror(code)". */
int sbx_err_errno(struct sbx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message with context ("create cgroup: ..."); returns -err->code. */
int sbx_err_prefix(struct sbx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void sbx_err_clear(struct sbx_error *err);

#endif
