#ifndef SBX_RUNTIME_RUN_WAIT_H
#define SBX_RUNTIME_RUN_WAIT_H

#include <stdbool.h>

struct sbx_cli;
struct container_state;

/* Start a created container; unless detached, forward signals to it, wait for it, print the
 * sentry's counts when asked, delete it (unless keep) and return the workload's status.
 * console_master (or -1) is the pty master of the container's terminal, which this takes
 * over: our stdio is copied to and from it until the workload lets go of it. */
int run_start_and_wait(struct sbx_cli *cli, struct container_state *st, bool detach, bool keep,
		       bool stats, int console_master);

#endif
