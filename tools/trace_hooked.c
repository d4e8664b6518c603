/* sbx-trace: containers that runc or crun run with sbx-hook. They have no sbx state dir and
 * no sentry; sbxd's registry has them (source "hook", with their v2 cgroup), and the hook
 * pinned their cgroup-BPF denial ring under PIN_ROOT/ID/events. Their syscalls are traced
 * through their cgroup id, their denials read from that ring (its one consumer: a second
 * tracer of the same container sees what the first left), and they end when their cgroup
 * is empty or gone. */
#include "tools/trace.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "loader/loader.h"
#include "loader/trace.h"
#include "lib/sbxd_client.h"

#define SBXD_TIMEOUT_MS 2000

/* sbxd's record of the hooked container `id` (a new reference), or NULL. */
static json_t *sbxd_hooked(const char *id, struct sbx_error *err)
{
	json_t *req = json_pack("{s:s}", "op", "list"), *reply = NULL, *sb, *found = NULL;
	size_t i;
	int r = sbxd_call(sbxd_socket_path(), req, SBXD_TIMEOUT_MS, &reply, err);
	json_decref(req);
	if (r < 0)
		return NULL;
	json_array_foreach (json_object_get(reply, "sandboxes"), i, sb) {
		const char *sid = json_string_value(json_object_get(sb, "id"));
		const char *src = json_string_value(json_object_get(sb, "source"));
		if (sid && src && !strcmp(sid, id) && !strcmp(src, "hook"))
			found = json_incref(sb);
	}
	json_decref(reply);
	if (!found)
		sbx_err(err, ENOENT, "sbxd has no container '%s' from sbx-hook", id);
	return found;
}

static int on_denial(void *ctx, void *data, size_t size)
{
	struct tr_sandbox *sb = ctx;
	const struct sbx_cg_event *cg = data;
	if (size >= sizeof(*cg) && cg->version == SBX_EVENT_VERSION)
		tr_on_cgroup(sb->t, sb, cg);
	return 0;
}

/* The ring the hook pinned; without it (an older pin, another pin dir) syscalls alone. */
static void open_ring(struct tr *t, struct tr_sandbox *sb)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s/events", t->o.pin_root, sb->id) >=
	    (int)sizeof(path))
		return;
	_cleanup_close_ int fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "sbx-trace: %s: no cgroup-BPF denials (%s: %s)\n", sb->id, path,
			strerror(errno));
		return;
	}
	sb->hook_rb = ring_buffer__new(fd, on_denial, sb, NULL); /* keeps its own fd */
}

int tr_attach_hooked(struct tr *t, const char *id, struct sbx_error *err)
{
	struct sbx_cgroup_info info;
	json_t *rec = sbxd_hooked(id, err);
	if (!rec)
		return -ENOENT;
	const char *cg = json_string_value(json_object_get(rec, "cgroup"));
	uint64_t cgid = (uint64_t)json_integer_value(json_object_get(rec, "cgroup_id"));
	pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "pid"));
	char events[4096];
	sbx_probe_cgroup(&info);
	int n =
	    cg ? snprintf(events, sizeof(events), "%s/%s/cgroup.events", info.v2_mount, cg) : -1;
	json_decref(rec);
	if (!cgid || n < 0 || n >= (int)sizeof(events))
		return sbx_err(err, ENOENT, "sbxd knows no v2 cgroup of '%s'", id);
	struct tr_sandbox *sb = tr_sandbox_new(t, id, "", cgid, pid, -1);
	if (!sb || !(sb->hook_events = strdup(events)))
		return sbx_err(err, ENOMEM, "out of memory");
	int r = sbx_trace_cgroup_add(t->bpf, cgid, sb->slot, true);
	if (r < 0)
		return sbx_err_errno(err, -r, "trace the cgroup of '%s'", id);
	open_ring(t, sb);
	return 0;
}

/* Denials since the last pass; ended once the cgroup is empty or gone. */
void tr_hooked_poll(struct tr *t, struct tr_sandbox *sb)
{
	(void)t;
	if (!sb->hook_events || sb->ended)
		return;
	if (sb->hook_rb)
		ring_buffer__consume(sb->hook_rb);
	_cleanup_free_ char *text = NULL;
	if (read_file(sb->hook_events, 4096, &text, NULL) < 0 || strstr(text, "populated 0")) {
		if (sb->hook_rb)
			ring_buffer__consume(sb->hook_rb);
		sb->ended = true;
	}
}
