/* tools/trace_decode.c: what sbx-trace prints for one syscall. What must hold: lines read like
 * strace's (names for flags, fds, signals; paths quoted and escaped), results say `-1 ENOENT`
 * and addresses in hex, and no input (unknown numbers, long paths, small buffers) writes past
 * the buffer or leaves it unterminated. */
#include <criterion/criterion.h>

#include "tools/trace_decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

TestSuite(tools_decode, .timeout = 10);

static char out[2048];

static const char *call(const struct trace_call *c)
{
	size_t n = trace_format_call(c, out, sizeof(out));
	cr_assert_eq(n, strlen(out), "returned %zu for \"%s\"", n, out);
	return out;
}

static const char *result(const struct trace_call *c)
{
	size_t n = trace_format_result(c, out, sizeof(out));
	cr_assert_eq(n, strlen(out), "returned %zu for \"%s\"", n, out);
	return out;
}

/* A call with its arguments captured. */
#define CALL(...)	      call(&(struct trace_call){.have_args = true, __VA_ARGS__})
#define RESULT(...)	      result(&(struct trace_call){.returned = true, __VA_ARGS__})
#define EXPECT_STR(got, want) cr_expect_str_eq(got, want)

Test(tools_decode, syscall_names)
{
	cr_expect_str_eq(trace_syscall_name(0), "read");
	cr_expect_str_eq(trace_syscall_name(257), "openat");
	cr_expect_str_eq(trace_syscall_name(231), "exit_group");
	cr_expect_str_eq(trace_syscall_name(435), "clone3");
	cr_expect_null(trace_syscall_name(1000));
	cr_expect_null(trace_syscall_name(512));
	cr_expect_null(trace_syscall_name(-1));
	/* cached: the same string every time, never freed under the caller */
	cr_expect_eq(trace_syscall_name(59), trace_syscall_name(59));

	cr_expect_eq(trace_syscall_nr("openat"), 257);
	cr_expect_eq(trace_syscall_nr("execve"), 59);
	cr_expect_eq(trace_syscall_nr("no_such_call"), -1);
	cr_expect_eq(trace_syscall_nr("socketcall"), -1, "not an x86_64 syscall");
	cr_expect_eq(trace_syscall_nr(NULL), -1);
}

Test(tools_decode, errno_names)
{
	cr_expect_str_eq(trace_errno_name(ENOENT), "ENOENT");
	cr_expect_str_eq(trace_errno_name(E2BIG), "E2BIG");
	cr_expect_str_eq(trace_errno_name(EACCES), "EACCES");
	cr_expect_str_eq(trace_errno_name(EHWPOISON), "EHWPOISON");
	cr_expect_null(trace_errno_name(0));
	cr_expect_null(trace_errno_name(-ENOENT));
	cr_expect_null(trace_errno_name(9999));
}

Test(tools_decode, file_calls)
{
	EXPECT_STR(CALL(.nr = __NR_openat, .args = {(uint64_t)-100, 0x1000, 02000000},
			.path = "/etc/passwd"),
		   "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC)");
	EXPECT_STR(
	    CALL(.nr = __NR_openat, .args = {(uint64_t)-100, 0x1000, 01101, 0644}, .path = "x"),
	    "openat(AT_FDCWD, \"x\", O_WRONLY|O_CREAT|O_TRUNC, 0644)");
	EXPECT_STR(CALL(.nr = __NR_open, .args = {0x1000, 02, 0}, .path = "/dev/null"),
		   "open(\"/dev/null\", O_RDWR)");
	EXPECT_STR(CALL(.nr = __NR_read, .args = {3, 0x7ffd1234, 4096}),
		   "read(3, 0x7ffd1234, 4096)");
	EXPECT_STR(CALL(.nr = __NR_close, .args = {3}), "close(3)");
	EXPECT_STR(CALL(.nr = __NR_close, .args = {0xffffffff}), "close(-1)");
	EXPECT_STR(
	    CALL(.nr = __NR_mkdirat, .args = {(uint64_t)-100, 0x1000, 0755}, .path = "/tmp/x"),
	    "mkdirat(AT_FDCWD, \"/tmp/x\", 0755)");
	EXPECT_STR(CALL(.nr = __NR_unlinkat, .args = {(uint64_t)-100, 0x1000, 0x200}, .path = "x"),
		   "unlinkat(AT_FDCWD, \"x\", AT_REMOVEDIR)");
	EXPECT_STR(CALL(.nr = __NR_unlinkat, .args = {5, 0x1000, 0}, .path = "x"),
		   "unlinkat(5, \"x\", 0)");
	EXPECT_STR(CALL(.nr = __NR_access, .args = {0x1000, 0}, .path = "/x"),
		   "access(\"/x\", F_OK)");
	EXPECT_STR(CALL(.nr = __NR_access, .args = {0x1000, 6}, .path = "/x"),
		   "access(\"/x\", R_OK|W_OK)");
	EXPECT_STR(CALL(.nr = __NR_ioctl, .args = {1, 0x5401, 0x7ffc0000}),
		   "ioctl(1, TCGETS, 0x7ffc0000)");
	EXPECT_STR(CALL(.nr = __NR_ioctl, .args = {1, 0xdead1234, 0}),
		   "ioctl(1, 0xdead1234, NULL)");
	EXPECT_STR(CALL(.nr = __NR_fcntl, .args = {3, 2, 1}), "fcntl(3, F_SETFD, 0x1)");
}

Test(tools_decode, paths_not_captured_or_second)
{
	/* no captured path: the pointer */
	EXPECT_STR(CALL(.nr = __NR_openat, .args = {(uint64_t)-100, 0x5000, 0}),
		   "openat(AT_FDCWD, 0x5000, O_RDONLY)");
	/* the captured path is the first one; the second stays a pointer */
	EXPECT_STR(CALL(.nr = __NR_renameat, .args = {(uint64_t)-100, 0x10, (uint64_t)-100, 0x20},
			.path = "a"),
		   "renameat(AT_FDCWD, \"a\", AT_FDCWD, 0x20)");
	EXPECT_STR(CALL(.nr = __NR_read, .args = {3, 0, 1}, .path = "ignored"), "read(3, NULL, 1)");
}

Test(tools_decode, process_calls)
{
	EXPECT_STR(CALL(.nr = __NR_getppid), "getppid()");
	EXPECT_STR(
	    CALL(.nr = __NR_execve, .args = {0x1000, 0x7ffe0010, 0x7ffe0020}, .path = "/bin/true"),
	    "execve(\"/bin/true\", 0x7ffe0010, 0x7ffe0020)");
	EXPECT_STR(CALL(.nr = __NR_kill, .args = {12, SIGTERM}), "kill(12, SIGTERM)");
	EXPECT_STR(CALL(.nr = __NR_kill, .args = {12, 0}), "kill(12, 0)");
	EXPECT_STR(CALL(.nr = __NR_kill, .args = {(uint64_t)-1, 34}), "kill(-1, SIGRT_2)");
	EXPECT_STR(CALL(.nr = __NR_exit_group, .args = {0}), "exit_group(0)");
	EXPECT_STR(CALL(.nr = __NR_wait4, .args = {(uint64_t)-1, 0x7ffc10, 0x40000001, 0}),
		   "wait4(-1, 0x7ffc10, WNOHANG|__WALL, NULL)");
	EXPECT_STR(CALL(.nr = __NR_clone, .args = {0x1200000 | SIGCHLD, 0, 0, 0x7f0010, 0}),
		   "clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, "
		   "0x7f0010, 0)");
	EXPECT_STR(CALL(.nr = __NR_clone3, .args = {0x7ffc00, 88}), "clone3(0x7ffc00, 88)");
	EXPECT_STR(CALL(.nr = __NR_unshare, .args = {0x20000 | 0x10000000}),
		   "unshare(CLONE_NEWNS|CLONE_NEWUSER)");
}

Test(tools_decode, memory_calls)
{
	EXPECT_STR(CALL(.nr = __NR_mmap, .args = {0, 8192, 3, 0x22, UINT64_MAX, 0}),
		   "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)");
	EXPECT_STR(CALL(.nr = __NR_mprotect, .args = {0x7f0000, 4096, 0}),
		   "mprotect(0x7f0000, 4096, PROT_NONE)");
	/* bits without a name are kept, in hex */
	EXPECT_STR(CALL(.nr = __NR_mprotect, .args = {0x7f0000, 4096, 0x1 | 0x100}),
		   "mprotect(0x7f0000, 4096, PROT_READ|0x100)");
	EXPECT_STR(CALL(.nr = __NR_mprotect, .args = {0x7f0000, 4096, 0x100}),
		   "mprotect(0x7f0000, 4096, 0x100)");
}

Test(tools_decode, socket_calls)
{
	EXPECT_STR(CALL(.nr = __NR_socket, .args = {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0}),
		   "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)");
	EXPECT_STR(CALL(.nr = __NR_socket, .args = {AF_UNIX, SOCK_DGRAM, 0}),
		   "socket(AF_UNIX, SOCK_DGRAM, 0)");

	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
	EXPECT_STR(CALL(.nr = __NR_connect, .args = {3, 0x1000, sizeof(sin)},
			.sockaddr = (const uint8_t *)&sin, .sockaddr_len = sizeof(sin)),
		   "connect(3, {10.0.0.1:80}, 16)");
	EXPECT_STR(CALL(.nr = __NR_connect, .args = {3, 0x1000, 16}), "connect(3, 0x1000, 16)");

	/* sendto's address is its fifth argument */
	EXPECT_STR(CALL(.nr = __NR_sendto, .args = {4, 0x2000, 5, MSG_NOSIGNAL, 0x1000, 16},
			.sockaddr = (const uint8_t *)&sin, .sockaddr_len = sizeof(sin)),
		   "sendto(4, 0x2000, 5, MSG_NOSIGNAL, {10.0.0.1:80}, 16)");

	/* a family it cannot show in full is still named */
	uint16_t nl[6] = {AF_NETLINK};
	EXPECT_STR(CALL(.nr = __NR_bind, .args = {3, 0x1000, 12}, .sockaddr = (const uint8_t *)nl,
			.sockaddr_len = sizeof(nl)),
		   "bind(3, {AF_NETLINK}, 12)");
}

Test(tools_decode, not_captured_and_unknown)
{
	struct trace_call c = {.nr = __NR_openat, .args = {1, 2, 3}, .path = "x"};
	EXPECT_STR(call(&c), "openat(...)");

	c = (struct trace_call){.nr = 1000};
	EXPECT_STR(call(&c), "syscall_1000(...)");
	c = (struct trace_call){.nr = -1};
	EXPECT_STR(call(&c), "syscall_-1(...)");

	EXPECT_STR(CALL(.nr = 1000, .args = {1, 0, 0xff}), "syscall_1000(0x1, 0, 0xff, 0, 0, 0)");
	/* known to libseccomp, not to the argument table: six hex arguments */
	EXPECT_STR(CALL(.nr = __NR_fanotify_init, .args = {0x1, 0x2}),
		   "fanotify_init(0x1, 0x2, 0, 0, 0, 0)");
}

Test(tools_decode, path_escaping)
{
	EXPECT_STR(
	    CALL(.nr = __NR_chdir, .args = {0x1000}, .path = "a\"b\\c\nd\te\x01\x7f\xc3\xa9"),
	    "chdir(\"a\\\"b\\\\c\\nd\\te\\x01\\x7f\\xc3\\xa9\")");

	char path[301];
	memset(path, 'a', 300);
	path[300] = '\0';
	char want[400];
	snprintf(want, sizeof(want), "chdir(\"%.256s\"...)", path);
	EXPECT_STR(CALL(.nr = __NR_chdir, .args = {0x1000}, .path = path), want);

	/* exactly the cap: not cut */
	path[256] = '\0';
	snprintf(want, sizeof(want), "chdir(\"%s\")", path);
	EXPECT_STR(CALL(.nr = __NR_chdir, .args = {0x1000}, .path = path), want);
}

Test(tools_decode, small_buffers)
{
	struct trace_call c = {.nr = __NR_openat,
			       .have_args = true,
			       .args = {(uint64_t)-100, 0x1000, 0},
			       .path = "/etc/passwd"};
	const char *full = "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY)";
	char buf[64];

	cr_expect_eq(trace_format_call(&c, NULL, 0), strlen(full));
	for (size_t len = 0; len <= strlen(full) + 1; len++) {
		memset(buf, '#', sizeof(buf));
		size_t n = trace_format_call(&c, buf, len);
		cr_expect_eq(n, strlen(full), "len %zu", len);
		cr_expect_eq(buf[len], '#', "len %zu: wrote past the end", len);
		if (len == 0)
			continue;
		cr_expect_eq(strlen(buf), len - 1, "len %zu", len);
		cr_expect_eq(strncmp(buf, full, len - 1), 0, "len %zu: \"%s\"", len, buf);
	}

	struct trace_call r = {.nr = __NR_openat, .returned = true, .ret = -ENOENT};
	cr_expect_eq(trace_format_result(&r, NULL, 0), strlen("-1 ENOENT"));
	memset(buf, '#', sizeof(buf));
	cr_expect_eq(trace_format_result(&r, buf, 1), strlen("-1 ENOENT"));
	cr_expect_eq(buf[0], '\0');
	cr_expect_eq(buf[1], '#');

	memset(buf, '#', sizeof(buf));
	cr_expect_eq(trace_format_result(&r, buf, 4), strlen("-1 ENOENT"));
	cr_expect_str_eq(buf, "-1 ");
}

Test(tools_decode, results)
{
	EXPECT_STR(RESULT(.nr = __NR_openat, .ret = 3), "3");
	EXPECT_STR(RESULT(.nr = __NR_close, .ret = 0), "0");
	EXPECT_STR(RESULT(.nr = __NR_openat, .ret = -ENOENT), "-1 ENOENT");
	EXPECT_STR(RESULT(.nr = __NR_openat, .ret = -EACCES), "-1 EACCES");
	EXPECT_STR(RESULT(.nr = __NR_read, .ret = -4095), "-1 errno 4095");
	EXPECT_STR(RESULT(.nr = __NR_read, .ret = -4096), "-4096");
	EXPECT_STR(RESULT(.nr = __NR_read, .ret = 1LL << 40), "1099511627776");
	EXPECT_STR(RESULT(.nr = __NR_read, .ret = -512), "-1 ERESTARTSYS");
	EXPECT_STR(RESULT(.nr = __NR_mmap, .ret = 0x7f12a000), "0x7f12a000");
	EXPECT_STR(RESULT(.nr = __NR_mmap, .ret = -ENOMEM), "-1 ENOMEM");
	EXPECT_STR(RESULT(.nr = __NR_brk, .ret = 0x5555deadb000), "0x5555deadb000");
	EXPECT_STR(RESULT(.nr = 1000, .ret = 7), "7");

	struct trace_call c = {.nr = __NR_exit_group, .args = {0}, .have_args = true};
	EXPECT_STR(result(&c), "?");
}

Test(tools_decode, path_and_sockaddr_args)
{
	cr_expect_eq(trace_path_arg(__NR_open), 0);
	cr_expect_eq(trace_path_arg(__NR_openat), 1);
	cr_expect_eq(trace_path_arg(__NR_execve), 0);
	cr_expect_eq(trace_path_arg(__NR_unlinkat), 1);
	cr_expect_eq(trace_path_arg(__NR_symlinkat), 2, "the link made, not its target");
	cr_expect_eq(trace_path_arg(__NR_read), -1);
	cr_expect_eq(trace_path_arg(__NR_getppid), -1);
	cr_expect_eq(trace_path_arg(1000), -1);
	cr_expect_eq(trace_path_arg(-1), -1);

	cr_expect_eq(trace_sockaddr_arg(__NR_connect), 1);
	cr_expect_eq(trace_sockaddr_arg(__NR_bind), 1);
	cr_expect_eq(trace_sockaddr_arg(__NR_sendto), 4);
	cr_expect_eq(trace_sockaddr_arg(__NR_recvfrom), -1, "an address it writes, not reads");
	cr_expect_eq(trace_sockaddr_arg(__NR_openat), -1);
	cr_expect_eq(trace_sockaddr_arg(1000), -1);
}

static int sa(const void *addr, size_t len)
{
	memset(out, '#', sizeof(out));
	return trace_format_sockaddr(addr, len, out, sizeof(out));
}

Test(tools_decode, sockaddrs)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
	cr_assert_eq(sa(&sin, sizeof(sin)), 0);
	cr_expect_str_eq(out, "10.0.0.1:80");
	cr_expect_eq(sa(&sin, sizeof(sin) - 1), -EINVAL, "too short");
	cr_expect_str_eq(out, "");

	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(8080)};
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	cr_assert_eq(sa(&sin6, sizeof(sin6)), 0);
	cr_expect_str_eq(out, "[::1]:8080");
	cr_assert_eq(sa(&sin6, 24), 0, "the kernel takes it without the scope id");
	cr_expect_str_eq(out, "[::1]:8080");

	struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "/run/x.sock"};
	cr_assert_eq(sa(&sun, sizeof(sun)), 0);
	cr_expect_str_eq(out, "unix:/run/x.sock");
	size_t len = offsetof(struct sockaddr_un, sun_path) + strlen("/run/x.sock");
	cr_assert_eq(sa(&sun, len), 0, "without its NUL");
	cr_expect_str_eq(out, "unix:/run/x.sock");

	struct sockaddr_un abs = {.sun_family = AF_UNIX, .sun_path = "\0name"};
	cr_assert_eq(sa(&abs, offsetof(struct sockaddr_un, sun_path) + 5), 0);
	cr_expect_str_eq(out, "unix:@name");

	uint16_t nl[6] = {AF_NETLINK};
	cr_expect_eq(sa(nl, sizeof(nl)), -EINVAL);
	cr_expect_str_eq(out, "");
	cr_expect_eq(sa(&sin, 1), -EINVAL);
	cr_expect_eq(sa(NULL, 16), -EINVAL);

	/* a small buffer: cut and terminated */
	char small[6];
	cr_expect_eq(
	    trace_format_sockaddr((const uint8_t *)&sin, sizeof(sin), small, sizeof(small)), 0);
	cr_expect_str_eq(small, "10.0.");
}
