/* The monitor: forked by `create`, it clones the container init (a child of `create`, see
 * clone_init), joins it to the cgroup, writes id maps, starts the keeper, and then execs
 * `sbx sentry`, which serves the sandbox until init has exited and reports "created". */
#include "runtime/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/trace_hook.h"
#include "runtime/gofer_launch.h"
#include "runtime/helpers.h"
#include "runtime/keeper.h"
#include "runtime/oci.h"
#include "runtime/policy_cache.h"
#include "runtime/sandbox.h"
#include "runtime/sandbox_bpf.h"
#include "runtime/sandbox_lsm.h"
#include "runtime/sync.h"
#include "runtime/vm_monitor.h"

static int ns_flags_to_create(const struct oci_config *c)
{
	int flags = 0;
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (!c->namespaces[i].path && c->namespaces[i].type != CLONE_NEWCGROUP)
			flags |= c->namespaces[i].type;
	return flags;
}

static int join_pid_ns(const struct oci_config *c, struct sbx_error *err)
{
	for (size_t i = 0; i < c->n_namespaces; i++) {
		const struct oci_namespace *ns = &c->namespaces[i];
		if (ns->type != CLONE_NEWPID || !ns->path)
			continue;
		_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
			return sbx_err_errno(err, errno, "join pid namespace %s", ns->path);
	}
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
		     struct sbx_error *err)
{
	char buf[4096], path[64];
	size_t len = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n && len < sizeof(buf) - 64; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
				m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	int r = write_file(path, buf);
	return r < 0 ? sbx_err_errno(err, -r, "write %s", file) : 0;
}

/* Bring init from HELLO to READY; the BPF-LSM layer's files come before READY. */
static int init_handshake(struct monitor_args *a, pid_t pid, int sync_fd, struct lsm_objects *objs,
			  struct sbx_error *err)
{
	const struct oci_config *c = a->spec->config;
	char type, msg[1100];
	int r = sync_recv(sync_fd, &type, msg, sizeof(msg));
	if (r < 0 || type != SYNC_HELLO)
		return sbx_err(err, EPIPE, "container init died before it started");
	if ((r = cgroup_enter(a->cgroup, pid, err)) < 0 ||
	    (r = trace_hook_register(a->cgroup, err)) < 0)
		return r;
	if ((r = write_map(pid, "uid_map", c->uid_mappings, c->n_uid_mappings, err)) < 0 ||
	    (r = write_map(pid, "gid_map", c->gid_mappings, c->n_gid_mappings, err)) < 0)
		return r;
	if (sync_send(sync_fd, SYNC_GO, NULL) < 0)
		return sbx_err(err, EPIPE, "container init died");
	r = lsm_objects_recv(sync_fd, objs, &type, msg, sizeof(msg));
	if (r == -EPIPE)
		return sbx_err(err, EPIPE, "container init died during set-up");
	if (r < 0)
		return sbx_err_errno(err, -r, "receive the BPF-LSM layer's files from init");
	if (type == SYNC_ERROR)
		return sbx_err(err, EIO, "container init: %s", msg);
	if (type != SYNC_READY)
		return sbx_err(err, EPROTO, "container init: unexpected message");
	return 0;
}

static int listen_unix(const char *dir, const char *name, int type, struct sbx_error *err)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, name) < 0)
		return sbx_err(err, ENAMETOOLONG, "socket path %s/%s too long", dir, name);
	int fd = unix_listen(path, type, 16);
	return fd < 0 ? sbx_err_errno(err, -fd, "listen on %s", path) : fd;
}

/* Our children (the gofer, a keeper): ended and reaped, not left to a subreaping caller. */
static void end_children(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	for (int pid; f && fscanf(f, "%d", &pid) == 1;) {
		kill(pid, SIGKILL); /* our child, not yet reaped: still that process */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (f)
		fclose(f);
}

/* Init is not our child (see clone_init): end it, wait until it has exited (so that its
 * cgroup can go; `create` reaps it), end our own children, then say why. */
_Noreturn static void fail(struct monitor_args *a, int pidfd, const char *msg)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0)
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	end_children();
	monitor_report(a->report_fd, -1, msg);
	_exit(1);
}

/* The sentry holds the cgroup-BPF links for as long as the sandbox lives (it only holds them:
 * it has no libbpf) and maps the counters to add them to its statistics. */
static int bpf_args(const struct sbx_cgroup_bpf *bpf, const char **argv, char (*buf)[16], int *keep)
{
	int n = 0, k = 0;
	if (bpf->counters_fd < 0)
		return 0;
	for (int i = 0; i <= SBX_CG_HOOK__MAX + 1; i++) {
		int fd = i < SBX_CG_HOOK__MAX	 ? bpf->links[i]
			 : i == SBX_CG_HOOK__MAX ? bpf->counters_fd
						 : bpf->events_fd;
		if (fd < 0)
			continue; /* a network hook the policy does not use */
		snprintf(buf[i], sizeof(buf[i]), "%d", fd);
		argv[n++] = i < SBX_CG_HOOK__MAX    ? "--bpf-link-fd"
			    : i == SBX_CG_HOOK__MAX ? "--bpf-counters-fd"
						    : "--bpf-events-fd";
		argv[n++] = buf[i];
		keep[k++] = fd;
	}
	return n;
}

struct monitor_lsm {
	struct sbx_lsm l;
	int hold;   /* holds the links and the files the rules are on; -1: no layer */
	int keeper; /* pidfd of the keeper (keeper.h), or -1 */
};

/* From here on the BPF-LSM policy holds too (init's own mounts came before it). Without the
 * layer the sandbox runs on (logged), unless its policy needs it. */
static int lsm_attach(struct monitor_args *a, bool try, struct lsm_objects *objs,
		      struct monitor_lsm *ret, struct sbx_error *err)
{
	int r = try ? sandbox_lsm_attach(a->spec, a->cgroup, objs, &ret->l, err) : 0;

	if (r == 0 && ret->l.events_fd >= 0 && (ret->hold = sandbox_lsm_hold(&ret->l, objs)) < 0)
		r = sbx_err_errno(err, -ret->hold, "hold the BPF-LSM links");
	lsm_objects_close(objs);
	return r;
}

/* The keeper ends the sandbox if we (as the sentry) die, and holds the cgroup-BPF and BPF-LSM
 * links as long as the sandbox lives (keeper.h). */
static int start_keeper(struct monitor_args *a, int init_pidfd, const struct sbx_cgroup_bpf *bpf,
			struct monitor_lsm *lsm, struct sbx_error *err)
{
	_cleanup_close_ int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int hold[SBX_CG_HOOK__MAX + 1];
	char home[PATH_MAX];
	size_t n = 0;

	for (int i = 0; i < SBX_CG_HOOK__MAX; i++)
		hold[n++] = bpf->links[i];
	hold[n++] = lsm->hold;
	struct keeper_args k = {
	    .hold = hold,
	    .n_hold = n,
	    .init_pidfd = init_pidfd,
	    .sentry_pidfd = self,
	    .cgroup_v2 = cgroup_v2_path(a->cgroup),
	    .home = cgroup_keeper_path(a->cgroup, home, sizeof(home)) == 0 ? home : NULL};
	int r = self < 0 ? -errno : keeper_start(&k, &lsm->keeper);

	if (lsm->hold >= 0)
		close(lsm->hold);
	return r < 0 ? sbx_err_errno(err, -r, "start the sandbox's keeper") : 0;
}

/* The sentry watches the keeper; with the BPF-LSM layer it also maps the counters and
 * forwards the denial ring, as for cgroup-BPF. */
static int lsm_args(const struct monitor_lsm *lsm, const char **argv, char (*buf)[16], int *keep)
{
	static const char *const opts[] = {"--keeper-pidfd", "--lsm-counters-fd",
					   "--lsm-events-fd"};
	const int fds[] = {lsm->keeper, lsm->l.counters_fd, lsm->l.events_fd};
	int n = 0;

	for (int i = 0; i < 3 && fds[i] >= 0 && (i == 0 || lsm->hold >= 0); i++) {
		snprintf(buf[i], sizeof(buf[i]), "%d", fds[i]);
		argv[n++] = opts[i];
		argv[n++] = buf[i];
		keep[i] = fds[i];
	}
	return n;
}

_Noreturn static void exec_sentry(struct monitor_args *a, pid_t pid, int pidfd, int sync_fd,
				  const struct gofer_child *gofer, const struct sbx_cgroup_bpf *bpf,
				  const struct monitor_lsm *lsm, struct sbx_error *err)
{
	int ctl = listen_unix(a->state_dir, "sentry.sock", SOCK_SEQPACKET, err);
	int ev = ctl < 0 ? -1 : listen_unix(a->state_dir, "events.sock", SOCK_SEQPACKET, err);
	if (ev < 0)
		fail(a, pidfd, err->msg);
	/* The sentry reports "created" itself, once it is locked down (cmd_sentry.c). */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	char s_pid[16], s_pidfd[16], s_sync[16], s_ctl[16], s_ev[16], s_gofer[16], s_rep[16],
	    s_gpid[16], s_sub[16];
	int sub = trace_hook_subscriber_fd();
	int gofer_fd = gofer->sock;
	snprintf(s_pid, sizeof(s_pid), "%d", pid);
	snprintf(s_pidfd, sizeof(s_pidfd), "%d", pidfd);
	snprintf(s_sync, sizeof(s_sync), "%d", sync_fd);
	snprintf(s_ctl, sizeof(s_ctl), "%d", ctl);
	snprintf(s_ev, sizeof(s_ev), "%d", ev);
	snprintf(s_gofer, sizeof(s_gofer), "%d", gofer_fd);
	snprintf(s_gpid, sizeof(s_gpid), "%d", (int)gofer->pid);
	snprintf(s_rep, sizeof(s_rep), "%d", a->report_fd);
	int keep[7 + SBX_CG_HOOK__MAX + 2 + 3] = {pidfd,    sync_fd,	  ctl, ev,
						  gofer_fd, a->report_fd, sub};
	for (size_t i = 7; i < ARRAY_SIZE(keep); i++)
		keep[i] = -1;
	const char *argv[170];
	char s_bpf[SBX_CG_HOOK__MAX + 2][16], s_lsm[3][16];
	int n = 0;
	argv[n++] = "sbx";
	if (a->log_path) {
		argv[n++] = "--log";
		argv[n++] = a->log_path;
	}
	argv[n++] = "--log-format";
	argv[n++] = a->log_json ? "json" : "text";
	if (a->debug)
		argv[n++] = "--debug";
	const char *tail[] = {
	    "sentry",	    "--id",	    a->spec->id, "--state-dir", a->state_dir, "--cgroup",
	    a->cgroup_name, "--init-pid",   s_pid,	 "--pidfd",	s_pidfd,      "--sync-fd",
	    s_sync,	    "--control-fd", s_ctl,	 "--events-fd", s_ev};
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		argv[n++] = tail[i];
	unsigned pf = a->spec->policy_flags;
	if (pf & POLICY_CACHE_AUDIT)
		argv[n++] = "--audit";
	if (pf & POLICY_CACHE_EMULATE_MKNOD)
		argv[n++] = "--emulate=mknod";
	if (pf & POLICY_CACHE_EMULATE_MKNODAT)
		argv[n++] = "--emulate=mknodat";
	argv[n++] = "--report-fd";
	argv[n++] = s_rep;
	n += bpf_args(bpf, argv + n, s_bpf, keep + 7);
	n += lsm_args(lsm, argv + n, s_lsm, keep + 7 + SBX_CG_HOOK__MAX + 2);
	if (sub >= 0) {
		snprintf(s_sub, sizeof(s_sub), "%d", sub);
		argv[n++] = "--subscriber-fd";
		argv[n++] = s_sub;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (keep[i] >= 0)
			fcntl(keep[i], F_SETFD, 0);
	if (gofer_fd >= 0) {
		argv[n++] = "--gofer-fd";
		argv[n++] = s_gofer;
		argv[n++] = "--gofer-pid";
		argv[n++] = s_gpid;
		_cleanup_free_ char **priv = gofer_private_mounts(a->spec);
		for (char **p = priv; p && *p && n < 140; p++) {
			argv[n++] = "--private-mount";
			argv[n++] = *p;
		}
		_cleanup_free_ char **ro = gofer_ro_mounts(a->spec);
		for (char **p = ro; p && *p && n < 140; p++) {
			argv[n++] = "--ro-mount";
			argv[n++] = *p;
		}
	}
	argv[n] = NULL;
	/* The sentry outlives us: it must not hold the caller's pipes or sockets. */
	close_fds_from(3, keep, ARRAY_SIZE(keep));
	/* The static sbx-sentry beside sbx; else sbx itself, whose `sentry` verb is the same. */
	char prog[PATH_MAX];
	const char *sentry = helper_program("sbx-sentry", prog, sizeof(prog));
	execv(sentry ? sentry : "/proc/self/exe", (char **)argv);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0); /* the keeper would, too */
	_exit(127);
}

/* In a mount namespace of the sandbox's own (the overlay root lives there and dies with it):
 * the root, then the gofer with its view. */
static int start_gofer(struct monitor_args *a, struct gofer_child *ret, struct sbx_error *err)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sbx_err_errno(err, errno, "private mount namespace for the sandbox");
	int r = gofer_setup_root(a->spec, a->state_dir, err);
	if (r < 0)
		return r;
	return gofer_spawn(a->spec, a->state_dir, ret, err);
}

/* Init is a child of the process that forked us (`create`, `run`), as runc's init is of the
 * runc that made it: when that process exits, a caller that is a child subreaper
 * (containerd's shim, conmon) adopts init and learns its exit status by reaping it. We hold
 * its pidfd; the pid file names it. */
static pid_t clone_init(struct init_ctx *ctx, int sp[2], int *ret_pidfd)
{
	unsigned long flags = (unsigned long)ctx->clone_flags | CLONE_PARENT | CLONE_PIDFD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, ret_pidfd, NULL, 0);

	if (pid == 0) {
		close(sp[0]);
		container_init(ctx);
	}
	return pid;
}

_Noreturn void monitor_main(struct monitor_args *a)
{
	struct sbx_error err = {0};
	const struct oci_config *c = a->spec->config;
	int sp[2];
	if (a->spec->vm)
		vm_monitor_main(a);
	setsid();
	struct gofer_child gofer = {.pid = -1, .sock = -1, .report = -1};
	if (a->spec->gofer && start_gofer(a, &gofer, &err) < 0)
		fail(a, -1, err.msg);
	/* Only init joins a pid namespace the config names: the keeper, forked later, is ours. */
	_cleanup_close_ int own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own_pidns < 0 || join_pid_ns(c, &err) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		if (!err.code)
			sbx_err_errno(&err, errno, "socketpair");
		fail(a, -1, err.msg);
	}
	struct init_ctx ctx = {.spec = a->spec,
			       .process = &c->process,
			       .sync_fd = sp[1],
			       .fifo_fd = a->fifo_fd,
			       .console_fd = a->console_fd,
			       .clone_flags = ns_flags_to_create(c),
			       .lsm_objects = sandbox_lsm_wanted(a->spec)};
	int pidfd = -1;
	pid_t pid = clone_init(&ctx, sp, &pidfd);
	if (pid < 0) {
		sbx_err_errno(&err, errno, "clone the container init");
		fail(a, -1, err.msg);
	}
	if (setns(own_pidns, CLONE_NEWPID) < 0) {
		sbx_err_errno(&err, errno, "return to our own pid namespace");
		fail(a, pidfd, err.msg);
	}
	close(sp[1]);
	if (a->fifo_fd >= 0)
		close(a->fifo_fd);
	if (a->console_fd >= 0)
		close(a->console_fd);
	/* The gofer set itself up meanwhile. */
	struct lsm_objects objs = {0};
	if (init_handshake(a, pid, sp[0], &objs, &err) < 0 ||
	    (gofer.report >= 0 && gofer_wait_started(&gofer, &err) < 0))
		fail(a, pidfd, err.msg);
	/* Init has done its own set-up (mounts, device nodes, sysctls): from here on the BPF-LSM
	 * and cgroup-BPF policies hold, before the workload runs. Without them the sandbox runs
	 * on (logged), unless its policy needs them. */
	struct monitor_lsm lsm = {.l = SBX_LSM_INIT, .hold = -1, .keeper = -1};
	if (lsm_attach(a, ctx.lsm_objects, &objs, &lsm, &err) < 0)
		fail(a, pidfd, err.msg);
	struct sbx_cgroup_bpf bpf = SBX_CGROUP_BPF_INIT;
	if (sandbox_bpf_attach(a->spec, a->cgroup, &bpf) < 0)
		fail(a, pidfd,
		     "cgroup-BPF: cannot enforce the policy's sbx.network or sbx.require (see the "
		     "log)");
	if (start_keeper(a, pidfd, &bpf, &lsm, &err) < 0)
		fail(a, pidfd, err.msg);
	exec_sentry(a, pid, pidfd, sp[0], &gofer, &bpf, &lsm, &err);
}
