/* json_locate: where a value or key at a path sits in JSON text. */
#include "lib/jsonpos.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int loc(const char *text, const char *path, bool at_key, unsigned *line, unsigned *col)
{
	*line = *col = 0;
	return json_locate(text, strlen(text), path, at_key, line, col);
}

#define AT(text, path, at_key, l, c)                                                               \
	do {                                                                                       \
		unsigned _l, _c;                                                                   \
		cr_assert_eq(loc(text, path, at_key, &_l, &_c), 0, "path %s", path);               \
		cr_expect_eq(_l, l, "path %s: line %u, want %u", path, _l, l);                     \
		cr_expect_eq(_c, c, "path %s: col %u, want %u", path, _c, c);                      \
	} while (0)

static const char doc[] = "{\n"
			  "  \"a\": 1,\n"
			  "  \"b\": {\"c\": [10, {\"d\": \"x\"}, [true, null]]},\n"
			  "  \"e\\\"q\": \"s\\\\\\\"}]\",\n"
			  "  \"\\u00e9t\\u00e9\": 2,\n"
			  "  \"long\": -1.5e+10\n"
			  "}\n";

Test(jsonpos, document_and_top_keys)
{
	AT(doc, "", false, 1, 1);
	AT(doc, "a", false, 2, 8);
	AT(doc, "a", true, 2, 3);
	AT(doc, "long", false, 6, 11);
}

Test(jsonpos, nested_objects_and_arrays)
{
	AT(doc, "b", false, 3, 8);
	AT(doc, "b/c", false, 3, 14);
	AT(doc, "b/c/0", false, 3, 15);
	AT(doc, "b/c/1", false, 3, 19);
	AT(doc, "b/c/1/d", false, 3, 25);
	AT(doc, "b/c/1/d", true, 3, 20);
	AT(doc, "b/c/2/1", false, 3, 38);
}

Test(jsonpos, escapes_in_keys_and_strings)
{
	/* the key is e"q; its value contains \, ", } and ] that must not confuse the scanner */
	AT(doc, "e\"q", false, 4, 11);
	AT(doc, "e\"q", true, 4, 3);
	/* "\u00e9t\u00e9" decodes to UTF-8 "été" */
	AT(doc, "\xc3\xa9t\xc3\xa9", false, 5, 20);
}

Test(jsonpos, utf8_columns_count_characters)
{
	AT("{\"\xc3\xa9\xc3\xa9\": 1, \"k\": 2}", "k", false, 1, 16);
}

Test(jsonpos, missing_paths)
{
	unsigned l, c;
	cr_expect_eq(loc(doc, "zz", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "b/c/3", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "b/c/x", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "b/c/01", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "a/b", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "b/c/0", true, &l, &c), -ENOENT, "array elements have no key");
	cr_expect_eq(loc("{}", "a", false, &l, &c), -ENOENT);
	cr_expect_eq(loc("[]", "0", false, &l, &c), -ENOENT);
	cr_expect_eq(loc(doc, "", true, &l, &c), -ENOENT);
}

Test(jsonpos, malformed_text)
{
	unsigned l, c;
	cr_expect_eq(loc("", "", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("   ", "", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\" 1, \"b\": 2}", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": [1, 2, \"b\": 2}", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": \"unterminated", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": \"bad \\x escape\", \"b\": 1}", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": {\"x\": 1]}", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": 1", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(loc("{\"a\": @, \"b\": 1}", "b", false, &l, &c), -EINVAL);
	cr_expect_eq(json_locate(NULL, 0, "", false, &l, &c), -EINVAL);
	/* the text is bounded by len, not by a NUL */
	cr_expect_eq(json_locate("{\"a\": 1, \"b\": 2}", 8, "b", false, &l, &c), -EINVAL);
	cr_expect_eq(json_locate("{\"a\": 1, \"b\": 2}", 16, "b", false, &l, &c), 0);
}

Test(jsonpos, deep_nesting_is_bounded)
{
	size_t n = 100000;
	char *s = malloc(2 * n + 32);
	cr_assert(s);
	strcpy(s, "{\"a\": ");
	size_t off = strlen(s);
	memset(s + off, '[', n);
	memset(s + off + n, ']', n);
	strcpy(s + off + 2 * n, ", \"b\": 1}");
	unsigned l, c;
	cr_expect_eq(json_locate(s, strlen(s), "b", false, &l, &c), -EINVAL);
	/* within the limit it works */
	off = strlen("{\"a\": ");
	memset(s + off, '[', 500);
	memset(s + off + 500, ']', 500);
	strcpy(s + off + 1000, ", \"b\": 1}");
	cr_expect_eq(json_locate(s, strlen(s), "b", false, &l, &c), 0);
	cr_expect_eq(c, 1000 + 14);
	free(s);
}

Test(jsonpos, every_prefix_of_a_document_is_safe)
{
	/* truncated text never reads past len (run under ASan) */
	size_t n = strlen(doc);
	for (size_t i = 0; i <= n; i++) {
		char *copy = malloc(i ? i : 1);
		cr_assert(copy);
		memcpy(copy, doc, i);
		unsigned l, c;
		int r = json_locate(copy, i, "b/c/2/1", false, &l, &c);
		cr_expect(r == 0 || r == -EINVAL || r == -ENOENT);
		r = json_locate(copy, i, "long", true, &l, &c);
		cr_expect(r == 0 || r == -EINVAL || r == -ENOENT);
		free(copy);
	}
}
