/* Brokering: file changes the container's read-only mounts refuse, performed by the gofer.
 *
 * Each handler reads its arguments from the caller exactly once into the sentry's memory
 * (paths bounded by PATH_MAX and NUL-terminated), turns relative paths into the path the
 * container sees (from the caller's cwd or dirfd inside its root), checks that the
 * notification is still live (so the /proc reads were the caller's), and sends the gofer a
 * request holding those copies. The gofer resolves the path again, inside its read-write view
 * with RESOLVE_IN_ROOT: nothing here is a security decision, the normalization below only
 * decides whether to broker at all.
 *
 * A path at or under one of the sandbox's private mounts (tmpfs /tmp, /dev/shm, ...) is not
 * brokered: the kernel runs the call (CONTINUE). That is safe although the path may be
 * rewritten by another thread after we read it, or lead through a symlink out of the private
 * mount: the container's own mounts of its root and of every volume are read-only, so whatever
 * the kernel then resolves can at worst fail with EROFS. Nothing the container can name is
 * writable in the kernel except its own private mounts, which it may change anyway. */
#include "sentry/broker.h"
#include "sentry/resolve.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int broker_read_path(struct sentry_call *c, uint64_t addr, struct broker_path *ret)
{
	ret->abs[0] = '\0';
	ret->private_mount = false;
	ret->magic_fd = -1;
	/* Unchecked: whatever acts on the path checks the notification live first (broker_call
	 * after reading the caller's status, statfs before it answers); a CONTINUE or an error
	 * for a notification that is gone is refused by the kernel. */
	int r = sentry_mem_read_string_unchecked(c, addr, ret->arg, sizeof(ret->arg));
	/* the first path goes into the decision record, when someone reads them */
	if (r >= 0 && !c->path_len && c->s->nsubs) {
		size_t n = strnlen(ret->arg, sizeof(c->s->event_path) - 1);
		memcpy(c->s->event_path, ret->arg, n);
		c->s->event_path[n] = '\0';
		c->path_len = (uint16_t)(n + 1);
	}
	return r;
}

/* Lexically: "/a//b/./c/../d/" → "/a/b/d". Only to compare with the private mounts. */
static void normalize(const char *in, char *out, size_t size)
{
	size_t n = 0;
	out[n++] = '/';
	while (*in) {
		while (*in == '/')
			in++;
		size_t len = strcspn(in, "/");
		if (len == 0 || (len == 1 && in[0] == '.')) {
			in += len;
			continue;
		}
		if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the slash before the dropped component */
		} else if (n + (n > 1) + len < size) {
			if (n > 1)
				out[n++] = '/';
			memcpy(out + n, in, len);
			n += len;
		}
		in += len;
	}
	out[n] = '\0';
}

static bool at_or_under(const char *path, const char *mount)
{
	size_t n = strlen(mount);
	if (strcmp(mount, "/") == 0)
		return true;
	return strncmp(path, mount, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool under_any(const char *const *mounts, const char *path)
{
	if (!mounts)
		return false;
	char norm[GOFER_PATH_MAX], mount[GOFER_PATH_MAX];
	normalize(path, norm, sizeof(norm));
	for (const char *const *m = mounts; *m; m++) {
		normalize(*m, mount, sizeof(mount));
		if (at_or_under(norm, mount))
			return true;
	}
	return false;
}

bool broker_is_private(const struct sentry *s, const char *path)
{
	return under_any(s->private_mounts, path);
}

bool broker_is_readonly(const struct sentry *s, const char *path)
{
	return under_any(s->ro_mounts, path);
}

/* Consume "/" (repeated or not) and the component `name`. */
static bool take(const char **path, const char *name)
{
	const char *s = *path;
	size_t n = strlen(name);
	if (*s != '/')
		return false;
	while (*s == '/')
		s++;
	if (strncmp(s, name, n) != 0 || (s[n] != '/' && s[n] != '\0'))
		return false;
	*path = s + n;
	return true;
}

/* "/proc/self/fd/N" or "/proc/thread-self/fd/N" on the sandbox's own /proc: the caller's fd N,
 * a magic link the kernel follows to the file the fd holds. Returns N and, in *ret_rest, what
 * follows it ("" or "/..."); -1 for any other path. glibc's fchmodat(AT_SYMLINK_NOFOLLOW)
 * (tar, cp -a) changes the mode of an O_PATH fd this way; the container's fd points at its
 * read-only mount, so the kernel would answer EROFS. */
static int magic_fd(const struct sentry *s, const char *path, const char **ret_rest)
{
	const char *p = path;
	if (!take(&p, "proc") || !(take(&p, "self") || take(&p, "thread-self")) ||
	    !take(&p, "fd") || *p != '/' || !broker_is_private(s, "/proc"))
		return -1;
	while (*p == '/')
		p++;
	if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return -1; /* as /proc reads names: no leading zeros */
	long fd = 0;
	for (; *p >= '0' && *p <= '9' && fd <= INT_MAX; p++)
		fd = fd * 10 + (*p - '0');
	if (p[-1] == '/' || fd > INT_MAX || (*p != '/' && *p != '\0'))
		return -1;
	*ret_rest = p;
	return (int)fd;
}

/* The container path of the caller's fd, then `rest`, into buf. Fails where the fd has no
 * name inside the root (a pipe, a deleted file, a file of the gofer's view): the kernel then
 * follows the magic link itself. */
static int fd_path(struct sentry_call *c, int fd, const char *rest, char *buf, size_t size)
{
	char name[GOFER_PATH_MAX];
	int r = sentry_fd_in_container(c, fd, name, sizeof(name));
	if (r < 0)
		return r;
	while (rest[0] == '/' && rest[1] == '/')
		rest++;
	if (strcmp(name, "/") == 0 && rest[0])
		name[0] = '\0';
	if ((size_t)snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s", rest) >=
	    sizeof(name) - strlen(name))
		return -ENAMETOOLONG;
	return str_copy(buf, size, name);
}

int broker_locate(struct sentry_call *c, int dirfd, struct broker_path *p)
{
	if (p->arg[0] == '\0')
		return -ENOENT; /* "" without AT_EMPTY_PATH */
	int r = sentry_path_in_container(c, dirfd, p->arg, p->abs, sizeof(p->abs));
	if (r < 0)
		return r;
	/* Through a magic link ("/proc/self/fd/N/name"): from the directory fd N holds. */
	const char *rest;
	int fd = magic_fd(c->s, p->abs, &rest);
	if (fd >= 0 && rest[0])
		fd_path(c, fd, rest, p->abs, sizeof(p->abs));
	else
		p->magic_fd = fd;
	p->private_mount = broker_is_private(c->s, p->abs);
	return 0;
}

/* Does the request act on what its last component points to (the file of a magic link)? */
static bool follows_last(const struct gofer_request *req)
{
	switch (req->op) {
	case GOFER_OPEN:
		return !(req->flags & O_NOFOLLOW) &&
		       (req->flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	case GOFER_TRUNCATE:
		return true;
	case GOFER_CHMOD:
	case GOFER_CHOWN:
	case GOFER_UTIMENS:
	case GOFER_SETXATTR:
	case GOFER_REMOVEXATTR:
	case GOFER_ACCESS_W:
		return !(req->at_flags & AT_SYMLINK_NOFOLLOW);
	default:
		return false; /* a directory entry in /proc: the kernel answers */
	}
}

void broker_fd_object(struct sentry_call *c, struct broker_path *p, struct gofer_request *req)
{
	if (p->magic_fd < 0 || !follows_last(req) ||
	    fd_path(c, p->magic_fd, "", p->abs, sizeof(p->abs)) < 0)
		return;
	p->private_mount = broker_is_private(c->s, p->abs);
	/* The kernel does not follow a symlink the fd holds (an O_PATH | O_NOFOLLOW one). */
	if (req->op == GOFER_OPEN)
		req->flags |= O_NOFOLLOW;
	else if (req->op != GOFER_TRUNCATE)
		req->at_flags |= AT_SYMLINK_NOFOLLOW;
}

/* notify.c lets only audit mode CONTINUE (an unhandled call must not slip through). The
 * broker's CONTINUEs are safe by construction (see the top of this file), so it sends the
 * reply itself; notify.c's own reply then finds the notification answered and stops. */
int64_t broker_continue(struct sentry_call *c)
{
	struct seccomp_notif_resp *resp = c->s->resp;
	memset(resp, 0, c->s->sizes.seccomp_notif_resp);
	resp->id = c->req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	while (ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno == EINTR)
		;
	c->action = SBX_ACT_ALLOW;
	return 0;
}

int64_t broker_fail(struct sentry_call *c, int err)
{
	c->action = SBX_ACT_DENY;
	return -err;
}

/* The caller's credentials and supplementary groups (ret_groups: GOFER_GROUPS_MAX of room). */
static int fill_caller(const struct sentry_call *c, struct gofer_caller *ret, uint32_t *ret_groups,
		       uint32_t *ret_ngroups)
{
	struct sentry_task_status st;
	int r = sentry_caller_status(c->s, (pid_t)c->req->pid, &st);
	if (r < 0)
		return r;
	/* More groups than a request carries: refuse rather than send a subset (gofer/gofer.h). */
	if (st.ngroups < 0 || st.ngroups > GOFER_GROUPS_MAX)
		return -EPERM;
	for (int i = 0; i < st.ngroups; i++)
		ret_groups[i] = (uint32_t)st.groups[i];
	*ret_ngroups = (uint32_t)st.ngroups;
	*ret = (struct gofer_caller){
	    .pid = (uint32_t)st.tgid,
	    .fsuid = st.fsuid,
	    .fsgid = st.fsgid,
	    .umask = st.umask,
	    .cap_eff = st.cap_eff,
	};
	memcpy(ret->comm, st.comm, sizeof(ret->comm));
	return 0;
}

/* Install the gofer's fd in the caller and return its number; notify.c's reply sends it.
 *
 * Not with SECCOMP_ADDFD_FLAG_SEND: the kernel marks the notification replied (val 0) when it
 * queues such a request, and if the ioctl is then interrupted (a stop signal, a ptrace attach
 * or syscall stop, any signal while traced) before the caller took the fd, it drops the request
 * without undoing that mark. The caller's openat then returns 0 with nothing installed, and the
 * restarted ioctl fails with EINPROGRESS or ENOENT (seen as EBADF in a create loop while the
 * sentry was stopped and continued). A plain ADDFD interrupted that way leaves the
 * notification as it was, and is tried again. Between the ADDFD and the reply the caller only
 * waits (WAIT_KILLABLE_RECV: a fatal signal alone ends the wait, and the process with it). */
static int64_t install_fd(struct sentry_call *c, int fd, bool cloexec)
{
	struct seccomp_notif_addfd add = {
	    .id = c->req->id,
	    .srcfd = (__u32)fd,
	    .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r;
	do
		r = ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	while (r < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	return r < 0 ? -e : r;
}

/* The gofer is gone: fail closed, the sandbox ends (principle 3). */
static int64_t gofer_gone(struct sentry_call *c)
{
	log_debug("sentry: the gofer is gone; ending the sandbox");
	c->action = SBX_ACT_KILL;
	sentry_end_sandbox(c->s, (pid_t)c->req->pid, SENTRY_END_EXIT, SIGKILL);
	return -EIO;
}

static bool refused(int64_t r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

int64_t broker_call_fd(struct sentry_call *c, struct gofer_request *req, int pass_fd,
		       const char *path, const char *path2, const char *name, const void *value)
{
	if (c->s->gofer_fd <= 0)
		return broker_fail(c, EROFS);
	req->version = GOFER_PROTO_VERSION;
	req->id = c->req->id;
	uint32_t groups[GOFER_GROUPS_MAX];
	int r = fill_caller(c, &req->caller, groups, &req->groups_len);
	if (r == 0)
		r = sentry_call_valid(c); /* /proc/<tid> and the memory read were the caller's */
	if (r < 0)
		return broker_fail(c, -r);
	int fd = -1;
	int64_t ret =
	    broker_gofer_call(c->s->gofer_fd, req, groups, pass_fd, path, path2, name, value, &fd);
	if (ret < 0 && fd >= 0)
		close(fd);
	if (ret == -EPIPE)
		return gofer_gone(c);
	if (ret == GOFER_RESULT_KERNEL) {
		if (fd >= 0)
			close(fd);
		return broker_continue(c); /* it led onto a private mount: see broker.c's top */
	}
	c->action = refused(ret) ? SBX_ACT_DENY : SBX_ACT_BROKER;
	if (ret < 0 || fd < 0)
		return ret;
	return install_fd(c, fd, req->op == GOFER_OPEN && (req->flags & O_CLOEXEC));
}

int64_t broker_call(struct sentry_call *c, struct gofer_request *req, const char *path,
		    const char *path2, const char *name, const void *value)
{
	return broker_call_fd(c, req, -1, path, path2, name, value);
}

int64_t broker_path_do(struct sentry_call *c, int dirfd, struct broker_path *p,
		       struct gofer_request *req)
{
	int r = broker_locate(c, dirfd, p);
	if (r < 0)
		return broker_fail(c, -r);
	broker_fd_object(c, p, req);
	if (p->private_mount)
		return broker_continue(c);
	return broker_call(c, req, p->abs, NULL, NULL, NULL);
}

int64_t broker_path_op(struct sentry_call *c, int dirfd, uint64_t addr, struct gofer_request *req)
{
	struct broker_path p;
	int r = broker_read_path(c, addr, &p);
	if (r < 0)
		return broker_fail(c, -r);
	return broker_path_do(c, dirfd, &p, req);
}
