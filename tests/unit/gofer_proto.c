/* gofer_decode against malformed messages, and random bytes (run it under ASan:
 * make B=/tmp/gofer-asan SANITIZE=address,undefined /tmp/gofer-asan/tests/unit/gofer_proto). */
#include <criterion/criterion.h>

#include "gofer/gofer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A message: the request, then path, path2, name, value. */
struct msg {
	unsigned char buf[GOFER_MSG_MAX + 16];
	size_t len;
};

static struct gofer_request base(enum gofer_op op)
{
	struct gofer_request r = {.version = GOFER_PROTO_VERSION, .op = op, .id = 7};
	r.caller.pid = 1;
	r.caller.umask = 022;
	strcpy(r.caller.comm, "sh");
	return r;
}

static void build(struct msg *m, struct gofer_request r, const char *path, const char *path2,
		  const char *name, const char *value)
{
	r.path_len = path ? (uint32_t)strlen(path) + 1 : 0;
	r.path2_len = path2 ? (uint32_t)strlen(path2) + 1 : 0;
	r.name_len = name ? (uint32_t)strlen(name) + 1 : 0;
	r.value_len = value ? (uint32_t)strlen(value) : 0;
	memcpy(m->buf, &r, sizeof(r));
	m->len = sizeof(r);
	const char *parts[4] = {path, path2, name, value};
	uint32_t lens[4] = {r.path_len, r.path2_len, r.name_len, r.value_len};
	for (int i = 0; i < 4; i++) {
		if (parts[i])
			memcpy(m->buf + m->len, parts[i], lens[i]);
		m->len += lens[i];
	}
}

static int decode(const struct msg *m)
{
	struct gofer_msg out;
	return gofer_decode(m->buf, m->len, &out);
}

static struct msg m;

Test(gofer_proto, valid_messages)
{
	struct gofer_msg out;
	struct gofer_request r = base(GOFER_OPEN);
	r.flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	r.mode = 0644;
	build(&m, r, "/a/b", NULL, NULL, NULL);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_str_eq(out.path, "/a/b");
	cr_expect_null(out.path2);
	cr_expect_eq(out.req.id, 7);
	build(&m, base(GOFER_RENAME), "/a", "/b", NULL, NULL);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_str_eq(out.path2, "/b");
	build(&m, base(GOFER_SYMLINK), "relative/text", "/l", NULL, NULL);
	cr_expect_eq(decode(&m), 0);
	build(&m, base(GOFER_SETXATTR), "/f", NULL, "user.x", "value");
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_eq(memcmp(out.value, "value", 5), 0);
	r = base(GOFER_OPEN);
	r.flags = O_TMPFILE | O_RDWR;
	build(&m, r, "/", NULL, NULL, NULL);
	cr_expect_eq(decode(&m), 0);
	r.flags = O_RDONLY | O_CREAT;
	build(&m, r, "/x", NULL, NULL, NULL);
	cr_expect_eq(decode(&m), 0);
}

Test(gofer_proto, rejects_bad_framing)
{
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	size_t good = m.len;
	for (size_t n = 0; n < good; n++) {
		struct gofer_msg out;
		cr_expect_eq(gofer_decode(m.buf, n, &out), -EINVAL, "truncated to %zu", n);
	}
	m.len = good + 1;
	cr_expect_eq(decode(&m), -EINVAL, "trailing byte");
	m.len = good;
	struct gofer_request *r = (struct gofer_request *)m.buf;
	r->path_len += 1;
	cr_expect_eq(decode(&m), -EINVAL, "length beyond the message");
	r->path_len = 0;
	cr_expect_eq(decode(&m), -EINVAL, "no path");
	r->path_len = 0xffffffffu;
	cr_expect_eq(decode(&m), -EINVAL, "huge length");
	struct gofer_msg out;
	cr_expect_eq(gofer_decode(NULL, 0, &out), -EINVAL);
	cr_expect_eq(gofer_decode(m.buf, GOFER_MSG_MAX + 1, &out), -EINVAL);
}

Test(gofer_proto, rejects_bad_strings)
{
	build(&m, base(GOFER_MKDIR), "/ab", NULL, NULL, NULL);
	m.buf[sizeof(struct gofer_request) + 3] = 'x';
	cr_expect_eq(decode(&m), -EINVAL, "missing NUL");
	build(&m, base(GOFER_MKDIR), "/ab", NULL, NULL, NULL);
	m.buf[sizeof(struct gofer_request) + 1] = '\0';
	cr_expect_eq(decode(&m), -EINVAL, "embedded NUL");
	build(&m, base(GOFER_MKDIR), "ab", NULL, NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "relative path");
	build(&m, base(GOFER_MKDIR), "", NULL, NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "empty path");
	build(&m, base(GOFER_RENAME), "/a", "b", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "relative path2");
	build(&m, base(GOFER_RENAME), "/a", NULL, NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "rename without path2");
	build(&m, base(GOFER_MKDIR), "/a", "/b", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "path2 where none belongs");
	build(&m, base(GOFER_MKDIR), "/a", NULL, "user.x", NULL);
	cr_expect_eq(decode(&m), -EINVAL, "name where none belongs");
	build(&m, base(GOFER_REMOVEXATTR), "/a", NULL, "user.x", "v");
	cr_expect_eq(decode(&m), -EINVAL, "value where none belongs");
	build(&m, base(GOFER_SETXATTR), "/a", NULL, NULL, "v");
	cr_expect_eq(decode(&m), -EINVAL, "setxattr without name");
	char longpath[GOFER_PATH_MAX + 2];
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[GOFER_PATH_MAX] = '\0';
	build(&m, base(GOFER_MKDIR), longpath, NULL, NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "path over GOFER_PATH_MAX");
	longpath[GOFER_PATH_MAX - 1] = '\0';
	build(&m, base(GOFER_MKDIR), longpath, NULL, NULL, NULL);
	cr_expect_eq(decode(&m), 0, "path of GOFER_PATH_MAX with its NUL");
}

static int decode_req(struct gofer_request r, const char *path)
{
	build(&m, r, path, NULL, NULL, NULL);
	return decode(&m);
}

Test(gofer_proto, rejects_bad_fields)
{
	struct gofer_request r = base(GOFER_MKDIR);
	r.version = GOFER_PROTO_VERSION + 1;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "version");
	r.version = 1;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "version 1 (no groups)");
	r.version = 2;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "version 2 (no GOFER_LINK_FD)");
	r = base(0);
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "op 0");
	r = base(GOFER__MAX);
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "op past the end");
	r = base(GOFER_MKDIR);
	r.mode = 010755;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "mkdir mode with type bits");
	r = base(GOFER_MKNOD);
	r.mode = S_IFCHR | 0644;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "mknod of a device");
	r = base(GOFER_UNLINK);
	r.at_flags = AT_SYMLINK_NOFOLLOW;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "unlink flag");
	r = base(GOFER_UNLINK);
	r.uid = 5;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "unused field set");
	r = base(GOFER_UTIMENS);
	r.times[1][1] = 1000000000;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "nsec out of range");
	r = base(GOFER_TRUNCATE);
	r.length = -1;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "negative length");
	r = base(GOFER_MKDIR);
	memset(r.caller.comm, 'x', sizeof(r.caller.comm));
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "comm without NUL");
	r = base(GOFER_MKDIR);
	r._pad0 = 1;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "padding");
	r = base(GOFER_ACCESS_W);
	r.mode = W_OK | 8;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "access mode");
}

/* Append n gids to the message `build` made, announcing `announced` of them. */
static void add_groups(struct msg *mm, const uint32_t *gids, uint32_t n, uint32_t announced)
{
	struct gofer_request *r = (struct gofer_request *)mm->buf;
	r->groups_len = announced;
	memcpy(mm->buf + mm->len, gids, n * sizeof(uint32_t));
	mm->len += n * sizeof(uint32_t);
}

Test(gofer_proto, groups)
{
	static uint32_t gids[GOFER_GROUPS_MAX + 1];
	for (uint32_t i = 0; i <= GOFER_GROUPS_MAX; i++)
		gids[i] = i == 0 ? 0xffffffffu : 1000 + i;
	struct gofer_msg out;
	/* An odd-length path: the gids are misaligned in the message, and copied out. */
	build(&m, base(GOFER_MKDIR), "/abcd", NULL, NULL, NULL);
	add_groups(&m, gids, 3, 3);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_eq(out.req.groups_len, 3);
	cr_expect_eq(out.groups[0], 0xffffffffu, "any gid value");
	cr_expect_eq(out.groups[2], 1002);
	build(&m, base(GOFER_SETXATTR), "/f", NULL, "user.x", "val");
	add_groups(&m, gids, GOFER_GROUPS_MAX, GOFER_GROUPS_MAX);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0, "the maximum, after a value");
	cr_expect_eq(memcmp(out.value, "val", 3), 0);
	cr_expect_eq(out.groups[GOFER_GROUPS_MAX - 1], 1000 + GOFER_GROUPS_MAX - 1);

	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, 2, 3);
	cr_expect_eq(decode(&m), -EINVAL, "more groups announced than sent");
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, 3, 2);
	cr_expect_eq(decode(&m), -EINVAL, "more groups sent than announced");
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, 0, 1);
	cr_expect_eq(decode(&m), -EINVAL, "announced, none sent");
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, GOFER_GROUPS_MAX + 1, GOFER_GROUPS_MAX + 1);
	cr_expect_eq(decode(&m), -EINVAL, "over GOFER_GROUPS_MAX");
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, 0, 1);
	m.buf[m.len] = m.buf[m.len + 1] = 0;
	m.len += 2;
	cr_expect_eq(decode(&m), -EINVAL, "a partial gid");
	build(&m, base(GOFER_MKDIR), "/a", NULL, NULL, NULL);
	add_groups(&m, gids, 1, 0x40000001u);
	cr_expect_eq(decode(&m), -EINVAL, "a count whose byte size wraps 32 bits");
	struct gofer_request r = base(GOFER_MKDIR);
	r._pad1 = 1;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "padding after groups_len");
}

Test(gofer_proto, open_flags)
{
	struct gofer_request r = base(GOFER_OPEN);
	uint32_t bad[] = {O_RDONLY,
			  O_RDONLY | O_APPEND,
			  O_PATH | O_WRONLY,
			  O_PATH,
			  O_ACCMODE,
			  O_TMPFILE | O_RDONLY,
			  O_TMPFILE | O_RDWR | O_CREAT,
			  (O_TMPFILE & ~O_DIRECTORY) | O_RDWR,
			  O_WRONLY | 0x80000000u};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.flags = bad[i];
		cr_expect_eq(decode_req(r, "/a"), -EINVAL, "flags %#x", bad[i]);
	}
	r.flags = O_WRONLY;
	r.mode = 0644;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "mode without O_CREAT");
	r.flags = O_WRONLY | O_CREAT;
	r.mode = 0100644;
	cr_expect_eq(decode_req(r, "/a"), -EINVAL, "type bits in mode");
	r.mode = 07777;
	cr_expect_eq(decode_req(r, "/a"), 0);
	r.flags = O_RDONLY | O_TRUNC;
	r.mode = 0;
	cr_expect_eq(decode_req(r, "/a"), 0, "O_TRUNC is write intent");
}

Test(gofer_proto, link_fd)
{
	struct gofer_msg out;
	build(&m, base(GOFER_LINK_FD), NULL, "/new", NULL, NULL);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_null(out.path, "the object is the fd, not a path");
	cr_expect_str_eq(out.path2, "/new");
	struct gofer_request r = base(GOFER_LINK_FD);
	r.at_flags = AT_EMPTY_PATH;
	build(&m, r, NULL, "/new", NULL, NULL);
	cr_expect_eq(decode(&m), 0, "the AT_EMPTY_PATH form");
	r.at_flags = AT_SYMLINK_FOLLOW;
	build(&m, r, NULL, "/new", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "a flag the op does not take");
	build(&m, base(GOFER_LINK_FD), "/old", "/new", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "a path as well as the fd");
	build(&m, base(GOFER_LINK_FD), NULL, NULL, NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "no new name");
	build(&m, base(GOFER_LINK_FD), NULL, "new", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "a relative new name");
	build(&m, base(GOFER_MKDIR), NULL, "/new", NULL, NULL);
	cr_expect_eq(decode(&m), -EINVAL, "no path on an op that needs one");
}

Test(gofer_proto, fds_only_where_the_op_takes_one)
{
	struct gofer_msg out;
	build(&m, base(GOFER_LINK_FD), NULL, "/new", NULL, NULL);
	cr_assert_eq(gofer_decode(m.buf, m.len, &out), 0);
	cr_expect_eq(gofer_check_fds(&out, 1), 0);
	cr_expect_eq(gofer_check_fds(&out, 0), -EINVAL, "GOFER_LINK_FD without its fd");
	cr_expect_eq(gofer_check_fds(&out, 2), -EINVAL, "two fds");
	for (uint32_t op = 1; op < GOFER__MAX; op++) {
		if (op == GOFER_LINK_FD)
			continue;
		struct gofer_request r = base((enum gofer_op)op);
		build(&m, r, "/a", NULL, NULL, NULL);
		out.req = r;
		cr_expect_eq(gofer_check_fds(&out, 0), 0, "op %u", op);
		cr_expect_eq(gofer_check_fds(&out, 1), -EINVAL, "an fd on op %u", op);
	}
}

/* Random bytes, and valid messages with random bytes flipped: never a crash, never a read
 * past the length (ASan), and anything accepted is self-consistent. */
Test(gofer_proto, random_bytes, .timeout = 60)
{
	static unsigned char buf[GOFER_MSG_MAX];
	srandom(12345);
	for (int i = 0; i < 200000; i++) {
		size_t len;
		if (i % 2) {
			len = (size_t)random() % 600;
			for (size_t j = 0; j < len; j++)
				buf[j] = (unsigned char)random();
		} else {
			enum gofer_op op = (enum gofer_op)(1 + random() % (GOFER__MAX - 1));
			build(&m, base(op), op == GOFER_LINK_FD ? NULL : "/some/path",
			      i % 4 == 0 || op == GOFER_LINK_FD ? "/other" : NULL,
			      i % 3 == 0 ? "user.n" : NULL, i % 5 == 0 ? "val" : NULL);
			static const uint32_t gids[3] = {5, 1000, 65534};
			if (i % 6 == 0)
				add_groups(&m, gids, 3, 3);
			len = m.len;
			memcpy(buf, m.buf, len);
			for (int k = 0; k < 1 + random() % 4; k++)
				buf[(size_t)random() % len] = (unsigned char)random();
		}
		/* Exactly `len` bytes, in their own allocation, so ASan sees any overread. */
		unsigned char *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		struct gofer_msg out;
		if (gofer_decode(exact, len, &out) == 0 && out.req.op == GOFER_LINK_FD) {
			cr_assert_null(out.path);
			cr_assert_eq(strlen(out.path2) + 1, out.req.path2_len);
		} else if (gofer_decode(exact, len, &out) == 0) {
			cr_assert_eq(out.path[out.req.path_len - 1], '\0');
			cr_assert_eq(strlen(out.path) + 1, out.req.path_len);
			cr_assert_leq(out.req.groups_len, GOFER_GROUPS_MAX);
		}
		free(exact);
	}
}
