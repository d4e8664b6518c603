/* statfs, fstatfs: emulated, so the flags read as on a writable file system. The kernel's
 * answer cannot be edited after CONTINUE, so the sentry asks the kernel itself (the path
 * resolved inside the caller's root, or the caller's fd through /proc/<tid>/fd), clears
 * ST_RDONLY where the file is on a brokered mount (read-only in the kernel, writable through
 * the gofer; anything not under a private mount), and writes the struct back. */
#include "sentry/broker.h"
#include "sentry/resolve.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_in_root(pid_t tid, const char *path)
{
	char root_path[64];
	snprintf(root_path, sizeof(root_path), "/proc/%d/root", (int)tid);
	_cleanup_close_ int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

static int64_t answer(struct sentry_call *c, int fd, const char *cpath, uint64_t buf)
{
	struct statfs st;
	if (fstatfs(fd, &st) < 0)
		return broker_fail(c, errno);
	if ((st.f_flags & ST_RDONLY) && cpath && !broker_is_private(c->s, cpath) &&
	    !broker_is_readonly(c->s, cpath))
		st.f_flags &= ~(__fsword_t)ST_RDONLY;
	int r = sentry_mem_write(c, buf, &st, sizeof(st));
	if (r < 0)
		return broker_fail(c, -r);
	c->action = SBX_ACT_EMULATE;
	return 0;
}

int64_t sentry_handle_statfs(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	struct broker_path p;
	int r = broker_read_path(c, a[0], &p);
	if (r == 0)
		r = broker_locate(c, AT_FDCWD, &p);
	_cleanup_close_ int fd = r < 0 ? r : open_in_root((pid_t)c->req->pid, p.abs);
	if (fd < 0)
		return broker_fail(c, -fd);
	r = sentry_call_valid(c); /* root and cwd were the caller's */
	if (r < 0)
		return broker_fail(c, -r);
	return answer(c, fd, p.abs, a[1]);
}

int64_t sentry_handle_fstatfs(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	char what[64], cpath[GOFER_PATH_MAX];
	snprintf(what, sizeof(what), "/proc/%d/fd/%d", (int)c->req->pid, (int)a[0]);
	_cleanup_close_ int fd = (int)a[0] < 0 ? -1 : open(what, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return broker_fail(c, EBADF);
	/* No name inside the root (a pipe, a file of the gofer's view): the kernel's flags. */
	bool named = sentry_fd_in_container(c, (int)a[0], cpath, sizeof(cpath)) == 0;
	int r = sentry_call_valid(c);
	if (r < 0)
		return broker_fail(c, -r);
	return answer(c, fd, named ? cpath : NULL, a[1]);
}
