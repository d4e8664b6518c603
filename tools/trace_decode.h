/* Decoding one traced syscall for sbx-trace's output: names, arguments (paths as strings,
 * flags by name, fds), results (`= 3`, `= -1 ENOENT`). x86_64 numbering. */
#ifndef SBX_TOOLS_TRACE_DECODE_H
#define SBX_TOOLS_TRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trace_call {
	int nr;		  /* x86_64 syscall number */
	uint64_t args[6]; /* the registers at entry; 0 when not captured */
	bool have_args;	  /* false: args were not captured, print "..." */
	int64_t ret;	  /* the value returned, or -errno */
	bool returned;	  /* false: no return seen (exit_group, still running) */
	const char *path; /* the first path argument as the tracer read it, or NULL */
	/* connect/bind/sendto: the socket address bytes the tracer read, or NULL */
	const uint8_t *sockaddr;
	size_t sockaddr_len;
};

/* "openat"; NULL when unknown. Through libseccomp's table. */
const char *trace_syscall_name(int nr);
/* The i386 name of a 32-bit (int 0x80) syscall number; NULL when unknown. */
const char *trace_syscall_name32(int nr);
/* -1 when unknown. */
int trace_syscall_nr(const char *name);
/* "ENOENT"; NULL when glibc does not name it. */
const char *trace_errno_name(int err);

/* `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)` (unknown syscall: `syscall_451(...)`).
 * Writes at most len bytes, NUL-terminated; returns what snprintf would. */
size_t trace_format_call(const struct trace_call *c, char *buf, size_t len);
/* `3`, `-1 ENOENT`, `0x7f12a000` for addresses (mmap, brk), `?` when it did not return. */
size_t trace_format_result(const struct trace_call *c, char *buf, size_t len);

/* s[0..n) (or up to a NUL) with \" \\ \n \t \r and \xNN for every other byte outside
 * printable ASCII: safe on a terminal, and valid UTF-8. Returns what snprintf would. */
size_t trace_escape(const char *s, size_t n, char *buf, size_t len);

/* For the kernel side: the argument index (0..5) of the first path this syscall takes, or -1;
 * of the socket address (connect, bind, sendto), or -1. */
int trace_path_arg(int nr);
int trace_sockaddr_arg(int nr);

/* "10.0.0.1:80", "[::1]:8080", "unix:/run/x.sock"; "" when not an address it knows.
 * Returns 0, or -EINVAL. */
int trace_format_sockaddr(const uint8_t *sa, size_t len, char *buf, size_t buflen);

#endif
