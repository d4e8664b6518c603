/* Flag and constant names for sbx-trace's arguments: O_RDONLY|O_CLOEXEC, SIGTERM, TCGETS.
 * Values are the x86_64 kernel's; bits no table names are shown as |0x... */
#include "tools/trace_args.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct flag_name {
	uint64_t v;
	const char *name;
};

/* clang-format off */
#define F_AS(v, name) {(v), (name)} /* values glibc lacks or gets wrong */
#define F(x) F_AS((uint64_t)(x), #x)
#define F_END F_AS(0, NULL)
/* clang-format on */

/* A field holding a value (the access mode, the socket type, a signal) is shown first, then
 * each named bit; a table lists a bit made of others (O_SYNC, O_TMPFILE) before its parts. */
struct flagset {
	uint64_t field;
	const struct flag_name *values;
	bool field_signal; /* the field is a signal number (clone's CSIGNAL) */
	const struct flag_name *bits;
	const char *zero; /* what 0 is called when no value names it ("PROT_NONE"), else "0" */
};

/* clang-format off */
#define ENUM(vals) {.field = UINT64_MAX, .values = (vals)}
/* clang-format on */

static const struct flag_name open_access[] = {F(O_RDONLY), F(O_WRONLY), F(O_RDWR), F_END};
/* O_LARGEFILE is 0 in glibc's x86_64 headers but 0100000 to the kernel */
static const struct flag_name open_bits[] = {
    F(O_CREAT),
    F(O_EXCL),
    F(O_NOCTTY),
    F(O_TRUNC),
    F(O_APPEND),
    F(O_NONBLOCK),
    F(O_SYNC),
    F(O_DSYNC),
    F(O_ASYNC),
    F(O_DIRECT),
    F_AS(0100000, "O_LARGEFILE"),
    F(O_TMPFILE),
    F(O_DIRECTORY),
    F(O_NOFOLLOW),
    F(O_NOATIME),
    F(O_CLOEXEC),
    F(O_PATH),
    F_END,
};
static const struct flag_name at_bits[] = {
    F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR),  F(AT_SYMLINK_FOLLOW),
    F(AT_NO_AUTOMOUNT),	    F(AT_EMPTY_PATH), F(AT_STATX_FORCE_SYNC),
    F(AT_STATX_DONT_SYNC),  F(AT_RECURSIVE),  F_END,
};
/* AT_EACCESS shares AT_REMOVEDIR's bit */
static const struct flag_name eaccess_bits[] = {F(AT_EACCESS), F(AT_SYMLINK_NOFOLLOW),
						F(AT_EMPTY_PATH), F_END};
static const struct flag_name access_bits[] = {F(R_OK), F(W_OK), F(X_OK), F_END};
static const struct flag_name prot_bits[] = {
    F(PROT_READ),      F(PROT_WRITE),	F(PROT_EXEC), F_AS(0x8, "PROT_SEM"),
    F(PROT_GROWSDOWN), F(PROT_GROWSUP), F_END,
};
static const struct flag_name map_types[] = {F(MAP_SHARED), F(MAP_PRIVATE), F(MAP_SHARED_VALIDATE),
					     F_END};
static const struct flag_name map_bits[] = {
    F(MAP_FIXED),      F(MAP_ANONYMOUS), F(MAP_32BIT),	   F(MAP_GROWSDOWN),	   F(MAP_DENYWRITE),
    F(MAP_EXECUTABLE), F(MAP_LOCKED),	 F(MAP_NORESERVE), F(MAP_POPULATE),	   F(MAP_NONBLOCK),
    F(MAP_STACK),      F(MAP_HUGETLB),	 F(MAP_SYNC),	   F(MAP_FIXED_NOREPLACE), F_END,
};
static const struct flag_name clone_bits[] = {
    F(CLONE_NEWTIME),
    F(CLONE_VM),
    F(CLONE_FS),
    F(CLONE_FILES),
    F(CLONE_SIGHAND),
    F(CLONE_PIDFD),
    F(CLONE_PTRACE),
    F(CLONE_VFORK),
    F(CLONE_PARENT),
    F(CLONE_THREAD),
    F(CLONE_NEWNS),
    F(CLONE_SYSVSEM),
    F(CLONE_SETTLS),
    F(CLONE_PARENT_SETTID),
    F(CLONE_CHILD_CLEARTID),
    F(CLONE_UNTRACED),
    F(CLONE_CHILD_SETTID),
    F(CLONE_NEWCGROUP),
    F(CLONE_NEWUTS),
    F(CLONE_NEWIPC),
    F(CLONE_NEWUSER),
    F(CLONE_NEWPID),
    F(CLONE_NEWNET),
    F(CLONE_IO),
    F_END,
};
static const struct flag_name families[] = {
    F(AF_UNSPEC), F(AF_UNIX),	   F(AF_INET), F(AF_INET6), F(AF_NETLINK),
    F(AF_PACKET), F(AF_BLUETOOTH), F(AF_ALG),  F(AF_VSOCK), F_END,
};
static const struct flag_name sock_types[] = {
    F(SOCK_STREAM),    F(SOCK_DGRAM), F(SOCK_RAW),    F(SOCK_RDM),
    F(SOCK_SEQPACKET), F(SOCK_DCCP),  F(SOCK_PACKET), F_END,
};
static const struct flag_name sock_bits[] = {F(SOCK_NONBLOCK), F(SOCK_CLOEXEC), F_END};
static const struct flag_name msg_bits[] = {
    F(MSG_OOB),		 F(MSG_PEEK), F(MSG_DONTROUTE),	 F(MSG_CTRUNC),	  F(MSG_TRUNC),
    F(MSG_DONTWAIT),	 F(MSG_EOR),  F(MSG_WAITALL),	 F(MSG_CONFIRM),  F(MSG_ERRQUEUE),
    F(MSG_NOSIGNAL),	 F(MSG_MORE), F(MSG_WAITFORONE), F(MSG_ZEROCOPY), F(MSG_FASTOPEN),
    F(MSG_CMSG_CLOEXEC), F_END,
};
static const struct flag_name shut_hows[] = {F(SHUT_RD), F(SHUT_WR), F(SHUT_RDWR), F_END};
static const struct flag_name wait_bits[] = {
    F(WNOHANG),	    F(WUNTRACED), F(WEXITED),  F(WCONTINUED), F(WNOWAIT),
    F(__WNOTHREAD), F(__WALL),	  F(__WCLONE), F_END,
};
static const struct flag_name ioctl_reqs[] = {
    F(TCGETS),	  F(TCSETS),	 F(TCSETSW),	 F(TCSETSF),	F(TIOCSCTTY),
    F(TIOCGPGRP), F(TIOCSPGRP),	 F(TIOCGWINSZ),	 F(TIOCSWINSZ), F(TIOCNOTTY),
    F(FIONREAD),  F(FIONBIO),	 F(FIOCLEX),	 F(FIONCLEX),	F(FIOASYNC),
    F(TIOCGPTN),  F(TIOCSPTLCK), F(TIOCGPTPEER), F_END,
};
static const struct flag_name fcntl_cmds[] = {
    F(F_DUPFD),	     F(F_GETFD),     F(F_SETFD),	 F(F_GETFL),
    F(F_SETFL),	     F(F_GETLK),     F(F_SETLK),	 F(F_SETLKW),
    F(F_SETOWN),     F(F_GETOWN),    F(F_SETSIG),	 F(F_GETSIG),
    F(F_OFD_GETLK),  F(F_OFD_SETLK), F(F_OFD_SETLKW),	 F(F_SETLEASE),
    F(F_GETLEASE),   F(F_NOTIFY),    F(F_DUPFD_CLOEXEC), F(F_SETPIPE_SZ),
    F(F_GETPIPE_SZ), F(F_ADD_SEALS), F(F_GET_SEALS),	 F_END,
};
static const struct flag_name whences[] = {F(SEEK_SET),	 F(SEEK_CUR),  F(SEEK_END),
					   F(SEEK_DATA), F(SEEK_HOLE), F_END};
static const struct flag_name sigprocmask_hows[] = {F(SIG_BLOCK), F(SIG_UNBLOCK), F(SIG_SETMASK),
						    F_END};
static const struct flag_name clocks[] = {
    F(CLOCK_REALTIME),		F(CLOCK_MONOTONIC),	F(CLOCK_PROCESS_CPUTIME_ID),
    F(CLOCK_THREAD_CPUTIME_ID), F(CLOCK_MONOTONIC_RAW), F(CLOCK_REALTIME_COARSE),
    F(CLOCK_MONOTONIC_COARSE),	F(CLOCK_BOOTTIME),	F(CLOCK_REALTIME_ALARM),
    F(CLOCK_BOOTTIME_ALARM),	F(CLOCK_TAI),		F_END,
};
static const struct flag_name futex_cmds[] = {
    F(FUTEX_WAIT),
    F(FUTEX_WAKE),
    F(FUTEX_FD),
    F(FUTEX_REQUEUE),
    F(FUTEX_CMP_REQUEUE),
    F(FUTEX_WAKE_OP),
    F(FUTEX_LOCK_PI),
    F(FUTEX_UNLOCK_PI),
    F(FUTEX_TRYLOCK_PI),
    F(FUTEX_WAIT_BITSET),
    F(FUTEX_WAKE_BITSET),
    F(FUTEX_WAIT_REQUEUE_PI),
    F(FUTEX_CMP_REQUEUE_PI),
    F_AS(13, "FUTEX_LOCK_PI2"),
    F_END,
};
static const struct flag_name futex_bits[] = {F(FUTEX_PRIVATE_FLAG), F(FUTEX_CLOCK_REALTIME),
					      F_END};
static const struct flag_name arch_prctl_codes[] = {
    F(ARCH_SET_GS),    F(ARCH_SET_FS),	  F(ARCH_GET_FS), F(ARCH_GET_GS),
    F(ARCH_GET_CPUID), F(ARCH_SET_CPUID), F_END,
};
static const struct flag_name epoll_ops[] = {F(EPOLL_CTL_ADD), F(EPOLL_CTL_DEL), F(EPOLL_CTL_MOD),
					     F_END};
static const struct flag_name grnd_bits[] = {F(GRND_NONBLOCK), F(GRND_RANDOM), F(GRND_INSECURE),
					     F_END};

static const struct flagset flagsets[TA__COUNT] = {
    [TA_OPEN_FLAGS] = {.field = O_ACCMODE, .values = open_access, .bits = open_bits},
    [TA_O_FLAGS] = {.bits = open_bits},
    [TA_AT_FLAGS] = {.bits = at_bits},
    [TA_EACCESS] = {.bits = eaccess_bits},
    [TA_ACCESS_MODE] = {.bits = access_bits, .zero = "F_OK"},
    [TA_PROT] = {.bits = prot_bits, .zero = "PROT_NONE"},
    [TA_MAP_FLAGS] = {.field = MAP_TYPE, .values = map_types, .bits = map_bits},
    [TA_CLONE_FLAGS] = {.field = CSIGNAL, .field_signal = true, .bits = clone_bits},
    [TA_SOCK_FAMILY] = ENUM(families),
    [TA_SOCK_TYPE] = {.field = 0xf, .values = sock_types, .bits = sock_bits},
    [TA_SOCK_FLAGS] = {.bits = sock_bits},
    [TA_MSG_FLAGS] = {.bits = msg_bits},
    [TA_SHUT_HOW] = ENUM(shut_hows),
    [TA_WAIT_OPTS] = {.bits = wait_bits},
    [TA_IOCTL_REQ] = ENUM(ioctl_reqs),
    [TA_FCNTL_CMD] = ENUM(fcntl_cmds),
    [TA_SEEK_WHENCE] = ENUM(whences),
    [TA_SIGPROCMASK] = ENUM(sigprocmask_hows),
    [TA_CLOCK] = ENUM(clocks),
    [TA_FUTEX_OP] = {.field = 0x7f, .values = futex_cmds, .bits = futex_bits},
    [TA_ARCH_PRCTL] = ENUM(arch_prctl_codes),
    [TA_EPOLL_OP] = ENUM(epoll_ops),
    [TA_GRND_FLAGS] = {.bits = grnd_bits},
};

static const char *name_of(const struct flag_name *t, uint64_t v)
{
	for (; t && t->name; t++)
		if (t->v == v)
			return t->name;
	return NULL;
}

void trace_put_signal(struct trace_out *o, uint64_t v)
{
	int sig = (int)v;
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		tout_printf(o, "SIG%s", abbrev);
	else if (sig >= 32 && sig <= 64) /* the kernel's SIGRTMIN, not glibc's */
		tout_printf(o, "SIGRT_%d", sig - 32);
	else
		tout_printf(o, "%d", sig);
}

/* The bits of v the table names, each after a | once any came before; v keeps the rest. */
static bool put_bits(struct trace_out *o, const struct flag_name *b, uint64_t *v, bool any)
{
	for (; b && b->name; b++) {
		if (!b->v || (*v & b->v) != b->v)
			continue;
		tout_printf(o, "%s%s", any ? "|" : "", b->name);
		*v &= ~b->v;
		any = true;
	}
	return any;
}

/* A named field value first (O_RDONLY|...), a signal field last (...|SIGCHLD, as strace). */
static void put_flags(struct trace_out *o, const struct flagset *fs, uint64_t v)
{
	uint64_t f = v & fs->field;
	const char *name = name_of(fs->values, f);
	bool sig = fs->field_signal && f && sigabbrev_np((int)f);
	bool any = false;

	if (name) {
		tout_printf(o, "%s", name);
		any = true;
	}
	if (name || sig)
		v &= ~fs->field;
	any = put_bits(o, fs->bits, &v, any);
	if (sig) {
		tout_printf(o, "%s", any ? "|" : "");
		trace_put_signal(o, f);
		any = true;
	}
	if (v)
		tout_printf(o, "%s%#llx", any ? "|" : "", (unsigned long long)v);
	else if (!any)
		tout_printf(o, "%s", fs->zero ? fs->zero : "0");
}

bool trace_put_named(struct trace_out *o, enum trace_arg_kind kind, uint64_t v)
{
	if ((unsigned)kind >= TA__COUNT)
		return false;
	const struct flagset *fs = &flagsets[kind];
	if (!fs->bits && !fs->values)
		return false;
	put_flags(o, fs, v);
	return true;
}

const char *trace_family_name(int family)
{
	return name_of(families, (uint64_t)family);
}
