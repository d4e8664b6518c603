#ifndef SBX_RUNTIME_EXEC_OPTS_H
#define SBX_RUNTIME_EXEC_OPTS_H

#include <stdbool.h>

struct sbx_error;
struct oci_process;
struct container_state;

struct exec_opts {
	const char *id, *process_file, *pid_file, *cwd, *user, *console_socket;
	const char *env[64];
	int n_env, preserve_fds;
	bool detach, tty; /* tty: -t, or --console-socket (the process file's terminal wins) */
	char **args;	  /* NULL-terminated, may be empty with --process */
};

int exec_opts_parse(int argc, char **argv, struct exec_opts *o);

/* The process to run: from --process FILE, or the container's own process with the
 * command, cwd, env and user from the options. */
int exec_build_process(const struct container_state *st, const struct exec_opts *o,
		       struct oci_process *ret, struct sbx_error *err);

#endif
