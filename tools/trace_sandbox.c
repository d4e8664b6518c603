/* sbx-trace: the sandboxes it follows. Each has its cgroup in the tracing map, a connection to
 * its sentry's event stream (which says hello with the sandbox's id, cgroup and state dir),
 * its cgroup-BPF denial ring buffer and the tail of its gofer's change log. */
#include "tools/trace.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/util.h"
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
	sb->cgroup_id = cgroup_id;
	sb->init_pid = init_pid;
	sb->slot = t->next_slot++;
	sb->sub_fd = sub_fd;
	sb->changes_fd = -1;
	sb->t = t;
	t->sb[t->nsb++] = sb;
	return sb;
}

void tr_sandbox_free(struct tr_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->sub_fd >= 0)
		close(sb->sub_fd);
	if (sb->changes_fd >= 0)
		close(sb->changes_fd);
	free(sb->partial);
	free(sb->decisions);
	ring_buffer__free(sb->hook_rb);
	free(sb->hook_events);
	free(sb);
}

struct tr_sandbox *tr_sandbox_by_cgroup(struct tr *t, uint64_t cgroup_id)
{
	for (size_t i = 0; i < t->nsb; i++)
		if (t->sb[i]->cgroup_id == cgroup_id)
			return t->sb[i];
	return NULL;
}

static int connect_events(const char *state_dir)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/events.sock", state_dir);
	if ((fd = unix_connect(path, SOCK_SEQPACKET)) < 0)
		return fd;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
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
		/* not sbx's: a runc or crun container sbx-hook registered with sbxd? */
		struct sbx_error herr = {0};
		if (r == -ENOENT && tr_attach_hooked(t, id, &herr) == 0)
			return 0;
		fprintf(stderr, "sbx-trace: %s%s%s\n", err.msg, herr.msg[0] ? "; " : "", herr.msg);
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
		if (!t->sb[i]->ended && !strcmp(t->sb[i]->id, id))
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

/* HELLO from the sentry: who it is (for a sentry we were handed at start, `-- sbx run`, the
 * first we hear of it). */
static void hello(struct tr_sandbox *sb, const struct sbx_event *ev)
{
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
}

/* What the sentry sends: its own decision records (struct sbx_event) and the cgroup-BPF and
 * BPF-LSM denials it forwards (struct sbx_cg_event, struct sbx_lsm_event), told apart by
 * their size. */
_Static_assert(sizeof(struct sbx_cg_event) != sizeof(struct sbx_event) &&
		   sizeof(struct sbx_lsm_event) != sizeof(struct sbx_event) &&
		   sizeof(struct sbx_lsm_event) != sizeof(struct sbx_cg_event),
	       "the records the sentry forwards must differ in size");
int tr_sentry_read(struct tr *t, struct tr_sandbox *sb)
{
	union {
		struct sbx_event ev;
		struct sbx_cg_event cg;
		struct sbx_lsm_event lsm;
	} m;

	for (;;) {
		ssize_t n = recv(sb->sub_fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -EPIPE;
		if ((size_t)n == sizeof(m.cg) && m.cg.version == SBX_EVENT_VERSION)
			tr_on_cgroup(t, sb, &m.cg);
		else if ((size_t)n == sizeof(m.lsm) && m.lsm.version == SBX_EVENT_VERSION)
			tr_on_lsm(t, sb, &m.lsm);
		else if ((size_t)n == sizeof(m.ev) && m.ev.version == SBX_EVENT_VERSION &&
			 m.ev.kind == SBX_KIND_HELLO)
			hello(sb, &m.ev);
		else if ((size_t)n == sizeof(m.ev) && m.ev.version == SBX_EVENT_VERSION)
			tr_on_sentry(t, sb, &m.ev);
	}
}

#define CHANGE_LINE_MAX (1u << 20) /* far past any line the gofer writes */

void tr_changes_read(struct tr *t, struct tr_sandbox *sb)
{
	if (sb->changes_fd < 0)
		changes_open(sb);
	while (sb->changes_fd >= 0) {
		if (sb->partial_cap - sb->partial_len < 4096) {
			size_t cap = sb->partial_cap ? 2 * sb->partial_cap : 16384;
			char *p = cap <= CHANGE_LINE_MAX ? realloc(sb->partial, cap) : NULL;
			if (!p && !sb->partial)
				return;
			if (!p) {
				sb->partial_len =
				    0; /* cannot hold it: lose this line, not the log */
				continue;
			}
			sb->partial = p;
			sb->partial_cap = cap;
		}
		ssize_t n = read(sb->changes_fd, sb->partial + sb->partial_len,
				 sb->partial_cap - 1 - sb->partial_len);
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
		memmove(sb->partial, p, sb->partial_len);
	}
}
