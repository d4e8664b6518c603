/* What the sentry needs to know about a calling task, from /proc/<tid>/status. */
#include "sentry/internal.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

static int parse_line(const char *line, struct sentry_task_status *st, unsigned *seen)
{
	unsigned a, b, c, d;
	if (sscanf(line, "Tgid: %u", &a) == 1) {
		st->tgid = (pid_t)a;
		*seen |= 1;
	} else if (sscanf(line, "Umask: %o", &a) == 1) {
		st->umask = (mode_t)a & 0777;
		*seen |= 2;
	} else if (sscanf(line, "Uid: %u %u %u %u", &a, &b, &c, &d) == 4) {
		st->fsuid = (uid_t)d;
		*seen |= 4;
	} else if (sscanf(line, "Gid: %u %u %u %u", &a, &b, &c, &d) == 4) {
		st->fsgid = (gid_t)d;
		*seen |= 8;
	} else if (sscanf(line, "CapEff: %" SCNx64, &st->cap_eff) == 1) {
		*seen |= 16;
	} else if (str_has_prefix(line, "Name:")) { /* optional: for the broker's caller */
		const char *v = line + strlen("Name:") + strspn(line + strlen("Name:"), " \t");
		size_t n = strcspn(v, "\n");
		n = n < sizeof(st->comm) - 1 ? n : sizeof(st->comm) - 1;
		memcpy(st->comm, v, n);
		st->comm[n] = '\0';
	} else if (str_has_prefix(line, "Groups:")) {
		*seen |= 32;
		return parse_groups(line + strlen("Groups:"), st);
	}
	return 0;
}

int sentry_task_status(pid_t tid, struct sentry_task_status *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	_cleanup_free_ char *buf = NULL;
	int r = read_file(path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	struct sentry_task_status st = {0};
	unsigned seen = 0;
	for (char *line = buf; line && *line;) {
		char *next = strchr(line, '\n');
		r = parse_line(line, &st, &seen);
		if (r < 0)
			return r;
		line = next ? next + 1 : NULL;
	}
	if (seen != 63)
		return -EIO;
	*ret = st;
	return 0;
}
