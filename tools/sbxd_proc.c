/* Facts about processes from /proc: whether one still lives (runtime/state.h's start times,
 * against pid reuse) and its cgroups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

/* Still the process registered: alive (not a zombie), with the same start time. */
bool sbxd_alive(pid_t pid, uint64_t start)
{
	return pid > 0 && start && proc_start_time(pid) == start;
}

/* What runc, crun and sbx accept: [A-Za-z0-9_.-], not starting with '.'. */
bool sbxd_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > SBXD_ID_MAX || id[0] == '.')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

const char *sbxd_v2_mount(void)
{
	static const char *const candidates[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		struct statfs sf;
		if (statfs(candidates[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return candidates[i];
	}
	return "";
}

/* A v1 line "N:memory:/path" or "N:...,memory,...:/path". */
static bool is_memory_line(const char *controllers)
{
	char buf[256];
	if (str_copy(buf, sizeof(buf), controllers) < 0)
		return false;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, "memory"))
			return true;
	return false;
}

int sbxd_proc_cgroups(pid_t pid, char **ret_v2_rel, char **ret_mem_dir)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	int r = read_file(path, 65536, &buf, NULL);
	if (r < 0)
		return r;
	*ret_v2_rel = *ret_mem_dir = NULL;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		const char *ctrls = c1 + 1, *cg = c2 + 1;
		/* Outside sbxd's cgroup namespace ("/../x"): not a path under its mounts (see
		 * --cgroupns). */
		if (str_has_prefix(cg, "/..") && (cg[3] == '/' || cg[3] == '\0'))
			continue;
		/* The v2 root is the whole host's, not the container's: none then. */
		if (!strcmp(line, "0") && !*ctrls && !*ret_v2_rel && strcmp(cg, "/"))
			*ret_v2_rel = strdup(cg[0] == '/' ? cg + 1 : cg);
		else if (is_memory_line(ctrls) && !*ret_mem_dir &&
			 asprintf(ret_mem_dir, "/sys/fs/cgroup/memory%s", cg) < 0)
			*ret_mem_dir = NULL;
	}
	/* A pure v2 host: memory is in the v2 cgroup. */
	if (!*ret_mem_dir && *ret_v2_rel && !strcmp(sbxd_v2_mount(), "/sys/fs/cgroup") &&
	    asprintf(ret_mem_dir, "/sys/fs/cgroup/%s", *ret_v2_rel) < 0)
		*ret_mem_dir = NULL;
	return 0;
}
