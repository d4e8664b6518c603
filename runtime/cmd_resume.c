/* sbx resume ID: thaw a container that `sbx pause` froze. */
#include "lib/error.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state.h"

int cmd_resume(struct sbx_cli *cli, int argc, char **argv)
{
	struct sbx_error err = {0};
	struct container_state st;
	struct sbx_cgroup *cg = NULL;
	if (argc != 2 || argv[1][0] == '-')
		return cli_failf(cli, "usage: sbx resume ID");
	if (state_load(cli->root, argv[1], &st, &err) < 0)
		return cli_fail(cli, &err);
	enum container_status s = state_status(&st);
	int code = 0;
	if (s != STATUS_PAUSED)
		code = cli_failf(cli, "container \"%s\" is %s, not paused", st.id, status_name(s));
	else if (cgroup_open(st.cgroup, &cg, &err) < 0 || cgroup_freeze(cg, false, 0, &err) < 0)
		code = cli_failf(cli, "resume container \"%s\": %s", st.id, err.msg);
	cgroup_free(cg);
	state_clear(&st);
	return code;
}
