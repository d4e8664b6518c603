/* sbx-hook's settings: defaults, the config file, then the command line.
 *
 * The config file is one JSON object: {"fail": "closed"|"open", "policy": PATH,
 * "policy_dir": DIR, "socket":
 * PATH, "pin_dir": PATH, "log": PATH, "timeout_ms": N}; every key optional. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/jsonpos.h"
#include "lib/util.h"
#include "tools/hook.h"
#include "lib/sbxd_client.h"

#define CONFIG_MAX (64 << 10)

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'}, {"fail", required_argument, NULL, 'f'},
    {"policy", required_argument, NULL, 'p'}, {"policy-dir", required_argument, NULL, 'D'},
    {"socket", required_argument, NULL, 's'}, {"pin-dir", required_argument, NULL, 'P'},
    {"log", required_argument, NULL, 'l'},    {"timeout", required_argument, NULL, 't'},
    {"debug", no_argument, NULL, 'd'},	      {NULL, 0, NULL, 0},
};

static int parse_fail(const char *s, enum hook_fail *ret)
{
	if (!strcmp(s, "closed"))
		*ret = HOOK_FAIL_CLOSED;
	else if (!strcmp(s, "open"))
		*ret = HOOK_FAIL_OPEN;
	else
		return -EINVAL;
	return 0;
}

static int parse_timeout(long long v, int *ret)
{
	if (v < 1 || v > HOOK_TIMEOUT_MS_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

/* "file:line:col: " for the value (or key) at `path` of the config text. */
static int config_err(struct sbx_error *err, const char *file, const char *text, size_t len,
		      const char *path, bool at_key, const char *what)
{
	unsigned line = 0, col = 0;
	json_locate(text, len, path, at_key, &line, &col);
	return sbx_err(err, EINVAL, "%s:%u:%u: %s", file, line, col, what);
}

static int config_string(const char *file, const char *text, size_t len, const char *key, json_t *v,
			 char *ret, size_t cap, struct sbx_error *err)
{
	char what[200];
	if (!json_is_string(v) || !json_string_value(v)[0]) {
		snprintf(what, sizeof(what), "\"%s\": expected a non-empty string, not %s", key,
			 json_type_name(v));
		return config_err(err, file, text, len, key, false, what);
	}
	if (str_copy(ret, cap, json_string_value(v)) < 0)
		return config_err(err, file, text, len, key, false, "path too long");
	return 0;
}

static int config_apply(const char *file, const char *text, size_t len, json_t *o,
			struct hook_opts *opts, struct sbx_error *err)
{
	const char *key;
	json_t *v;
	char what[200];
	json_object_foreach (o, key, v) {
		int r = 0;
		if (!strcmp(key, "fail")) {
			if (!json_is_string(v) || parse_fail(json_string_value(v), &opts->fail) < 0)
				return config_err(err, file, text, len, key, false,
						  "\"fail\": expected \"closed\" or \"open\"");
		} else if (!strcmp(key, "timeout_ms")) {
			if (!json_is_integer(v) ||
			    parse_timeout(json_integer_value(v), &opts->timeout_ms) < 0) {
				snprintf(what, sizeof(what),
					 "\"timeout_ms\": expected an integer from 1 to %d",
					 HOOK_TIMEOUT_MS_MAX);
				return config_err(err, file, text, len, key, false, what);
			}
		} else if (!strcmp(key, "policy")) {
			r = config_string(file, text, len, key, v, opts->policy,
					  sizeof(opts->policy), err);
		} else if (!strcmp(key, "policy_dir")) {
			r = config_string(file, text, len, key, v, opts->policy_dir,
					  sizeof(opts->policy_dir), err);
		} else if (!strcmp(key, "socket")) {
			r = config_string(file, text, len, key, v, opts->socket,
					  sizeof(opts->socket), err);
		} else if (!strcmp(key, "pin_dir")) {
			r = config_string(file, text, len, key, v, opts->pin_root,
					  sizeof(opts->pin_root), err);
		} else if (!strcmp(key, "log")) {
			r = config_string(file, text, len, key, v, opts->log, sizeof(opts->log),
					  err);
		} else {
			snprintf(
			    what, sizeof(what),
			    "unknown key \"%s\" (fail, policy, policy_dir, socket, pin_dir, log, "
			    "timeout_ms)",
			    key);
			return config_err(err, file, text, len, key, true, what);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int config_load(const char *file, bool must_exist, struct hook_opts *opts,
		       struct sbx_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file(file, CONFIG_MAX, &text, &len);
	if (r == -ENOENT && !must_exist)
		return 0;
	if (r < 0)
		return sbx_err_errno(err, -r, "read %s", file);
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	if (!o)
		return sbx_err(err, EINVAL, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return config_err(err, file, text, len, "", false, "expected a JSON object");
	}
	r = config_apply(file, text, len, o, opts, err);
	json_decref(o);
	return r;
}

static void defaults(struct hook_opts *o)
{
	*o = (struct hook_opts){.fail = HOOK_FAIL_CLOSED, .timeout_ms = HOOK_TIMEOUT_MS_DEFAULT};
	str_copy(o->socket, sizeof(o->socket), sbxd_socket_path());
	str_copy(o->pin_root, sizeof(o->pin_root), HOOK_PIN_ROOT_DEFAULT);
	str_copy(o->policy_dir, sizeof(o->policy_dir), HOOK_POLICY_DIR_DEFAULT);
	if (access(HOOK_POLICY_DEFAULT, F_OK) == 0)
		str_copy(o->policy, sizeof(o->policy), HOOK_POLICY_DEFAULT);
}

static int set_path(char *dst, size_t cap, const char *opt, struct sbx_error *err)
{
	if (!optarg[0] || str_copy(dst, cap, optarg) < 0)
		return sbx_err(err, EINVAL, "--%s: expected a path, not '%s'", opt, optarg);
	return 0;
}

static int apply_option(int c, struct hook_opts *o, struct sbx_error *err)
{
	int t;
	switch (c) {
	case 'c':
		return 0; /* read first */
	case 'f':
		if (parse_fail(optarg, &o->fail) < 0)
			return sbx_err(err, EINVAL, "--fail '%s': expected closed or open", optarg);
		return 0;
	case 't':
		if (parse_int(optarg, &t) < 0 || parse_timeout(t, &o->timeout_ms) < 0)
			return sbx_err(err, EINVAL, "--timeout '%s': milliseconds, 1 to %d", optarg,
				       HOOK_TIMEOUT_MS_MAX);
		return 0;
	case 'p':
		return set_path(o->policy, sizeof(o->policy), "policy", err);
	case 'D':
		return set_path(o->policy_dir, sizeof(o->policy_dir), "policy-dir", err);
	case 's':
		return set_path(o->socket, sizeof(o->socket), "socket", err);
	case 'P':
		return set_path(o->pin_root, sizeof(o->pin_root), "pin-dir", err);
	case 'l':
		return set_path(o->log, sizeof(o->log), "log", err);
	case 'd':
		o->debug = true;
		return 0;
	default:
		return sbx_err(err, EINVAL, "unknown option (see sbx-hook --help)");
	}
}

int hook_opts_load(int argc, char **argv, struct hook_opts *ret, struct sbx_error *err)
{
	const char *config = NULL;
	int c, r;
	defaults(ret);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1)
		if (c == 'c')
			config = optarg;
	r = config_load(config ? config : HOOK_CONFIG_DEFAULT, config != NULL, ret, err);
	if (r < 0)
		return r;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return sbx_err(err, EINVAL, "%s option '%s' (see sbx-hook --help)",
				       c == '?' ? "unknown" : "a value is missing for",
				       argv[optind - 1]);
		if ((r = apply_option(c, ret, err)) < 0)
			return r;
	}
	if (optind < argc)
		return sbx_err(err, EINVAL, "unexpected argument '%s'", argv[optind]);
	return 0;
}
