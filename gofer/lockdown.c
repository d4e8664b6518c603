/* gofer_lockdown: what the gofer may still do once it serves requests.
 *
 * Capabilities: only those the caller's fsuid and fsgid need to change files as the caller
 * (gofer/creds.c lends the caller ∩ ours per operation, lowering the effective set and raising
 * it back within the permitted set, which capset allows without CAP_SETPCAP):
 *  - CAP_SETUID, CAP_SETGID: setfsuid, setfsgid and setgroups around each operation;
 *  - CAP_CHOWN: chown to another owner, or to a group the caller is not in;
 *  - CAP_FOWNER: chmod, utimes and xattrs on files the caller does not own, links to them;
 *  - CAP_FSETID: keeping set-group-ID on chmod, set-user/group-ID on chown;
 *  - CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: a root caller's permission checks, and naming a
 *    directory the caller may not read (resolve.c walks "..", as us).
 * Not kept:
 *  - CAP_MKNOD: the gofer makes only regular files, FIFOs and sockets (proto.c refuses device
 *    types),
 *    and vfs_mknod() asks for CAP_MKNOD only for devices; overlayfs makes its whiteouts with
 *    the credentials of the runtime that mounted it, not ours.
 *  - CAP_SYS_ADMIN: what it would add within this allow-list is writing trusted.* and
 *    security.* (other than security.capability) xattrs. On host volumes and bundle rootfs,
 *    trusted.overlay.* lets whoever mounts that directory into an overlay later be misled
 *    (redirects, opaque, metacopy) and security.* relabels files for the host's LSM; neither
 *    is a change a container's uid makes. Such a setxattr answers EPERM, as for a container
 *    without CAP_SYS_ADMIN. Overlay copy-up also runs with the mounter's credentials.
 *  - CAP_SETFCAP: file capabilities written into a volume would be honoured on the host.
 *  - CAP_SETPCAP: needed only here, to empty the bounding set, which is therefore done first.
 *
 * Then no_new_privs and a seccomp allow-list of what the server loop, its operations, the
 * change log (jansson) and the C library call on their behalf, anything else killing the
 * process. The list was taken from strace of the gofer under the unit and end-to-end tests. */
#include "gofer/gofer.h"
#include "lib/cleanup.h"
#include "lib/caps.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/capability.h>
#include <malloc.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Newer than libseccomp 2.5.4's tables: added by number (the unified table, the same on every
 * architecture). */
#define GOFER_NR_FCHMODAT2     452
#define GOFER_NR_SETXATTRAT    463
#define GOFER_NR_REMOVEXATTRAT 466

static const int keep_caps[] = {
    CAP_SETUID, CAP_SETGID,	  CAP_CHOWN,	       CAP_FOWNER,
    CAP_FSETID, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
};

static int drop_caps(struct sbx_error *err)
{
	const char *what;
	int r = caps_keep_only(caps_mask(keep_caps, ARRAY_SIZE(keep_caps)), &what);
	return r < 0 ? sbx_err_errno(err, -r, "gofer lockdown: %s", what) : 0;
}

/* Allowed whatever the arguments. */
static const int allowed_syscalls[] = {
    /* the socket to the sentry, the change log, error messages */
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(write),
    SCMP_SYS(close),
    /* resolving inside the view (resolve.c), reading directories for canonical paths */
    SCMP_SYS(openat),
    SCMP_SYS(openat2),
    SCMP_SYS(newfstatat),
    SCMP_SYS(fstat), /* what newfstatat(fd, "", AT_EMPTY_PATH) is in other C libraries */
    SCMP_SYS(readlinkat),
    SCMP_SYS(getdents64),
    SCMP_SYS(lseek),
    /* the operations */
    SCMP_SYS(mkdirat),
    SCMP_SYS(mknodat),
    SCMP_SYS(unlinkat),
    SCMP_SYS(renameat), /* glibc's renameat2() with flags 0 */
    SCMP_SYS(renameat2),
    SCMP_SYS(linkat),
    SCMP_SYS(symlinkat),
    GOFER_NR_FCHMODAT2,
    SCMP_SYS(fchmod),	/* before Linux 6.6, without fchmodat2 (attrs.c) */
    SCMP_SYS(fchmodat), /* ... for a fifo, socket or device node */
    SCMP_SYS(fchownat),
    SCMP_SYS(utimensat),
    GOFER_NR_SETXATTRAT,
    GOFER_NR_REMOVEXATTRAT,
    SCMP_SYS(fsetxattr), /* before Linux 6.13 */
    SCMP_SYS(fremovexattr),
    SCMP_SYS(faccessat2),
    SCMP_SYS(ftruncate),
    /* acting as the caller (creds.c) */
    SCMP_SYS(capget),
    SCMP_SYS(capset),
    SCMP_SYS(setfsuid),
    SCMP_SYS(setfsgid),
    SCMP_SYS(setgroups),
    SCMP_SYS(getgroups),
    SCMP_SYS(umask),
    SCMP_SYS(geteuid),
    SCMP_SYS(getegid),
    /* the change log's timestamps: vDSO calls, syscalls only without a vDSO */
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    /* malloc (mmap below); madvise for malloc_trim */
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    /* the end (single-threaded: no exit), and what the kernel may need to resume a call */
    SCMP_SYS(exit_group),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(restart_syscall),
};

#ifdef __SANITIZE_ADDRESS__
/* Sanitizer builds only, for the runtime's own calls: glibc's malloc, which the sanitizer
 * replaces, set up late by malloc_trim (getrandom), and the alternate signal stack taken down
 * at exit. */
static const int sanitizer_syscalls[] = {SCMP_SYS(getrandom), SCMP_SYS(sigaltstack)};
#endif

/* fcntl: duplicating a directory fd, O_NONBLOCK off again after an open, and what
 * fdopendir() does. No locks, leases, pipes or signals. */
static const int allowed_fcntl[] = {F_GETFL, F_SETFL, F_SETFD, F_DUPFD_CLOEXEC};

static int add_rules(scmp_filter_ctx ctx)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed_syscalls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
#ifdef __SANITIZE_ADDRESS__
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(sanitizer_syscalls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer_syscalls[i], 0);
#endif
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(allowed_fcntl); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)allowed_fcntl[i]));
	/* malloc's anonymous memory, never executable: no code can be mapped in. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
				     SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, MAP_ANONYMOUS));
	return r;
}

static int install_filter(struct sbx_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return sbx_err(err, ENOMEM, "gofer lockdown: seccomp_init");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = add_rules(ctx);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	malloc_trim(0); /* the filter's build memory, back to the kernel */
	if (r < 0)
		return sbx_err_errno(err, -r, "gofer lockdown: seccomp filter");
	return 0;
}

/* What the C library and jansson do once, lazily, and which reads a file when there is one to
 * read (not in sbx-gofer's empty root): done now, so that read() stays off the allow-list. */
static void warm_up(void)
{
	tzset();	     /* gmtime_r() looks at /etc/localtime the first time */
	json_object_seed(0); /* the hash seed, from /dev/urandom */
}

int gofer_lockdown(struct sbx_error *err)
{
	warm_up();
	int r = drop_caps(err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_err_errno(err, errno, "gofer lockdown: no_new_privs");
	return install_filter(err);
}
