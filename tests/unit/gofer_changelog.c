/* gofer/changelog.c writes its JSON lines itself. For valid UTF-8 a line must be exactly what
 * jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) makes of the same record; a string
 * that is not UTF-8 must still be logged: U+FFFD in its place, its bytes in "<key>_hex". */
#include <criterion/criterion.h>

#include "gofer/internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

TestSuite(gofer_changelog, .timeout = 10);

/* One change logged into a memfd; the line returned (malloc'd). */
static char *log_one(const struct gofer_change *ch, const char *comm, const char *id)
{
	int fd = memfd_create("changes", MFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	struct gofer_config cfg = {.changes_fd = fd, .id = id};
	struct gofer_server s = {.cfg = &cfg};
	struct gofer_msg m = {0};
	m.req.caller.pid = 4242;
	snprintf(m.req.caller.comm, sizeof(m.req.caller.comm), "%s", comm);
	gofer_changelog(&s, &m, ch);
	off_t len = lseek(fd, 0, SEEK_END);
	cr_assert_gt(len, 0);
	char *line = calloc(1, (size_t)len + 1);
	cr_assert_eq(pread(fd, line, (size_t)len, 0), len);
	close(fd);
	cr_assert_eq(line[len - 1], '\n', "one line: %s", line);
	cr_assert_null(memchr(line, '\n', (size_t)len - 1));
	return line;
}

static void add_str(json_t *o, const char *key, const char *v)
{
	if (v)
		cr_assert_eq(json_object_set_new(o, key, json_string(v)), 0, "%s", key);
}

static void add_int(json_t *o, const char *key, long long v)
{
	if (v >= 0)
		json_object_set_new(o, key, json_integer(v));
}

/* The line jansson makes of the same record (the time taken from `line`). */
static char *jansson_line(const char *line, const struct gofer_change *ch, const char *comm,
			  const char *id)
{
	json_t *got = json_loads(line, 0, NULL);
	cr_assert_not_null(got, "not JSON: %s", line);
	json_t *o = json_object();
	char mode[24];
	add_str(o, "time", json_string_value(json_object_get(got, "time")));
	add_str(o, "op", ch->op);
	add_str(o, "path", ch->path);
	add_str(o, "path2", ch->path2);
	add_int(o, "pid", 4242);
	add_str(o, "comm", comm);
	if (ch->mode >= 0) {
		snprintf(mode, sizeof(mode), "%04lo", (unsigned long)ch->mode);
		add_str(o, "mode", mode);
	}
	add_int(o, "uid", ch->uid);
	add_int(o, "gid", ch->gid);
	add_int(o, "flags", ch->flags);
	add_int(o, "length", ch->length);
	add_str(o, "name", ch->name);
	if (ch->refused)
		add_str(o, "refused", strerrorname_np(ch->refused));
	add_str(o, "sandbox", id);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	json_decref(got);
	char *out = NULL;
	cr_assert_geq(asprintf(&out, "%s\n", text), 0);
	free(text);
	return out;
}

static void expect_as_jansson(const struct gofer_change *ch, const char *comm, const char *id)
{
	char *line = log_one(ch, comm, id);
	char *want = jansson_line(line, ch, comm, id);
	cr_expect_str_eq(line, want);
	free(line);
	free(want);
}

Test(gofer_changelog, same_line_as_jansson)
{
	struct gofer_change ch;
	gofer_change_init(&ch, "create");
	ch.path = "/root/plain";
	ch.mode = 0600;
	ch.flags = 0x80241;
	expect_as_jansson(&ch, "syscall_loop", "sbx-bench-1");

	gofer_change_init(&ch, "rename");
	ch.path = "/a \"quoted\" \\ back/slash\t\n\r\b\f\x01\x1f\x7f";
	ch.path2 = "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80/\xef\xbf\xbf";
	ch.flags = 1;
	expect_as_jansson(&ch, "a\"b\\c", "id-\"x\"");

	gofer_change_init(&ch, "chown");
	ch.path = "/f";
	ch.uid = 0;
	ch.gid = 4294967295LL;
	ch.length = 123456789012LL;
	ch.name = "user.sbx";
	ch.refused = EACCES;
	expect_as_jansson(&ch, "", "");

	gofer_change_init(&ch, "unlink");
	ch.path = "/x";
	ch.refused = 4095; /* no name for it: no "refused" field, as with jansson */
	expect_as_jansson(&ch, "rm", "id");
}

/* Each of these is refused by jansson (a record without that field, before) and by us. */
static const char *const not_utf8[] = {
    "/r/\xe9t\xe9",	    /* Latin-1 */
    "/trunc\xc3",	    /* a sequence cut short */
    "/over\xc0\xaf",	    /* overlong "/" */
    "/sur\xed\xa0\x80",	    /* a UTF-16 surrogate */
    "/big\xf4\x90\x80\x80", /* above U+10FFFF */
    "/\xff\xfe",
};

static void hex_of(const char *s, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", (unsigned char)*s);
	*out = '\0';
}

Test(gofer_changelog, names_that_are_not_utf8_are_logged)
{
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		const char *path = not_utf8[i];
		json_t *j = json_string(path);
		cr_expect_null(j, "jansson takes %zu as UTF-8", i);
		json_decref(j);
		struct gofer_change ch;
		gofer_change_init(&ch, "create");
		ch.path = path;
		char *line = log_one(&ch, "t\xe9st", "id");
		json_t *o = json_loads(line, 0, NULL);
		cr_assert_not_null(o, "not JSON: %s", line);
		const char *shown = json_string_value(json_object_get(o, "path"));
		cr_assert_not_null(shown, "%s", line);
		cr_expect_not_null(strstr(shown, "\xef\xbf\xbd"), "%s", shown);
		char hex[128];
		hex_of(path, hex);
		cr_expect_str_eq(json_string_value(json_object_get(o, "path_hex")), hex);
		cr_expect_str_eq(json_string_value(json_object_get(o, "comm")), "t\xef\xbf\xbdst");
		cr_expect_str_eq(json_string_value(json_object_get(o, "comm_hex")), "74e97374");
		cr_expect_str_eq(json_string_value(json_object_get(o, "op")), "create");
		cr_expect_null(json_object_get(o, "op_hex"));
		json_decref(o);
		free(line);
	}
	/* "é" whole, then cut: one U+FFFD per byte that is not part of a valid sequence */
	struct gofer_change ch;
	gofer_change_init(&ch, "create");
	ch.path = "/\xc3\xa9\xc3";
	char *line = log_one(&ch, "c", "id");
	json_t *o = json_loads(line, 0, NULL);
	cr_assert_not_null(o);
	cr_expect_str_eq(json_string_value(json_object_get(o, "path")), "/\xc3\xa9\xef\xbf\xbd");
	json_decref(o);
	free(line);
}

Test(gofer_changelog, long_names_fit)
{
	static char path[GOFER_PATH_MAX];
	memset(path, '\x01', sizeof(path) - 1); /* each byte 6 bytes long escaped */
	path[0] = '/';
	struct gofer_change ch;
	gofer_change_init(&ch, "symlink");
	ch.path = path;
	ch.path2 = path;
	expect_as_jansson(&ch, "fifteen-chars-x", "id");
	memset(path + 1, '\xff', sizeof(path) - 2); /* each 3 bytes (U+FFFD) and 2 of hex */
	char *line = log_one(&ch, "c", "id");
	json_t *o = json_loads(line, 0, NULL);
	cr_expect_not_null(o);
	json_decref(o);
	free(line);
}

/* The longest line: control bytes (6 bytes each escaped) in a name that also holds one byte
 * that is not UTF-8, so the escaped string and its hex (2 more per byte) are both written. */
Test(gofer_changelog, control_bytes_and_an_invalid_one_fit)
{
	static char path[GOFER_PATH_MAX];
	memset(path, '\x01', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 2] = '\xff';
	struct gofer_change ch;
	gofer_change_init(&ch, "rename");
	ch.path = path;
	ch.path2 = path;
	char *line =
	    log_one(&ch, "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff", path);
	json_t *o = json_loads(line, 0, NULL);
	cr_assert_not_null(o, "not JSON");
	cr_expect_eq(strlen(json_string_value(json_object_get(o, "path_hex"))),
		     2 * (sizeof(path) - 1));
	json_decref(o);
	free(line);
}
