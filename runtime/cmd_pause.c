/* sbx pause ID: freeze every process of the container (not its sentry and gofer, which are
 * outside its cgroups and keep answering notified syscalls in flight). */
#include "lib/error.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state.h"

#define PAUSE_WAIT_MS 2000

int cmd_pause(struct sbx_cli *cli, int argc, char **argv)
{
	struct sbx_error err = {0};
	struct container_state st;
	struct sbx_cgroup *cg = NULL;
	if (argc != 2 || argv[1][0] == '-')
		return cli_failf(cli, "usage: sbx pause ID");
	if (state_load(cli->root, argv[1], &st, &err) < 0)
		return cli_fail(cli, &err);
	enum container_status s = state_status(&st);
	int code = 0;
	if (s != STATUS_RUNNING && s != STATUS_CREATED)
		code = cli_failf(cli,
				 "container \"%s\" is %s: only a running or created container "
				 "can be paused",
				 st.id, status_name(s));
	else if (cgroup_open(st.cgroup, &cg, &err) < 0 ||
		 cgroup_freeze(cg, true, PAUSE_WAIT_MS, &err) < 0)
		code = cli_failf(cli, "pause container \"%s\": %s", st.id, err.msg);
	cgroup_free(cg);
	state_clear(&st);
	return code;
}
