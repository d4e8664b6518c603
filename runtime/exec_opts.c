#include "runtime/exec_opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cli.h"
#include "runtime/oci.h"
#include "runtime/state.h"

int exec_opts_parse(int argc, char **argv, struct exec_opts *o)
{
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"pid-file", required_argument, NULL, 'P'},
	    {"cwd", required_argument, NULL, 'c'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"detach", no_argument, NULL, 'd'},
	    {"tty", no_argument, NULL, 't'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"console-socket", required_argument, NULL, 'C'},
	    {0},
	};
	int c;
	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "+p:c:e:u:dt", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->process_file = optarg;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'c':
			o->cwd = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'C':
			o->console_socket = optarg;
			o->tty = true; /* a console socket means a terminal */
			break;
		case 'e':
			if (o->n_env == 63)
				return -1;
			o->env[o->n_env++] = optarg;
			break;
		case 'F':
			if (parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind >= argc)
		return -1;
	o->id = argv[optind++];
	o->args = argv + optind;
	return o->process_file || o->args[0] ? 0 : -1;
}

static int strv_replace(char ***v, char **src)
{
	size_t n = 0;
	while (src[n])
		n++;
	char **nv = calloc(n + 1, sizeof(char *));
	if (!nv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(nv[i] = strdup(src[i])))
			return -ENOMEM;
	for (char **p = *v; p && *p; p++)
		free(*p);
	free(*v);
	*v = nv;
	return 0;
}

static int env_add(char ***env, const char *kv)
{
	size_t n = 0, klen = strcspn(kv, "=");
	for (; (*env)[n]; n++)
		if (!strncmp((*env)[n], kv, klen) && (*env)[n][klen] == '=') {
			free((*env)[n]);
			(*env)[n] = strdup(kv);
			return (*env)[n] ? 0 : -ENOMEM;
		}
	char **nv = realloc(*env, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[n] = strdup(kv);
	nv[n + 1] = NULL;
	*env = nv;
	return nv[n] ? 0 : -ENOMEM;
}

static int apply_options(const struct exec_opts *o, struct oci_process *p, struct sbx_error *err)
{
	if (o->args[0] && strv_replace(&p->args, o->args) < 0)
		return sbx_err(err, ENOMEM, "out of memory");
	if (o->cwd) {
		free(p->cwd);
		p->cwd = strdup(o->cwd);
	}
	for (int i = 0; i < o->n_env; i++)
		if (!strchr(o->env[i], '=') || env_add(&p->env, o->env[i]) < 0)
			return sbx_err(err, EINVAL, "--env %s: expected KEY=VALUE", o->env[i]);
	if (o->user) {
		unsigned uid, gid;
		int n = sscanf(o->user, "%u:%u", &uid, &gid);
		if (n < 1)
			return sbx_err(err, EINVAL, "--user %s: expected UID[:GID]", o->user);
		p->uid = uid;
		if (n == 2)
			p->gid = gid;
	}
	p->terminal = o->tty;
	return 0;
}

int exec_build_process(const struct container_state *st, const struct exec_opts *o,
		       struct oci_process *ret, struct sbx_error *err)
{
	memset(ret, 0, sizeof(*ret));
	if (o->process_file) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		int r = read_file(o->process_file, 1 << 20, &text, &len);
		if (r < 0)
			return sbx_err_errno(err, -r, "--process %s", o->process_file);
		return oci_process_parse(text, len, o->process_file, ret, err);
	}
	char path[PATH_MAX];
	state_path(st, "config.json", path, sizeof(path));
	struct oci_config *c = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(path, 4 << 20, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "read %s", path);
	if ((r = oci_config_parse(text, len, path, &c, err)) < 0)
		return r;
	*ret = c->process;
	memset(&c->process, 0, sizeof(c->process));
	oci_config_free(c);
	return apply_options(o, ret, err);
}
