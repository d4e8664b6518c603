/* Reading the change log back for `sbx changes ID`. */
#include "gofer/gofer.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>

struct row {
	const char *time, *op, *path, *path2, *comm, *refused;
	long long pid;
};

static bool parse_row(json_t *o, struct row *r)
{
	memset(r, 0, sizeof(*r));
	if (json_unpack(o, "{s:s, s:s, s:s, s?s, s?I, s?s, s?s}", "time", &r->time, "op", &r->op,
			"path", &r->path, "path2", &r->path2, "pid", &r->pid, "comm", &r->comm,
			"refused", &r->refused) < 0)
		return false;
	return true;
}

static int print_row(const struct row *r, FILE *out)
{
	char where[2 * 4096 + 64];
	snprintf(where, sizeof(where), "%s%s%s%s%s%s", r->path, r->path2 ? " -> " : "",
		 r->path2 ? r->path2 : "", r->refused ? " (refused: " : "",
		 r->refused ? r->refused : "", r->refused ? ")" : "");
	return fprintf(out, "%-30s  %-11s  %-40s  %7lld  %s\n", r->time, r->op, where, r->pid,
		       r->comm ? r->comm : "") < 0
		   ? -EIO
		   : 0;
}

static int print_line(const char *line, bool json, FILE *out)
{
	if (json)
		return fputs(line, out) < 0 ? -EIO : 1;
	json_t *o = json_loads(line, 0, NULL);
	struct row r;
	int ret = 0;
	if (o && parse_row(o, &r))
		ret = print_row(&r, out) < 0 ? -EIO : 1;
	json_decref(o);
	return ret; /* a line that is not a record is skipped */
}

int gofer_changes_print(int dirfd, const char *path, bool json, FILE *out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	_cleanup_fclose_ FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -errno;
	}
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int count = 0;
	if (!json &&
	    fprintf(out, "%-30s  %-11s  %-40s  %7s  %s\n", "TIME", "OP", "PATH", "PID", "COMM") < 0)
		return -EIO;
	while (getline(&line, &cap, f) > 0) {
		int r = print_line(line, json, out);
		if (r < 0)
			return r;
		count += r;
	}
	if (ferror(f))
		return -EIO;
	return count;
}
