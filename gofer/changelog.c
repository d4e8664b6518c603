/* The change log: one JSON object per line, appended with a single write() to an O_APPEND fd,
 * for every change made and every change the policy refused. A failure to log does not undo
 * the change (it already happened); it is reported at debug level.
 *
 * The line is written here directly, not through a JSON library: it is on the path of every
 * brokered change, and building and dumping a jansson object cost more than the write itself.
 * Strings are escaped as JSON requires (", \ and control characters; UTF-8 kept as it is). A
 * string that is not valid UTF-8 (a file name is any bytes but "/" and NUL) cannot be a JSON
 * string as it stands: it is written with U+FFFD for each byte that is not part of a valid
 * sequence, and its exact bytes follow in hex as "<key>_hex" ("path_hex": "2f72c3"), so that
 * the record, the path with it, is never dropped. */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gofer_change_init(struct gofer_change *ch, const char *op)
{
	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->mode = -1;
	ch->uid = -1;
	ch->gid = -1;
	ch->flags = -1;
	ch->length = -1;
}

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* The output line: `end` is where the next byte goes; capacity is reserved up front. */
struct line {
	char *buf, *end;
	bool first;
};

static void put(struct line *l, const char *s, size_t n)
{
	memcpy(l->end, s, n);
	l->end += n;
}

static void put_key(struct line *l, const char *key)
{
	*l->end++ = l->first ? '{' : ',';
	l->first = false;
	*l->end++ = '"';
	put(l, key, strlen(key));
	put(l, "\":", 2);
}

/* A control character as JSON writes it: \n and friends, else \u00XX. */
static void put_control(struct line *l, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *short_form = NULL;
	switch (c) {
	case '\b':
		short_form = "\\b";
		break;
	case '\f':
		short_form = "\\f";
		break;
	case '\n':
		short_form = "\\n";
		break;
	case '\r':
		short_form = "\\r";
		break;
	case '\t':
		short_form = "\\t";
		break;
	}
	if (short_form) {
		put(l, short_form, 2);
		return;
	}
	put(l, "\\u00", 4);
	*l->end++ = hex[c >> 4];
	*l->end++ = hex[c & 0xf];
}

/* `s` as a JSON string; false if it was not valid UTF-8 (U+FFFD written instead). */
static bool put_string(struct line *l, const char *s)
{
	bool valid = true;
	*l->end++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (n == 0) {
			put(l, "\xef\xbf\xbd", 3);
			valid = false;
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			*l->end++ = '\\';
			*l->end++ = (char)*p;
		} else if (*p < 0x20) {
			put_control(l, *p);
		} else {
			put(l, (const char *)p, n);
		}
		p += n;
	}
	*l->end++ = '"';
	return valid;
}

static void set_str(struct line *l, const char *key, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	if (!v)
		return;
	put_key(l, key);
	if (put_string(l, v))
		return;
	*l->end++ = ',';
	*l->end++ = '"';
	put(l, key, strlen(key));
	put(l, "_hex\":\"", 7);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		*l->end++ = hex[*p >> 4];
		*l->end++ = hex[*p & 0xf];
	}
	*l->end++ = '"';
}

static void set_int(struct line *l, const char *key, long long v)
{
	char num[24];
	if (v < 0)
		return;
	put_key(l, key);
	put(l, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

/* Room for the line: a string byte takes at most 6 bytes escaped (\u00XX), and 2 more of hex
 * when the string is not UTF-8 (a control byte in a name that also holds an invalid one); keys,
 * numbers and punctuation fit in the fixed part. */
static size_t line_max(struct gofer_server *s, const struct gofer_msg *m,
		       const struct gofer_change *ch)
{
	const char *strs[] = {ch->op, ch->path, ch->path2, ch->name, s->cfg->id};
	size_t n = 1024 + 8 * sizeof(m->req.caller.comm);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		n += strs[i] ? 8 * strlen(strs[i]) : 0;
	return n;
}

static void change_line(struct gofer_server *s, const struct gofer_msg *m,
			const struct gofer_change *ch, struct line *l)
{
	char now[64], mode[24];
	char comm[sizeof(m->req.caller.comm) + 1];
	time_rfc3339(now, sizeof(now));
	memcpy(comm, m->req.caller.comm, sizeof(m->req.caller.comm));
	comm[sizeof(comm) - 1] = '\0';
	set_str(l, "time", now);
	set_str(l, "op", ch->op);
	set_str(l, "path", ch->path);
	set_str(l, "path2", ch->path2);
	set_int(l, "pid", m->req.caller.pid);
	set_str(l, "comm", comm);
	if (ch->mode >= 0) {
		snprintf(mode, sizeof(mode), "%04lo", (unsigned long)ch->mode);
		set_str(l, "mode", mode);
	}
	set_int(l, "uid", ch->uid);
	set_int(l, "gid", ch->gid);
	set_int(l, "flags", ch->flags);
	set_int(l, "length", ch->length);
	set_str(l, "name", ch->name);
	if (ch->refused)
		set_str(l, "refused", strerrorname_np(ch->refused));
	set_str(l, "sandbox", s->cfg->id);
	*l->end++ = '}';
	*l->end++ = '\n';
}

void gofer_changelog(struct gofer_server *s, const struct gofer_msg *m,
		     const struct gofer_change *ch)
{
	if (s->cfg->changes_fd < 0)
		return;
	_cleanup_free_ char *buf = malloc(line_max(s, m, ch));
	if (!buf)
		return;
	struct line l = {.buf = buf, .end = buf, .first = true};
	change_line(s, m, ch, &l);
	/* One write: O_APPEND keeps concurrent lines whole. */
	int r = write_all(s->cfg->changes_fd, l.buf, (size_t)(l.end - l.buf));
	if (r < 0)
		log_debug("gofer: change log: %s", strerror(-r));
}

int gofer_refuse(struct gofer_server *s, const struct gofer_msg *m, const char *op,
		 const char *path, const char *path2, int err)
{
	if (err == GOFER_RESULT_KERNEL)
		return err; /* not a refusal: the kernel answers, and nothing was changed here */
	struct gofer_change ch;
	gofer_change_init(&ch, op);
	ch.path = path;
	ch.path2 = path2;
	ch.refused = err < 0 ? -err : err;
	gofer_changelog(s, m, &ch);
	return err < 0 ? err : -err;
}
