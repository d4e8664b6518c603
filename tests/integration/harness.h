/* Integration-test harness: drives the real sbx binary on the real kernel, as root.
 * Every test gets its own state root under /tmp and container ids it made up; it checks
 * afterwards that nothing (state, cgroups, mounts) was left behind. */
#ifndef SBX_TESTS_HARNESS_H
#define SBX_TESTS_HARNESS_H

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"

#define SBX	      "build/sbx"
#define HELPERS	      "build/tests/helpers"
#define ROOTFS	      "build/rootfs"
#define CAP_OUT	      (1 << 20)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct run {
	int status; /* exit code, or 128+signal */
	char out[CAP_OUT];
	char err[65536];
};

static char h_root[256];

__attribute__((unused)) static void h_setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("integration tests run as root");
	snprintf(h_root, sizeof(h_root), "/tmp/sbx-it-%d-%ld", getpid(), (long)time(NULL));
	mkdir(h_root, 0711); /* traversable by mapped users */
}

__attribute__((unused)) static void h_read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

__attribute__((unused)) static int h_tmpfile(void)
{
	char path[] = "/tmp/sbx-it-outXXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		cr_assert_fail("mkstemp");
	unlink(path);
	return fd;
}

/* Start argv with stdout and stderr going to temp files (a detached container may keep them
 * open for as long as it runs, so we wait for the process, not for end of file). */
__attribute__((unused)) static pid_t h_spawn(char *const argv[], int *out_fd, int *err_fd)
{
	*out_fd = h_tmpfile();
	*err_fd = h_tmpfile();
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(*out_fd, 1);
		dup2(*err_fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

/* The run of a process already reaped with wait status `st`, its output read back. */
__attribute__((unused)) static struct run *h_collect_status(int st, int out_fd, int err_fd)
{
	static struct run r;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(out_fd, 0, SEEK_SET);
	h_read_all(out_fd, r.out, sizeof(r.out));
	lseek(err_fd, 0, SEEK_SET);
	h_read_all(err_fd, r.err, sizeof(r.err));
	close(out_fd);
	close(err_fd);
	return &r;
}

__attribute__((unused)) static struct run *h_collect(pid_t p, int out_fd, int err_fd)
{
	int st;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	return h_collect_status(st, out_fd, err_fd);
}

/* Run argv (NULL-terminated) to completion with stdout and stderr captured. */
__attribute__((unused)) static struct run *h_runv(char *const argv[])
{
	int o, e;
	pid_t p = h_spawn(argv, &o, &e);
	return h_collect(p, o, e);
}

/* argv[n..]: first and the rest of ap up to their NULL, then NULL; argv has room for cap. */
static char **h_append_args(char **argv, int n, int cap, const char *first, va_list ap)
{
	for (const char *a = first; a && n < cap - 1; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return argv;
}

/* argv for sbx --root <test root> ARGS...: a static array, valid until the next call. */
static char **h_sbx_argv(const char *first, va_list ap)
{
	static char *argv[128] = {SBX, "--root"};
	argv[2] = h_root;
	return h_append_args(argv, 3, 128, first, ap);
}

/* Start sbx in the background; finish with h_collect(pid, out, err). */
__attribute__((unused)) static pid_t h_sbx_bg(int *out_fd, int *err_fd, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	char **argv = h_sbx_argv(first, ap);
	va_end(ap);
	return h_spawn(argv, out_fd, err_fd);
}

/* sbx --root <test root> ARGS... (NULL-terminated), run to completion. */
__attribute__((unused)) static struct run *h_sbx(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	char **argv = h_sbx_argv(first, ap);
	va_end(ap);
	return h_runv(argv);
}

/* The probe volume, as an -v argument. */
__attribute__((unused)) static const char *h_probe_volume(void)
{
	static char v[512];
	char cwd[256];
	if (!getcwd(cwd, sizeof(cwd)))
		cr_assert_fail("getcwd");
	snprintf(v, sizeof(v), "%s/" HELPERS ":/opt/sbx:ro", cwd);
	return v;
}

__attribute__((unused)) static bool h_exists(const char *fmt, ...)
{
	char p[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return access(p, F_OK) == 0;
}

/* Nothing of container `id` is left: state dir, v1 and v2 cgroups. */
__attribute__((unused)) static void h_assert_gone(const char *id)
{
	cr_assert(!h_exists("%s/%s", h_root, id), "state dir of %s left behind", id);
	cr_assert(!h_exists("/sys/fs/cgroup/unified/sbx/%s", id), "v2 cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/memory/sbx/%s", id), "memory cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/pids/sbx/%s", id), "pids cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/cpu/sbx/%s", id), "cpu cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/sbx/%s", id), "v2 cgroup of %s left", id);
	cr_assert(!h_exists("/sys/fs/cgroup/unified/sbx/%s:keeper", id) &&
		      !h_exists("/sys/fs/cgroup/sbx/%s:keeper", id),
		  "the keeper's cgroup of %s left", id);
}

__attribute__((unused)) static int h_count_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int n = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

__attribute__((unused)) static void h_teardown(void)
{
	char cmd[1024];
	if (!h_root[0])
		return;
	/* Remove what a failed test may have left: our own ids only, through sbx itself. */
	snprintf(cmd, sizeof(cmd),
		 "for d in %s/*; do [ -d \"$d\" ] && " SBX " --root %s delete --force "
		 "\"$(basename \"$d\")\" >/dev/null 2>&1; done; rm -rf %s",
		 h_root, h_root, h_root);
	if (system(cmd) < 0)
		return;
}

/* A bundle dir under the test root with the config `sbx spec` writes, args replaced by
 * `args_json` (a JSON array) and `edit` (may be NULL) applied to the parsed config. */
__attribute__((unused)) static void h_bundle(char *ret, size_t len, const char *name,
					     const char *args_json, void (*edit)(json_t *config))
{
	char cwd[256], cmd[2048], path[600];
	if (!getcwd(cwd, sizeof(cwd)))
		cr_assert_fail("getcwd");
	snprintf(ret, len, "%s/bundle-%s", h_root, name);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && cd %s && %s/" SBX " spec && ln -sf %s/" ROOTFS " rootfs", ret, ret,
		 cwd, cwd);
	cr_assert_eq(system(cmd), 0, "make bundle");
	snprintf(path, sizeof(path), "%s/config.json", ret);
	json_t *c = json_load_file(path, 0, NULL);
	cr_assert(c, "load %s", path);
	json_t *proc = json_object_get(c, "process");
	json_object_set_new(proc, "terminal", json_false());
	json_object_set_new(proc, "args", json_loads(args_json, 0, NULL));
	if (edit)
		edit(c);
	cr_assert_eq(json_dump_file(c, path, JSON_INDENT(1)), 0);
	json_decref(c);
}

/* The value of `key` in the state JSON printed by `sbx state`. */
__attribute__((unused)) static char *h_state_field(const char *id, const char *key)
{
	static char buf[256];
	struct run *r = h_sbx("state", id, NULL);
	buf[0] = '\0';
	if (r->status != 0)
		return NULL;
	json_t *o = json_loads(r->out, 0, NULL);
	cr_assert(o, "state JSON parses: %s", r->out);
	json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", json_integer_value(v));
	json_decref(o);
	return buf;
}

/* Write text to the file at the path fmt makes (created or truncated). */
__attribute__((unused, format(printf, 2, 3))) static void h_write_file(const char *text,
								       const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	FILE *f = fopen(path, "w");
	cr_assert(f, "write %s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0, "write %s", path);
}

/* pid has exited: gone, or a zombie its (new) parent has not reaped yet. */
__attribute__((unused)) static bool h_dead(pid_t pid)
{
	char path[64], buf[1024] = "", st = 'X';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	const char *end = strrchr(buf, ')'); /* comm may hold spaces */
	if (end && sscanf(end + 1, " %c", &st) != 1)
		st = 'X';
	return st == 'Z' || st == 'X';
}

/* h_dead within 10 s. */
__attribute__((unused)) static bool h_wait_dead(pid_t pid)
{
	for (int i = 0; i < 1000; i++, usleep(10000))
		if (h_dead(pid))
			return true;
	return false;
}

/* The sentry's pid, from the sandbox's state record (`sbx state` shows init's only). */
__attribute__((unused)) static pid_t h_sentry_pid(const char *id)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/state.json", h_root, id);
	json_t *o = json_load_file(path, 0, NULL);
	cr_assert(o, "state.json of %s", id);
	pid_t pid = (pid_t)json_integer_value(json_object_get(o, "sentry_pid"));
	json_decref(o);
	return pid;
}

/* The sandbox's keeper (runtime/keeper.h): the sentry's child named sbx-keeper, or 0. */
__attribute__((unused)) static pid_t h_keeper_pid(const char *id)
{
	char path[128], comm[32];
	pid_t sentry = h_sentry_pid(id), pid = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", sentry, sentry);
	FILE *f = fopen(path, "r");
	while (f && !pid && fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *c = fopen(path, "r");
		if (!c || !fgets(comm, sizeof(comm), c) || strcmp(comm, "sbx-keeper\n"))
			pid = 0;
		if (c)
			fclose(c);
	}
	if (f)
		fclose(f);
	return pid;
}

/* Wait until `sbx state` says `want` (up to a minute: a microVM boots slowly under TCG). */
__attribute__((unused)) static void h_wait_status(const char *id, const char *want)
{
	for (int i = 0; i < 3000; i++) {
		const char *s = h_state_field(id, "status");
		if (s && !strcmp(s, want))
			return;
		usleep(20000);
	}
	cr_assert_fail("container %s never became %s", id, want);
}

/* A policy file under the test root that allows every syscall, with `sbx` (a JSON object) as
 * its sbx section. Two paths alternate, so two may be used in one call. */
__attribute__((unused)) static const char *h_policy(const char *name, const char *sbx)
{
	static char path[2][300];
	static int i;
	i = !i;
	snprintf(path[i], sizeof(path[i]), "%s/%s.json", h_root, name);
	FILE *f = fopen(path[i], "w");
	cr_assert(f);
	fprintf(f, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [], \"sbx\": %s}\n", sbx);
	fclose(f);
	return path[i];
}

/* How many BPF programs loaded on this host have a name starting with `prefix`. */
__attribute__((unused)) static int h_programs_named(const char *prefix)
{
	__u32 id = 0;
	int n = 0;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		int fd = bpf_prog_get_fd_by_id(id);
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += strncmp(info.name, prefix, strlen(prefix)) == 0;
		close(fd);
	}
	return n;
}

/* A TCP listener on 127.0.0.1 in the test process (the host's stack); its port. */
__attribute__((unused)) static int h_listen_local(int *ret_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	return fd;
}

/* A cheap fingerprint of a tree (names, sizes, modes, mtimes): to check nothing changed. */
__attribute__((unused)) static unsigned long long h_tree_sum(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd),
		 "find %s -xdev -printf '%%p %%s %%m %%T@\\n' 2>/dev/null | sort | cksum", dir);
	FILE *p = popen(cmd, "r");
	unsigned long long sum = 0;
	if (!p || fscanf(p, "%llu", &sum) != 1)
		sum = 0;
	if (p)
		pclose(p);
	return sum;
}

/* A unix stream socket listening at path (a console socket, say). */
__attribute__((unused)) static int h_listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cr_assert_lt(strlen(path), sizeof(sa.sun_path), "socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s", path);
	cr_assert_eq(listen(fd, 1), 0);
	return fd;
}

/* One connection on console socket `l`, and the pty master the runtime sends there (its
 * message, the runtime's name for it, in payload). */
__attribute__((unused)) static int h_accept_pty(int l, char *payload, size_t cap)
{
	int conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	int master = -1;
	size_t nfds = 0;
	memset(payload, 0, cap);
	cr_assert_gt(fd_recv(conn, &master, 1, &nfds, payload, cap - 1), 0);
	cr_assert_eq(nfds, 1, "one fd over SCM_RIGHTS");
	close(conn);
	return master;
}

/* Everything a pty master gives until it hangs up (EIO once the workload has gone). */
__attribute__((unused)) static void h_read_pty(int master, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		cr_assert_gt(poll(&p, 1, 20000), 0, "the pty went quiet without hanging up");
		ssize_t n = read(master, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
}

#endif
