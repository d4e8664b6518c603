/* sbx update [--resources FILE|-] [--memory N] [--memory-swap N] [--cpu-share N]
 *            [--cpu-quota N] [--cpu-period N] [--pids-limit N] ID
 * Change the cgroup limits of a running container, with runc's flags; --resources takes the
 * OCI linux.resources object (and then, as with runc, the other flags are ignored). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/oci.h"
#include "runtime/state.h"

#define RESOURCES_MAX (1 << 20)

/* "512", "-1", "64m", "1g", "2GiB": bytes, binary multiples (as runc's units.RAMInBytes). */
static int parse_size(const char *s, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < -1)
		return -EINVAL;
	const char *units = "kmgtp";
	const char *u = *end ? strchr(units, end[0] | 0x20) : NULL;
	int shift = u ? 10 * (int)(u - units + 1) : 0;
	if (u)
		end++;
	if (u && (*end | 0x20) == 'i')
		end++;
	if ((*end | 0x20) == 'b')
		end++;
	if (*end || (v > 0 && shift && v > (INT64_MAX >> shift)))
		return -EINVAL;
	*ret = v < 0 ? v : (int64_t)((uint64_t)v << shift);
	return 0;
}

static int read_resources(const char *file, struct oci_resources *ret, struct sbx_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	const char *name = strcmp(file, "-") ? file : "/dev/stdin";
	int r = read_file(name, RESOURCES_MAX, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "--resources %s", file);
	return oci_resources_parse(text, len, strcmp(file, "-") ? file : "<stdin>", ret, err);
}

/* One flag into res; -EINVAL with a message for a bad value or a flag sbx does not apply. */
static int set_flag(int c, const char *name, const char *v, struct oci_resources *res,
		    struct sbx_error *err)
{
	int64_t n = 0;
	if (c == '?')
		return sbx_err(err, EINVAL, "update: unknown option");
	if (c == 'x')
		return sbx_err(err, EINVAL, "update --%s: not supported by sbx", name);
	if (parse_size(v, &n) < 0 || (c != 'M' && c != 'S' && c != 'q' && c != 'p' && n < 0) ||
	    (c != 'M' && c != 'S' && strpbrk(v, "kKmMgGtTpPbB")))
		return sbx_err(err, EINVAL, "update --%s %s: invalid value", name, v);
	switch (c) {
	case 'M':
		res->memory_limit = n;
		break;
	case 'S':
		res->memory_swap = n;
		break;
	case 'c':
		res->cpu_shares = (uint64_t)n;
		break;
	case 'q':
		res->cpu_quota = n;
		break;
	case 'P':
		res->cpu_period = (uint64_t)n;
		break;
	case 'p':
		res->pids_limit = n;
		break;
	}
	return 0;
}

static int parse_args(int argc, char **argv, const char **ret_file, struct oci_resources *res,
		      struct sbx_error *err)
{
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"memory", required_argument, NULL, 'M'},
	    {"memory-swap", required_argument, NULL, 'S'},
	    {"cpu-share", required_argument, NULL, 'c'},
	    {"cpu-shares", required_argument, NULL, 'c'},
	    {"cpu-quota", required_argument, NULL, 'q'},
	    {"cpu-period", required_argument, NULL, 'P'},
	    {"pids-limit", required_argument, NULL, 'p'},
	    {"memory-reservation", required_argument, NULL, 'x'},
	    {"kernel-memory", required_argument, NULL, 'x'},
	    {"kernel-memory-tcp", required_argument, NULL, 'x'},
	    {"blkio-weight", required_argument, NULL, 'x'},
	    {"cpuset-cpus", required_argument, NULL, 'x'},
	    {"cpuset-mems", required_argument, NULL, 'x'},
	    {"cpu-rt-period", required_argument, NULL, 'x'},
	    {"cpu-rt-runtime", required_argument, NULL, 'x'},
	    {"l3-cache-schema", required_argument, NULL, 'x'},
	    {"mem-bw-schema", required_argument, NULL, 'x'},
	    {0},
	};
	int c, idx = 0;
	*ret_file = NULL;
	while ((c = getopt_long(argc, argv, "r:", opts, &idx)) != -1) {
		if (c == 'r') {
			*ret_file = optarg;
			continue;
		}
		int r = set_flag(c, c == '?' ? "" : opts[idx].name, optarg, res, err);
		if (r < 0)
			return r;
	}
	if (optind + 1 != argc)
		return sbx_err(err, EINVAL,
			       "usage: sbx update [--resources FILE|-] [--memory N] "
			       "[--memory-swap N] [--cpu-share N] [--cpu-quota N] [--cpu-period N] "
			       "[--pids-limit N] ID");
	return 0;
}

int cmd_update(struct sbx_cli *cli, int argc, char **argv)
{
	struct sbx_error err = {0};
	struct oci_resources res = {0};
	const char *file;
	if (parse_args(argc, argv, &file, &res, &err) < 0)
		return cli_fail(cli, &err);
	if (file) {
		memset(&res, 0, sizeof(res)); /* as runc: the file alone counts */
		if (read_resources(file, &res, &err) < 0)
			return cli_fail(cli, &err);
	}
	struct container_state st;
	struct sbx_cgroup *cg = NULL;
	if (state_load(cli->root, argv[optind], &st, &err) < 0)
		return cli_fail(cli, &err);
	enum container_status s = state_status(&st);
	int code = 0;
	if (s == STATUS_STOPPED || s == STATUS_CREATING)
		code = cli_failf(cli, "container \"%s\" is %s: nothing to update", st.id,
				 status_name(s));
	else if (cgroup_open(st.cgroup, &cg, &err) < 0 || cgroup_update(cg, &res, &err) < 0)
		code = cli_fail(cli, &err);
	cgroup_free(cg);
	state_clear(&st);
	return code;
}
