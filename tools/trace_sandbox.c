/* sbx-trace: the sandboxes it follows. Each has its cgroup in the tracing map, a connection to
 * its sentry's event stream (which says hello with the sandbox's id, cgroup and state dir),
 * its cgroup-BPF denial ring buffer and the tail of its gofer's change log. */
#include "tools/trace.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "loader/trace.h"
#include "runtime/cgroup.h"
#include "runtime/state.h"

struct tr_sandbox *tr_sandbox_new(struct tr *t, const char *id, const char *state_dir,
				  uint64_t cgroup_id, pid_t init_pid, int sub_fd)
{
	struct tr_sandbox *sb;

	if (t->nsb >= TR_MAX_SANDBOXES || !(sb = calloc(1, sizeof(*sb))))
		return NULL;
	if (!(sb->decisions = calloc(SBX_TRACE_NR_MAX, sizeof(*sb->decisions)))) {
		free(sb);
		return NULL;
	}
	snprintf(sb->id, sizeof(sb->id), "%s", id ? id : "");
	snprintf(sb->state_dir, sizeof(sb->state_dir), "%s", state_dir ? state_dir : "");
	sb->tr = t;
	sb->cgroup_id = cgroup_id;
	sb->init_pid = init_pid;
	sb->slot = t->next_slot++;
	sb->sub_fd = sub_fd;
	sb->cg_ring_fd = sb->changes_fd = -1;
	t->sb[t->nsb++] = sb;
	return sb;
}

void tr_sandbox_free(struct tr_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->sub_fd >= 0)
		close(sb->sub_fd);
	if (sb->cg_ring_fd >= 0)
		close(sb->cg_ring_fd);
	if (sb->changes_fd >= 0)
		close(sb->changes_fd);
	free(sb->decisions);
	free(sb);
}

struct tr_sandbox *tr_sandbox_by_cgroup(struct tr *t, uint64_t cgroup_id)
{
	for (size_t i = 0; i < t->nsb; i++)
		if (t->sb[i]->cgroup_id == cgroup_id)
			return t->sb[i];
	return NULL;
}

struct tr_sandbox *tr_sandbox_by_slot(struct tr *t, uint32_t slot)
{
	for (size_t i = 0; i < t->nsb; i++)
		if (t->sb[i]->slot == slot)
			return t->sb[i];
	return NULL;
}

static int connect_events(const char *state_dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/events.sock", state_dir) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The change log from its current end: what happens from now on. */
static void changes_open(struct tr_sandbox *sb)
{
	char path[4200];

	if (sb->changes_fd >= 0 || !sb->state_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/changes.jsonl", sb->state_dir);
	sb->changes_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sb->changes_fd >= 0)
		lseek(sb->changes_fd, 0, SEEK_END);
}

int tr_attach(struct tr *t, const char *id)
{
	struct container_state st = {0};
	struct sbx_cgroup *cg = NULL;
	struct sbx_error err = {0};
	struct tr_sandbox *sb;
	int r;

	if ((r = state_load(t->o.root, id, &st, &err)) < 0) {
		fprintf(stderr, "sbx-trace: %s\n", err.msg);
		return r;
	}
	if (state_status(&st) != STATUS_RUNNING && state_status(&st) != STATUS_CREATED) {
		fprintf(stderr, "sbx-trace: %s is not running\n", id);
		state_clear(&st);
		return -ESRCH;
	}
	r = cgroup_open(st.cgroup, &cg, &err);
	uint64_t cgid = r == 0 ? cgroup_v2_id(cg) : 0;
	cgroup_free(cg);
	if (!cgid) {
		fprintf(stderr, "sbx-trace: %s: no v2 cgroup to trace%s%s\n", id, r < 0 ? ": " : "",
			r < 0 ? err.msg : "");
		state_clear(&st);
		return r < 0 ? r : -ENOTSUP;
	}
	sb = tr_sandbox_new(t, st.id, st.dir, cgid, st.pid, connect_events(st.dir));
	state_clear(&st);
	if (!sb)
		return -ENOMEM;
	if ((r = sbx_trace_cgroup_add(t->bpf, cgid, sb->slot, true)) < 0) {
		fprintf(stderr, "sbx-trace: %s: %s\n", id, strerror(-r));
		return r;
	}
	changes_open(sb);
	tr_cg_ring_find(t, sb);
	return 0;
}

static bool attached(struct tr *t, const char *id)
{
	for (size_t i = 0; i < t->nsb; i++)
		if (!strcmp(t->sb[i]->id, id))
			return true;
	return false;
}

void tr_attach_all(struct tr *t)
{
	DIR *d = opendir(t->o.root);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !container_id_valid(de->d_name) ||
		    attached(t, de->d_name))
			continue;
		struct container_state st = {0};
		if (state_load(t->o.root, de->d_name, &st, NULL) == 0 &&
		    state_status(&st) == STATUS_RUNNING)
			tr_attach(t, de->d_name);
		state_clear(&st);
	}
	closedir(d);
}

/* HELLO from a sentry we were handed at start (`-- sbx run`): now we know who it is. */
static void hello(struct tr *t, struct tr_sandbox *sb, const struct sbx_event *ev)
{
	sb->hello = true;
	if (!sb->id[0])
		snprintf(sb->id, sizeof(sb->id), "%.*s", (int)sizeof(ev->sandbox), ev->sandbox);
	if (!sb->state_dir[0])
		snprintf(sb->state_dir, sizeof(sb->state_dir), "%.*s", (int)sizeof(ev->path),
			 ev->path);
	if (!sb->cgroup_id)
		sb->cgroup_id = ev->cgroup_id;
	if (!sb->init_pid)
		sb->init_pid = (pid_t)ev->pid;
	changes_open(sb);
	tr_cg_ring_find(t, sb);
}

int tr_sentry_read(struct tr *t, struct tr_sandbox *sb)
{
	struct sbx_event ev;

	for (;;) {
		ssize_t n = recv(sb->sub_fd, &ev, sizeof(ev), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -EPIPE;
		if ((size_t)n < offsetof(struct sbx_event, comm) || ev.version != SBX_EVENT_VERSION)
			continue; /* not a record we know */
		if (ev.kind == SBX_KIND_HELLO)
			hello(t, sb, &ev);
		else
			tr_on_sentry(t, sb, &ev);
	}
}

void tr_changes_read(struct tr *t, struct tr_sandbox *sb)
{
	if (sb->changes_fd < 0)
		changes_open(sb);
	while (sb->changes_fd >= 0) {
		size_t room = sizeof(sb->partial) - 1 - sb->partial_len;
		ssize_t n = read(sb->changes_fd, sb->partial + sb->partial_len, room);
		if (n <= 0)
			return;
		sb->partial_len += (size_t)n;
		sb->partial[sb->partial_len] = '\0';
		char *p = sb->partial, *nl;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			tr_on_gofer(t, sb, p);
			p = nl + 1;
		}
		sb->partial_len = strlen(p);
		if (sb->partial_len == sizeof(sb->partial) - 1)
			sb->partial_len = 0; /* a line longer than we keep: skip it */
		memmove(sb->partial, p, sb->partial_len);
	}
}

/* The ring buffer map of one program, by name. */
static int prog_map(__u32 prog_id, const char *name)
{
	__u32 maps[16], nmaps = 16, len;
	struct bpf_prog_info pi = {.nr_map_ids = nmaps, .map_ids = (__u64)(uintptr_t)maps};
	int pfd = bpf_prog_get_fd_by_id(prog_id), fd = -ENOENT;

	if (pfd < 0)
		return -errno;
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0) {
		close(pfd);
		return -errno;
	}
	close(pfd);
	for (__u32 i = 0; i < pi.nr_map_ids && i < nmaps && fd < 0; i++) {
		struct bpf_map_info mi = {0};
		int mfd = bpf_map_get_fd_by_id(maps[i]);
		len = sizeof(mi);
		if (mfd >= 0 && bpf_obj_get_info_by_fd(mfd, &mi, &len) == 0 &&
		    !strcmp(mi.name, name) && mi.type == BPF_MAP_TYPE_RINGBUF)
			fd = mfd;
		else if (mfd >= 0)
			close(mfd);
	}
	return fd;
}

void tr_cg_ring_find(struct tr *t, struct tr_sandbox *sb)
{
	struct container_state st = {0};
	struct sbx_cgroup *cg = NULL;
	__u32 ids[4], n = 4;
	char root[4096];

	if (sb->cg_ring_fd >= 0 || !sb->state_dir[0] || !t->rb)
		return;
	snprintf(root, sizeof(root), "%s", sb->state_dir);
	char *slash = strrchr(root, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (state_load(root, slash + 1, &st, NULL) < 0 || cgroup_open(st.cgroup, &cg, NULL) < 0) {
		state_clear(&st);
		return;
	}
	int dir = open(cgroup_v2_path(cg), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir >= 0 && bpf_prog_query(dir, BPF_CGROUP_DEVICE, 0, NULL, ids, &n) == 0 && n > 0)
		sb->cg_ring_fd = prog_map(ids[0], "sbx_cg_events");
	if (dir >= 0)
		close(dir);
	cgroup_free(cg);
	state_clear(&st);
	if (sb->cg_ring_fd >= 0 && ring_buffer__add(t->rb, sb->cg_ring_fd, tr_on_cgroup, sb) < 0)
		log_debug("sbx-trace: %s: cannot follow the cgroup-BPF ring buffer", sb->id);
	else if (sb->cg_ring_fd >= 0)
		sb->cg_ring_added = true;
}
