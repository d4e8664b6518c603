/* The notify loop: wait on every listener and the control sockets, receive a notification,
 * dispatch it to its handler, reply, report. */
#include "sentry/internal.h"
#include "lib/error.h"
#include "lib/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define MAX_POLL (SENTRY_MAX_LISTENERS + SENTRY_MAX_SUBSCRIBERS + SENTRY_MAX_PENDING + 6)

int sentry_end_sandbox(struct sentry *s, pid_t caller, enum sentry_end end, int status)
{
	int pidfd = s->init_pidfd >= 0 ? s->init_pidfd : s->kill_pidfd;
	int r = 0;
	if (pidfd >= 0) {
		r = (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	} else {
		/* No init: the caller's process group, unless it is ours. */
		pid_t pgid = getpgid(caller);
		r = pgid > 1 && pgid != getpgid(0) ? kill(-pgid, SIGKILL) : kill(caller, SIGKILL);
	}
	if (r < 0 && errno != ESRCH)
		return -errno;
	s->end_requested = true;
	s->end = end;
	s->end_status = status;
	return 0;
}

static int wait_status(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return W_EXITCODE(si->si_status & 0xff, 0);
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | WCOREFLAG;
	default:
		return si->si_status & 0x7f;
	}
}

/* init's pidfd is readable: it has exited. Its parent (`create`'s caller, monitor.c) reaps
 * it and has its status; we have it only when init is our child. */
static int reap_init(struct sentry *s, enum sentry_end *ret_end, int *ret_status)
{
	siginfo_t si = {0};
	int status = SENTRY_STATUS_UNKNOWN;
	if (waitid((idtype_t)P_PIDFD, (id_t)s->init_pidfd, &si, WEXITED | __WALL | WNOHANG) == 0)
		status = wait_status(&si);
	else if (errno != ECHILD)
		return -errno;
	if (s->end_requested) {
		*ret_end = s->end;
		*ret_status = s->end_status;
	} else {
		*ret_end = SENTRY_END_EXIT;
		*ret_status = status;
	}
	return 0;
}

struct poll_set {
	struct pollfd fds[MAX_POLL];
	size_t n, listeners, subs, pending;		      /* first index of each group */
	int control, events, init, cg_ring, lsm_ring, keeper; /* index, or -1 */
};

static int add_fd(struct poll_set *p, int fd, short events)
{
	if (fd < 0)
		return -1;
	p->fds[p->n] = (struct pollfd){.fd = fd, .events = events};
	return (int)p->n++;
}

static void build_poll_set(const struct sentry *s, struct poll_set *p)
{
	p->n = 0;
	p->listeners = p->n;
	for (size_t i = 0; i < s->nlisteners; i++)
		add_fd(p, s->listeners[i].fd, POLLIN);
	p->subs = p->n;
	for (size_t i = 0; i < s->nsubs; i++)
		add_fd(p, s->subs[i].fd, 0); /* hang-ups only */
	p->pending = p->n;
	for (size_t i = 0; i < s->npending; i++)
		add_fd(p, s->pending[i], POLLIN);
	p->control = add_fd(p, s->control_fd, POLLIN);
	p->events = add_fd(p, s->events_fd, POLLIN);
	p->init = add_fd(p, s->init_pidfd, POLLIN);
	p->cg_ring = s->cg_ring.cons ? add_fd(p, s->cg_ring.fd, POLLIN) : -1;
	p->lsm_ring = s->lsm_ring.cons ? add_fd(p, s->lsm_ring.fd, POLLIN) : -1;
	p->keeper = add_fd(p, s->keeper_pidfd, POLLIN);
}

static bool ready(const struct poll_set *p, int i, short what)
{
	return i >= 0 && (p->fds[i].revents & what);
}

/* Work through what poll() reported. Groups are walked backwards so that removing entry i
 * (swapped with the last) leaves the indexes still to visit valid. */
static void serve(struct sentry *s, const struct poll_set *p, size_t nl, size_t ns, size_t np)
{
	const short gone = POLLHUP | POLLERR | POLLNVAL;
	if (ready(p, p->events, POLLIN))
		sentry_events_accept(s);
	if (ready(p, p->cg_ring, POLLIN))
		sentry_ring_drain(s, &s->cg_ring);
	if (ready(p, p->lsm_ring, POLLIN))
		sentry_ring_drain(s, &s->lsm_ring);
	for (size_t i = nl; i-- > 0;) {
		short ev = p->fds[p->listeners + i].revents;
		if (((ev & POLLIN) && sentry_handle_one(s, i) < 0) ||
		    (!(ev & POLLIN) && (ev & gone)))
			sentry_listener_remove(s, i);
	}
	for (size_t i = ns; i-- > 0;)
		if (p->fds[p->subs + i].revents & gone)
			sentry_subscriber_remove(s, i);
	for (size_t i = np; i-- > 0;)
		if (p->fds[p->pending + i].revents)
			sentry_control_serve(s, i);
	if (ready(p, p->control, POLLIN))
		sentry_control_accept(s);
}

/* The keeper exited while init runs (it waits for init): what guards the sandbox against our
 * death, and any BPF-LSM layer, are gone, so the sandbox ends (fail closed), as if killed. */
static void keeper_gone(struct sentry *s)
{
	log_error("sentry %s: the sandbox's keeper died: ending the sandbox", s->id);
	sentry_end_sandbox(s, 0, SENTRY_END_EXIT, SIGKILL);
	close(s->keeper_pidfd);
	s->keeper_pidfd = -1;
}

static int run_loop(struct sentry *s, enum sentry_end *ret_end, int *ret_status,
		    struct sbx_error *err)
{
	struct poll_set p;
	for (;;) {
		if (s->init_pidfd < 0 && (s->end_requested || s->nlisteners == 0)) {
			*ret_end = s->end_requested ? s->end : SENTRY_END_HANGUP;
			*ret_status = s->end_requested ? s->end_status : 0;
			return 0;
		}
		build_poll_set(s, &p);
		/* Counters reach the state dir while the sandbox runs (sbxd's metrics read
		 * them), at most once a period and only when they changed. */
		int timeout = sentry_stats_timeout(s);
		if (timeout == 0) {
			sentry_stats_flush(s);
			timeout = -1;
		}
		int n = poll(p.fds, p.n, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_errno(err, errno, "sentry: poll");
		}
		if (n == 0)
			continue;
		serve(s, &p, s->nlisteners, s->nsubs, s->npending);
		if (ready(&p, p.init, POLLIN | POLLHUP)) {
			int r = reap_init(s, ret_end, ret_status);
			return r < 0 ? sbx_err_errno(err, r, "sentry: reap init") : 0;
		}
		if (ready(&p, p.keeper, POLLIN))
			keeper_gone(s);
	}
}

int sentry_run(struct sentry *s, enum sentry_end *ret_end, int *ret_status, struct sbx_error *err)
{
	enum sentry_end end = SENTRY_END_EXIT;
	int status = 0;
	int r = run_loop(s, &end, &status, err);
	sentry_ring_drain(s, &s->cg_ring); /* the last denials, for whoever still listens */
	sentry_ring_drain(s, &s->lsm_ring);
	sentry_stats_flush(s);
	if (r < 0)
		return r;
	*ret_end = end;
	*ret_status = status;
	return 0;
}
