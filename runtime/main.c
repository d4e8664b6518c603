/* sbx: an OCI runtime whose workloads run behind a syscall-mediating sentry. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/trace_hook.h"

struct verb {
	const char *name;
	sbx_cmd_fn fn;
	const char *help;
};

static const struct verb verbs[] = {
    {"create", cmd_create, "create a container from a bundle"},
    {"start", cmd_start, "run the user program of a created container"},
    {"state", cmd_state, "print the OCI state of a container"},
    {"kill", cmd_kill, "send a signal to a container's init"},
    {"delete", cmd_delete, "delete a container and everything it made"},
    {"run", cmd_run, "create and start (OCI bundle, or `run [opts] -- CMD ARGS`)"},
    {"exec", cmd_exec, "run a new process in a running container"},
    {"ps", cmd_ps, "list the processes of a container (--format table|json)"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"events", cmd_events, "resource usage as JSON lines (--stats: once)"},
    {"update", cmd_update, "change a running container's cgroup limits"},
    {"spec", cmd_spec, "write a default config.json"},
    {"list", cmd_list, "list containers"},
    {"features", cmd_features, "print the OCI features JSON"},
    {"check", cmd_check, "show this host's features and the layers a sandbox gets"},
    {"changes", cmd_changes, "list what a sandbox changed in its files (--json)"},
    {"sentry", cmd_sentry, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sbx [--root DIR] [--log FILE] [--log-format text|json] [--debug] "
		   "COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].help)
			fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].help);
}

int main(int argc, char **argv)
{
	struct sbx_cli cli = {.root = "/run/sbx", .log_format = SBX_LOG_TEXT};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"log", required_argument, NULL, 'l'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"systemd-cgroup", no_argument, NULL, 's'},
	    {"rootless", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cli.root = optarg;
			break;
		case 'l':
			cli.log_path = optarg;
			break;
		case 'd':
			cli.debug = true;
			break;
		case 's':
		case 'R':
			break; /* accepted for runc compatibility */
		case 'f':
			if (!strcmp(optarg, "json"))
				cli.log_format = SBX_LOG_JSON;
			else if (strcmp(optarg, "text")) {
				fprintf(stderr, "sbx: --log-format must be text or json\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (sbx_log_open(cli.log_path, cli.log_format, cli.debug) < 0) {
		fprintf(stderr, "sbx: cannot open log file %s\n", cli.log_path);
		return 1;
	}
	struct sbx_error err = {0};
	/* sbx-trace's hand-over concerns a sandbox being made; other verbs ignore it */
	bool makes = !strcmp(argv[optind], "run") || !strcmp(argv[optind], "create");
	if (!makes)
		unsetenv(SBX_TRACE_ENV);
	else if (trace_hook_from_env(&err) < 0) {
		fprintf(stderr, "sbx: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[optind], verbs[i].name))
			continue;
		int first = optind;
		optind = 0; /* let the verb's getopt_long start afresh */
		int code = verbs[i].fn(&cli, argc - first, argv + first);
		sbx_log_close();
		return code;
	}
	fprintf(stderr, "sbx: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return 2;
}
