/* sbx state ID: the OCI state JSON. */
#include <jansson.h>
#include <stdio.h>

#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/state.h"

int cmd_state(struct sbx_cli *cli, int argc, char **argv)
{
	struct sbx_error err = {0};
	struct container_state st;
	const char *id = argc == 2 ? argv[1] : NULL;
	if (!id)
		return cli_failf(cli, "usage: sbx state ID");
	if (state_load(cli->root, id, &st, &err) < 0)
		return cli_fail(cli, &err);
	json_t *o = state_to_oci_json(&st);
	state_clear(&st);
	if (!o)
		return cli_failf(cli, "out of memory");
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
	return 0;
}
