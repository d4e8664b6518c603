/* sbx-sentry: the per-sandbox sentry as a small static program. The monitor execs it with the
 * same arguments `sbx ... sentry ...` takes (global options, then "sentry" and its own). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cli.h"

int main(int argc, char **argv)
{
	struct sbx_cli cli = {.root = "/run/sbx", .log_format = SBX_LOG_TEXT};
	static const struct option opts[] = {
	    {"log", required_argument, NULL, 'l'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'l')
			cli.log_path = optarg;
		else if (c == 'f')
			cli.log_format = strcmp(optarg, "json") ? SBX_LOG_TEXT : SBX_LOG_JSON;
		else if (c == 'd')
			cli.debug = true;
		else
			return 2;
	}
	if (optind >= argc || strcmp(argv[optind], "sentry")) {
		fprintf(stderr, "sbx-sentry: internal program, started by sbx\n");
		return 2;
	}
	if (sbx_log_open(cli.log_path, cli.log_format, cli.debug) < 0)
		return 1;
	int first = optind;
	optind = 0;
	return cmd_sentry(&cli, argc - first, argv + first);
}
