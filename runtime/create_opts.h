/* Options shared by `create` and the OCI form of `run`. */
#ifndef SBX_RUNTIME_CREATE_OPTS_H
#define SBX_RUNTIME_CREATE_OPTS_H

#include <stdbool.h>

struct sbx_cli;
struct container_state;

struct create_opts {
	const char *id, *bundle, *pid_file, *console_socket;
	int preserve_fds;
	bool detach, keep;
};

int create_opts_parse(int argc, char **argv, struct create_opts *o);
/* Returns the exit status; on 0, *st describes the created container. */
int create_from_opts(struct sbx_cli *cli, const struct create_opts *o, struct container_state *st);

#endif
