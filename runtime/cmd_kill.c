/* sbx kill [--all] ID [SIGNAL]  (default SIGTERM, as runc) */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/error.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/signals.h"
#include "runtime/state.h"

/* A frozen task acts on SIGKILL only once thawed: let a paused container die (as runc). Other
 * signals wait, queued, for `sbx resume`. */
static void thaw(const struct container_state *st)
{
	struct sbx_cgroup *cg = NULL;
	if (cgroup_open(st->cgroup, &cg, NULL) == 0)
		cgroup_freeze(cg, false, 0, NULL);
	cgroup_free(cg);
}

int cmd_kill(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1)
		if (c == 'a')
			all = true;
		else
			return cli_failf(cli, "usage: sbx kill [--all] ID [SIGNAL]");
	if (optind >= argc || argc - optind > 2)
		return cli_failf(cli, "usage: sbx kill [--all] ID [SIGNAL]");
	const char *id = argv[optind];
	int sig = optind + 1 < argc ? signal_parse(argv[optind + 1]) : SIGTERM;
	if (sig < 0)
		return cli_failf(cli, "unknown signal \"%s\"", argv[optind + 1]);
	struct sbx_error err = {0};
	struct container_state st;
	if (state_load(cli->root, id, &st, &err) < 0)
		return cli_fail(cli, &err);
	enum container_status s = state_status(&st);
	int code = 0;
	if (s != STATUS_CREATED && s != STATUS_RUNNING && s != STATUS_PAUSED) {
		/* "container not running", as runc says: containerd's shim matches the words */
		code = cli_failf(cli, "cannot signal \"%s\": container not running (%s)", id,
				 status_name(s));
	} else if (all) {
		struct sbx_cgroup *cg = NULL;
		if (cgroup_open(st.cgroup, &cg, &err) < 0 || cgroup_kill_all(cg, sig) < 0)
			code = cli_failf(cli, "kill all processes of \"%s\": %s", id,
					 err.msg[0] ? err.msg : "failed");
		cgroup_free(cg);
	} else {
		/* A microVM's monitor forwards what it can catch to the workload; SIGKILL and
		 * SIGSTOP go to QEMU itself (the VM dies or stops, and the workload with it). */
		bool via_monitor = st.vm && sig != SIGKILL && sig != SIGSTOP;
		int pfd = via_monitor ? pidfd_open_checked(st.sentry_pid, st.sentry_start)
				      : pidfd_open_checked(st.pid, st.pid_start);
		if (pfd < 0 || syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
			code = cli_failf(cli, "kill container \"%s\": %s", id,
					 strerror(pfd < 0 ? -pfd : errno));
		if (pfd >= 0)
			close(pfd);
		if (code == 0 && s == STATUS_PAUSED && sig == SIGKILL)
			thaw(&st);
	}
	state_clear(&st);
	return code;
}
