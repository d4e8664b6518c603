/* A small JSON scanner that finds where the value (or key) at a path starts.
 *
 * It walks the text once, descending along the path and skipping everything else. Skipping a
 * nested value uses an explicit bit stack of bounded depth, never recursion, so any input
 * (truncated, hostile, deeply nested) ends in a result or -EINVAL. Only the parts of the text it
 * walks over are checked; it is not a validator. Columns count UTF-8 characters from 1, as
 * jansson does. */
#include "lib/jsonpos.h"

#include <jansson.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define JSONPOS_MAX_DEPTH 1024

struct scan {
	const char *s;
	size_t len;
	size_t pos;
};

static int peek(const struct scan *sc)
{
	return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static void skip_ws(struct scan *sc)
{
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

static int hex4(const struct scan *sc, size_t at, unsigned *ret)
{
	unsigned v = 0;
	if (at + 4 > sc->len)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		char c = sc->s[at + i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static size_t utf8_encode(unsigned cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode one escape after the backslash at sc->pos into out; advance past it. */
static int scan_escape(struct scan *sc, char out[4], size_t *ret_n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned cp, lo;
	if (sc->pos + 1 >= sc->len)
		return -EINVAL;
	char c = sc->s[sc->pos + 1];
	const char *p = c ? strchr(from, c) : NULL;
	if (p) {
		out[0] = to[p - from];
		*ret_n = 1;
		sc->pos += 2;
		return 0;
	}
	if (c != 'u' || hex4(sc, sc->pos + 2, &cp) < 0)
		return -EINVAL;
	sc->pos += 6;
	if (cp >= 0xD800 && cp < 0xDC00 && sc->pos + 1 < sc->len && sc->s[sc->pos] == '\\' &&
	    sc->s[sc->pos + 1] == 'u' && hex4(sc, sc->pos + 2, &lo) == 0 && lo >= 0xDC00 &&
	    lo < 0xE000) {
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		sc->pos += 6;
	}
	*ret_n = utf8_encode(cp, out);
	return 0;
}

/* Scan a string starting at its opening quote. If want is non-NULL, *ret_eq tells whether the
 * decoded string equals want[0..wlen). */
static int scan_string(struct scan *sc, const char *want, size_t wlen, int *ret_eq)
{
	size_t matched = 0;
	int eq = 1;
	if (peek(sc) != '"')
		return -EINVAL;
	sc->pos++;
	for (;;) {
		char buf[4];
		size_t n = 1;
		if (sc->pos >= sc->len)
			return -EINVAL;
		char c = sc->s[sc->pos];
		if (c == '"') {
			sc->pos++;
			break;
		}
		if ((unsigned char)c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			if (scan_escape(sc, buf, &n) < 0)
				return -EINVAL;
		} else {
			buf[0] = c;
			sc->pos++;
		}
		if (want && eq) {
			if (matched + n > wlen || memcmp(want + matched, buf, n) != 0)
				eq = 0;
			matched += n;
		}
	}
	if (ret_eq)
		*ret_eq = eq && want && matched == wlen;
	return 0;
}

static int scan_scalar(struct scan *sc)
{
	static const char *const lits[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lits[i]);
		if (sc->len - sc->pos >= n && memcmp(sc->s + sc->pos, lits[i], n) == 0) {
			sc->pos += n;
			return 0;
		}
	}
	size_t start = sc->pos;
	while (sc->pos < sc->len && sc->s[sc->pos] && strchr("+-0123456789.eE", sc->s[sc->pos]))
		sc->pos++;
	return sc->pos > start ? 0 : -EINVAL;
}

/* Skip one complete value of any depth, iteratively. */
static int skip_value(struct scan *sc)
{
	uint8_t is_obj[JSONPOS_MAX_DEPTH / 8] = {0};
	unsigned depth = 0;
	bool want_value = true; /* else: after a value, expecting ',' or a closer */

	for (;;) {
		skip_ws(sc);
		int c = peek(sc);
		if (want_value) {
			if (c == '{' || c == '[') {
				if (depth >= JSONPOS_MAX_DEPTH)
					return -EINVAL;
				if (c == '{')
					is_obj[depth / 8] |= (uint8_t)(1u << (depth % 8));
				else
					is_obj[depth / 8] &= (uint8_t) ~(1u << (depth % 8));
				depth++;
				sc->pos++;
				skip_ws(sc);
				if (peek(sc) == (c == '{' ? '}' : ']')) {
					sc->pos++;
					depth--;
					want_value = false;
				} else if (c == '{') {
					if (scan_string(sc, NULL, 0, NULL) < 0)
						return -EINVAL;
					skip_ws(sc);
					if (peek(sc) != ':')
						return -EINVAL;
					sc->pos++;
				}
				if (depth == 0)
					return 0;
				continue;
			}
			int r = c == '"' ? scan_string(sc, NULL, 0, NULL) : scan_scalar(sc);
			if (r < 0)
				return r;
			if (depth == 0)
				return 0;
			want_value = false;
			continue;
		}
		bool obj = is_obj[(depth - 1) / 8] & (1u << ((depth - 1) % 8));
		if (c == ',') {
			sc->pos++;
			want_value = true;
			if (obj) {
				skip_ws(sc);
				if (scan_string(sc, NULL, 0, NULL) < 0)
					return -EINVAL;
				skip_ws(sc);
				if (peek(sc) != ':')
					return -EINVAL;
				sc->pos++;
			}
			continue;
		}
		if (c != (obj ? '}' : ']'))
			return -EINVAL;
		sc->pos++;
		if (--depth == 0)
			return 0;
	}
}

/* In the object at sc->pos, find key comp; leave sc at the key or value. */
static int find_member(struct scan *sc, const char *comp, size_t clen, bool at_key)
{
	sc->pos++; /* '{' */
	skip_ws(sc);
	if (peek(sc) == '}')
		return -ENOENT;
	for (;;) {
		int eq = 0;
		size_t key_pos = sc->pos;
		if (scan_string(sc, comp, clen, &eq) < 0)
			return -EINVAL;
		skip_ws(sc);
		if (peek(sc) != ':')
			return -EINVAL;
		sc->pos++;
		skip_ws(sc);
		if (eq) {
			if (at_key)
				sc->pos = key_pos;
			return 0;
		}
		if (skip_value(sc) < 0)
			return -EINVAL;
		skip_ws(sc);
		int c = peek(sc);
		if (c == '}')
			return -ENOENT;
		if (c != ',')
			return -EINVAL;
		sc->pos++;
		skip_ws(sc);
	}
}

static int parse_index(const char *comp, size_t clen, size_t *ret)
{
	size_t v = 0;
	if (clen == 0 || clen > 9 || (clen > 1 && comp[0] == '0'))
		return -ENOENT;
	for (size_t i = 0; i < clen; i++) {
		if (comp[i] < '0' || comp[i] > '9')
			return -ENOENT;
		v = v * 10 + (size_t)(comp[i] - '0');
	}
	*ret = v;
	return 0;
}

static int find_element(struct scan *sc, const char *comp, size_t clen)
{
	size_t want, i = 0;
	if (parse_index(comp, clen, &want) < 0)
		return -ENOENT;
	sc->pos++; /* '[' */
	skip_ws(sc);
	if (peek(sc) == ']')
		return -ENOENT;
	for (;; i++) {
		if (i == want)
			return 0;
		if (skip_value(sc) < 0)
			return -EINVAL;
		skip_ws(sc);
		int c = peek(sc);
		if (c == ']')
			return -ENOENT;
		if (c != ',')
			return -EINVAL;
		sc->pos++;
		skip_ws(sc);
	}
}

static void position_of(const char *text, size_t pos, unsigned *ret_line, unsigned *ret_col)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < pos; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			col = 1;
		} else if ((c & 0xC0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}

int json_locate(const char *text, size_t len, const char *path, bool at_key, unsigned *ret_line,
		unsigned *ret_col)
{
	struct scan sc = {.s = text, .len = len, .pos = 0};
	if (!text || !path)
		return -EINVAL;
	skip_ws(&sc);
	if (sc.pos >= len)
		return -EINVAL;
	if (*path == '\0' && at_key)
		return -ENOENT;

	const char *p = path;
	while (*path != '\0') {
		const char *end = strchr(p, '/');
		size_t clen = end ? (size_t)(end - p) : strlen(p);
		bool last = end == NULL;
		int c = peek(&sc), r;
		if (c == '{')
			r = find_member(&sc, p, clen, last && at_key);
		else if (c == '[' && !(last && at_key))
			r = find_element(&sc, p, clen);
		else if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
			 c == 'f' || c == 'n')
			r = -ENOENT;
		else
			r = -EINVAL;
		if (r < 0)
			return r;
		if (last)
			break;
		p = end + 1;
	}
	if (sc.pos >= len)
		return -EINVAL;
	unsigned line, col;
	position_of(text, sc.pos, &line, &col);
	if (ret_line)
		*ret_line = line;
	if (ret_col)
		*ret_col = col;
	return 0;
}

const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}
