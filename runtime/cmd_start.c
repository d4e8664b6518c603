/* sbx start ID */
#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/sandbox.h"
#include "runtime/state.h"

int cmd_start(struct sbx_cli *cli, int argc, char **argv)
{
	struct sbx_error err = {0};
	struct container_state st;
	const char *id = argc == 2 ? argv[1] : NULL;
	if (!id)
		return cli_failf(cli, "usage: sbx start ID");
	if (state_load(cli->root, id, &st, &err) < 0)
		return cli_fail(cli, &err);
	int r = sandbox_start(&st, &err);
	state_clear(&st);
	return r < 0 ? cli_fail(cli, &err) : 0;
}
