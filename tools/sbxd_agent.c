/* The seccomp agent (OCI linux.seccomp.listenerPath). runc >= 1.1 and crun connect and send,
 * in one message, the container process state as JSON,
 *   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {"id", "bundle", ...}},
 * with the fds it names (SCM_RIGHTS). For each one sbxd starts a sentry (sbx-sentry
 * --listener-fd) that serves that notify fd until the container's processes are gone.
 * listenerMetadata, when it is an absolute path, names a policy file: it is validated here and
 * its mode (audit) and sbx.emulate reach the sentry. Anything wrong ends the container: its
 * notified syscalls must never go unanswered or unmediated (fail closed). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdpass.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tools/sbxd.h"
#include "tools/sbxd_conn.h"

#define AGENT_MAX_FDS 8
#define POLICY_MAX    (16u << 20) /* as sbx's own policy files */

struct agent_msg {
	int fds[AGENT_MAX_FDS];
	size_t nfds;
	int notify_fd; /* one of fds */
	pid_t pid;
	/* The container's init as it was when its message arrived: every later use of its pid
	 * (its cgroups, its registration, killing it) is checked against this, never a pid
	 * alone that may by then be another process's. */
	int pidfd;
	uint64_t pid_start;
	const char *id, *bundle, *metadata;
	json_t *doc;
};

static void msg_clear(struct agent_msg *m)
{
	for (size_t i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	if (m->pidfd >= 0)
		close(m->pidfd);
	json_decref(m->doc);
}

/* What the kernel calls a listener of SECCOMP_FILTER_FLAG_NEW_LISTENER. */
static bool is_notify_fd(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:seccomp notify");
}

/* Which received fd is "seccompFd" (the names are in the order the fds were sent). */
static int find_notify_fd(struct agent_msg *m, struct sbx_error *err)
{
	json_t *names = json_object_get(m->doc, "fds");
	size_t i, found = SIZE_MAX;
	json_t *v;
	if (!json_is_array(names))
		return sbx_err(err, EPROTO, "the state has no \"fds\" list");
	json_array_foreach (names, i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), "seccompFd")) {
			if (found != SIZE_MAX)
				return sbx_err(err, EPROTO, "\"seccompFd\" is named twice");
			found = i;
		}
	}
	if (found == SIZE_MAX || found >= m->nfds)
		return sbx_err(err, EPROTO, "no \"seccompFd\" among the %zu fds received", m->nfds);
	if (!is_notify_fd(m->fds[found]))
		return sbx_err(err, EPROTO, "\"seccompFd\" is not a seccomp notify fd");
	m->notify_fd = m->fds[found];
	return 0;
}

static int receive(int conn, struct agent_msg *m, struct sbx_error *err)
{
	_cleanup_free_ char *buf = malloc(SBXD_REQUEST_MAX + 1);
	if (!buf)
		return sbx_err(err, ENOMEM, "out of memory");
	int r, n = fd_recv(conn, m->fds, AGENT_MAX_FDS, &m->nfds, buf, SBXD_REQUEST_MAX);
	if (n <= 0)
		return sbx_err_errno(err, n < 0 ? -n : EPROTO, "receive the container state");
	buf[n] = '\0';
	json_error_t je;
	m->doc = json_loads(buf, JSON_DISABLE_EOF_CHECK, &je);
	if (!json_is_object(m->doc))
		return sbx_err(err, EPROTO, "the container state is not JSON: %s", je.text);
	json_t *state = json_object_get(m->doc, "state");
	json_t *pid = json_object_get(m->doc, "pid");
	m->id = json_string_value(json_object_get(state, "id"));
	m->bundle = json_string_value(json_object_get(state, "bundle"));
	m->metadata = json_string_value(json_object_get(m->doc, "metadata"));
	if (!m->id || !sbxd_id_valid(m->id))
		return sbx_err(err, EPROTO, "the state has no valid container id");
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > (1 << 22))
		return sbx_err(err, EPROTO, "the state has no valid pid");
	m->pid = (pid_t)json_integer_value(pid);
	r = find_notify_fd(m, err);
	if (r < 0)
		return r;
	/* Opened first, then its start time read: a match means the pidfd is that process. */
	m->pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (m->pidfd < 0 || !(m->pid_start = proc_start_time(m->pid)))
		return sbx_err(err, ESRCH, "container init %d is gone", (int)m->pid);
	return 0;
}

/* A policy file: a regular file only. O_NONBLOCK: a FIFO (or a device) named there must not
 * block sbxd, which serves one request at a time. */
static int policy_read(const char *path, struct sbx_policy **ret, struct sbx_error *err)
{
	struct stat st;
	size_t len;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return sbx_err_errno(err, errno, "open %s", path);
	if (!S_ISREG(st.st_mode))
		return sbx_err(err, EINVAL, "%s is not a regular file", path);
	int r = read_fd(fd, POLICY_MAX, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, -r, "read %s", path);
	return policy_parse(text, len, path, ret, err);
}

/* The policy listenerMetadata names, if any: its mode and emulations as sentry arguments. */
static int policy_args(const char *metadata, char **argv, int *n, struct sbx_error *err)
{
	if (!metadata || metadata[0] != '/')
		return 0;
	struct sbx_policy *p = NULL;
	int r = policy_read(metadata, &p, err);
	if (r < 0)
		return sbx_err_prefix(err, "listenerMetadata policy");
	if (policy_mode(p) == POLICY_AUDIT)
		argv[(*n)++] = "--audit";
	if (policy_emulates(p, "mknod")) {
		argv[(*n)++] = "--emulate";
		argv[(*n)++] = "mknod";
	}
	if (policy_emulates(p, "mknodat")) {
		argv[(*n)++] = "--emulate";
		argv[(*n)++] = "mknodat";
	}
	policy_free(p);
	return 0;
}

struct sentry_argv {
	char *v[40];
	char pid[16], fd[16], rep[16];
	char *v2_dir, *mem_dir;
};

static int build_argv(struct sbxd *d, const struct agent_msg *m, const char *dir, int report_w,
		      struct sentry_argv *a, struct sbx_error *err)
{
	int n = 0;
	char *v2_rel = NULL;
	snprintf(a->pid, sizeof(a->pid), "%d", (int)m->pid);
	snprintf(a->fd, sizeof(a->fd), "%d", m->notify_fd);
	snprintf(a->rep, sizeof(a->rep), "%d", report_w);
	/* Read by pid: still the same process afterwards, so they were its cgroups. */
	if (sbxd_proc_cgroups(m->pid, &v2_rel, &a->mem_dir) < 0 ||
	    proc_start_time(m->pid) != m->pid_start) {
		free(v2_rel);
		return sbx_err(err, ESRCH, "container init %d is gone", (int)m->pid);
	}
	if (v2_rel && *sbxd_v2_mount() &&
	    asprintf(&a->v2_dir, "%s/%s", sbxd_v2_mount(), v2_rel) < 0)
		a->v2_dir = NULL;
	free(v2_rel);
	char **v = a->v;
	/* No --log: a sentry logs each decision when it has a log, and a container that
	 * repeats a denied call would fill the state dir (a tmpfs) without bound. Its errors
	 * before it serves come back on the report pipe. */
	v[n++] = (char *)d->o.sentry;
	v[n++] = "sentry";
	v[n++] = "--id";
	v[n++] = (char *)m->id;
	v[n++] = "--state-dir";
	v[n++] = (char *)dir;
	v[n++] = "--init-pid";
	v[n++] = a->pid;
	v[n++] = "--listener-fd";
	v[n++] = a->fd;
	v[n++] = "--report-fd";
	v[n++] = a->rep;
	if (a->v2_dir) {
		v[n++] = "--cgroup-v2-dir";
		v[n++] = a->v2_dir;
	}
	if (a->mem_dir) {
		v[n++] = "--cgroup-mem-dir";
		v[n++] = a->mem_dir;
	}
	int r = policy_args(m->metadata, v, &n, err);
	v[n] = NULL;
	return r;
}

static int start_sentry(struct sbxd *d, const struct agent_msg *m, const char *dir, pid_t *ret_pid,
			uint64_t *ret_start, struct sentry_argv *a, struct sbx_error *err)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return sbx_err_errno(err, errno, "pipe");
	int r = build_argv(d, m, dir, rep[1], a, err);
	if (r < 0) {
		close(rep[0]);
		close(rep[1]);
		return r;
	}
	int keep[] = {m->notify_fd, rep[1]};
	r = sbxd_spawn_sentry(d, a->v, keep, 2, rep[1], rep[0], ret_pid, ret_start, err);
	close(rep[0]);
	return r;
}

static int register_agent(struct sbxd *d, const struct agent_msg *m, const char *key,
			  const char *dir, pid_t sentry, uint64_t sentry_start,
			  const struct sentry_argv *a, struct sbx_error *err)
{
	struct sbxd_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return sbx_err(err, ENOMEM, "out of memory");
	snprintf(sb->key, sizeof(sb->key), "%s", key);
	snprintf(sb->id, sizeof(sb->id), "%s", m->id);
	snprintf(sb->source, sizeof(sb->source), "agent");
	sb->pid = m->pid;
	sb->pid_start = m->pid_start;
	sb->sentry_pid = sentry;
	sb->sentry_start = sentry_start;
	sb->bundle = m->bundle ? strdup(m->bundle) : NULL;
	sb->policy = m->metadata && m->metadata[0] == '/' ? strdup(m->metadata) : NULL;
	sb->stats_dir = strdup(dir);
	if (a->v2_dir) {
		const char *mnt = sbxd_v2_mount();
		sb->cgroup = strdup(a->v2_dir + strlen(mnt) + 1);
		struct stat st;
		if (stat(a->v2_dir, &st) == 0)
			sb->cgroup_id = st.st_ino;
	}
	return sbxd_registry_add(d, sb, err);
}

static int serve(struct sbxd *d, struct agent_msg *m, struct sbx_error *err)
{
	char key[SBXD_ID_MAX + 24], dir[4096];
	struct sentry_argv a = {0};
	pid_t sentry = 0;
	uint64_t sentry_start = 0;
	/* '@' is no id's: an agent's key never meets a registered id. */
	snprintf(key, sizeof(key), "%s@%d", m->id, (int)m->pid);
	if (snprintf(dir, sizeof(dir), "%s/agent/%s", d->o.state, key) >= (int)sizeof(dir))
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	rm_rf(dir); /* a stale one of a reused pid */
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return sbx_err_errno(err, -r, "mkdir %s", dir);
	r = start_sentry(d, m, dir, &sentry, &sentry_start, &a, err);
	/* Once the sentry serves, a failed registration costs only its metrics and GC. */
	struct sbx_error reg_err = {0};
	if (r == 0 && register_agent(d, m, key, dir, sentry, sentry_start, &a, &reg_err) < 0)
		sbxd_warn("seccomp agent: not registered", "{s:s, s:s}", "id", m->id, "error",
			  reg_err.msg);
	if (r == 0)
		sbxd_info("sentry started", "{s:s, s:i, s:i, s:s?, s:s?}", "id", m->id, "pid",
			  (int)m->pid, "sentry_pid", (int)sentry, "cgroup", a.v2_dir, "policy",
			  m->metadata);
	else
		rm_rf(dir);
	free(a.v2_dir);
	free(a.mem_dir);
	return r;
}

/* Fail closed: a container whose notify fd nobody serves is ended, by the pidfd opened when
 * its message arrived (its pid may be another process's by now). */
static void end_container(const struct agent_msg *m)
{
	if (m->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, m->pidfd, SIGKILL, NULL, 0);
}

void sbxd_agent_serve(struct sbxd *d, int conn)
{
	struct agent_msg m = {.notify_fd = -1, .pidfd = -1};
	struct sbx_error err = {0};
	sbxd_conn_timeouts(conn);
	int r = receive(conn, &m, &err);
	if (r == 0)
		r = serve(d, &m, &err);
	if (r < 0) {
		sbxd_error("seccomp agent: container refused", "{s:s?, s:i, s:s}", "id", m.id,
			   "pid", (int)m.pid, "error", err.msg);
		/* Only a container that did hand us its listener waits on us. */
		if (m.notify_fd >= 0)
			end_container(&m);
	}
	msg_clear(&m);
}
