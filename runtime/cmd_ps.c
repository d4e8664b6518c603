/* sbx ps [--format table|json] ID [PS_ARGS...]: the container's processes, as runc prints
 * them: json, an array of the host pids in its cgroups; table, the lines of the host's
 * `ps PS_ARGS` (default -ef) whose PID column is one of them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state.h"

#define PS_LINE_MAX 8192

static int container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
			  struct sbx_error *err)
{
	struct container_state st;
	struct sbx_cgroup *cg = NULL;
	int r = state_load(root, id, &st, err);
	if (r < 0)
		return r;
	*ret = NULL;
	*ret_n = 0;
	r = st.cgroup[0] ? cgroup_open(st.cgroup, &cg, NULL) : -ENOENT;
	if (r == 0 && (r = cgroup_pids(cg, ret, ret_n)) < 0)
		sbx_err_errno(err, -r, "list the processes of \"%s\"", id);
	else
		r = 0; /* no cgroup left: a stopped container has no processes */
	cgroup_free(cg);
	state_clear(&st);
	return r;
}

static int print_json(const pid_t *pids, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(pids[i]));
	int r = a ? json_dumpf(a, stdout, JSON_COMPACT) : -1;
	json_decref(a);
	fputc('\n', stdout);
	return r < 0 ? -ENOMEM : 0;
}

/* The 0-based index of the PID column in ps's header, or -1. */
static int pid_column(char *header)
{
	_cleanup_free_ char *copy = strdup(header);
	char *save = NULL;
	int i = 0;
	for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
	     t = strtok_r(NULL, " \t\n", &save), i++)
		if (!strcmp(t, "PID"))
			return i;
	return -1;
}

static bool line_in(const char *line, int col, const pid_t *pids, size_t n)
{
	const char *p = line;
	for (int i = 0; i <= col; i++) {
		p += strspn(p, " \t");
		if (i == col)
			break;
		p += strcspn(p, " \t");
	}
	pid_t pid = (pid_t)strtol(p, NULL, 10);
	for (size_t i = 0; pid > 0 && i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int print_table(char **ps_args, const pid_t *pids, size_t n, struct sbx_error *err)
{
	char *argv[64] = {"ps"};
	int argc = 1;
	for (; ps_args && *ps_args && argc < 62; ps_args++)
		argv[argc++] = *ps_args;
	if (argc == 1)
		argv[argc++] = "-ef";
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) < 0)
		return sbx_err_errno(err, errno, "pipe");
	pid_t c = fork();
	if (c == 0) {
		dup2(fd[1], STDOUT_FILENO);
		execvp("ps", argv);
		dprintf(STDERR_FILENO, "sbx: ps: exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	_cleanup_fclose_ FILE *f = c > 0 ? fdopen(fd[0], "r") : NULL;
	if (!f) {
		close(fd[0]);
		return sbx_err_errno(err, errno, "run ps");
	}
	char line[PS_LINE_MAX];
	int col = -1;
	for (bool first = true; fgets(line, sizeof(line), f); first = false) {
		if (first && (col = pid_column(line)) >= 0)
			fputs(line, stdout);
		else if (col >= 0 && line_in(line, col, pids, n))
			fputs(line, stdout);
	}
	int status;
	while (waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sbx_err(err, EINVAL, "ps %s failed", argv[1]);
	if (col < 0)
		return sbx_err(err, EINVAL, "ps %s: no PID column in its output", argv[1]);
	return 0;
}

int cmd_ps(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	const char *usage = "usage: sbx ps [--format table|json] ID [PS_ARGS...]";
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f' || (strcmp(optarg, "json") && strcmp(optarg, "table")))
			return cli_failf(cli, "%s", usage);
		json = !strcmp(optarg, "json");
	}
	if (optind >= argc)
		return cli_failf(cli, "%s", usage);
	const char *id = argv[optind];
	char **ps_args = argv + optind + 1;
	if (*ps_args && !strcmp(*ps_args, "--"))
		ps_args++;
	if (json && *ps_args)
		return cli_failf(cli, "ps: ps arguments cannot be used with --format json");
	struct sbx_error err = {0};
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (container_pids(cli->root, id, &pids, &n, &err) < 0)
		return cli_fail(cli, &err);
	int r = json ? print_json(pids, n) : print_table(ps_args, pids, n, &err);
	if (r < 0)
		return err.msg[0] ? cli_fail(cli, &err) : cli_failf(cli, "ps: out of memory");
	return 0;
}
