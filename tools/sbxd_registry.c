/* The sandboxes sbxd knows of: in memory, and one JSON file each in <state>/sandboxes/, so that
 * a restarted sbxd finds them again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

void sbxd_sandbox_free(struct sbxd_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->cgroup);
	free(sb->bundle);
	free(sb->policy);
	free(sb->stats_dir);
	sbxd_sentry_gone(sb);
	free(sb);
}

void sbxd_sentry_gone(struct sbxd_sandbox *sb)
{
	if (sb->sentry_pidfd > 0)
		close(sb->sentry_pidfd);
	sb->sentry_pidfd = -1;
}

/* The agent's sentry, while it is the one registered. */
static void watch_sentry(struct sbxd_sandbox *sb)
{
	sb->sentry_pidfd = -1;
	if (!strcmp(sb->source, "agent"))
		sb->sentry_pidfd = sbxd_pidfd_checked(sb->sentry_pid, sb->sentry_start);
}

static void set_opt(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

json_t *sbxd_sandbox_json(const struct sbxd_sandbox *sb)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:b}", "key", sb->key, "id", sb->id,
			      "source", sb->source, "pid", (int)sb->pid, "pid_start",
			      (json_int_t)sb->pid_start, "cgroup_id", (json_int_t)sb->cgroup_id,
			      "running", sbxd_alive(sb->pid, sb->pid_start));
	if (!o)
		return NULL;
	set_opt(o, "cgroup", sb->cgroup);
	set_opt(o, "bundle", sb->bundle);
	set_opt(o, "policy", sb->policy);
	set_opt(o, "stats_dir", sb->stats_dir);
	if (sb->sentry_pid > 0) {
		json_object_set_new(o, "sentry_pid", json_integer(sb->sentry_pid));
		json_object_set_new(o, "sentry_start", json_integer((json_int_t)sb->sentry_start));
		json_object_set_new(o, "sentry_running",
				    json_boolean(sbxd_alive(sb->sentry_pid, sb->sentry_start)));
	}
	return o;
}

static char *opt_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

static int from_json(json_t *o, struct sbxd_sandbox **ret)
{
	const char *key = json_string_value(json_object_get(o, "key"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *src = json_string_value(json_object_get(o, "source"));
	if (!key || !id || !src || !sbxd_id_valid(id))
		return -EINVAL;
	struct sbxd_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	snprintf(sb->key, sizeof(sb->key), "%s", key);
	snprintf(sb->id, sizeof(sb->id), "%s", id);
	snprintf(sb->source, sizeof(sb->source), "%s", src);
	sb->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	sb->pid_start = (uint64_t)json_integer_value(json_object_get(o, "pid_start"));
	sb->sentry_pid = (pid_t)json_integer_value(json_object_get(o, "sentry_pid"));
	sb->sentry_start = (uint64_t)json_integer_value(json_object_get(o, "sentry_start"));
	sb->cgroup_id = (uint64_t)json_integer_value(json_object_get(o, "cgroup_id"));
	sb->cgroup = opt_str(o, "cgroup");
	sb->bundle = opt_str(o, "bundle");
	sb->policy = opt_str(o, "policy");
	sb->stats_dir = opt_str(o, "stats_dir");
	*ret = sb;
	return 0;
}

static int file_of(const struct sbxd *d, const char *key, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/sandboxes/%s.json", d->o.state, key) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int save(const struct sbxd *d, const struct sbxd_sandbox *sb)
{
	char path[4096];
	int r = file_of(d, sb->key, path, sizeof(path));
	if (r < 0)
		return r;
	json_t *o = sbxd_sandbox_json(sb);
	if (!o)
		return -ENOMEM;
	json_object_del(o, "running");
	json_object_del(o, "sentry_running");
	_cleanup_free_ char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	return write_file_atomic(path, s, strlen(s), 0600);
}

/* Takes sb (also on failure). A key already there is replaced (a re-registration). */
int sbxd_registry_add(struct sbxd *d, struct sbxd_sandbox *sb, struct sbx_error *err)
{
	size_t i = 0;
	while (i < d->n && strcmp(d->sb[i]->key, sb->key))
		i++;
	if (i == d->n && d->n == SBXD_MAX_SANDBOXES) {
		sbxd_sandbox_free(sb);
		return sbx_err(err, ENOSPC, "too many sandboxes (%d)", SBXD_MAX_SANDBOXES);
	}
	int r = save(d, sb);
	if (r < 0) {
		sbx_err_errno(err, -r, "save the registration of %s", sb->key);
		sbxd_sandbox_free(sb);
		return r;
	}
	watch_sentry(sb);
	if (i < d->n)
		sbxd_sandbox_free(d->sb[i]);
	else
		d->n++;
	d->sb[i] = sb;
	sbxd_bpf_update(d, sb, true);
	return 0;
}

void sbxd_registry_remove(struct sbxd *d, size_t i)
{
	char path[4096];
	struct sbxd_sandbox *sb = d->sb[i];
	if (file_of(d, sb->key, path, sizeof(path)) == 0)
		unlink(path);
	sbxd_bpf_update(d, sb, false);
	sbxd_sandbox_free(sb);
	d->sb[i] = d->sb[--d->n];
}

static void load_one(struct sbxd *d, int dfd, const char *name)
{
	_cleanup_free_ char *buf = NULL;
	if (read_file_at(dfd, name, 1 << 20, &buf, NULL) < 0)
		return;
	json_t *o = json_loads(buf, 0, NULL);
	struct sbxd_sandbox *sb = NULL;
	int r = o ? from_json(o, &sb) : -EINVAL;
	json_decref(o);
	if (r < 0 || d->n == SBXD_MAX_SANDBOXES) {
		sbxd_warn("ignoring an unreadable registration", "{s:s}", "file", name);
		sbxd_sandbox_free(sb);
		return;
	}
	watch_sentry(sb);
	d->sb[d->n++] = sb;
}

int sbxd_registry_load(struct sbxd *d)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/sandboxes", d->o.state) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int r = mkdir_p(path, 0700);
	if (r < 0)
		return r;
	_cleanup_closedir_ DIR *dir = opendir(path);
	if (!dir)
		return -errno;
	struct dirent *e;
	while ((e = readdir(dir))) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".json"))
			load_one(d, dirfd(dir), e->d_name);
	}
	for (size_t i = 0; i < d->n; i++)
		sbxd_bpf_update(d, d->sb[i], true);
	return 0;
}
