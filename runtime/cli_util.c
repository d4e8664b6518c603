#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/log.h"
#include "runtime/cli.h"

int cli_failf(const struct sbx_cli *cli, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sbx: %s\n", msg);
	if (cli->log_path)
		log_error("%s", msg);
	return 1;
}

int cli_fail(const struct sbx_cli *cli, const struct sbx_error *err)
{
	return cli_failf(cli, "%s", err->msg[0] ? err->msg : "failed");
}

const char *cli_id_arg(int argc, char **argv)
{
	return optind < argc ? argv[optind] : NULL;
}
