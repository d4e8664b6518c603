/* sbx exec [--process FILE] [--detach] [--pid-file F] [--cwd DIR] [--env K=V]... [--user U[:G]]
 *          [--preserve-fds N] ID [CMD ARGS...]
 *          [--tty [--console-socket PATH]] ID [CMD ARGS...]
 * A new process in a running sandbox: same namespaces, cgroup, policy and sentry. With a
 * terminal, the pty is made in the container and its master sent to --console-socket, or,
 * without one and in the foreground, to us: we then copy between it and our stdio. */
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
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/exec_opts.h"
#include "runtime/landlock.h"
#include "runtime/signal_forward.h"
#include "runtime/oci.h"
#include "runtime/pty.h"
#include "runtime/console.h"
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
	int console_fd; /* connected to the console socket, or -1 */
	struct sbx_cgroup *cg;
};

#define EXEC_ERROR_MAX 1024 /* the reason the process could not be started */

/* The process itself, in the container's pid namespace: its terminal, then process_finish.
 * Errors go to stderr and to error_fd, which its execve closes. */
_Noreturn static void exec_process(struct exec_ctx *x, int ruleset, int error_fd)
{
	struct sbx_error err = {0};
	if (x->console_fd >= 0 && (setsid() < 0 || pty_setup(x->proc, x->console_fd, &err) < 0)) {
		const char *msg = err.msg[0] ? err.msg : "setsid failed";
		dprintf(2, "sbx: exec: %s\n", msg);
		write_all(error_fd, msg, strlen(msg));
		_exit(1);
	}
	process_set_error_fd(error_fd);
	if (x->console_fd >= 0)
		close(x->console_fd);
	/* no parent-death signal: our parent is `sbx exec`, which a --detach exec leaves */
	process_finish(x->proc, &x->prog, ruleset, x->sentry_fd, x->preserve_fds, 0, true);
}

/* Once the process has exec'd or failed to (exec_rd at end of file), report its pid and why
 * it failed (nothing when it did not), and leave it to our parent. */
_Noreturn static void exec_report(struct exec_ctx *x, pid_t g, int exec_rd)
{
	char msg[EXEC_ERROR_MAX];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(msg) &&
	       ((n = read(exec_rd, msg + len, sizeof(msg) - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(exec_rd);
	write_all(x->report_fd, &g, sizeof(g));
	write_all(x->report_fd, msg, len);
	_exit(0);
}

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
	/* closed by g's execve (or its death): then the program runs, as when runc exec returns */
	int exec_pipe[2];
	if (pipe2(exec_pipe, O_CLOEXEC) < 0)
		_exit(1);
	/* A child of `sbx exec`, as runc's exec'd process is of runc: a subreaping caller (the
	 * shim, conmon) adopts it and reaps it for its status. */
	pid_t g = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0);
	if (g == 0) {
		close(x->report_fd);
		close(exec_pipe[0]);
		exec_process(x, ruleset, exec_pipe[1]);
	}
	if (ruleset >= 0)
		close(ruleset);
	if (x->console_fd >= 0)
		close(x->console_fd);
	close(exec_pipe[1]);
	if (g < 0)
		_exit(1);
	exec_report(x, g, exec_pipe[0]);
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

/* Where a terminal's master goes: connected now, before we fork, to --console-socket, or
 * (in the foreground) to a listener of ours, which `l` then holds. */
static int console_connect(struct sbx_cli *cli, const struct exec_opts *o,
			   struct console_listener *l, struct sbx_error *err)
{
	int r = o->detach ? console_require_socket(true, o->console_socket, true, err) : 0;
	if (r < 0)
		return r;
	const char *path = o->console_socket;
	if (!path && (r = console_listen(cli->root, l, err)) < 0)
		return r;
	path = path ? path : l->path;
	int fd = unix_connect(path, SOCK_STREAM);
	return fd < 0 ? sbx_err_errno(err, -fd, "connect to console socket %s", path) : fd;
}

/* Our own terminal session: copy between our stdio and the master until the process (the
 * child `c`) ends. */
static int console_copy(struct console_listener *l, pid_t c, struct sbx_error *err)
{
	_cleanup_(console_session_end) struct console_session con = CONSOLE_SESSION_INIT;
	int master = console_receive(l, err);
	if (master < 0)
		return master;
	int r = console_session_begin(&con, master, err);
	return r < 0 ? r : console_session_copy(&con, c, err);
}

/* What exec_child sent after the pid: why the process could not be started, or nothing. */
static void read_reason(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size &&
	       ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	buf[len] = '\0';
}

/* Fork the process, through a child that joins the container and reports its pid (the
 * process is ours, not that child's: exec_child). The pid file names the process itself.
 * Returns the exit status to report. */
static int exec_run(struct sbx_cli *cli, struct exec_ctx *x, const struct exec_opts *o,
		    struct console_listener *l)
{
	struct sbx_error err = {0};
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return cli_failf(cli, "exec: pipe: %s", strerror(errno));
	pid_t c = fork();
	if (c == 0) {
		close(rep[0]);
		x->report_fd = rep[1];
		exec_child(x);
	}
	close(rep[1]);
	if (x->console_fd >= 0) /* the child holds it: end of file if it dies before sending */
		close(x->console_fd);
	x->console_fd = -1;
	pid_t g = 0;
	char why[EXEC_ERROR_MAX + 1] = "";
	bool started = c > 0 && read(rep[0], &g, sizeof(g)) == sizeof(g);
	if (started)
		read_reason(rep[0], why, sizeof(why));
	close(rep[0]);
	if (c > 0)
		waitpid(c, NULL, 0);
	if (!started || why[0]) {
		if (started)
			waitpid(g, NULL, 0);
		return why[0] ? cli_failf(cli, "exec failed: %s", why)
			      : cli_failf(cli, "exec: could not start the process");
	}
	if (o->pid_file) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", g);
		int r = write_file_atomic(o->pid_file, buf, strlen(buf), 0644);
		if (r < 0) {
			kill(g, SIGKILL); /* our child, not yet reaped: still that process */
			waitpid(g, NULL, 0);
			return cli_failf(cli, "exec: write pid file %s: %s", o->pid_file,
					 strerror(-r));
		}
	}
	if (o->detach)
		return 0;
	int fr = signal_forward_to(g);
	if (fr < 0)
		log_warn("exec: cannot pass signals on to the process: %s", strerror(-fr));
	int code = 0;
	if (l->fd >= 0 && console_copy(l, g, &err) < 0)
		code = cli_fail(cli, &err);
	int status;
	while (waitpid(g, &status, 0) < 0 && errno == EINTR)
		;
	return code ? code : exit_code_from_status(status);
}

int cmd_exec(struct sbx_cli *cli, int argc, char **argv)
{
	_cleanup_(console_listener_close) struct console_listener l = CONSOLE_LISTENER_INIT;
	struct exec_opts o;
	struct sbx_error err = {0};
	struct container_state st;
	if (exec_opts_parse(argc, argv, &o) < 0)
		return cli_failf(cli, "usage: sbx exec [--process FILE] [--detach] [--pid-file F] "
				      "[--cwd DIR] [--env K=V] [--user UID[:GID]] [--tty] "
				      "[--console-socket PATH] ID [CMD ARGS...]");
	if (state_load(cli->root, o.id, &st, &err) < 0)
		return cli_fail(cli, &err);
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
			     .console_fd = -1,
			     .preserve_fds = o.preserve_fds};
	int code = 0;
	if (exec_build_process(&st, &o, &proc, &err) < 0) {
		state_clear(&st);
		return cli_fail(cli, &err);
	}
	if (exec_prepare(&x, &err) < 0 ||
	    (proc.terminal && (x.console_fd = console_connect(cli, &o, &l, &err)) < 0))
		code = cli_fail(cli, &err);
	else
		code = exec_run(cli, &x, &o, &l);
	if (x.console_fd >= 0)
		close(x.console_fd);
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
