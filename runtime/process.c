/* The last steps before the workload runs, shared by the container init and exec: rlimits,
 * Landlock, user, capabilities, no_new_privs, seccomp (the listener goes to the sentry), fds,
 * execve. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/util.h"
#include "runtime/landlock.h"
#include "runtime/oci.h"

static int error_fd = -1;

void process_set_error_fd(int fd)
{
	error_fd = fd;
}

_Noreturn static void die(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "sbx: %s\n", msg);
	if (error_fd >= 0)
		write_all(error_fd, msg, strlen(msg));
	_exit(code);
}

static void set_rlimits(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
			struct rlimit cur;
			getrlimit(p->rlimits[i].resource, &cur);
			die(1, "setrlimit resource %d to %llu/%llu (host hard limit %llu): %s",
			    p->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
			    (unsigned long long)rl.rlim_max, (unsigned long long)cur.rlim_max,
			    strerror(errno));
		}
	}
}

static void set_user(const struct oci_process *p)
{
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0) {
		/* Refused (a user namespace with setgroups denied): fine only if nothing of the
		 * caller's groups is left and none were asked for. */
		if (errno != EPERM || p->n_additional_gids > 0 || getgroups(0, NULL) != 0)
			die(1, "setgroups: %s", strerror(errno));
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		die(1, "setgid %u: %s", p->gid, strerror(errno));
	/* Keep the permitted set across the uid change; capabilities are set next. */
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		die(1, "setuid %u: %s", p->uid, strerror(errno));
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	umask(p->has_umask ? p->umask : 022);
}

static int last_cap(void)
{
	int last = CAP_LAST_CAP;
	char *buf = NULL;
	if (read_file("/proc/sys/kernel/cap_last_cap", 32, &buf, NULL) == 0)
		parse_int(strtok(buf, "\n"), &last);
	free(buf);
	return last;
}

/* Needs CAP_SETPCAP, so before the uid changes. */
static void set_bounding(const struct oci_process *p)
{
	int last = last_cap();
	for (int c = 0; c <= last; c++)
		if (!(p->cap_bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			die(1, "drop capability %d from the bounding set: %s", c, strerror(errno));
}

static void set_caps(const struct oci_process *p)
{
	int last = last_cap();
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)p->cap_effective, (uint32_t)p->cap_permitted, (uint32_t)p->cap_inheritable},
	    {(uint32_t)(p->cap_effective >> 32), (uint32_t)(p->cap_permitted >> 32),
	     (uint32_t)(p->cap_inheritable >> 32)},
	};
	if (syscall(SYS_capset, &h, d) < 0)
		die(1, "capset: %s", strerror(errno));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; c <= last; c++)
		if ((p->cap_ambient & (1ULL << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			die(1, "raise ambient capability %d: %s", c, strerror(errno));
}

/* Install the policy; the listener fd (if any) goes to the sentry over sync_fd. */
static void install_seccomp(const struct policy_program *prog, int sync_fd, bool wait_ack)
{
	if (!prog || !prog->filter)
		return;
	struct sock_fprog fp = {.len = prog->len, .filter = prog->filter};
	unsigned flags = 0;
	if (prog->needs_listener)
		flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	if (fd < 0 && errno == EINVAL && (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) {
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; /* older kernel */
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	}
	if (fd < 0)
		die(1, "install seccomp filter: %s", strerror(errno));
	if (!prog->needs_listener)
		return;
	int lfd = (int)fd;
	int r = fd_send(sync_fd, &lfd, 1, "L", 1);
	if (r < 0)
		die(1, "hand the seccomp listener to the sentry: %s", strerror(-r));
	close(lfd);
	unsigned char ack = 1;
	/* The sentry's control socket answers 0, or an errno when it cannot take the listener;
	 * without it every notified syscall would fail with ENOSYS. */
	if (wait_ack && (read(sync_fd, &ack, 1) != 1 || ack != 0))
		die(1, "the sentry did not take the seccomp listener (%s)",
		    ack == 1 ? "no answer" : strerror(ack));
}

/* Before seccomp (the policy need not allow landlock_*), while we still have CAP_SYS_ADMIN:
 * no_new_privs may come later or never. */
static void restrict_landlock(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return;
	int r = landlock_enforce(ruleset_fd);
	if (r < 0)
		die(1, "Landlock: restrict to the ruleset: %s", strerror(-r));
	close(ruleset_fd);
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (str_has_prefix(env[i], "PATH="))
			return env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* Resolve argv[0] against the container's PATH before the filter is in place. */
static void resolve_exe(const struct oci_process *p, char *buf, size_t len)
{
	const char *arg0 = p->args[0];
	if (strchr(arg0, '/')) {
		snprintf(buf, len, "%s", arg0);
		return;
	}
	const char *path = env_path(p->env);
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/%s", (int)n, n ? path : ".", arg0);
		struct stat st;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return;
		path += n;
		if (*path == ':')
			path++;
	}
	die(127, "exec \"%s\": executable file not found in $PATH", arg0);
}

_Noreturn void process_finish(const struct oci_process *p, const struct policy_program *prog,
			      int ruleset_fd, int sync_fd, int preserve_fds, int pdeathsig,
			      bool wait_ack)
{
	char exe[4096];
	sigset_t none;
	/* The workload starts with no signal blocked, whatever sbx was started with (before the
	 * filter: a policy need not allow rt_sigprocmask). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (p->cwd && chdir(p->cwd) < 0)
		die(1, "chdir to cwd \"%s\": %s", p->cwd, strerror(errno));
	resolve_exe(p, exe, sizeof(exe));
	set_rlimits(p);
	if (p->has_oom_score_adj) {
		char v[32];
		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		write_file("/proc/self/oom_score_adj", v);
	}
	restrict_landlock(ruleset_fd);
	/* Without no_new_privs, seccomp needs CAP_SYS_ADMIN: install it while we have it. */
	if (!p->no_new_privileges)
		install_seccomp(prog, sync_fd, wait_ack);
	set_bounding(p);
	set_user(p);
	/* A credential change clears the parent-death signal: set it again. */
	if (pdeathsig)
		prctl(PR_SET_PDEATHSIG, pdeathsig, 0, 0, 0);
	set_caps(p);
	if (p->no_new_privileges) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			die(1, "no_new_privs: %s", strerror(errno));
		install_seccomp(prog, sync_fd, wait_ack);
	}
	close(sync_fd);
	close_fds_from(3 + preserve_fds, &error_fd, error_fd >= 0 ? 1 : 0);
	execve(exe, p->args, p->env);
	die(127, "exec \"%s\": %s", exe, strerror(errno));
}
