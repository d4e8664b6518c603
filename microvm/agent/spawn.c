/* Fork the workload: its stdio (pipes, or a terminal), its hostname and volumes, then wait
 * for the host's go and finish exactly as a container's init does (runtime/process.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/filter.h>
#include <pty.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "lib/util.h"
#include "microvm/agent/agent.h"
#include "runtime/landlock.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"

struct child_io {
	int in[2], out[2], err[2]; /* pipes, or in[0]/out[1]/err[1] = the pty's slave */
	int master;
};

static int open_io(bool terminal, const json_t *spec, struct child_io *io)
{
	*io = (struct child_io){{-1, -1}, {-1, -1}, {-1, -1}, -1};
	if (terminal) {
		struct winsize ws = {
		    .ws_row = (unsigned short)json_integer_value(json_object_get(spec, "rows")),
		    .ws_col = (unsigned short)json_integer_value(json_object_get(spec, "cols"))};
		int slave;
		if (openpty(&io->master, &slave, NULL, NULL, ws.ws_row ? &ws : NULL) < 0)
			return -errno;
		fcntl(io->master, F_SETFD, FD_CLOEXEC);
		io->in[0] = slave;
		return 0;
	}
	if (pipe2(io->in, O_CLOEXEC) < 0 || pipe2(io->out, O_CLOEXEC) < 0 ||
	    pipe2(io->err, O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int mount_tmpfs(const json_t *spec, char *err, size_t errlen)
{
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(spec, "tmpfs"), i, v) {
		const char *dest = json_string_value(json_object_get(v, "destination"));
		const char *data = json_string_value(json_object_get(v, "data"));
		if (!dest || (mkdir_p(dest, 0755) < 0 && errno != EEXIST) ||
		    mount("tmpfs", dest, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0) {
			snprintf(err, errlen, "mount tmpfs on %s: %s", dest ? dest : "?",
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The same Landlock ruleset as in a container, built in the guest's view. */
static int build_landlock(const json_t *spec, int *ret_fd, char *err, size_t errlen)
{
	struct landlock_plan plan = {0};
	struct sbx_error e = {0};
	*ret_fd = -1;
	int r = landlock_plan_parse(json_object_get(spec, "landlock"), &plan);
	if (r == 0)
		r = landlock_build(&plan, ret_fd, &e);
	if (r < 0)
		snprintf(err, errlen, "Landlock: %s", e.code ? e.msg : strerror(-r));
	landlock_plan_free(&plan);
	return r;
}

static int mount_volumes(const json_t *spec, char *err, size_t errlen)
{
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(spec, "volumes"), i, v) {
		const char *tag = json_string_value(json_object_get(v, "tag"));
		const char *dest = json_string_value(json_object_get(v, "destination"));
		int r = tag && dest ? agent_mount_volume(
					  tag, dest, json_is_true(json_object_get(v, "readonly")))
				    : -EINVAL;
		if (r < 0) {
			snprintf(err, errlen, "mount volume %s: %s", dest ? dest : "?",
				 strerror(-r));
			return r;
		}
	}
	return 0;
}

_Noreturn static void child(struct child_io *io, int start, int sync, const struct oci_process *p,
			    const struct policy_program *prog, int ruleset, int procs)
{
	setsid();
	/* the BPF-LSM layer's cgroup, and a cgroup namespace rooted there */
	if (procs >= 0 && (write(procs, "0", 1) != 1 || unshare(CLONE_NEWCGROUP) < 0))
		_exit(126);
	int in = io->in[0], out = io->master >= 0 ? in : io->out[1],
	    errfd = io->master >= 0 ? in : io->err[1];
	if (io->master >= 0)
		ioctl(in, TIOCSCTTY, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	char go;
	if (read(start, &go, 1) != 1) /* the host went away: never run */
		_exit(126);
	process_finish(p, prog, ruleset, sync, 0, 0, false);
}

static void close_child_ends(struct child_io *io)
{
	close(io->in[0]);
	if (io->master < 0) {
		close(io->out[1]);
		close(io->err[1]);
	}
}

int workload_spawn(const char *spec_json, size_t len, const void *seccomp, size_t seccomp_len,
		   struct workload *w, char *err, size_t errlen)
{
	json_error_t je;
	_cleanup_(json_decrefp) json_t *spec = json_loadb(spec_json, len, 0, &je);
	_cleanup_free_ char *ptext = spec ? json_dumps(json_object_get(spec, "process"), 0) : NULL;
	struct oci_process p = {0};
	struct sbx_error e = {0};
	if (!ptext || oci_process_parse(ptext, strlen(ptext), "spec", &p, &e) < 0) {
		snprintf(err, errlen, "bad spec: %s", ptext ? e.msg : je.text);
		return -EINVAL;
	}
	struct policy_program prog = {0};
	if (seccomp_len > 1) {
		prog.needs_listener = ((const char *)seccomp)[0] == 1;
		prog.filter = (struct sock_filter *)((const char *)seccomp + 1);
		prog.len = (unsigned short)((seccomp_len - 1) / sizeof(struct sock_filter));
	}
	const char *host = json_string_value(json_object_get(spec, "hostname"));
	if (host && sethostname(host, strlen(host)) < 0)
		agent_log("sethostname: %s", strerror(errno));
	struct child_io io;
	int start[2] = {-1, -1}, sync[2] = {-1, -1}, ruleset = -1, procs = -1, r;
	if ((r = mount_volumes(spec, err, errlen)) < 0 ||
	    (r = mount_tmpfs(spec, err, errlen)) < 0 ||
	    (r = agent_lsm_setup(spec, &procs, err, errlen)) < 0 ||
	    (r = build_landlock(spec, &ruleset, err, errlen)) < 0 ||
	    (r = open_io(p.terminal, spec, &io)) < 0 || pipe2(start, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0) {
		if (!*err)
			snprintf(err, errlen, "set up the workload: %s", strerror(r ? -r : errno));
		oci_process_clear(&p);
		return r ? r : -errno;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sync[0]);
		close(start[1]);
		child(&io, start[0], sync[1], &p, &prog, ruleset, procs);
	}
	if (ruleset >= 0)
		close(ruleset);
	if (procs >= 0)
		close(procs);
	close_child_ends(&io);
	close(start[0]);
	close(sync[1]);
	oci_process_clear(&p);
	*w = (struct workload){.pid = pid,
			       .start_fd = start[1],
			       .sync_fd = sync[0],
			       .in_fd = io.master >= 0 ? io.master : io.in[1],
			       .out_fd = io.master >= 0 ? io.master : io.out[0],
			       .errout_fd = io.master >= 0 ? -1 : io.err[0],
			       .listener = -1,
			       .terminal = io.master >= 0};
	return pid < 0 ? -errno : 0;
}
