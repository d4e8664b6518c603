/* One notification: receive, dispatch, reply, report. */
#include "sentry/internal.h"
#include "lib/util.h"
#include "lib/log.h"

#include <errno.h>
#include <jansson.h>
#include <linux/audit.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

static int64_t dispatch(struct sentry_call *c)
{
	if (c->req->pid == 0) { /* the caller is not visible in our PID namespace */
		c->action = SBX_ACT_DENY;
		return -EPERM;
	}
	if (c->req->data.arch != AUDIT_ARCH_X86_64)
		return sentry_handle_unknown(c); /* the policy kills other ABIs; never emulate */
	return sentry_handler_for(c->req->data.nr)(c);
}

/* Reply; in enforce mode, anything but an explicit audit CONTINUE is an errno or a value. */
static void reply(struct sentry *s, int fd, const struct sentry_call *c, int64_t ret)
{
	struct seccomp_notif_resp *resp = s->resp;
	memset(resp, 0, s->sizes.seccomp_notif_resp);
	resp->id = c->req->id;
	if (c->cont && s->audit)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (ret < 0)
		resp->error = (__s32)ret;
	else
		resp->val = ret;
	while (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT || resp->error == -EPERM)
			return; /* the caller is gone (or interrupted): not an error */
		/* Refused (e.g. a bad value): never leave the caller waiting. */
		resp->flags = 0;
		resp->val = 0;
		resp->error = -EPERM;
	}
}

static void report(struct sentry *s, const struct sentry_call *c, int64_t ret, uint64_t t0)
{
	struct sbx_event ev = {
	    .version = SBX_EVENT_VERSION,
	    .source = SBX_SRC_SENTRY,
	    .action = (__u16)c->action,
	    .syscall_nr = c->req->data.nr,
	    .tid = c->req->pid,
	    .cgroup_id = s->cgroup_id,
	    .result = c->cont ? 0 : ret,
	};
	ev.latency_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	ev.time_ns = clock_ns(CLOCK_REALTIME);
	sentry_stats_count(s, ev.syscall_nr, c->action, ev.latency_ns);
	if (s->nsubs == 0 && !s->log_decisions)
		return; /* nobody reads the event: keep the notify path short */
	/* The tgid costs a /proc read: only when someone will see it. */
	struct sentry_task_status st;
	ev.pid = sentry_task_status((pid_t)c->req->pid, &st) == 0 ? (__u32)st.tgid : ev.tid;
	memcpy(ev.args, c->req->data.args, sizeof(ev.args));
	if (c->path_len) {
		memcpy(ev.path, s->event_path, c->path_len);
		ev.path_len = c->path_len;
		ev.flags = SBX_EVF_PATH;
	}
	strncpy(ev.sandbox, s->id, sizeof(ev.sandbox) - 1);
	sentry_events_emit(s, &ev);
	if (s->log_decisions)
		sentry_log_event(s, &ev);
}

int sentry_handle_one(struct sentry *s, size_t i)
{
	int fd = s->listeners[i].fd;
	memset(s->req, 0, s->sizes.seccomp_notif);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0) {
		if (errno == EINTR || errno == ENOENT || errno == EAGAIN)
			return 0; /* interrupted, or the caller died before we got it */
		return -errno;
	}
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	struct sentry_call c = {.s = s, .notify_fd = fd, .req = s->req, .action = SBX_ACT_DENY};
	int64_t ret = dispatch(&c);
	if (c.cont && !s->audit) {
		c.cont = false; /* fail closed */
		c.action = SBX_ACT_DENY;
		ret = -EPERM;
	}
	reply(s, fd, &c, ret);
	report(s, &c, ret, t0);
	return 0;
}
