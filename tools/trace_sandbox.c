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
#include "lib/fdpass.h"
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
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
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

static void cg_ring_follow(struct tr *t, struct tr_sandbox *sb, int fd);

/* HELLO from the sentry: who it is (for a sentry we were handed at start, `-- sbx run`, the
 * first we hear of it), and its cgroup-BPF denial ring buffer when it has one. */
static void hello(struct tr *t, struct tr_sandbox *sb, const struct sbx_event *ev, int ring_fd)
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
	if (ring_fd >= 0)
		cg_ring_follow(t, sb, ring_fd);
}

int tr_sentry_read(struct tr *t, struct tr_sandbox *sb)
{
	struct sbx_event ev;

	for (;;) {
		int fd = -1;
		size_t nfds = 0;
		int n = fd_recv(sb->sub_fd, &fd, 1, &nfds, &ev, sizeof(ev));
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN)
			return 0;
		if (n <= 0)
			return -EPIPE;
		if ((size_t)n < offsetof(struct sbx_event, comm) ||
		    ev.version != SBX_EVENT_VERSION) {
			if (nfds)
				close(fd);
			continue; /* not a record we know */
		}
		if (ev.kind == SBX_KIND_HELLO)
			hello(t, sb, &ev, nfds ? fd : -1);
		else if (nfds)
			close(fd);
		if (ev.kind != SBX_KIND_HELLO)
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

/* The sentry's HELLO brought the cgroup-BPF denial ring buffer: follow it. */
static void cg_ring_follow(struct tr *t, struct tr_sandbox *sb, int fd)
{
	if (sb->cg_ring_fd >= 0 || ring_buffer__add(t->rb, fd, tr_on_cgroup, sb) < 0) {
		close(fd);
		return;
	}
	sb->cg_ring_fd = fd;
}
