/* The sbx command line: global options and one entry point per verb (one file per verb). */
#ifndef SBX_RUNTIME_CLI_H
#define SBX_RUNTIME_CLI_H

#include <stdbool.h>

#include "lib/log.h"

struct sbx_cli {
	const char *root;     /* state root, default /run/sbx */
	const char *log_path; /* NULL: stderr */
	enum sbx_log_format log_format;
	bool debug;
};

/* Each verb gets argv with argv[0] = the verb's name, parses its own options with getopt_long,
 * prints its own errors, and returns the process exit status. */
typedef int (*sbx_cmd_fn)(struct sbx_cli *cli, int argc, char **argv);

int cmd_create(struct sbx_cli *cli, int argc, char **argv);
int cmd_start(struct sbx_cli *cli, int argc, char **argv);
int cmd_state(struct sbx_cli *cli, int argc, char **argv);
int cmd_kill(struct sbx_cli *cli, int argc, char **argv);
int cmd_delete(struct sbx_cli *cli, int argc, char **argv);
int cmd_run(struct sbx_cli *cli, int argc, char **argv);
int cmd_exec(struct sbx_cli *cli, int argc, char **argv);
int cmd_ps(struct sbx_cli *cli, int argc, char **argv);
int cmd_pause(struct sbx_cli *cli, int argc, char **argv);
int cmd_resume(struct sbx_cli *cli, int argc, char **argv);
int cmd_events(struct sbx_cli *cli, int argc, char **argv);
int cmd_update(struct sbx_cli *cli, int argc, char **argv);
int cmd_spec(struct sbx_cli *cli, int argc, char **argv);
int cmd_list(struct sbx_cli *cli, int argc, char **argv);
int cmd_features(struct sbx_cli *cli, int argc, char **argv);
int cmd_check(struct sbx_cli *cli, int argc, char **argv);
int cmd_changes(struct sbx_cli *cli, int argc, char **argv);
int cmd_sentry(struct sbx_cli *cli, int argc, char **argv); /* internal */

struct sbx_error;

/* Report a failed verb: "sbx: <message>" on stderr, and in the log file when there is one.
 * Returns the exit status to use (1). */
int cli_fail(const struct sbx_cli *cli, const struct sbx_error *err);
int cli_failf(const struct sbx_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The verb's single positional container id, or an error when it is missing. */
const char *cli_id_arg(int argc, char **argv);

#endif
