/* What the sentry needs to know about a calling task, from /proc/<tid>/status.
 *
 * The status is read afresh for every call (credentials, groups and umask can change between
 * two calls of the same thread); only the open file is kept, per thread, in a few slots of
 * struct sentry. That saves the open and close of each read (a third of its cost) and is safe
 * against tid reuse: a /proc/<tid> file is bound to the task that had the tid when it was
 * opened (its struct pid), not to the number. Once that task is gone the file answers ESRCH,
 * whoever holds the number now, and the slot is opened again. While the task lives, no other
 * task can hold its tid, so a file that still reads is the caller's (the caller checks the
 * notification is live afterwards, as it does for a fresh open). */
#include "sentry/internal.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATUS_MAX (64 * 1024) /* the Groups: line of a caller with many groups is long */

/* A field's value: the text after "Key:" and blanks, or NULL when the line is another key. */
static const char *field(const char *line, const char *key, size_t key_len)
{
	if (strncmp(line, key, key_len) != 0)
		return NULL;
	line += key_len;
	return line + strspn(line, " \t");
}

#define FIELD(line, key) field(line, key, sizeof(key) - 1)

/* `n` unsigned numbers in `base`, separated by blanks. */
static int parse_uints(const char *s, int base, unsigned long *v, int n)
{
	for (int i = 0; i < n; i++) {
		char *end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v[i] = strtoul(s, &end, base);
		s = end;
	}
	return 0;
}

static int parse_groups(const char *s, struct sentry_task_status *st)
{
	st->ngroups = 0;
	for (;;) {
		char *end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\n' || *s == '\0')
			return 0;
		unsigned long g = strtoul(s, &end, 10);
		if (end == s)
			return -EINVAL;
		if (st->ngroups >= (int)ARRAY_SIZE(st->groups)) {
			st->ngroups = -1;
			return 0;
		}
		st->groups[st->ngroups++] = (gid_t)g;
		s = end;
	}
}

static void parse_name(const char *v, struct sentry_task_status *st)
{
	size_t n = strcspn(v, "\n");
	n = n < sizeof(st->comm) - 1 ? n : sizeof(st->comm) - 1;
	memcpy(st->comm, v, n);
	st->comm[n] = '\0';
}

enum {
	SEEN_TGID = 1,
	SEEN_UMASK = 2,
	SEEN_UID = 4,
	SEEN_GID = 8,
	SEEN_CAPEFF = 16,
	SEEN_GROUPS = 32,
	SEEN_ALL = 63,
};

static int parse_line(const char *line, struct sentry_task_status *st, unsigned *seen)
{
	unsigned long v[4] = {0};
	const char *p;
	int r = 0;
	if ((p = FIELD(line, "Name:"))) { /* optional: for the broker's caller */
		parse_name(p, st);
	} else if ((p = FIELD(line, "Tgid:"))) {
		r = parse_uints(p, 10, v, 1);
		st->tgid = (pid_t)v[0];
		*seen |= SEEN_TGID;
	} else if ((p = FIELD(line, "Umask:"))) {
		r = parse_uints(p, 8, v, 1);
		st->umask = (mode_t)v[0] & 0777;
		*seen |= SEEN_UMASK;
	} else if ((p = FIELD(line, "Uid:"))) {
		r = parse_uints(p, 10, v, 4);
		st->fsuid = (uid_t)v[3];
		*seen |= SEEN_UID;
	} else if ((p = FIELD(line, "Gid:"))) {
		r = parse_uints(p, 10, v, 4);
		st->fsgid = (gid_t)v[3];
		*seen |= SEEN_GID;
	} else if ((p = FIELD(line, "CapEff:"))) {
		char *end;
		st->cap_eff = strtoull(p, &end, 16);
		r = end == p ? -EINVAL : 0;
		*seen |= SEEN_CAPEFF;
	} else if ((p = FIELD(line, "Groups:"))) {
		r = parse_groups(p, st);
		*seen |= SEEN_GROUPS;
	}
	return r;
}

static int parse_status(const char *buf, struct sentry_task_status *ret)
{
	struct sentry_task_status st = {0};
	unsigned seen = 0;
	for (const char *line = buf; line && *line && seen != SEEN_ALL;) {
		const char *next = strchr(line, '\n');
		int r = parse_line(line, &st, &seen);
		if (r < 0)
			return r;
		line = next ? next + 1 : NULL;
	}
	if (seen != SEEN_ALL)
		return -EIO;
	*ret = st;
	return 0;
}

/* The whole file from offset 0 (the kernel makes it anew for each read at 0), NUL-terminated,
 * into `buf` or, when it does not fit, into *ret_big (malloc'd). */
static int read_status(int fd, char *buf, size_t size, char **ret_big, const char **ret_text)
{
	char *b = buf;
	for (;;) {
		ssize_t n;
		do
			n = pread(fd, b, size - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if ((size_t)n < size - 1) {
			b[n] = '\0';
			*ret_text = b;
			return 0;
		}
		if (size >= STATUS_MAX)
			return -EFBIG;
		size = size * 4 > STATUS_MAX ? STATUS_MAX : size * 4;
		free(*ret_big);
		b = *ret_big = malloc(size);
		if (!b)
			return -ENOMEM;
	}
}

static int open_status(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

static int status_from_fd(int fd, struct sentry_task_status *ret)
{
	char buf[4096];
	_cleanup_free_ char *big = NULL;
	const char *text = NULL;
	int r = read_status(fd, buf, sizeof(buf), &big, &text);
	return r < 0 ? r : parse_status(text, ret);
}

int sentry_task_status(pid_t tid, struct sentry_task_status *ret)
{
	_cleanup_close_ int fd = open_status(tid);
	if (fd < 0)
		return fd;
	return status_from_fd(fd, ret);
}

/* The slot holding tid's file, or -1. */
static int find_slot(const struct sentry *s, pid_t tid)
{
	for (int i = 0; i < SENTRY_STATUS_FDS; i++)
		if (s->status_fds[i].tid == tid)
			return i;
	return -1;
}

static void drop_slot(struct sentry *s, int i)
{
	if (s->status_fds[i].tid)
		close(s->status_fds[i].fd);
	s->status_fds[i].tid = 0;
	s->status_fds[i].fd = -1;
}

int sentry_caller_status(struct sentry *s, pid_t tid, struct sentry_task_status *ret)
{
	if (tid <= 0)
		return -ESRCH;
	int i = find_slot(s, tid);
	if (i >= 0) {
		int r = status_from_fd(s->status_fds[i].fd, ret);
		if (r != -ESRCH)
			return r;
		drop_slot(s, i); /* that task is gone: the tid may be another's now */
	}
	int fd = open_status(tid);
	if (fd < 0)
		return fd;
	i = (int)(s->status_next++ % SENTRY_STATUS_FDS);
	drop_slot(s, i);
	s->status_fds[i].tid = tid;
	s->status_fds[i].fd = fd;
	return status_from_fd(fd, ret);
}

void sentry_status_fds_close(struct sentry *s)
{
	for (int i = 0; i < SENTRY_STATUS_FDS; i++)
		drop_slot(s, i);
}
