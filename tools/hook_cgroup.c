/* The container's v2 cgroup, from /proc/PID/cgroup ("0::/path") and where the v2 hierarchy
 * is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "loader/loader.h"
#include "tools/hook.h"

#define PROC_CGROUP_MAX (64 << 10)

/* The "0::" line of /proc/PID/cgroup, without the prefix. */
static int v2_path_of(pid_t pid, char *ret, size_t len)
{
	char file[64];
	_cleanup_free_ char *text = NULL;
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	int r = read_file(file, PROC_CGROUP_MAX, &text, NULL);
	if (r < 0)
		return r;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_has_prefix(line, "0::"))
			return str_copy(ret, len, line + 3);
	}
	return -ENOENT;
}

int hook_cgroup_open(pid_t pid, char *ret_rel, size_t len, int *ret_fd, struct sbx_error *err)
{
	struct sbx_cgroup_info info;
	char rel[PATH_MAX], dir[PATH_MAX];
	if (pid <= 0)
		return sbx_err(err, EINVAL,
			       "the OCI state has no pid (is this a poststart or "
			       "poststop hook? sbx-hook attaches at createRuntime or "
			       "prestart)");
	sbx_probe_cgroup(&info);
	if (!info.v2_mount[0])
		return sbx_err(err, ENOENT, "this host has no cgroup v2 hierarchy");
	int r = v2_path_of(pid, rel, sizeof(rel));
	if (r < 0)
		return sbx_err_errno(err, -r, "the v2 cgroup of pid %d", (int)pid);
	/* Never the root: programs there would apply to the whole host. */
	if (!strcmp(rel, "/") || rel[0] != '/' || strstr(rel, "/../") || strstr(rel, " (deleted)"))
		return sbx_err(err, ENOENT,
			       "pid %d has no v2 cgroup of its own ('%s'); the runtime must put "
			       "the container in one",
			       (int)pid, rel);
	if (path_join(dir, sizeof(dir), info.v2_mount, rel) < 0)
		return sbx_err(err, ENAMETOOLONG, "cgroup path too long");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_errno(err, errno, "open %s", dir);
	if (str_copy(ret_rel, len, rel) < 0) {
		close(fd);
		return sbx_err(err, ENAMETOOLONG, "cgroup path too long");
	}
	*ret_fd = fd;
	return 0;
}
