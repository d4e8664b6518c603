#include "lib/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int err_vset(struct sbx_error *err, int code, bool add_errno, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (!err)
		return -code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (add_errno) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	}
	return -code;
}

int sbx_err(struct sbx_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(err, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_errno(struct sbx_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(err, code, true, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_prefix(struct sbx_error *err, const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* prefix ": " old, cut at the buffer's end (a long message loses its tail) */
	size_t n = strnlen(prefix, sizeof(prefix) - 1);
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t room = sizeof(err->msg) - n - 3, m = strnlen(old, room);
	memcpy(err->msg + n + 2, old, m);
	err->msg[n + 2 + m] = '\0';
	if (err->code == 0)
		err->code = EINVAL;
	return -err->code;
}

void sbx_err_clear(struct sbx_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
