#ifndef SBX_RUNTIME_RUN_WAIT_H
#define SBX_RUNTIME_RUN_WAIT_H

#include <stdbool.h>

struct sbx_cli;
struct container_state;

/* Start a created container; unless detached, forward signals to it, wait for it, print the
 * sentry's counts when asked, delete it (unless keep) and return the workload's status. */
int run_start_and_wait(struct sbx_cli *cli, struct container_state *st, bool detach, bool keep,
		       bool stats);

#endif
