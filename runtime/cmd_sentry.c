/* `sbx sentry` (internal): the monitor execs this once init is ready. It waits for init's
 * seccomp listener, serves the sandbox until init has exited, and records how it ended (the
 * wait status only when init is its child: init's parent reaps it, monitor.c).
 *
 * sbxd's seccomp agent starts it too, for a container runc or crun made (--listener-fd): the
 * notify fd is already there, there is no gofer, init is not our child (we can kill it, not
 * reap it), and the cgroup directories come from /proc/<pid>/cgroup (--cgroup-v2-dir,
 * --cgroup-mem-dir). The sentry then ends when every notify fd hangs up. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/fdpass.h"
#include "lib/log.h"
#include "lib/util.h"
#include "bpf/cgroup.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/monitor.h"
#include "runtime/sandbox.h"
#include "runtime/state.h"
#include "sentry/sentry.h"

struct sentry_args {
	const char *id, *state_dir, *cgroup;
	const char *cgroup_v2_dir, *cgroup_mem_dir; /* a foreign container's (sbxd) */
	int listener_fd;			    /* its notify fd (sbxd), or -1 */
	pid_t init_pid, gofer_pid;
	int pidfd, sync_fd, control_fd, events_fd, gofer_fd, report_fd, subscriber_fd;
	bool audit, emulate_mknod, emulate_mknodat;
	const char *private_mounts[33]; /* NULL-terminated */
	int n_private;
	const char *ro_mounts[33]; /* NULL-terminated */
	int n_ro;
	int bpf_links[16]; /* cgroup-BPF links: held open until the sentry exits */
	int n_bpf_links;
	int bpf_counters_fd;
	int bpf_events_fd; /* the cgroup-BPF denial ring buffer, handed to subscribers */
	int keeper_pidfd;  /* the keeper (keeper.h): the sandbox ends if it dies */
	int lsm_counters_fd, lsm_events_fd; /* as bpf_counters_fd and bpf_events_fd */
};

static int parse_args(int argc, char **argv, struct sentry_args *a)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"cgroup", required_argument, NULL, 'c'},
	    {"init-pid", required_argument, NULL, 'p'},
	    {"pidfd", required_argument, NULL, 'f'},
	    {"sync-fd", required_argument, NULL, 'y'},
	    {"control-fd", required_argument, NULL, 'C'},
	    {"events-fd", required_argument, NULL, 'e'},
	    {"audit", no_argument, NULL, 'a'},
	    {"emulate", required_argument, NULL, 'E'},
	    {"gofer-fd", required_argument, NULL, 'g'},
	    {"gofer-pid", required_argument, NULL, 'G'},
	    {"private-mount", required_argument, NULL, 'm'},
	    {"ro-mount", required_argument, NULL, 'r'},
	    {"report-fd", required_argument, NULL, 'R'},
	    {"bpf-link-fd", required_argument, NULL, 'L'},
	    {"bpf-counters-fd", required_argument, NULL, 'K'},
	    {"subscriber-fd", required_argument, NULL, 'S'},
	    {"bpf-events-fd", required_argument, NULL, 'V'},
	    {"keeper-pidfd", required_argument, NULL, 'H'},
	    {"lsm-counters-fd", required_argument, NULL, 'k'},
	    {"lsm-events-fd", required_argument, NULL, 'v'},
	    {"listener-fd", required_argument, NULL, 'n'},
	    {"cgroup-v2-dir", required_argument, NULL, 'D'},
	    {"cgroup-mem-dir", required_argument, NULL, 'M'},
	    {0},
	};
	int c;
	*a = (struct sentry_args){.pidfd = -1,
				  .sync_fd = -1,
				  .control_fd = -1,
				  .events_fd = -1,
				  .gofer_fd = -1,
				  .report_fd = -1,
				  .bpf_counters_fd = -1,
				  .subscriber_fd = -1,
				  .bpf_events_fd = -1,
				  .keeper_pidfd = -1,
				  .lsm_counters_fd = -1,
				  .lsm_events_fd = -1,
				  .listener_fd = -1};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int v = 0;
		if (optarg && strchr("pfyCegGRLKSVHkvn", c) && parse_int(optarg, &v) < 0)
			return -EINVAL;
		switch (c) {
		case 'i':
			a->id = optarg;
			break;
		case 's':
			a->state_dir = optarg;
			break;
		case 'c':
			a->cgroup = optarg;
			break;
		case 'p':
			a->init_pid = v;
			break;
		case 'f':
			a->pidfd = v;
			break;
		case 'y':
			a->sync_fd = v;
			break;
		case 'C':
			a->control_fd = v;
			break;
		case 'e':
			a->events_fd = v;
			break;
		case 'a':
			a->audit = true;
			break;
		case 'E': /* what sbx.emulate names, where a brokered call is also emulated */
			if (!strcmp(optarg, "mknod"))
				a->emulate_mknod = true;
			else if (!strcmp(optarg, "mknodat"))
				a->emulate_mknodat = true;
			else
				return -EINVAL;
			break;
		case 'g':
			a->gofer_fd = v;
			break;
		case 'G':
			a->gofer_pid = v;
			break;
		case 'R':
			a->report_fd = v;
			break;
		case 'L':
			if (a->n_bpf_links == (int)(sizeof(a->bpf_links) / sizeof(a->bpf_links[0])))
				return -EINVAL;
			a->bpf_links[a->n_bpf_links++] = v;
			break;
		case 'K':
			a->bpf_counters_fd = v;
			break;
		case 'V':
			a->bpf_events_fd = v;
			break;
		case 'H':
			a->keeper_pidfd = v;
			break;
		case 'k':
			a->lsm_counters_fd = v;
			break;
		case 'v':
			a->lsm_events_fd = v;
			break;
		case 'n':
			a->listener_fd = v;
			break;
		case 'D':
			a->cgroup_v2_dir = optarg;
			break;
		case 'M':
			a->cgroup_mem_dir = optarg;
			break;
		case 'S': /* sbx-trace's end of a socket pair, from `sbx run` */
			a->subscriber_fd = v;
			break;
		case 'm':
			if (a->n_private == 32 || optarg[0] != '/')
				return -EINVAL;
			a->private_mounts[a->n_private++] = optarg;
			break;
		case 'r':
			if (a->n_ro == 32 || optarg[0] != '/')
				return -EINVAL;
			a->ro_mounts[a->n_ro++] = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!a->id || !a->state_dir)
		return -EINVAL;
	if (a->listener_fd >= 0) /* a foreign container: its notify fd, its init's pid */
		return a->init_pid > 0 && a->pidfd < 0 && a->sync_fd < 0 ? 0 : -EINVAL;
	return a->pidfd >= 0 && a->sync_fd >= 0 ? 0 : -EINVAL;
}

static void record_end(const struct sentry_args *a, enum sentry_end end, int status)
{
	static const char *const names[] = {"exit", "poweroff", "restart", "hangup"};
	state_record_exit(a->state_dir, status, names[end]);
}

/* After a failure, once init (killed) has exited: its parent reaps it (monitor.c), so its
 * status is not ours to know. */
static int wait_init(const struct sentry_args *a)
{
	struct pollfd p = {.fd = a->pidfd, .events = POLLIN};
	if (a->pidfd >= 0)
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	return SENTRY_STATUS_UNKNOWN;
}

static void report_created(const struct sentry_args *a, const char *error)
{
	if (a->report_fd < 0)
		return;
	monitor_report(a->report_fd, error ? -1 : a->init_pid, error);
	close(a->report_fd);
}

/* A layer's denial counters (the .bss of its BPF object), mapped read-only before lockdown;
 * the mapping outlives the fd. */
static const volatile void *map_counters(int fd, const char *layer)
{
	if (fd < 0)
		return NULL;
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_debug("sentry: mmap the %s counters: %s", layer, strerror(errno));
		return NULL;
	}
	return p;
}

static void kill_init(const struct sentry_args *a)
{
	int fd = a->pidfd >= 0 ? a->pidfd : (int)syscall(SYS_pidfd_open, a->init_pid, 0);
	if (fd >= 0)
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	if (fd >= 0 && fd != a->pidfd)
		close(fd);
}

/* Lock down first, then serve: the sentry runs under its own filter and capabilities from
 * `create` on, and takes init's listener (sync_fd) like any other over its loop. */
static int serve(const struct sbx_cli *cli, const struct sentry_args *a, enum sentry_end *end,
		 int *status, struct sbx_error *err)
{
	struct sbx_cgroup *cg = NULL;
	if (a->cgroup)
		cgroup_open(a->cgroup, &cg, NULL);
	struct stat v2;
	bool foreign_v2 = a->cgroup_v2_dir && stat(a->cgroup_v2_dir, &v2) == 0;
	struct sentry_config cfg = {
	    .id = a->id,
	    .state_dir = a->state_dir,
	    .audit = a->audit,
	    .emulate_mknod = a->emulate_mknod,
	    .emulate_mknodat = a->emulate_mknodat,
	    .log_decisions = cli->log_path != NULL, /* our stderr is /dev/null otherwise */
	    .cgroup_v2 = cg ? cgroup_v2_path(cg) : a->cgroup_v2_dir,
	    .cgroup_mem = cg ? cgroup_memory_path(cg) : a->cgroup_mem_dir,
	    .cgroup_id = cg	      ? cgroup_v2_id(cg)
			 : foreign_v2 ? (uint64_t)v2.st_ino
				      : 0,
	    .init_pid = a->init_pid,
	    .init_pidfd = a->pidfd,
	    .control_fd = a->control_fd,
	    .events_fd = a->events_fd,
	    .gofer_fd = a->gofer_fd,
	    .private_mounts = a->gofer_fd >= 0 ? a->private_mounts : NULL,
	    .ro_mounts = a->gofer_fd >= 0 ? a->ro_mounts : NULL,
	    .cgroup_bpf = map_counters(a->bpf_counters_fd, "cgroup-BPF"),
	    .cgroup_bpf_events_fd = a->bpf_events_fd,
	    .lsm = map_counters(a->lsm_counters_fd, "BPF-LSM"),
	    .lsm_events_fd = a->lsm_events_fd,
	    .keeper_pidfd = a->keeper_pidfd,
	};
	clock_gettime(CLOCK_BOOTTIME, &cfg.boot_time);
	struct sentry *s = NULL;
	int r = sentry_new(&cfg, &s, err);
	if (r >= 0 && a->listener_fd >= 0 && (r = sentry_add_listener(s, a->listener_fd)) < 0)
		sbx_err_errno(err, -r, "take the container's notify fd");
	else if (r >= 0 && a->listener_fd < 0 && (r = sentry_add_pending(s, a->sync_fd)) < 0)
		sbx_err_errno(err, -r, "take init's socket");
	if (r >= 0 && a->subscriber_fd >= 0 && sentry_events_subscribe(s, a->subscriber_fd) < 0)
		log_warn("sentry: the tracer's event socket is unusable");
	if (r >= 0)
		r = sentry_lockdown(s, err);
	/* `create` returns once the sentry is locked down (or says why it could not be). */
	report_created(a, r < 0 ? err->msg : NULL);
	if (r >= 0)
		r = sentry_run(s, end, status, err);
	if (r < 0) {
		/* Fail closed: the sandbox does not outlive a broken sentry. */
		kill_init(a);
		*end = SENTRY_END_EXIT;
		*status = wait_init(a);
	}
	sentry_free(s);
	cgroup_free(cg);
	return r;
}

/* The gofer is our child (the monitor forked it before it became us): it ends with the sandbox
 * and is reaped here, not left to whoever inherits it. Nothing is pending: we are done. */
static void end_gofer(const struct sentry_args *a)
{
	if (a->gofer_pid <= 0)
		return;
	siginfo_t info;
	kill(a->gofer_pid, SIGKILL);
	while (waitid(P_PID, (id_t)a->gofer_pid, &info, WEXITED) < 0 && errno == EINTR)
		;
}

int cmd_sentry(struct sbx_cli *cli, int argc, char **argv)
{
	struct sentry_args a;
	struct sbx_error err = {0};
	if (parse_args(argc, argv, &a) < 0) {
		log_error("sentry: bad arguments (internal command)");
		return 2;
	}
	enum sentry_end end = SENTRY_END_EXIT;
	int status = 0;
	int r = serve(cli, &a, &end, &status, &err);
	if (r < 0)
		log_error("sentry %s: %s", a.id, err.msg);
	end_gofer(&a);
	record_end(&a, end, status);
	if (r < 0)
		return 1;
	return status == SENTRY_STATUS_UNKNOWN ? 0 : exit_code_from_status(status);
}
