/* Ending a sandbox whose mediation is gone (fail closed): its processes are killed, by its
 * cgroup where sbxd can tell it is the sandbox's own, and its init by a pidfd whose process was
 * checked to be the one registered (never by a raw pid that may have been reused). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

int sbxd_pidfd_checked(pid_t pid, uint64_t start)
{
	return start ? pidfd_open_checked(pid, start) : -ESRCH; /* unknown: never trusted */
}

/* sbxd's own v2 cgroup, or one of its ancestors, is never the sandbox's to kill. */
static bool holds_sbxd(const char *rel)
{
	_cleanup_free_ char *mine = NULL, *mem = NULL;
	if (sbxd_proc_cgroups(getpid(), &mine, &mem) < 0)
		return true;
	if (!mine)
		return false;
	size_t n = strlen(rel);
	return !strncmp(mine, rel, n) && (mine[n] == '\0' || mine[n] == '/');
}

/* SIGKILL every process of the cgroup directory dfd: cgroup.kill (Linux >= 5.14), else each
 * pid of cgroup.procs. */
static int kill_cgroup_fd(int dfd)
{
	_cleanup_close_ int k = openat(dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (k >= 0 && write(k, "1", 1) == 1)
		return 0;
	_cleanup_free_ char *buf = NULL;
	int r = read_file_at(dfd, "cgroup.procs", 1 << 20, &buf, NULL);
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_int(t, &pid) == 0 && pid > 0)
			kill(pid, SIGKILL);
	}
	return 0;
}

/* The sandbox's v2 cgroup, when it is still the one registered (same inode) and not sbxd's. */
static int kill_cgroup(const struct sbxd_sandbox *sb)
{
	const char *mnt = sbxd_v2_mount();
	char path[4200];
	struct stat st;
	if (!sb->cgroup || !*mnt || !sb->cgroup_id || holds_sbxd(sb->cgroup))
		return -ENOENT;
	if (snprintf(path, sizeof(path), "%s/%s", mnt, sb->cgroup) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0 || (uint64_t)st.st_ino != sb->cgroup_id)
		return -ESTALE;
	return kill_cgroup_fd(dfd);
}

int sbxd_kill_sandbox(const struct sbxd_sandbox *sb, bool *ret_by_cgroup)
{
	int fd = sbxd_pidfd_checked(sb->pid, sb->pid_start);
	if (fd < 0)
		return fd; /* its init is gone: nothing of it runs unmediated */
	*ret_by_cgroup = kill_cgroup(sb) == 0;
	int r = (int)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 ? -errno : 0;
	close(fd);
	return r == -ESRCH && *ret_by_cgroup ? 0 : r;
}
