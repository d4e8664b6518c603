/* The request format: decoding and strict validation. Every field is checked as if the sender
 * were hostile: nothing is read past `len`, nothing is allocated, and a request that is not
 * exactly what its op allows is refused with -EINVAL before anything touches a file. */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NSEC_PER_SEC 1000000000L

/* Which optional parts each op carries. */
enum {
	HAS_PATH2 = 1 << 0,
	HAS_NAME = 1 << 1,
	HAS_VALUE = 1 << 2,
	HAS_MODE = 1 << 3,
	HAS_IDS = 1 << 4,
	HAS_LENGTH = 1 << 5,
	HAS_TIMES = 1 << 6,
	TEXT_PATH = 1 << 7, /* `path` is a symlink's text: any non-empty string */
	NO_PATH = 1 << 8,   /* no `path`: the object is the fd the request carries */
	TAKES_FD = 1 << 9,  /* one fd as SCM_RIGHTS */
};

struct op_rule {
	unsigned parts;
	uint32_t flags;	   /* allowed bits of req.flags */
	uint32_t at_flags; /* allowed bits of req.at_flags */
};

static const struct op_rule rules[GOFER__MAX] = {
    [GOFER_OPEN] = {HAS_MODE, 0 /* checked by check_open */, 0},
    [GOFER_MKDIR] = {HAS_MODE, 0, 0},
    [GOFER_MKNOD] = {HAS_MODE, 0, 0},
    [GOFER_UNLINK] = {0, 0, AT_REMOVEDIR},
    [GOFER_RENAME] = {HAS_PATH2, RENAME_NOREPLACE | RENAME_EXCHANGE, 0},
    [GOFER_LINK] = {HAS_PATH2, 0, AT_SYMLINK_FOLLOW},
    [GOFER_SYMLINK] = {HAS_PATH2 | TEXT_PATH, 0, 0},
    [GOFER_CHMOD] = {HAS_MODE, 0, AT_SYMLINK_NOFOLLOW},
    [GOFER_CHOWN] = {HAS_IDS, 0, AT_SYMLINK_NOFOLLOW},
    [GOFER_TRUNCATE] = {HAS_LENGTH, 0, 0},
    [GOFER_UTIMENS] = {HAS_TIMES, 0, AT_SYMLINK_NOFOLLOW},
    [GOFER_SETXATTR] = {HAS_NAME | HAS_VALUE, XATTR_CREATE | XATTR_REPLACE, AT_SYMLINK_NOFOLLOW},
    [GOFER_REMOVEXATTR] = {HAS_NAME, 0, AT_SYMLINK_NOFOLLOW},
    [GOFER_ACCESS_W] = {HAS_MODE, 0, AT_SYMLINK_NOFOLLOW | AT_EACCESS},
    [GOFER_LINK_FD] = {NO_PATH | HAS_PATH2 | TAKES_FD, 0, AT_EMPTY_PATH},
};

/* open(2) flags a brokered open may carry; O_PATH never (an O_PATH open changes nothing). */
#define OPEN_ALLOWED                                                                               \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 O_SYNC | FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |         \
	 O_CLOEXEC | O_TMPFILE)

static int check_open(const struct gofer_request *r)
{
	uint32_t f = r->flags;
	if ((f & ~(uint32_t)OPEN_ALLOWED) || (f & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	bool writes = (f & O_ACCMODE) != O_RDONLY;
	if ((f & O_TMPFILE) == O_TMPFILE) {
		if (!writes || (f & O_CREAT))
			return -EINVAL; /* as build_open_flags() */
	} else if (f & (O_TMPFILE & ~O_DIRECTORY)) {
		return -EINVAL; /* __O_TMPFILE without O_DIRECTORY */
	} else if (!writes && !(f & (O_CREAT | O_TRUNC))) {
		return -EINVAL; /* a read-only open is not the gofer's job */
	}
	bool creates = (f & O_CREAT) || (f & O_TMPFILE) == O_TMPFILE;
	if (r->mode & ~07777u || (!creates && r->mode))
		return -EINVAL;
	return 0;
}

static int check_mode(const struct gofer_request *r)
{
	switch (r->op) {
	case GOFER_OPEN:
		return check_open(r);
	case GOFER_MKNOD: {
		uint32_t type = r->mode & S_IFMT;
		if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
			return -EINVAL;
		return r->mode & ~(07777u | S_IFMT) ? -EINVAL : 0;
	}
	case GOFER_ACCESS_W:
		return r->mode & ~(uint32_t)(R_OK | W_OK | X_OK) ? -EINVAL : 0;
	case GOFER_MKDIR:
	case GOFER_CHMOD:
		return r->mode & ~07777u ? -EINVAL : 0;
	}
	return 0;
}

static bool valid_nsec(int64_t nsec)
{
	return (nsec >= 0 && nsec < NSEC_PER_SEC) || nsec == UTIME_NOW || nsec == UTIME_OMIT;
}

/* Fields an op does not use must be zero: nothing is silently ignored. */
static int check_fields(const struct gofer_request *r, const struct op_rule *rule)
{
	if (r->flags & ~rule->flags && r->op != GOFER_OPEN)
		return -EINVAL;
	if (r->at_flags & ~rule->at_flags || r->_pad0)
		return -EINVAL;
	if (!(rule->parts & HAS_MODE) && r->mode)
		return -EINVAL;
	if (!(rule->parts & HAS_IDS) && (r->uid || r->gid))
		return -EINVAL;
	if (rule->parts & HAS_LENGTH ? r->length < 0 : r->length != 0)
		return -EINVAL;
	if (r->op == GOFER_RENAME && (r->flags & RENAME_NOREPLACE) && (r->flags & RENAME_EXCHANGE))
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		if (rule->parts & HAS_TIMES) {
			if (!valid_nsec(r->times[i][1]))
				return -EINVAL;
		} else if (r->times[i][0] || r->times[i][1]) {
			return -EINVAL;
		}
	}
	return check_mode(r);
}

static int check_caller(const struct gofer_caller *c)
{
	if (c->pid == 0 || c->umask & ~0777u)
		return -EINVAL;
	if (memchr(c->comm, '\0', sizeof(c->comm)) == NULL)
		return -EINVAL;
	return 0;
}

/* A string of exactly `n` bytes: NUL at n - 1 and nowhere before. */
static const char *take_string(const char *p, uint32_t n)
{
	if (n == 0)
		return NULL;
	if (p[n - 1] != '\0' || memchr(p, '\0', n - 1) != NULL)
		return NULL;
	return p;
}

static bool absolute(const char *s)
{
	return s && s[0] == '/';
}

/* Lengths: present exactly when the op needs them, within their maxima, summing to `len`. */
static int check_lengths(const struct gofer_request *r, const struct op_rule *rule, size_t len)
{
	if ((rule->parts & NO_PATH) ? r->path_len != 0
				    : (r->path_len == 0 || r->path_len > GOFER_PATH_MAX))
		return -EINVAL;
	if ((rule->parts & HAS_PATH2) ? (r->path2_len == 0 || r->path2_len > GOFER_PATH_MAX)
				      : r->path2_len != 0)
		return -EINVAL;
	if ((rule->parts & HAS_NAME) ? (r->name_len == 0 || r->name_len > XATTR_NAME_MAX + 1)
				     : r->name_len != 0)
		return -EINVAL;
	if (r->value_len > ((rule->parts & HAS_VALUE) ? GOFER_VALUE_MAX : 0))
		return -EINVAL;
	if (r->groups_len > GOFER_GROUPS_MAX || r->_pad1)
		return -EINVAL;
	/* Each is bounded above, so the sum cannot overflow. */
	size_t want = sizeof(*r) + (size_t)r->path_len + r->path2_len + r->name_len + r->value_len +
		      (size_t)r->groups_len * sizeof(uint32_t);
	return want == len ? 0 : -EINVAL;
}

int gofer_decode(const void *msg, size_t len, struct gofer_msg *ret)
{
	struct gofer_request r;
	if (!msg || len < sizeof(r) || len > GOFER_MSG_MAX)
		return -EINVAL;
	memcpy(&r, msg, sizeof(r));
	if (r.version != GOFER_PROTO_VERSION || r.op == 0 || r.op >= GOFER__MAX)
		return -EINVAL;
	const struct op_rule *rule = &rules[r.op];
	if (check_lengths(&r, rule, len) < 0 || check_fields(&r, rule) < 0 ||
	    check_caller(&r.caller) < 0)
		return -EINVAL;

	const char *p = (const char *)msg + sizeof(r);
	struct gofer_msg m = {.req = r};
	m.path = take_string(p, r.path_len);
	p += r.path_len;
	m.path2 = take_string(p, r.path2_len);
	p += r.path2_len;
	m.name = take_string(p, r.name_len);
	p += r.name_len;
	m.value = r.value_len ? p : NULL;
	p += r.value_len;
	memcpy(m.groups, p, (size_t)r.groups_len * sizeof(uint32_t)); /* any gid is a gid */
	if ((r.path_len && !m.path) || (r.path2_len && !m.path2) || (r.name_len && !m.name))
		return -EINVAL;
	if (m.path && !(rule->parts & TEXT_PATH) && !absolute(m.path))
		return -EINVAL;
	if (m.path2 && !absolute(m.path2))
		return -EINVAL;
	*ret = m;
	return 0;
}

int gofer_check_fds(const struct gofer_msg *m, size_t nfds)
{
	bool takes = m->req.op < GOFER__MAX && (rules[m->req.op].parts & TAKES_FD);
	return nfds == (takes ? 1u : 0u) ? 0 : -EINVAL;
}
