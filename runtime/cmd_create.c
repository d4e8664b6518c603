/* sbx create [--bundle DIR] [--pid-file F] [--console-socket P] [--preserve-fds N] ID */
#include <getopt.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/util.h"
#include "runtime/bundle.h"
#include "runtime/cli.h"
#include "runtime/create_opts.h"
#include "runtime/state.h"

int create_opts_parse(int argc, char **argv, struct create_opts *o)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"preserve-fds", required_argument, NULL, 'P'},
	    {"detach", no_argument, NULL, 'd'},
	    {"no-pivot", no_argument, NULL, 'n'},
	    {"no-new-keyring", no_argument, NULL, 'k'},
	    {"keep", no_argument, NULL, 'K'},
	    {0},
	};
	int c;
	*o = (struct create_opts){.bundle = "."};
	while ((c = getopt_long(argc, argv, "b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'P':
			if (parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0)
				return -1;
			break;
		case 'd':
			o->detach = true;
			break;
		case 'K':
			o->keep = true;
			break;
		case 'n':
		case 'k':
			break; /* accepted for runc compatibility */
		default:
			return -1;
		}
	}
	o->id = cli_id_arg(argc, argv);
	return o->id ? 0 : -1;
}

int create_from_opts(struct sbx_cli *cli, const struct create_opts *o, struct container_state *st)
{
	struct sbx_error err = {0};
	struct sandbox_spec spec = {.id = o->id,
				    .cache_root = cli->root,
				    .pid_file = o->pid_file,
				    .console_socket = o->console_socket,
				    .preserve_fds = o->preserve_fds};
	struct bundle_paths paths;
	if (bundle_load(&spec, o->bundle, NULL, &paths, &err) < 0)
		return cli_fail(cli, &err);
	int r = sandbox_create(cli, &spec, st, &err);
	bundle_spec_clear(&spec);
	return r < 0 ? cli_fail(cli, &err) : 0;
}

int cmd_create(struct sbx_cli *cli, int argc, char **argv)
{
	struct create_opts o;
	if (create_opts_parse(argc, argv, &o) < 0)
		return cli_failf(cli, "usage: sbx create [--bundle DIR] [--pid-file FILE] "
				      "[--console-socket PATH] [--preserve-fds N] ID");
	struct container_state st;
	int code = create_from_opts(cli, &o, &st);
	if (code == 0)
		state_clear(&st);
	return code;
}
