/* Inside the decoder: argument kinds, the per-syscall table of them, and a bounded text
 * writer that counts like snprintf. Not for use outside tools/trace_*.c. */
#ifndef SBX_TOOLS_TRACE_ARGS_H
#define SBX_TOOLS_TRACE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trace_call;

/* How one argument register is shown. */
enum trace_arg_kind {
	TA_NONE = 0,	/* no such argument: the list ends here */
	TA_INT,		/* int, decimal */
	TA_UINT,	/* unsigned int, decimal */
	TA_LONG,	/* off_t, long: signed 64-bit decimal */
	TA_SIZE,	/* size_t: unsigned 64-bit decimal */
	TA_HEX,		/* 0 or 0x... */
	TA_PTR,		/* NULL or 0x... (buffers, structs, strings not captured) */
	TA_FD,		/* int */
	TA_DIRFD,	/* AT_FDCWD or an fd */
	TA_PATH,	/* the captured path as a quoted string, else a pointer */
	TA_SOCKADDR,	/* the captured address as {10.0.0.1:80}, else a pointer */
	TA_MODE,	/* octal */
	TA_OPEN_MODE,	/* octal, only shown when the flags before it create a file */
	TA_SIGNAL,	/* SIGTERM */
	TA_OPEN_FLAGS,	/* O_RDONLY|O_CLOEXEC */
	TA_O_FLAGS,	/* O_CLOEXEC|O_NONBLOCK without an access mode (pipe2, dup3) */
	TA_AT_FLAGS,	/* AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR */
	TA_EACCESS,	/* faccessat2: AT_EACCESS */
	TA_ACCESS_MODE, /* F_OK, R_OK|W_OK */
	TA_PROT,	/* PROT_READ|PROT_WRITE, PROT_NONE */
	TA_MAP_FLAGS,	/* MAP_PRIVATE|MAP_ANONYMOUS */
	TA_CLONE_FLAGS, /* CLONE_VM|...|SIGCHLD */
	TA_SOCK_FAMILY, /* AF_INET */
	TA_SOCK_TYPE,	/* SOCK_STREAM|SOCK_CLOEXEC */
	TA_SOCK_FLAGS,	/* accept4: SOCK_CLOEXEC */
	TA_MSG_FLAGS,	/* MSG_NOSIGNAL */
	TA_SHUT_HOW,	/* SHUT_RDWR */
	TA_WAIT_OPTS,	/* WNOHANG|__WALL */
	TA_IOCTL_REQ,	/* TCGETS, else hex */
	TA_FCNTL_CMD,	/* F_SETFD */
	TA_SEEK_WHENCE, /* SEEK_SET */
	TA_SIGPROCMASK, /* SIG_BLOCK */
	TA_CLOCK,	/* CLOCK_MONOTONIC */
	TA_FUTEX_OP,	/* FUTEX_WAIT_PRIVATE */
	TA_ARCH_PRCTL,	/* ARCH_SET_FS */
	TA_EPOLL_OP,	/* EPOLL_CTL_ADD */
	TA_GRND_FLAGS,	/* GRND_NONBLOCK */
	TA__COUNT,
};

/* What the table knows of one syscall. */
struct trace_sig {
	bool known;	  /* false: not in the table, shown as 6 hex arguments */
	bool ret_addr;	  /* success returns an address (mmap, brk): shown in hex */
	uint8_t kinds[6]; /* enum trace_arg_kind, TA_NONE after the last */
};

/* The table's entry for nr; an entry with known == false outside it. */
const struct trace_sig *trace_sig_of(int nr);

/* A bounded writer: n counts what would have been written, as snprintf returns. */
struct trace_out {
	char *buf;
	size_t len;
	size_t n;
};

void tout_init(struct trace_out *o, char *buf, size_t len);
void tout_printf(struct trace_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes with \" \\ \n \t \r and \xNN escapes, no quotes. */
void tout_escaped(struct trace_out *o, const char *s, size_t n);
/* "s" escaped, at most TRACE_STR_MAX bytes of it, then "..." when it was longer. */
void tout_quoted(struct trace_out *o, const char *s);
#define TRACE_STR_MAX 256

/* Argument i of c, shown as kind says. */
void trace_format_arg(struct trace_out *o, const struct trace_call *c, int i,
		      enum trace_arg_kind kind);
/* Whether open/openat flags take a mode (O_CREAT, O_TMPFILE). */
bool trace_open_creates(uint64_t flags);

/* trace_flags.c: v by the names kind has (flags, constants); false when kind has none. */
bool trace_put_named(struct trace_out *o, enum trace_arg_kind kind, uint64_t v);
/* SIGTERM, SIGRT_3, else the number. */
void trace_put_signal(struct trace_out *o, uint64_t v);
/* "AF_INET"; NULL when unknown. */
const char *trace_family_name(int family);

#endif
