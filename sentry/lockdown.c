/* sentry_lockdown: keep only the capabilities the handlers use, empty the bounding set of the
 * rest, no_new_privs, and a seccomp allow-list of what the loop and handlers call. */
#include "sentry/internal.h"
#include "lib/cleanup.h"
#include "lib/caps.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* mknod (CAP_MKNOD); /proc/<pid>/{root,cwd,fd}, process_vm_* and statuses of other users
 * (CAP_SYS_PTRACE, CAP_DAC_*); killing init (CAP_KILL); acting as the caller for the file
 * system (CAP_SETUID, CAP_SETGID: setfsuid, setfsgid, setgroups). */
static const int keep_caps[] = {
    CAP_MKNOD, CAP_SYS_PTRACE, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
    CAP_KILL,  CAP_SETUID,     CAP_SETGID,
};

static int drop_caps(struct sbx_error *err)
{
	const char *what;
	int r = caps_keep_only(caps_mask(keep_caps, ARRAY_SIZE(keep_caps)), &what);
	return r < 0 ? sbx_err_errno(err, -r, "sentry lockdown: %s", what) : 0;
}

/* What the loop, the handlers, logging, and the stats writer call. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read),
    SCMP_SYS(pread64), /* proc.c: callers' status files kept open */
    SCMP_SYS(write),
    SCMP_SYS(close),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(accept4),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(openat),
    SCMP_SYS(openat2),
    SCMP_SYS(mknodat),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(pidfd_send_signal),
    SCMP_SYS(waitid),
    SCMP_SYS(kill),
    SCMP_SYS(getpgid),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getegid),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(mprotect),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(lseek),
    SCMP_SYS(fcntl),
    SCMP_SYS(getdents64),
    SCMP_SYS(uname),
    SCMP_SYS(futex),
    SCMP_SYS(sysinfo),
    SCMP_SYS(umask),
    SCMP_SYS(setfsuid),
    SCMP_SYS(setfsgid),
    SCMP_SYS(setgroups),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(getrandom),
    SCMP_SYS(fstatfs), /* broker_statfs.c: statfs and fstatfs emulated */
};

static const unsigned long notify_ioctls[] = {
    SECCOMP_IOCTL_NOTIF_RECV,	  SECCOMP_IOCTL_NOTIF_SEND,
    SECCOMP_IOCTL_NOTIF_ID_VALID, SECCOMP_IOR(2, __u64), /* the old ID_VALID */
    SECCOMP_IOCTL_NOTIF_ADDFD,	  SECCOMP_IOCTL_NOTIF_SET_FLAGS,
};

static int build_filter(scmp_filter_ctx ctx)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(allowed_syscalls) / sizeof(int); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
	for (size_t i = 0; r == 0 && i < sizeof(notify_ioctls) / sizeof(notify_ioctls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, notify_ioctls[i]));
	return r;
}

static int install_filter(struct sbx_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return sbx_err(err, ENOMEM, "sentry lockdown: seccomp_init");
	int r = build_filter(ctx);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return sbx_err_errno(err, r, "sentry lockdown: seccomp filter");
	return 0;
}

int sentry_lockdown(_unused_ struct sentry *s, struct sbx_error *err)
{
	int r = drop_caps(err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_err_errno(err, errno, "sentry lockdown: no_new_privs");
	return install_filter(err);
}
