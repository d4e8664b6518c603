/* sbx delete [--force] ID */
#include <getopt.h>

#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/sandbox.h"

int cmd_delete(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1)
		if (c == 'f')
			force = true;
		else
			return cli_failf(cli, "usage: sbx delete [--force] ID");
	if (optind + 1 != argc)
		return cli_failf(cli, "usage: sbx delete [--force] ID");
	struct sbx_error err = {0};
	if (sandbox_delete(cli->root, argv[optind], force, &err) < 0)
		return cli_fail(cli, &err);
	return 0;
}
