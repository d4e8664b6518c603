/* Showing one syscall argument: numbers, fds, pointers, captured paths and addresses; the
 * bounded writer every decoder function prints through. */
#include "tools/trace_args.h"
#include "tools/trace_decode.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tout_init(struct trace_out *o, char *buf, size_t len)
{
	*o = (struct trace_out){.buf = buf, .len = len};
	if (buf && len)
		buf[0] = '\0';
}

void tout_printf(struct trace_out *o, const char *fmt, ...)
{
	size_t room = o->buf && o->n < o->len ? o->len - o->n : 0;
	va_list ap;

	va_start(ap, fmt);
	int r = vsnprintf(room ? o->buf + o->n : NULL, room, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->n += (size_t)r;
}

static void put_escaped_char(struct trace_out *o, unsigned char ch)
{
	static const char *const named[256] = {
	    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r",
	};

	if (named[ch])
		tout_printf(o, "%s", named[ch]);
	else if (ch < 0x20 || ch >= 0x7f)
		tout_printf(o, "\\x%02x", ch);
	else
		tout_printf(o, "%c", ch);
}

void tout_escaped(struct trace_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_escaped_char(o, (unsigned char)s[i]);
}

size_t trace_escape(const char *s, size_t n, char *buf, size_t len)
{
	struct trace_out o;

	tout_init(&o, buf, len);
	tout_escaped(&o, s, strnlen(s, n));
	return o.n;
}

void tout_quoted(struct trace_out *o, const char *s)
{
	size_t n = strnlen(s, TRACE_STR_MAX + 1);
	bool cut = n > TRACE_STR_MAX;

	tout_printf(o, "\"");
	tout_escaped(o, s, cut ? TRACE_STR_MAX : n);
	tout_printf(o, "\"%s", cut ? "..." : "");
}

bool trace_open_creates(uint64_t flags)
{
	return flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY));
}

typedef void (*put_fn)(struct trace_out *o, const struct trace_call *c, int i);

static void put_int(struct trace_out *o, const struct trace_call *c, int i)
{
	tout_printf(o, "%d", (int)c->args[i]);
}

static void put_uint(struct trace_out *o, const struct trace_call *c, int i)
{
	tout_printf(o, "%u", (unsigned)c->args[i]);
}

static void put_long(struct trace_out *o, const struct trace_call *c, int i)
{
	tout_printf(o, "%lld", (long long)c->args[i]);
}

static void put_size(struct trace_out *o, const struct trace_call *c, int i)
{
	tout_printf(o, "%llu", (unsigned long long)c->args[i]);
}

static void put_hex(struct trace_out *o, const struct trace_call *c, int i)
{
	if (c->args[i])
		tout_printf(o, "%#llx", (unsigned long long)c->args[i]);
	else
		tout_printf(o, "0");
}

static void put_ptr(struct trace_out *o, const struct trace_call *c, int i)
{
	if (c->args[i])
		tout_printf(o, "%#llx", (unsigned long long)c->args[i]);
	else
		tout_printf(o, "NULL");
}

static void put_dirfd(struct trace_out *o, const struct trace_call *c, int i)
{
	if ((int)c->args[i] == AT_FDCWD)
		tout_printf(o, "AT_FDCWD");
	else
		put_int(o, c, i);
}

static void put_mode(struct trace_out *o, const struct trace_call *c, int i)
{
	tout_printf(o, "%#o", (unsigned)c->args[i]);
}

static void put_signal(struct trace_out *o, const struct trace_call *c, int i)
{
	trace_put_signal(o, c->args[i]);
}

/* The captured path belongs to the first path argument only. */
static void put_path(struct trace_out *o, const struct trace_call *c, int i)
{
	if (c->path && i == trace_path_arg(c->nr))
		tout_quoted(o, c->path);
	else
		put_ptr(o, c, i);
}

static void put_sockaddr(struct trace_out *o, const struct trace_call *c, int i)
{
	char addr[512];
	uint16_t family;

	if (!c->sockaddr || i != trace_sockaddr_arg(c->nr)) {
		put_ptr(o, c, i);
	} else if (trace_format_sockaddr(c->sockaddr, c->sockaddr_len, addr, sizeof(addr)) == 0) {
		tout_printf(o, "{%s}", addr);
	} else if (c->sockaddr_len >= sizeof(family)) {
		memcpy(&family, c->sockaddr, sizeof(family));
		const char *name = trace_family_name(family);
		if (name)
			tout_printf(o, "{%s}", name);
		else
			tout_printf(o, "{family=%u}", family);
	} else {
		put_ptr(o, c, i);
	}
}

static const put_fn scalars[TA__COUNT] = {
    [TA_INT] = put_int,	      [TA_UINT] = put_uint,
    [TA_LONG] = put_long,     [TA_SIZE] = put_size,
    [TA_HEX] = put_hex,	      [TA_PTR] = put_ptr,
    [TA_FD] = put_int,	      [TA_DIRFD] = put_dirfd,
    [TA_PATH] = put_path,     [TA_SOCKADDR] = put_sockaddr,
    [TA_MODE] = put_mode,     [TA_OPEN_MODE] = put_mode,
    [TA_SIGNAL] = put_signal,
};

void trace_format_arg(struct trace_out *o, const struct trace_call *c, int i,
		      enum trace_arg_kind kind)
{
	if ((unsigned)kind < TA__COUNT && scalars[kind])
		scalars[kind](o, c, i);
	else if (!trace_put_named(o, kind, c->args[i]))
		put_hex(o, c, i);
}
