/* The handler table: one entry per emulated syscall, indexed by syscall number. */
#include "sentry/internal.h"

#include <errno.h>
#include <sys/syscall.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; Debian 12's headers predate it */
#endif

static const sentry_handler_fn handlers[] = {
    [SYS_sysinfo] = sentry_handle_sysinfo,
    [SYS_mknod] = sentry_handle_mknod,
    [SYS_mknodat] = sentry_handle_mknodat,
    [SYS_reboot] = sentry_handle_reboot,
    /* Brokered to the gofer (broker_*.c). */
    [SYS_open] = sentry_handle_open,
    [SYS_openat] = sentry_handle_openat,
    [SYS_creat] = sentry_handle_creat,
    [SYS_openat2] = sentry_handle_openat2,
    [SYS_mkdir] = sentry_handle_mkdir,
    [SYS_mkdirat] = sentry_handle_mkdirat,
    [SYS_unlink] = sentry_handle_unlink,
    [SYS_unlinkat] = sentry_handle_unlinkat,
    [SYS_rmdir] = sentry_handle_rmdir,
    [SYS_rename] = sentry_handle_rename,
    [SYS_renameat] = sentry_handle_renameat,
    [SYS_renameat2] = sentry_handle_renameat2,
    [SYS_link] = sentry_handle_link,
    [SYS_linkat] = sentry_handle_linkat,
    [SYS_symlink] = sentry_handle_symlink,
    [SYS_symlinkat] = sentry_handle_symlinkat,
    [SYS_chmod] = sentry_handle_chmod,
    [SYS_fchmodat] = sentry_handle_fchmodat,
    [SYS_fchmodat2] = sentry_handle_fchmodat2,
    [SYS_chown] = sentry_handle_chown,
    [SYS_lchown] = sentry_handle_lchown,
    [SYS_fchownat] = sentry_handle_fchownat,
    [SYS_truncate] = sentry_handle_truncate,
    [SYS_utimes] = sentry_handle_utimes,
    [SYS_utime] = sentry_handle_utime,
    [SYS_utimensat] = sentry_handle_utimensat,
    [SYS_futimesat] = sentry_handle_futimesat,
    [SYS_setxattr] = sentry_handle_setxattr,
    [SYS_lsetxattr] = sentry_handle_lsetxattr,
    [SYS_removexattr] = sentry_handle_removexattr,
    [SYS_lremovexattr] = sentry_handle_lremovexattr,
    [SYS_access] = sentry_handle_access,
    [SYS_faccessat] = sentry_handle_faccessat,
    [SYS_faccessat2] = sentry_handle_faccessat2,
    [SYS_statfs] = sentry_handle_statfs,
    [SYS_fstatfs] = sentry_handle_fstatfs,
    /* On an fd (broker_fd.c). */
    [SYS_fchmod] = sentry_handle_fchmod,
    [SYS_fchown] = sentry_handle_fchown,
    [SYS_fsetxattr] = sentry_handle_fsetxattr,
    [SYS_fremovexattr] = sentry_handle_fremovexattr,
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
