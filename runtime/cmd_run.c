/* sbx run: the OCI form (`run [--bundle DIR] [--detach] ID`, like runc) and the form for
 * people (`run [--rootfs DIR] [-v HOST:CTR[:ro]]... [--policy FILE] [--memory BYTES]
 * [--pids N] [--cpus N] [--network none|host] [-t] [--name ID] [--cap-add CAP]...
 * [--preserve-fds N] [--stats] [--persist | --no-gofer] -- CMD ARGS...`). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/bundle.h"
#include "runtime/cli.h"
#include "runtime/console.h"
#include "runtime/create_opts.h"
#include "runtime/oci.h"
#include "runtime/quickspec.h"
#include "runtime/run_wait.h"
#include "runtime/state.h"

/* Create the sandbox (spec is cleared). When its process wants a terminal and no
 * --console-socket will receive it, receive it ourselves: *ret_master is then the pty master,
 * else -1. Detached, nothing would: fail before anything starts. Returns the exit status. */
static int create_for_run(struct sbx_cli *cli, struct sandbox_spec *spec, bool detach,
			  struct container_state *st, int *ret_master)
{
	_cleanup_(console_listener_close) struct console_listener l = CONSOLE_LISTENER_INIT;
	struct sbx_error err = {0};
	bool own = spec->config->process.terminal && !spec->console_socket;
	int r = 0;
	*ret_master = -1;
	if (own && detach)
		r = console_require_socket(true, NULL, true, &err);
	else if (own && (r = console_listen(cli->root, &l, &err)) == 0)
		spec->console_socket = l.path;
	if (r == 0)
		r = sandbox_create(cli, spec, st, &err);
	bundle_spec_clear(spec);
	if (r < 0)
		return cli_fail(cli, &err);
	if (!own)
		return 0;
	int master = console_receive(&l, &err);
	if (master < 0) {
		int code = cli_fail(cli, &err);
		sandbox_delete(cli->root, st->id, true, NULL);
		state_clear(st);
		return code;
	}
	*ret_master = master;
	return 0;
}

static int run_oci(struct sbx_cli *cli, int argc, char **argv)
{
	struct create_opts o;
	if (create_opts_parse(argc, argv, &o) < 0)
		return cli_failf(cli, "usage: sbx run [--bundle DIR] [--detach] [--pid-file FILE] "
				      "[--console-socket PATH] ID   or   sbx run [OPTIONS] -- CMD "
				      "ARGS...");
	struct sbx_error err = {0};
	struct sandbox_spec spec = {.id = o.id,
				    .cache_root = cli->root,
				    .pid_file = o.pid_file,
				    .console_socket = o.console_socket,
				    .preserve_fds = o.preserve_fds,
				    .foreground = !o.detach};
	struct bundle_paths paths;
	struct container_state st;
	int master;
	if (bundle_load(&spec, o.bundle, NULL, &paths, &err) < 0)
		return cli_fail(cli, &err);
	int code = create_for_run(cli, &spec, o.detach, &st, &master);
	if (code)
		return code;
	return run_start_and_wait(cli, &st, o.detach, o.keep, false, master);
}

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_quick(int argc, char **argv, struct quick_opts *o, struct sbx_cli *cli)
{
	static const struct option opts[] = {
	    {"rootfs", required_argument, NULL, 'r'},
	    {"volume", required_argument, NULL, 'v'},
	    {"policy", required_argument, NULL, 'P'},
	    {"memory", required_argument, NULL, 'm'},
	    {"pids", required_argument, NULL, 'p'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"network", required_argument, NULL, 'n'},
	    {"tty", no_argument, NULL, 't'},
	    {"name", required_argument, NULL, 'N'},
	    {"gofer", no_argument, NULL, 'G'},
	    {"no-gofer", no_argument, NULL, 'g'},
	    {"persist", no_argument, NULL, 'S'},
	    {"stats", no_argument, NULL, 's'},
	    {"cap-add", required_argument, NULL, 'C'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"isolation", required_argument, NULL, 'I'},
	    {"kernel", required_argument, NULL, 'K'},
	    {"initramfs", required_argument, NULL, 'A'},
	    {0},
	};
	int c;
	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "+r:v:m:tn:", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'r':
			o->rootfs = optarg;
			break;
		case 'P':
			o->policy = optarg;
			break;
		case 'G': /* the default; kept for scripts written before it was */
			break;
		case 'g':
			o->no_gofer = true;
			break;
		case 'S':
			o->persist = true;
			break;
		case 'N':
			o->name = optarg;
			break;
		case 'I':
			if (strcmp(optarg, "vm") && strcmp(optarg, "container"))
				return cli_failf(cli, "--isolation must be vm or container");
			o->isolation = optarg;
			break;
		case 'K':
			o->kernel = optarg;
			break;
		case 'A':
			o->initramfs = optarg;
			break;
		case 't':
			o->tty = true;
			break;
		case 's':
			o->stats = true;
			break;
		case 'F':
			if (parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0)
				return cli_failf(cli, "--preserve-fds %s: expected a number",
						 optarg);
			break;
		case 'C':
			if (o->n_caps == 41)
				return cli_failf(cli, "too many --cap-add");
			o->caps[o->n_caps++] = optarg;
			break;
		case 'v':
			if (o->n_volumes == 32)
				return cli_failf(cli, "too many volumes (at most 32)");
			o->volumes[o->n_volumes++] = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o->memory) < 0)
				return cli_failf(
				    cli, "--memory %s: expected bytes (k, m, g suffixes)", optarg);
			break;
		case 'p':
			if (parse_u64(optarg, &o->pids) < 0 || o->pids == 0)
				return cli_failf(cli, "--pids %s: expected a positive number",
						 optarg);
			break;
		case 'c':
			o->cpus = strtod(optarg, &end);
			if (*end || o->cpus <= 0)
				return cli_failf(cli, "--cpus %s: expected a positive number",
						 optarg);
			break;
		case 'n':
			if (strcmp(optarg, "none") && strcmp(optarg, "host"))
				return cli_failf(cli, "--network must be none or host");
			o->host_network = !strcmp(optarg, "host");
			break;
		default:
			return cli_failf(cli, "usage: sbx run [OPTIONS] -- CMD ARGS...");
		}
	}
	if (o->persist && o->no_gofer)
		return cli_failf(cli, "--persist needs the gofer: drop --no-gofer");
	if (optind >= argc)
		return cli_failf(cli, "sbx run: no command given after --");
	o->args = argv + optind;
	return 0;
}

static int run_quick(struct sbx_cli *cli, int argc, char **argv)
{
	struct quick_opts o;
	if (parse_quick(argc, argv, &o, cli))
		return 2;
	char id[64];
	if (o.name)
		snprintf(id, sizeof(id), "%s", o.name);
	else
		snprintf(id, sizeof(id), "run-%d", getpid());
	struct sbx_error err = {0};
	_cleanup_free_ char *text = NULL;
	struct oci_config *c = NULL;
	if (quickspec_build(&o, id, &text, &err) < 0 ||
	    oci_config_parse(text, strlen(text), "sbx run", &c, &err) < 0)
		return cli_fail(cli, &err);
	struct sandbox_spec spec = {
	    .id = id, .foreground = true, .cache_root = cli->root, .preserve_fds = o.preserve_fds};
	struct bundle_paths paths;
	struct container_state st;
	if (bundle_prepare(&spec, ".", c, o.policy, &paths, &err) < 0) {
		oci_config_free(c);
		return cli_fail(cli, &err);
	}
	/* Changes land in an overlay upper layer in the state dir, or with --persist in the
	 * rootfs itself. */
	spec.overlay = spec.gofer && !o.persist;
	spec.vm_persist = o.persist;
	int master;
	int code = create_for_run(cli, &spec, false, &st, &master);
	if (code)
		return code;
	return run_start_and_wait(cli, &st, false, false, o.stats, master);
}

int cmd_run(struct sbx_cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return run_quick(cli, argc, argv);
	return run_oci(cli, argc, argv);
}
