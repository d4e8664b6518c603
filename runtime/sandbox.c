/* Sandbox lifecycle: create (state dir, cgroups, monitor + init), start, delete, wait. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/console.h"
#include "runtime/meminfo.h"
#include "runtime/monitor.h"
#include "runtime/oci.h"
#include "runtime/sbxd_register.h"
#include "runtime/state.h"
#include "sentry/sentry.h"

static void cgroup_name_for(const struct sandbox_spec *spec, char *buf, size_t len)
{
	const char *p = spec->config->cgroups_path;
	if (p && *p && !strchr(p, ':') && !strstr(p, "..")) {
		while (*p == '/')
			p++;
		snprintf(buf, len, "%s", p);
	} else {
		snprintf(buf, len, "sbx/%s", spec->id);
	}
}

/* seccomp.bpf: one byte (needs_listener) then the sock_filter array. */
static int save_program(const char *dir, const struct policy_program *prog)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, "seccomp.bpf") < 0)
		return -ENAMETOOLONG;
	size_t len = 1 + prog->len * sizeof(struct sock_filter);
	_cleanup_free_ char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	buf[0] = prog->needs_listener ? 1 : 0;
	memcpy(buf + 1, prog->filter, prog->len * sizeof(struct sock_filter));
	return write_file_atomic(path, buf, len, 0600);
}

int sandbox_load_program(const char *dir, struct policy_program *ret)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (path_join(path, sizeof(path), dir, "seccomp.bpf") < 0)
		return -ENAMETOOLONG;
	int r = read_file(path, 1 + 65536 * sizeof(struct sock_filter), &buf, &len);
	if (r < 0)
		return r;
	if (len < 1 || (len - 1) % sizeof(struct sock_filter))
		return -EINVAL;
	ret->len = (unsigned short)((len - 1) / sizeof(struct sock_filter));
	ret->needs_listener = buf[0] == 1;
	ret->filter = malloc(len - 1 ? len - 1 : 1);
	if (!ret->filter)
		return -ENOMEM;
	memcpy(ret->filter, buf + 1, len - 1);
	return 0;
}

static int connect_console(const char *path, struct sbx_error *err)
{
	int fd = unix_connect(path, SOCK_STREAM);
	if (fd == -ENAMETOOLONG)
		return sbx_err(err, ENAMETOOLONG, "console socket path too long");
	return fd < 0 ? sbx_err_errno(err, -fd, "connect to console socket %s", path) : fd;
}

static uint32_t host_id_of_root(const struct oci_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return 0;
}

/* Write the state-dir files init and exec need before the monitor exists. */
static int prepare_state_dir(const char *dir, struct sandbox_spec *spec, struct sbx_error *err)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, "config.json") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	int r = write_file_atomic(path, spec->config->text, spec->config->text_len, 0600);
	if (r < 0 || (r = save_program(dir, &spec->prog)) < 0)
		return sbx_err_errno(err, -r, "write state dir %s", dir);
	if (path_join(path, sizeof(path), dir, "landlock.json") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if ((r = landlock_plan_make(spec, &spec->landlock)) < 0 ||
	    (r = landlock_plan_save(&spec->landlock, path)) < 0)
		return sbx_err_errno(err, -r, "write %s", path);
	if (landlock_abi() == 0)
		log_debug("Landlock layer off: this kernel has none (see sbx check)");
	int64_t limit = spec->config->resources.memory_limit;
	if (limit > 0) {
		if (path_join(spec->meminfo, sizeof(spec->meminfo), dir, "meminfo") < 0)
			return sbx_err(err, ENAMETOOLONG, "state dir path too long");
		if ((r = meminfo_write(spec->meminfo, (uint64_t)limit)) < 0)
			return sbx_err_errno(err, -r, "write %s", spec->meminfo);
	}
	if (path_join(path, sizeof(path), dir, "exec.fifo") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if (mkfifo(path, 0600) < 0)
		return sbx_err_errno(err, errno, "mkfifo %s", path);
	/* init opens it as the container's root, which a user namespace maps elsewhere */
	uid_t uid = host_id_of_root(spec->config->uid_mappings, spec->config->n_uid_mappings);
	gid_t gid = host_id_of_root(spec->config->gid_mappings, spec->config->n_gid_mappings);
	if ((uid || gid) && chown(path, uid, gid) < 0)
		return sbx_err_errno(err, errno, "chown %s", path);
	return 0;
}

/* Fork the monitor and wait for its report: init's pid, or why it failed. */
static int spawn_monitor(struct monitor_args *a, pid_t *ret_monitor, pid_t *ret_init,
			 struct sbx_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_err_errno(err, errno, "pipe");
	pid_t m = fork();
	if (m < 0) {
		close(p[0]);
		close(p[1]);
		return sbx_err_errno(err, errno, "fork");
	}
	if (m == 0) {
		close(p[0]);
		a->report_fd = p[1];
		monitor_main(a);
	}
	close(p[1]);
	struct monitor_report rep = {.pid = -1};
	ssize_t n;
	do
		n = read(p[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	*ret_monitor = m;
	if (n != (ssize_t)sizeof(rep) || rep.pid <= 0) {
		waitpid(m, NULL, 0);
		/* Init, which a failing monitor kills and waits for, is our child (monitor.c): reap
		 * it here rather than hand a caller that subreaps a pid it never heard of. We have
		 * no other child. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		return sbx_err(err, EIO, "%s", n == sizeof(rep) ? rep.msg : "monitor died");
	}
	*ret_init = rep.pid;
	return 0;
}

int sandbox_create(struct sbx_cli *cli, struct sandbox_spec *spec, struct container_state *st,
		   struct sbx_error *err)
{
	struct sbx_cgroup *cg = NULL;
	_cleanup_close_ int fifo_fd = -1, console_fd = -1;
	pid_t monitor = 0, init = 0;
	memset(st, 0, sizeof(*st));
	int r = console_require_socket(spec->config->process.terminal, spec->console_socket,
				       !spec->foreground, err);
	if (r < 0)
		return r;
	if ((r = state_dir_create(cli->root, spec->id, st->dir, sizeof(st->dir), err)) < 0)
		return r;
	snprintf(st->id, sizeof(st->id), "%s", spec->id);
	snprintf(st->bundle, sizeof(st->bundle), "%s", spec->bundle);
	cgroup_name_for(spec, st->cgroup, sizeof(st->cgroup));
	/* Recorded before anything else is made: if this process is killed mid-create, the
	 * record says what to remove (its cgroup), and that its creator (sentry_pid until init
	 * exists) is gone: `sbx delete --force` and sbxd's GC clean up after it. */
	st->sentry_pid = getpid();
	st->sentry_start = proc_start_time(st->sentry_pid);
	time_rfc3339(st->created, sizeof(st->created));
	if ((r = state_save(st, err)) < 0)
		goto out_remove_dir;
	if ((r = prepare_state_dir(st->dir, spec, err)) < 0)
		goto out_remove_dir;
	if ((r = cgroup_create(st->cgroup, &spec->config->resources, &cg, err)) < 0)
		goto out_remove_dir;
	char fifo[PATH_MAX];
	state_path(st, "exec.fifo", fifo, sizeof(fifo));
	fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
	if (fifo_fd < 0) {
		r = sbx_err_errno(err, errno, "open %s", fifo);
		goto out_destroy_cgroup;
	}
	if (spec->console_socket && (console_fd = connect_console(spec->console_socket, err)) < 0) {
		r = console_fd;
		goto out_destroy_cgroup;
	}
	struct monitor_args a = {.spec = spec,
				 .state_dir = st->dir,
				 .cgroup_name = st->cgroup,
				 .cgroup = cg,
				 .fifo_fd = fifo_fd,
				 .console_fd = console_fd,
				 .log_path = cli->log_path,
				 .log_json = cli->log_format == SBX_LOG_JSON,
				 .debug = cli->debug};
	if ((r = spawn_monitor(&a, &monitor, &init, err)) < 0)
		goto out_destroy_cgroup;
	st->pid = init;
	st->pid_start = proc_start_time(init);
	st->sentry_pid = monitor;
	st->sentry_start = proc_start_time(monitor);
	st->vm = spec->vm;
	time_rfc3339(st->created, sizeof(st->created));
	st->annotations = spec->config->annotations ? json_incref(spec->config->annotations) : NULL;
	if ((r = state_save(st, err)) < 0)
		goto out_kill;
	sbxd_register_sandbox(st);
	if (spec->pid_file) {
		char buf[32];
		/* Init, as runc's: our child (monitor.c, clone_init), adopted by a caller that is
		 * a child subreaper (containerd's shim, conmon) once we exit, which reaps it for
		 * its status. A microVM's: its monitor, which exits with the workload's status. */
		snprintf(buf, sizeof(buf), "%d", spec->vm ? monitor : init);
		if ((r = write_file_atomic(spec->pid_file, buf, strlen(buf), 0644)) < 0) {
			r = sbx_err_errno(err, -r, "write pid file %s", spec->pid_file);
			goto out_kill;
		}
	}
	cgroup_free(cg);
	return 0;

out_kill:
	kill(init, SIGKILL);
	waitpid(monitor, NULL, 0);
	if (!spec->vm)
		waitpid(init, NULL, 0);
out_destroy_cgroup:
	cgroup_destroy(cg, NULL);
	cgroup_free(cg);
out_remove_dir:
	rm_rf(st->dir);
	state_clear(st);
	return r;
}

int sandbox_start(struct container_state *st, struct sbx_error *err)
{
	enum container_status s = state_status(st);
	if (s != STATUS_CREATED)
		return sbx_err(err, EINVAL, "cannot start a container that is %s", status_name(s));
	char fifo[PATH_MAX];
	state_path(st, "exec.fifo", fifo, sizeof(fifo));
	_cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_errno(err, errno, "open %s", fifo);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR)
			return sbx_err_errno(err, errno, "poll exec fifo");
		char c;
		if (n > 0 && read(fd, &c, 1) == 1)
			break;
		if (proc_start_time(st->pid) != st->pid_start)
			return sbx_err(err, ESRCH, "container init exited before start");
	}
	unlink(fifo);
	return 0;
}

static bool wait_gone(pid_t pid, uint64_t start, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (proc_start_time(pid) != start)
			return true;
		waitpid(pid, NULL, WNOHANG);
		usleep(10000);
	}
	return proc_start_time(pid) != start;
}

int sandbox_delete(const char *root, const char *id, bool force, struct sbx_error *err)
{
	struct container_state st;
	int r = state_load(root, id, &st, err);
	if (r < 0)
		return r;
	enum container_status s = state_status(&st);
	if (s == STATUS_CREATING && !force && proc_start_time(st.sentry_pid) == st.sentry_start) {
		state_clear(&st);
		return sbx_err(err, EBUSY, "container \"%s\" is being created (use --force)", id);
	}
	if (s == STATUS_RUNNING && !force) {
		state_clear(&st);
		return sbx_err(err, EBUSY,
			       "cannot delete container \"%s\" that is running (stop it or use "
			       "--force)",
			       id);
	}
	if (s == STATUS_PAUSED && !force) {
		state_clear(&st);
		return sbx_err(err, EBUSY,
			       "cannot delete container \"%s\" that is paused (resume and stop it, "
			       "or use --force)",
			       id);
	}
	struct sbx_cgroup *cg = NULL;
	if (st.cgroup[0] && cgroup_open(st.cgroup, &cg, NULL) == 0)
		cgroup_kill_all(cg, SIGKILL);
	int pfd = pidfd_open_checked(st.pid, st.pid_start);
	if (pfd >= 0) {
		syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		close(pfd);
	}
	/* The sentry exits once init has; give it a moment, then make sure. */
	if (st.sentry_pid > 0 && !wait_gone(st.sentry_pid, st.sentry_start, 3000)) {
		int sfd = pidfd_open_checked(st.sentry_pid, st.sentry_start);
		if (sfd >= 0) {
			syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0);
			close(sfd);
		}
		wait_gone(st.sentry_pid, st.sentry_start, 1000);
	}
	if (cg) {
		r = cgroup_destroy(cg, err);
		cgroup_free(cg);
		if (r < 0) {
			state_clear(&st);
			return r;
		}
	}
	/* Before the state dir goes: sbxd keeps the final counts the sentry left there. */
	sbxd_unregister_sandbox(id);
	r = rm_rf(st.dir);
	state_clear(&st);
	if (r < 0)
		return sbx_err_errno(err, -r, "remove state dir");
	return 0;
}

/* Our children, both: init (monitor.c, clone_init), whose status is the workload's, then the
 * sentry, which ends once init has and says how it ended: a reboot(2) of the workload makes
 * a status of its own. */
int sandbox_wait(struct container_state *st, struct sbx_error *err)
{
	int status = 0, sentry;
	pid_t w, ws;
	do
		w = waitpid(st->pid, &status, 0);
	while (w < 0 && errno == EINTR);
	do
		ws = waitpid(st->sentry_pid, &sentry, 0);
	while (ws < 0 && errno == EINTR);
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	state_path(st, "exit", path, sizeof(path));
	char *save = NULL, *how = NULL;
	int recorded;
	if (read_file(path, 64, &buf, NULL) == 0 &&
	    parse_int(strtok_r(buf, "\n", &save), &recorded) == 0)
		how = strtok_r(NULL, "\n", &save);
	if (how && strcmp(how, "exit"))
		return exit_code_from_status(recorded);
	if (!how && ws > 0 && WIFSIGNALED(sentry))
		log_error("the sentry was killed by signal %d; the sandbox with it",
			  WTERMSIG(sentry));
	if (w == st->pid)
		return exit_code_from_status(status);
	if (how && recorded != SENTRY_STATUS_UNKNOWN)
		return exit_code_from_status(recorded);
	if (ws > 0 && WIFSIGNALED(sentry))
		return sbx_err(err, EIO, "the sentry was killed by signal %d; the sandbox with it",
			       WTERMSIG(sentry));
	return sbx_err(err, EIO, "the workload's status is unknown (init is not our child)");
}
