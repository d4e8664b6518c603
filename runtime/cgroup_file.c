/* Reading and writing cgroup control files, with messages that name the file. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cgroup_file_path(const char *dir, const char *file, char *buf, size_t size)
{
	if (snprintf(buf, size, "%s/%s", dir, file) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_err_missing(struct sbx_error *err, const char *root, const char *name, const char *file)
{
	return sbx_err(err, ENOTSUP, "%s/%s/%s: controller not available on this host", root, name,
		       file);
}

int cgroup_write(const char *dir, const char *file, const char *value, struct sbx_error *err)
{
	char path[PATH_MAX];
	int r = cgroup_file_path(dir, file, path, sizeof(path));
	if (r < 0)
		return sbx_err(err, r, "%s/%s: path too long", dir, file);
	r = write_file(path, value);
	if (r == -ENOENT)
		return sbx_err(err, ENOTSUP, "%s: controller not available on this host", path);
	if (r < 0)
		return sbx_err_errno(err, r, "write '%s' to %s", value, path);
	return 0;
}

int cgroup_write_u64(const char *dir, const char *file, uint64_t v, struct sbx_error *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cgroup_write(dir, file, buf, err);
}

int cgroup_write_i64(const char *dir, const char *file, int64_t v, struct sbx_error *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cgroup_write(dir, file, buf, err);
}

bool cgroup_file_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	return cgroup_file_path(dir, file, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	int r = cgroup_file_path(dir, file, path, sizeof(path));
	if (r < 0)
		return r;
	r = read_file(path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r;
	size_t klen = strlen(key);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(line + klen + 1, &end, 10);
		if (errno || end == line + klen + 1 || *end)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	return -ENOENT;
}

int cgroup_read_pids(const char *dir, pid_t **ret_pids, size_t *ret_n)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	int r = cgroup_file_path(dir, "cgroup.procs", path, sizeof(path));
	if (r < 0)
		return r;
	r = read_file(path, CGROUP_MAX_PROCS_TXT, &buf, NULL);
	if (r < 0)
		return r;
	size_t n = 0, cap = 0;
	_cleanup_free_ pid_t *pids = NULL;
	char *save = NULL;
	for (char *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_int(tok, &pid) < 0 || pid <= 0)
			return -EINVAL;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			pid_t *np = realloc(pids, cap * sizeof(*np));
			if (!np)
				return -ENOMEM;
			pids = np;
		}
		pids[n++] = pid;
	}
	*ret_pids = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

/* Calls fn(path) for each sub-cgroup of dir, deepest first (children before parents). */
int cgroup_for_each_child(const char *dir, int depth, int (*fn)(const char *path, void *data),
			  void *data)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	if (depth > CGROUP_NESTED_MAX)
		return -ELOOP;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		int q = cgroup_for_each_child(path, depth + 1, fn, data);
		if (q == 0)
			q = fn(path, data);
		if (q < 0 && r == 0)
			r = q;
	}
	return r;
}
