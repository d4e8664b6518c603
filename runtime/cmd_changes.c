/* sbx changes [--json] ID: what the sandbox changed, from the gofer's change log. Works while
 * it runs and after it stopped, until `delete`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gofer/gofer.h"
#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/state.h"

int cmd_changes(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 'j')
			json = true;
		else
			return cli_failf(cli, "usage: sbx changes [--json] ID");
	if (optind + 1 != argc)
		return cli_failf(cli, "usage: sbx changes [--json] ID");
	struct sbx_error err = {0};
	struct container_state st;
	if (state_load(cli->root, argv[optind], &st, &err) < 0)
		return cli_fail(cli, &err);
	int dir = open(st.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	state_clear(&st);
	if (dir < 0)
		return cli_failf(cli, "open state dir: %s", strerror(errno));
	int r = gofer_changes_print(dir, "changes.jsonl", json, stdout);
	if (r == -ENOENT && !json)
		printf(
		    "no changes recorded (the sandbox runs without a gofer, or changed nothing)\n");
	else if (r < 0 && r != -ENOENT)
		return cli_failf(cli, "read the change log: %s", strerror(-r));
	return 0;
}
