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

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int broker_read_path(struct sentry_call *c, uint64_t addr, struct broker_path *ret)
{
	ret->abs[0] = '\0';
	ret->private_mount = false;
	return sentry_mem_read_string(c, addr, ret->arg, sizeof(ret->arg));
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

bool broker_is_private(const struct sentry *s, const char *path)
{
	if (!s->private_mounts)
		return false;
	char norm[GOFER_PATH_MAX], mount[GOFER_PATH_MAX];
	normalize(path, norm, sizeof(norm));
	for (const char *const *m = s->private_mounts; *m; m++) {
		normalize(*m, mount, sizeof(mount));
		if (at_or_under(norm, mount))
			return true;
	}
	return false;
}

int broker_locate(struct sentry_call *c, int dirfd, struct broker_path *p)
{
	if (p->arg[0] == '\0')
		return -ENOENT; /* "" without AT_EMPTY_PATH */
	int r = sentry_path_in_container(c, dirfd, p->arg, p->abs, sizeof(p->abs));
	if (r < 0)
		return r;
	p->private_mount = broker_is_private(c->s, p->abs);
	return 0;
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

static int fill_caller(const struct sentry_call *c, struct gofer_caller *ret)
{
	struct sentry_task_status st;
	int r = sentry_task_status((pid_t)c->req->pid, &st);
	if (r < 0)
		return r;
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

/* Install the gofer's fd in the caller; with SECCOMP_ADDFD_FLAG_SEND the reply (the new fd
 * number) goes out in the same step, so the caller never runs with the fd half-installed. */
static int64_t install_fd(struct sentry_call *c, int fd, bool cloexec)
{
	struct seccomp_notif_addfd add = {
	    .id = c->req->id,
	    .flags = SECCOMP_ADDFD_FLAG_SEND,
	    .srcfd = (__u32)fd,
	    .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r;
	do
		r = ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	while (r < 0 && errno == EINTR);
	close(fd);
	return r < 0 ? -errno : r;
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

int64_t broker_call(struct sentry_call *c, struct gofer_request *req, const char *path,
		    const char *path2, const char *name, const void *value)
{
	if (c->s->gofer_fd <= 0)
		return broker_fail(c, EROFS);
	req->version = GOFER_PROTO_VERSION;
	req->id = c->req->id;
	int r = fill_caller(c, &req->caller);
	if (r == 0)
		r = sentry_call_valid(c); /* /proc/<tid> was the caller's, not a reused tid's */
	if (r < 0)
		return broker_fail(c, -r);
	int fd = -1;
	int64_t ret = broker_gofer_call(c->s->gofer_fd, req, path, path2, name, value, &fd);
	if (ret < 0 && fd >= 0)
		close(fd);
	if (ret == -EPIPE)
		return gofer_gone(c);
	c->action = refused(ret) ? SBX_ACT_DENY : SBX_ACT_BROKER;
	if (ret < 0 || fd < 0)
		return ret;
	return install_fd(c, fd, req->op == GOFER_OPEN && (req->flags & O_CLOEXEC));
}

int64_t broker_path_do(struct sentry_call *c, int dirfd, struct broker_path *p,
		       struct gofer_request *req)
{
	int r = broker_locate(c, dirfd, p);
	if (r < 0)
		return broker_fail(c, -r);
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
