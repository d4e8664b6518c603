/* sbx exec [--process FILE] [--detach] [--pid-file F] [--cwd DIR] [--env K=V]... [--user U[:G]]
 *          [--preserve-fds N] ID [CMD ARGS...]
 * A new process in a running sandbox: same namespaces, cgroup, policy and sentry. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/exec_opts.h"
#include "runtime/landlock.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"
#include "runtime/state.h"

static const struct {
	int type;
	const char *name;
} ns_files[] = {
    {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},	  {CLONE_NEWUTS, "uts"},
    {CLONE_NEWNET, "net"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
};

/* Open the namespaces of init that differ from ours, user namespace first. */
static int open_namespaces(pid_t pid, int *fds, int *types, size_t *n, struct sbx_error *err)
{
	*n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ns_files); i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", pid, ns_files[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_files[i].name);
		if (stat(theirs, &a) < 0)
			return sbx_err_errno(err, errno, "namespace %s", theirs);
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		int fd = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sbx_err_errno(err, errno, "open %s", theirs);
		fds[*n] = fd;
		types[(*n)++] = ns_files[i].type;
	}
	return 0;
}

static int connect_sentry(const struct container_state *st, struct sbx_error *err)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), st->dir, "sentry.sock") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir %s too long for a socket path",
			       st->dir);
	int fd = unix_connect(path, SOCK_SEQPACKET);
	return fd < 0 ? sbx_err_errno(err, -fd, "connect to the sentry") : fd;
}

struct exec_ctx {
	const struct container_state *st;
	struct oci_process *proc;
	struct policy_program prog;
	struct landlock_plan landlock;
	bool has_landlock; /* the container has a plan (landlock.json) */
	int ns_fds[8], ns_types[8];
	size_t n_ns;
	int pidns_fd, sentry_fd, report_fd, preserve_fds;
	bool detach; /* leave the process to our caller's reaper, as runc does */
	struct sbx_cgroup *cg;
};

/* In the forked child: join everything, fork into the pid namespace, run the process. */
_Noreturn static void exec_child(struct exec_ctx *x)
{
	struct sbx_error err = {0};
	/* No filter yet: nothing in the container may ptrace us or write our memory. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (x->cg && cgroup_enter(x->cg, 0, &err) < 0) {
		dprintf(2, "sbx: exec: %s\n", err.msg);
		_exit(1);
	}
	for (size_t i = 0; i < x->n_ns; i++)
		if (setns(x->ns_fds[i], x->ns_types[i]) < 0) {
			dprintf(2, "sbx: exec: join namespace: %s\n", strerror(errno));
			_exit(1);
		}
	if (setns(x->pidns_fd, CLONE_NEWPID) < 0) {
		dprintf(2, "sbx: exec: join pid namespace: %s\n", strerror(errno));
		_exit(1);
	}
	/* The init's ruleset, built again in the container's view: a domain of its own. */
	int ruleset = -1;
	if (x->has_landlock && landlock_build(&x->landlock, &ruleset, &err) < 0) {
		dprintf(2, "sbx: exec: %s\n", err.msg);
		_exit(1);
	}
	pid_t g = fork();
	if (g == 0) {
		close(x->report_fd);
		process_finish(x->proc, &x->prog, ruleset, x->sentry_fd, x->preserve_fds, 0, true);
	}
	if (ruleset >= 0)
		close(ruleset);
	if (g < 0)
		_exit(1);
	write_all(x->report_fd, &g, sizeof(g));
	close(x->report_fd);
	/* Detached, the process passes to the nearest subreaper (conmon, a containerd shim),
	 * which reaps it by the pid in --pid-file and so learns its exit status. */
	if (x->detach)
		_exit(0);
	int status;
	while (waitpid(g, &status, 0) < 0 && errno == EINTR)
		;
	_exit(exit_code_from_status(status));
}

static int exec_prepare(struct exec_ctx *x, struct sbx_error *err)
{
	int r;
	if ((r = sandbox_load_program(x->st->dir, &x->prog)) < 0)
		return sbx_err_errno(err, -r, "load the container's policy");
	char path[PATH_MAX];
	state_path(x->st, "landlock.json", path, sizeof(path));
	r = landlock_plan_load(path, &x->landlock);
	if (r < 0 && r != -ENOENT)
		return sbx_err_errno(err, -r, "load the container's Landlock plan %s", path);
	x->has_landlock = r == 0;
	if ((r = open_namespaces(x->st->pid, x->ns_fds, x->ns_types, &x->n_ns, err)) < 0)
		return r;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/pid", x->st->pid);
	if ((x->pidns_fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return sbx_err_errno(err, errno, "open %s", p);
	/* Still the same init after the opens: the namespaces are the container's, not those of
	 * a process that reused its pid. */
	if (proc_start_time(x->st->pid) != x->st->pid_start)
		return sbx_err(err, ESRCH, "container \"%s\" stopped", x->st->id);
	if (x->st->cgroup[0] && (r = cgroup_open(x->st->cgroup, &x->cg, err)) < 0)
		return r;
	x->sentry_fd = -1;
	if (x->prog.needs_listener && (x->sentry_fd = connect_sentry(x->st, err)) < 0)
		return x->sentry_fd;
	return 0;
}

int cmd_exec(struct sbx_cli *cli, int argc, char **argv)
{
	struct exec_opts o;
	struct sbx_error err = {0};
	struct container_state st;
	if (exec_opts_parse(argc, argv, &o) < 0)
		return cli_failf(cli,
				 "usage: sbx exec [--process FILE] [--detach] [--pid-file F] "
				 "[--cwd DIR] [--env K=V] [--user UID[:GID]] ID [CMD ARGS...]");
	if (state_load(cli->root, o.id, &st, &err) < 0)
		return cli_fail(cli, &err);
	if (o.tty) {
		state_clear(&st);
		return cli_failf(cli, "exec --tty is not supported yet");
	}
	enum container_status s = state_status(&st);
	if (s != STATUS_RUNNING && s != STATUS_CREATED) {
		state_clear(&st);
		return cli_failf(cli, "cannot exec in a container that is %s", status_name(s));
	}
	struct oci_process proc;
	struct exec_ctx x = {.st = &st,
			     .proc = &proc,
			     .pidns_fd = -1,
			     .sentry_fd = -1,
			     .preserve_fds = o.preserve_fds,
			     .detach = o.detach};
	int code = 0, rep[2] = {-1, -1};
	if (exec_build_process(&st, &o, &proc, &err) < 0) {
		state_clear(&st);
		return cli_fail(cli, &err);
	}
	if (exec_prepare(&x, &err) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		code = cli_fail(cli, &err);
		goto out;
	}
	pid_t c = fork();
	if (c == 0) {
		close(rep[0]);
		x.report_fd = rep[1];
		exec_child(&x);
	}
	close(rep[1]);
	pid_t g = 0;
	if (c < 0 || read(rep[0], &g, sizeof(g)) != sizeof(g)) {
		code = cli_failf(cli, "exec: could not start the process");
		if (c > 0)
			waitpid(c, NULL, 0);
		goto out;
	}
	if (o.pid_file) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", g);
		write_file_atomic(o.pid_file, buf, strlen(buf), 0644);
	}
	int status;
	while (waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (!o.detach)
		code = exit_code_from_status(status);
out:
	if (rep[0] >= 0)
		close(rep[0]);
	for (size_t i = 0; i < x.n_ns; i++)
		close(x.ns_fds[i]);
	if (x.pidns_fd >= 0)
		close(x.pidns_fd);
	if (x.sentry_fd >= 0)
		close(x.sentry_fd);
	cgroup_free(x.cg);
	policy_program_free(&x.prog);
	landlock_plan_free(&x.landlock);
	oci_process_clear(&proc);
	state_clear(&st);
	return code;
}
