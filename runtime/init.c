/* The container init: an ordered script of the steps in DESIGN.md, run in the cloned child. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "lib/util.h"
#include "runtime/landlock.h"
#include "runtime/lsm_objects.h"
#include "runtime/mounts.h"
#include "runtime/oci.h"
#include "runtime/pty.h"
#include "runtime/sync.h"

static int join_namespaces(const struct oci_config *c, struct sbx_error *err)
{
	/* The user namespace first: it owns the others. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n_namespaces; i++) {
			const struct oci_namespace *ns = &c->namespaces[i];
			if (!ns->path || ns->type == CLONE_NEWPID ||
			    (pass == 0) != (ns->type == CLONE_NEWUSER))
				continue;
			_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return sbx_err_errno(err, errno, "open namespace %s", ns->path);
			if (setns(fd, ns->type) < 0)
				return sbx_err_errno(err, errno, "join namespace %s", ns->path);
		}
	}
	return 0;
}

static bool has_ns(const struct oci_config *c, int type, bool with_path)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (c->namespaces[i].type == type && (!with_path || c->namespaces[i].path))
			return true;
	return false;
}

static int loopback_up(struct sbx_error *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return sbx_err_errno(err, errno, "socket for lo");
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return sbx_err_errno(err, errno, "get lo flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return sbx_err_errno(err, errno, "bring lo up");
	return 0;
}

/* Only sysctls that belong to a namespace of the sandbox's own: anything else would change the
 * host (kernel.core_pattern is an escape). */
static bool sysctl_allowed(const struct oci_config *c, int clone_flags, const char *key)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",	    "kernel.msgmni",
					  "kernel.sem",	   "kernel.shmall",	    "kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};
	bool own_ipc = has_ns(c, CLONE_NEWIPC, false), own_uts = has_ns(c, CLONE_NEWUTS, false);
	bool own_net = (clone_flags & CLONE_NEWNET) || has_ns(c, CLONE_NEWNET, true);
	if (str_has_prefix(key, "net."))
		return own_net;
	if (str_has_prefix(key, "fs.mqueue."))
		return own_ipc;
	if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname"))
		return own_uts;
	for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
		if (!strcmp(key, ipc[i]))
			return own_ipc;
	return false;
}

/* Before the mounts: afterwards /proc/sys is read-only. /proc is still the host's mount here,
 * but these files follow the writer's namespaces. */
static int apply_sysctl(const struct oci_config *c, int clone_flags, struct sbx_error *err)
{
	const char *key;
	json_t *val;
	if (!c->sysctl)
		return 0;
	json_object_foreach (c->sysctl, key, val) {
		char path[512];
		snprintf(path, sizeof(path), "/proc/sys/%s", key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		const char *v = json_string_value(val);
		if (strstr(key, "..") || strchr(key, '/') || !v)
			return sbx_err(err, EINVAL, "sysctl %s: bad name or value", key);
		if (!sysctl_allowed(c, clone_flags, key))
			return sbx_err(
			    err, EPERM,
			    "sysctl %s is not namespaced for this sandbox (allowed: net.* "
			    "with its own network namespace, IPC and UTS sysctls)",
			    key);
		int r = write_file(path, v);
		if (r < 0)
			return sbx_err_errno(err, -r, "sysctl %s=%s", key, v);
	}
	return 0;
}

static int init_steps(struct init_ctx *ctx, struct sbx_error *err)
{
	const struct oci_config *c = ctx->spec->config;
	bool userns = has_ns(c, CLONE_NEWUSER, false);
	int r = join_namespaces(c, err);
	if (r < 0)
		return r;
	if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return sbx_err_errno(err, errno, "become root in the user namespace");
	if ((ctx->clone_flags & CLONE_NEWNS) == 0 && !has_ns(c, CLONE_NEWNS, true))
		return sbx_err(err, EINVAL, "a mount namespace is required");
	if (has_ns(c, CLONE_NEWCGROUP, false) && !has_ns(c, CLONE_NEWCGROUP, true) &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return sbx_err_errno(err, errno, "create cgroup namespace");
	if ((r = apply_sysctl(c, ctx->clone_flags, err)) < 0)
		return r;
	if ((r = mounts_setup(c, ctx->spec->rootfs, userns,
			      ctx->spec->meminfo[0] ? ctx->spec->meminfo : NULL, ctx->spec->gofer,
			      err)) < 0)
		return r;
	/* The BPF-LSM layer's files, before a mask stands in for any of them. */
	if (ctx->lsm_objects && (r = lsm_objects_open(ctx->spec, &ctx->objects, err)) < 0)
		return r;
	if ((r = mounts_restrict(c, ctx->spec->gofer, ctx->spec->files_hidden, err)) < 0)
		return r;
	if (c->hostname && has_ns(c, CLONE_NEWUTS, false) &&
	    sethostname(c->hostname, strlen(c->hostname)) < 0)
		return sbx_err_errno(err, errno, "set hostname");
	if ((ctx->clone_flags & CLONE_NEWNET) && (r = loopback_up(err)) < 0)
		return r;
	if (setsid() < 0)
		return sbx_err_errno(err, errno, "setsid");
	if (ctx->process->terminal && ctx->console_fd >= 0 &&
	    (r = pty_setup(ctx->process, ctx->console_fd, err)) < 0)
		return r;
	return 0;
}

/* Block until `sbx start` opens the fifo for reading. */
static void wait_for_start(int fifo_fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		dprintf(STDERR_FILENO, "sbx: open exec fifo: %s\n", strerror(errno));
		_exit(1);
	}
	write_all(fd, "0", 1);
	close(fd);
	close(fifo_fd);
}

_Noreturn void container_init(struct init_ctx *ctx)
{
	struct sbx_error err = {0};
	char type;
	int ruleset = -1;
	/* No parent-death signal: our parent is `create`, which exits while we wait to start
	 * (monitor.c, clone_init). Until GO we end with the monitor (end of file on sync_fd);
	 * if the monitor dies later in `create`, `create` kills us with the cgroup; once the
	 * keeper runs (before `create` returns), it ends us if the sentry dies (keeper.h). */
	/* Until execve, nothing in the container may ptrace us or open our /proc/<pid>/mem:
	 * we run without the policy's filter (CVE-2019-5736 class). execve resets this. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(0); /* device nodes and mount points get exactly the modes we ask for */
	if (sync_send(ctx->sync_fd, SYNC_HELLO, NULL) < 0 ||
	    sync_recv(ctx->sync_fd, &type, NULL, 0) < 0 || type != SYNC_GO)
		_exit(1);
	/* The ruleset now, in the container's view, so that create reports what goes wrong;
	 * restricting comes last (process_finish): init still opens the exec fifo. */
	if (init_steps(ctx, &err) < 0 || landlock_build(&ctx->spec->landlock, &ruleset, &err) < 0) {
		sync_send(ctx->sync_fd, SYNC_ERROR, err.msg);
		_exit(1);
	}
	if (ctx->console_fd >= 0)
		close(ctx->console_fd);
	if (lsm_objects_send(ctx->sync_fd, &ctx->objects) < 0 ||
	    sync_send(ctx->sync_fd, SYNC_READY, NULL) < 0)
		_exit(1);
	lsm_objects_close(&ctx->objects);
	wait_for_start(ctx->fifo_fd);
	process_finish(ctx->process, &ctx->spec->prog, ruleset, ctx->sync_fd,
		       ctx->spec->preserve_fds, 0, false);
}
