/* sbx-trace's loop: poll the kernel's ring buffers, the sentries' event streams, the gofers'
 * change logs and our signals; merge and print; at the end the summary and the profile. */
#include "tools/trace.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/util.h"
#include "loader/trace.h"
#include "tools/trace_profile.h"

#define TICK_MS 20 /* the kernel's ring is drained each tick: its records wake nobody */

/* Block the signals we wait for (before anything is loaded: a signal then cannot end us with
 * the programs half attached) and read them from a signalfd. -errno. */
int tr_signals_block(struct tr *t)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &t->oldmask) < 0)
		return -errno;
	t->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return t->sigfd < 0 ? -errno : 0;
}

uint64_t tr_lost_sentry(const struct tr *t)
{
	uint64_t n = 0;
	for (size_t i = 0; i < t->nsb; i++)
		n += t->sb[i]->sentry_lost;
	return n;
}

uint64_t tr_lost_total(struct tr *t)
{
	struct sbx_trace_counters c;
	sbx_trace_counters_read(t->bpf, &c);
	return c.lost + t->dropped + tr_lost_sentry(t);
}

static void report_lost(struct tr *t)
{
	uint64_t lost = tr_lost_total(t);
	if (lost > t->lost_seen) {
		tr_print_lost(t, lost - t->lost_seen, lost);
		t->lost_seen = lost;
	}
}

static bool queued(const struct tr *t, const struct tr_sandbox *sb)
{
	for (size_t i = t->qhead; i < t->nq; i++)
		if (t->q[i].sb == sb)
			return true;
	for (size_t i = 0; i < t->ndec; i++)
		if (t->dec[i].sb == sb)
			return true;
	return false;
}

/* Following every sandbox, a stream forgets those that ended once their records are out (a
 * summary keeps them: their rows are printed at the end). */
static void reap(struct tr *t)
{
	for (size_t i = 0; i < t->nsb;) {
		struct tr_sandbox *sb = t->sb[i];
		if (!sb->ended || t->o.summary || (t->o.ids && t->o.ids[0]) || t->o.run_argv ||
		    queued(t, sb)) {
			i++;
			continue;
		}
		sbx_trace_cgroup_del(t->bpf, sb->cgroup_id);
		tr_sandbox_free(sb);
		t->sb[i] = t->sb[--t->nsb];
	}
}

/* One pass over every source. */
static void drain(struct tr *t)
{
	if (t->nq - t->qhead < TR_QUEUE_MAX / 2) /* else the kernel keeps (or counts) them */
		ring_buffer__consume(t->rb);
	for (size_t i = 0; i < t->nsb; i++) {
		struct tr_sandbox *sb = t->sb[i];
		if (sb->sub_fd >= 0 && tr_sentry_read(t, sb) == -EPIPE) {
			close(sb->sub_fd);
			sb->sub_fd = -1;
			sb->ended = true;
		}
		tr_changes_read(t, sb);
		tr_hooked_poll(t, sb);
	}
	report_lost(t);
}

static bool all_ended(const struct tr *t)
{
	for (size_t i = 0; i < t->nsb; i++)
		if (!t->sb[i]->ended)
			return false;
	return t->nsb > 0;
}

struct loop_state {
	pid_t child;
	int child_status;
	bool child_done, stop;
	int grace_ticks;
};

static void on_signals(int sfd, struct loop_state *ls)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			/* The command gets Ctrl-C from the terminal itself, and we wait for it; a
			 * signal someone sent us is passed on. */
			if (ls->child <= 0)
				ls->stop = true;
			else if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE)
				kill(ls->child, (int)si.ssi_signo);
			continue;
		}
		int status;
		if (ls->child > 0 && waitpid(ls->child, &status, WNOHANG) == ls->child) {
			ls->child_done = true;
			ls->child_status = status;
		}
	}
}

static int wait_loop(struct tr *t, int sfd, struct loop_state *ls)
{
	uint64_t last_scan = 0;
	bool named = t->o.ids && t->o.ids[0];

	while (!ls->stop) {
		struct pollfd p[1 + TR_MAX_SANDBOXES];
		size_t n = 0;
		p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		for (size_t i = 0; i < t->nsb; i++)
			if (t->sb[i]->sub_fd >= 0)
				p[n++] = (struct pollfd){.fd = t->sb[i]->sub_fd, .events = POLLIN};
		if (poll(p, n, TICK_MS) < 0 && errno != EINTR)
			return -errno;
		on_signals(sfd, ls);
		drain(t);
		tr_queue_flush(t, false);
		reap(t);
		if (ls->child > 0 ? ls->child_done && all_ended(t) : named && all_ended(t))
			break;
		/* the command is gone: give its sentry a moment (25 ticks) to say goodbye */
		if (ls->child_done && ls->child > 0 && ++ls->grace_ticks == 25)
			break;
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		/* the wall clock may be stepped: convert kernel times with a fresh offset */
		t->mono_to_real = (int64_t)(clock_ns(CLOCK_REALTIME) - now);
		if (!named && ls->child <= 0 && now - last_scan > 500000000ull) {
			tr_attach_all(t);
			last_scan = now;
		}
	}
	return 0;
}

static int start(struct tr *t, struct loop_state *ls)
{
	if (t->o.run_argv) {
		int sock;
		ls->child = tr_run_start(t, t->o.run_argv, &sock);
		if (ls->child < 0) {
			fprintf(stderr, "sbx-trace: starting %s: %s\n", t->o.run_argv[0],
				strerror((int)-ls->child));
			return -1;
		}
		return 0;
	}
	for (char **id = t->o.ids; id && *id; id++)
		if (tr_attach(t, *id) < 0)
			return -1;
	if (!t->o.ids || !t->o.ids[0])
		tr_attach_all(t);
	return 0;
}

static int finish(struct tr *t, const struct loop_state *ls)
{
	struct sbx_error err = {0};
	int code = 0;

	drain(t);
	tr_queue_flush(t, true);
	if (t->o.summary && tr_summary_print(t) < 0)
		code = 1;
	else if (!t->o.summary) {
		uint64_t lost = tr_lost_total(t);
		if (lost)
			tr_print_lost(t, 0, lost);
	}
	if (t->profile && trace_profile_write(t->profile, t->o.profile, &err) < 0) {
		fprintf(stderr, "sbx-trace: %s\n", err.msg);
		code = 1;
	}
	fflush(t->out);
	if (ls->child > 0 && !code)
		code = WIFEXITED(ls->child_status) ? WEXITSTATUS(ls->child_status)
						   : 128 + WTERMSIG(ls->child_status);
	return code;
}

int tr_main_loop(struct tr *t)
{
	static struct trace_profile profile;
	struct loop_state ls = {0};
	int sfd = t->sigfd, code;

	if (t->o.profile) {
		trace_profile_init(&profile);
		t->profile = &profile;
	}
	t->mono_to_real = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	t->rb = ring_buffer__new(sbx_trace_events_fd(t->bpf), tr_on_kernel, t, NULL);
	if (!t->rb) {
		fprintf(stderr, "sbx-trace: ring buffer: %s\n", strerror(errno));
		return 1;
	}
	code = start(t, &ls) < 0 ? 1 : 0;
	if (code == 0 && wait_loop(t, sfd, &ls) < 0)
		code = 1;
	if (code == 0 || ls.child > 0)
		code = code ? code : finish(t, &ls);
	ring_buffer__free(t->rb);
	for (size_t i = 0; i < t->nsb; i++)
		tr_sandbox_free(t->sb[i]);
	free(t->q);
	free(t->dec);
	if (t->profile)
		trace_profile_free(t->profile);
	return code;
}
