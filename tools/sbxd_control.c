/* The control socket: {"op":"ping"|"register"|"unregister"|"list"|"gc"}, one request and one
 * reply line per connection. Every field is checked as if the client were hostile. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"
#include "tools/sbxd_conn.h"

static json_t *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

/* An optional string field: absent or null gives NULL; anything else but a string is bad. */
static int opt_string(json_t *req, const char *key, size_t max, char **ret)
{
	json_t *v = json_object_get(req, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -EINVAL;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

/* A cgroup path relative to the v2 mount: no "..", no empty or "." components. */
static bool cgroup_rel_valid(const char *cg)
{
	if (!*cg || cg[0] == '/')
		return false;
	_cleanup_free_ char *copy = strdup(cg);
	char *save = NULL;
	if (!copy)
		return false;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
		if (!strcmp(t, "..") || !strcmp(t, "."))
			return false;
	return true;
}

static json_t *fill_register(struct sbxd *d, json_t *req, struct sbxd_sandbox *sb)
{
	const char *id = json_string_value(json_object_get(req, "id"));
	const char *src = json_string_value(json_object_get(req, "source"));
	json_t *pid = json_object_get(req, "pid");
	if (!id || !sbxd_id_valid(id))
		return fail("register: \"id\" must be a container id ([A-Za-z0-9_.-], at most %d)",
			    SBXD_ID_MAX);
	if (!src || (strcmp(src, "sbx") && strcmp(src, "hook")))
		return fail("register: \"source\" must be \"sbx\" or \"hook\"");
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > (1 << 22))
		return fail("register: \"pid\" must be a process id");
	snprintf(sb->key, sizeof(sb->key), "%s", id);
	snprintf(sb->id, sizeof(sb->id), "%s", id);
	snprintf(sb->source, sizeof(sb->source), "%s", src);
	sb->pid = (pid_t)json_integer_value(pid);
	sb->pid_start = proc_start_time(sb->pid);
	if (!sb->pid_start)
		return fail("register: pid %d is not running", (int)sb->pid);
	if (opt_string(req, "cgroup", 4000, &sb->cgroup) < 0 ||
	    (sb->cgroup && !cgroup_rel_valid(sb->cgroup)))
		return fail("register: \"cgroup\" must be a path relative to the v2 mount");
	if (opt_string(req, "bundle", 4000, &sb->bundle) < 0 ||
	    opt_string(req, "policy", 4000, &sb->policy) < 0 ||
	    opt_string(req, "state_dir", 4000, &sb->stats_dir) < 0)
		return fail("register: \"bundle\", \"policy\" and \"state_dir\" must be paths or "
			    "null");
	if (!sb->stats_dir && !strcmp(src, "sbx") &&
	    asprintf(&sb->stats_dir, "%s/%s", d->o.sbx_root, id) < 0)
		sb->stats_dir = NULL;
	char path[4200];
	struct stat st;
	if (sb->cgroup && *sbxd_v2_mount() &&
	    snprintf(path, sizeof(path), "%s/%s", sbxd_v2_mount(), sb->cgroup) <
		(int)sizeof(path) &&
	    stat(path, &st) == 0)
		sb->cgroup_id = st.st_ino;
	return NULL;
}

static json_t *op_register(struct sbxd *d, json_t *req)
{
	struct sbxd_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return fail("out of memory");
	json_t *bad = fill_register(d, req, sb);
	if (bad) {
		sbxd_sandbox_free(sb);
		return bad;
	}
	struct sbx_error err = {0};
	char key[sizeof(sb->key)], src[8];
	snprintf(key, sizeof(key), "%s", sb->key);
	snprintf(src, sizeof(src), "%s", sb->source);
	int pid = sb->pid;
	if (sbxd_registry_add(d, sb, &err) < 0)
		return fail("register: %s", err.msg);
	sbxd_info("registered", "{s:s, s:s, s:i}", "id", key, "source", src, "pid", pid);
	return ok();
}

static json_t *op_unregister(struct sbxd *d, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "id"));
	if (!id || !sbxd_id_valid(id))
		return fail("unregister: \"id\" must be a container id");
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->sb[i]->key, id))
			continue;
		sbxd_retire_stats(d, d->sb[i]);
		sbxd_registry_remove(d, i);
		sbxd_info("unregistered", "{s:s}", "id", id);
		return ok();
	}
	return fail("unregister: no sandbox \"%s\"", id);
}

static json_t *op_list(struct sbxd *d)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < d->n; i++)
		json_array_append_new(arr, sbxd_sandbox_json(d->sb[i]));
	return json_pack("{s:b, s:o}", "ok", 1, "sandboxes", arr);
}

static json_t *dispatch(struct sbxd *d, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	if (!op)
		return fail("the request has no \"op\"");
	if (!strcmp(op, "ping"))
		return json_pack("{s:b, s:s}", "ok", 1, "version", SBXD_VERSION);
	if (!strcmp(op, "register"))
		return op_register(d, req);
	if (!strcmp(op, "unregister"))
		return op_unregister(d, req);
	if (!strcmp(op, "list"))
		return op_list(d);
	if (!strcmp(op, "gc"))
		return json_pack("{s:b, s:o}", "ok", 1, "collected", sbxd_gc(d));
	return fail("unknown op \"%.64s\"", op);
}

void sbxd_control_serve(struct sbxd *d, int conn)
{
	_cleanup_free_ char *line = NULL;
	json_t *reply;
	sbxd_conn_timeouts(conn);
	int r = sbxd_conn_read_line(conn, &line);
	if (r < 0) {
		reply = fail("reading the request: %s", strerror(-r));
	} else {
		json_error_t je;
		json_t *req = json_loads(line, 0, &je);
		if (!json_is_object(req))
			reply = fail("the request is not a JSON object: %s", req ? "" : je.text);
		else
			reply = dispatch(d, req);
		json_decref(req);
	}
	_cleanup_free_ char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	if (s)
		sbxd_conn_write_line(conn, s);
}
