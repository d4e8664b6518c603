/* The change log: one JSON object per line, appended with a single write() to an O_APPEND fd,
 * for every change made and every change the policy refused. A failure to log does not undo
 * the change (it already happened); it is reported at debug level. */
#include "gofer/internal.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

void gofer_change_init(struct gofer_change *ch, const char *op)
{
	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->mode = -1;
	ch->uid = -1;
	ch->gid = -1;
	ch->flags = -1;
	ch->length = -1;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static void set_int(json_t *o, const char *key, long long v)
{
	if (v >= 0)
		json_object_set_new(o, key, json_integer(v));
}

static json_t *change_json(struct gofer_server *s, const struct gofer_msg *m,
			   const struct gofer_change *ch)
{
	char now[64], mode[24];
	time_rfc3339(now, sizeof(now));
	json_t *o = json_object();
	if (!o)
		return NULL;
	set_str(o, "time", now);
	set_str(o, "op", ch->op);
	set_str(o, "path", ch->path);
	set_str(o, "path2", ch->path2);
	set_int(o, "pid", m->req.caller.pid);
	set_str(o, "comm", m->req.caller.comm);
	if (ch->mode >= 0) {
		snprintf(mode, sizeof(mode), "%04lo", (unsigned long)ch->mode);
		set_str(o, "mode", mode);
	}
	set_int(o, "uid", ch->uid);
	set_int(o, "gid", ch->gid);
	set_int(o, "flags", ch->flags);
	set_int(o, "length", ch->length);
	set_str(o, "name", ch->name);
	if (ch->refused)
		set_str(o, "refused", strerrorname_np(ch->refused));
	set_str(o, "sandbox", s->cfg->id);
	return o;
}

void gofer_changelog(struct gofer_server *s, const struct gofer_msg *m,
		     const struct gofer_change *ch)
{
	if (s->cfg->changes_fd < 0)
		return;
	json_t *o = change_json(s, m, ch);
	if (!o)
		return;
	_cleanup_free_ char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		return;
	size_t n = strlen(line);
	_cleanup_free_ char *buf = malloc(n + 2);
	if (!buf)
		return;
	memcpy(buf, line, n);
	buf[n] = '\n';
	/* One write: O_APPEND keeps concurrent lines whole. */
	int r = write_all(s->cfg->changes_fd, buf, n + 1);
	if (r < 0)
		log_debug("gofer: change log: %s", strerror(-r));
}

int gofer_refuse(struct gofer_server *s, const struct gofer_msg *m, const char *op,
		 const char *path, const char *path2, int err)
{
	struct gofer_change ch;
	gofer_change_init(&ch, op);
	ch.path = path;
	ch.path2 = path2;
	ch.refused = err < 0 ? -err : err;
	gofer_changelog(s, m, &ch);
	return err < 0 ? err : -err;
}
