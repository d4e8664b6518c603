/* sbx-trace's decoder: syscall and errno names, one call as `openat(AT_FDCWD, "/etc/passwd",
 * O_RDONLY)`, its result as `3` or `-1 ENOENT`, and socket addresses as `10.0.0.1:80`. */
#include "tools/trace_decode.h"
#include "tools/trace_args.h"
#include "lib/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define NAME_CACHE_SIZE 512

/* libseccomp hands back a fresh copy per lookup; each number is resolved once and kept for
 * the life of the process. Safe from several threads: a slot is claimed with a
 * compare-and-swap, and the loser frees its copy. */
static const char *name_of(const char **cache, uint32_t arch, int nr)
{
	static const char unknown[] = "";

	if (nr < 0 || nr >= NAME_CACHE_SIZE)
		return NULL;
	const char *name = __atomic_load_n(&cache[nr], __ATOMIC_ACQUIRE);
	if (!name) {
		char *fresh = seccomp_syscall_resolve_num_arch(arch, nr);
		const char *want = fresh ? fresh : unknown;
		if (__atomic_compare_exchange_n(&cache[nr], &name, want, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			name = want;
		else
			free(fresh);
	}
	return name == unknown ? NULL : name;
}

const char *trace_syscall_name(int nr)
{
	static const char *cache[NAME_CACHE_SIZE];
	return name_of(cache, SCMP_ARCH_X86_64, nr);
}

const char *trace_syscall_name32(int nr)
{
	static const char *cache[NAME_CACHE_SIZE];
	return name_of(cache, SCMP_ARCH_X86, nr);
}

int trace_syscall_nr(const char *name)
{
	if (!name)
		return -1;
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	/* negative: unknown, or a pseudo-number for a syscall x86_64 lacks (socketcall) */
	return nr < 0 ? -1 : nr;
}

const char *trace_errno_name(int err)
{
	return err > 0 ? strerrorname_np(err) : NULL;
}

size_t trace_format_call(const struct trace_call *c, char *buf, size_t len)
{
	const struct trace_sig *sig = trace_sig_of(c->nr);
	const char *name = trace_syscall_name(c->nr);
	struct trace_out o;

	tout_init(&o, buf, len);
	if (name)
		tout_printf(&o, "%s(", name);
	else
		tout_printf(&o, "syscall_%d(", c->nr);
	if (!c->have_args) {
		tout_printf(&o, "...)");
		return o.n;
	}
	for (int i = 0; i < 6; i++) {
		enum trace_arg_kind kind = sig->known ? sig->kinds[i] : TA_HEX;
		if (kind == TA_NONE)
			break;
		/* open's mode is noise unless the flags create a file */
		if (kind == TA_OPEN_MODE && i > 0 && !trace_open_creates(c->args[i - 1]))
			break;
		if (i > 0)
			tout_printf(&o, ", ");
		trace_format_arg(&o, c, i, kind);
	}
	tout_printf(&o, ")");
	return o.n;
}

/* Values the kernel uses inside and a tracer can still see at syscall exit. */
static const char *kernel_errno_name(int err)
{
	static const char *const names[] = {
	    [512 - 512] = "ERESTARTSYS",	   [513 - 512] = "ERESTARTNOINTR",
	    [514 - 512] = "ERESTARTNOHAND",	   [515 - 512] = "ENOIOCTLCMD",
	    [516 - 512] = "ERESTART_RESTARTBLOCK",
	};

	if (err < 512 || err - 512 >= (int)ARRAY_SIZE(names))
		return NULL;
	return names[err - 512];
}

size_t trace_format_result(const struct trace_call *c, char *buf, size_t len)
{
	struct trace_out o;

	tout_init(&o, buf, len);
	if (!c->returned) {
		tout_printf(&o, "?");
	} else if (c->ret >= -4095 && c->ret <= -1) {
		int err = (int)-c->ret;
		const char *name = trace_errno_name(err);
		if (!name)
			name = kernel_errno_name(err);
		if (name)
			tout_printf(&o, "-1 %s", name);
		else
			tout_printf(&o, "-1 errno %d", err);
	} else if (trace_sig_of(c->nr)->ret_addr && c->ret != 0) {
		tout_printf(&o, "%#llx", (unsigned long long)c->ret);
	} else {
		tout_printf(&o, "%lld", (long long)c->ret);
	}
	return o.n;
}

static int put_inet(struct trace_out *o, const uint8_t *sa, size_t len)
{
	struct sockaddr_in sin;
	char ip[INET_ADDRSTRLEN];

	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, sa, sizeof(sin));
	if (!inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip)))
		return -EINVAL;
	tout_printf(o, "%s:%u", ip, ntohs(sin.sin_port));
	return 0;
}

/* The scope id is optional: the kernel takes the 24 bytes before it. */
static int put_inet6(struct trace_out *o, const uint8_t *sa, size_t len)
{
	struct sockaddr_in6 sin6 = {0};
	char ip[INET6_ADDRSTRLEN];

	if (len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return -EINVAL;
	memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
	if (!inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof(ip)))
		return -EINVAL;
	tout_printf(o, "[%s", ip);
	if (sin6.sin6_scope_id)
		tout_printf(o, "%%%u", sin6.sin6_scope_id);
	tout_printf(o, "]:%u", ntohs(sin6.sin6_port));
	return 0;
}

/* A path ends at its NUL; an abstract name (leading NUL) is every byte of len, shown as @. */
static int put_unix(struct trace_out *o, const uint8_t *sa, size_t len)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path);
	size_t n = len - off < max ? len - off : max;
	const char *path = (const char *)sa + off;

	if (n > 0 && path[0] == '\0') {
		tout_printf(o, "unix:@");
		tout_escaped(o, path + 1, n - 1);
	} else {
		tout_printf(o, "unix:");
		tout_escaped(o, path, strnlen(path, n));
	}
	return 0;
}

int trace_format_sockaddr(const uint8_t *sa, size_t len, char *buf, size_t buflen)
{
	struct trace_out o;
	sa_family_t family;

	tout_init(&o, buf, buflen);
	if (!sa || len < sizeof(family))
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	switch (family) {
	case AF_INET:
		return put_inet(&o, sa, len);
	case AF_INET6:
		return put_inet6(&o, sa, len);
	case AF_UNIX:
		return put_unix(&o, sa, len);
	default:
		return -EINVAL;
	}
}
