/* The handler table: one entry per emulated syscall, indexed by syscall number. */
#include "sentry/internal.h"

#include <errno.h>
#include <sys/syscall.h>

static const sentry_handler_fn handlers[] = {
    [SYS_sysinfo] = sentry_handle_sysinfo,
    [SYS_mknod] = sentry_handle_mknod,
    [SYS_mknodat] = sentry_handle_mknodat,
    [SYS_reboot] = sentry_handle_reboot,
};

sentry_handler_fn sentry_handler_for(int nr)
{
	if (nr < 0 || (size_t)nr >= sizeof(handlers) / sizeof(handlers[0]) || !handlers[nr])
		return sentry_handle_unknown;
	return handlers[nr];
}

/* Notified by the policy, but nothing here emulates it: audit lets it run, enforce denies. */
int64_t sentry_handle_unknown(struct sentry_call *c)
{
	if (c->s->audit) {
		c->action = SBX_ACT_AUDIT;
		c->cont = true;
		return 0;
	}
	c->action = SBX_ACT_DENY;
	return -EPERM;
}
