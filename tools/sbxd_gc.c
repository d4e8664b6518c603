/* Garbage collection: what dead sandboxes left.
 *   - Fail closed: an agent's container whose sentry died (SIGKILL, OOM) while its init lives
 *     would run on with its notified syscalls failing ENOSYS, unmediated by anyone: it is
 *     killed, and collected once its init is gone.
 *   - The agent's sandboxes whose sentry and container are gone: their statistics are retired
 *     and their state dir removed.
 *   - Registrations ("hook") whose init is gone, and "sbx" ones whose state dir is gone. A
 *     hooked container that ended without its poststop hook left its cgroup-BPF layer pinned
 *     in <hook pin root>/<id> (tools/hook_pin.c): those pins are removed.
 *   - In sbx's state root: sandboxes whose `sbx create` died before it had an init (SIGKILL
 *     mid-create): state.json says pid 0 and its creator is gone. Their cgroups and state dir
 *     are removed by `sbx --root ROOT delete --force ID`: sbx's own delete knows what a sandbox
 *     leaves and how to remove it (tools use the CLI, not runtime internals).
 * Stopped sandboxes that still have an init's record are their manager's to delete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd.h"

static bool registration_dead(const struct sbxd_sandbox *sb)
{
	if (!strcmp(sb->source, "agent"))
		return !sbxd_alive(sb->pid, sb->pid_start) &&
		       !sbxd_alive(sb->sentry_pid, sb->sentry_start);
	if (!strcmp(sb->source, "hook"))
		return !sbxd_alive(sb->pid, sb->pid_start);
	/* sbx: deleted (by sbx delete, which unregisters, or by sbxd below) */
	return sb->stats_dir && access(sb->stats_dir, F_OK) < 0 && errno == ENOENT;
}

/* A sentry that ends by itself (its container's processes gone, or a failure, after which it
 * kills init itself) records its end in its state dir: <stats_dir>/exit. One that was killed
 * records nothing. Without this, a sentry that ends with its container, seen while the init is
 * still exiting, would count as a death. */
bool sbxd_unserved(const struct sbxd_sandbox *sb)
{
	char path[4200];
	if (strcmp(sb->source, "agent") || !sb->stats_dir ||
	    sbxd_alive(sb->sentry_pid, sb->sentry_start) || !sbxd_alive(sb->pid, sb->pid_start))
		return false;
	if (snprintf(path, sizeof(path), "%s/exit", sb->stats_dir) >= (int)sizeof(path))
		return true;
	return access(path, F_OK) < 0 && errno == ENOENT;
}

/* An agent's sandbox whose sentry is gone while its init runs. One that died (no end recorded)
 * is the case fail-closed is for: killed, logged as such and counted. One that recorded its end
 * has normally just seen its container's processes go; if its init still runs it is killed
 * all the same (nothing mediates it), but not counted as a death. */
static void end_unserved(struct sbxd *d, const struct sbxd_sandbox *sb)
{
	bool by_cgroup = false;
	if (strcmp(sb->source, "agent") || sbxd_alive(sb->sentry_pid, sb->sentry_start) ||
	    !sbxd_alive(sb->pid, sb->pid_start))
		return;
	bool died = sbxd_unserved(sb);
	int r = sbxd_kill_sandbox(sb, &by_cgroup);
	if (r == -ESRCH)
		return; /* it ended by itself meanwhile */
	if (r < 0) {
		sbxd_error("sentry gone; could not kill its container", "{s:s, s:i, s:i, s:s}",
			   "key", sb->key, "pid", (int)sb->pid, "sentry_pid", (int)sb->sentry_pid,
			   "error", strerror(-r));
		return;
	}
	if (died)
		sbxd_count_sentry_kill(d);
	sbxd_log(died ? "warn" : "info",
		 died ? "sentry died: container killed (fail closed)"
		      : "sentry ended before its container's init: init killed",
		 json_pack("{s:s, s:s, s:i, s:i, s:s?, s:b}", "key", sb->key, "id", sb->id, "pid",
			   (int)sb->pid, "sentry_pid", (int)sb->sentry_pid, "cgroup", sb->cgroup,
			   "by_cgroup", by_cgroup));
}

/* Remove <pin root>/<id> and the pins in it (bpffs: no deeper directories, nothing but pins).
 * Relative to the held pin root, never following a link out of it. 0 when there is none. */
static int unpin_hook(const struct sbxd *d, const char *id)
{
	struct statfs sf;
	if (!sbxd_id_valid(id) || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
		return -EINVAL;
	_cleanup_close_ int root =
	    open(d->o.hook_pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (root < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstatfs(root, &sf) < 0 || sf.f_type != BPF_FS_MAGIC)
		return -EXDEV; /* not sbx-hook's: nothing there is ours to remove */
	int fd = openat(root, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	_cleanup_closedir_ DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	int r = 0;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dirfd(dir), e->d_name, 0) < 0 && r == 0)
			r = -errno;
	if (unlinkat(root, id, AT_REMOVEDIR) < 0 && r == 0)
		r = -errno;
	return r;
}

static void gc_registry(struct sbxd *d, json_t *out)
{
	for (size_t i = d->n; i-- > 0;) {
		struct sbxd_sandbox *sb = d->sb[i];
		end_unserved(d, sb);
		if (!registration_dead(sb))
			continue;
		sbxd_retire_stats(d, sb);
		if (!strcmp(sb->source, "agent") && sb->stats_dir)
			rm_rf(sb->stats_dir);
		int r = !strcmp(sb->source, "hook") ? unpin_hook(d, sb->id) : 0;
		if (r < 0)
			sbxd_warn("could not unpin a hooked container's layer", "{s:s, s:s, s:s}",
				  "id", sb->id, "pin_root", d->o.hook_pin_root, "error",
				  strerror(-r));
		sbxd_info("collected", "{s:s, s:s}", "key", sb->key, "source", sb->source);
		json_array_append_new(out, json_string(sb->key));
		sbxd_registry_remove(d, i);
	}
}

/* <root>/<id>/state.json of a sandbox whose creator died before it had an init. */
static bool creation_abandoned(int rootfd, const char *id)
{
	char path[4200];
	_cleanup_free_ char *buf = NULL;
	snprintf(path, sizeof(path), "%s/state.json", id);
	if (read_file_at(rootfd, path, 1 << 20, &buf, NULL) < 0)
		return false;
	json_t *o = json_loads(buf, 0, NULL);
	json_int_t pid = json_integer_value(json_object_get(o, "pid"));
	pid_t creator = (pid_t)json_integer_value(json_object_get(o, "sentry_pid"));
	uint64_t start = (uint64_t)json_integer_value(json_object_get(o, "sentry_start"));
	json_decref(o);
	return o && pid == 0 && creator > 0 && !sbxd_alive(creator, start);
}

/* sbxd serves one thing at a time: a `sbx delete` that hangs (a stuck cgroup, a D-state
 * mount) must not stall it. */
#define SBX_DELETE_TIMEOUT_MS 10000

/* Wait for our child p at most timeout_ms; then SIGKILL it. Either way it is reaped. */
static int wait_bounded(pid_t p, int timeout_ms, int *ret_status, bool *ret_killed)
{
	/* Our child, not reaped yet: its pid cannot be another's. */
	int fd = (int)syscall(SYS_pidfd_open, p, 0);
	*ret_killed = false;
	if (fd >= 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000;
		int r;
		do {
			uint64_t now = clock_ns(CLOCK_MONOTONIC);
			r = now >= end ? 0 : poll(&pfd, 1, (int)((end - now) / 1000000) + 1);
		} while (r < 0 && errno == EINTR);
		close(fd);
		if (r == 0) {
			kill(p, SIGKILL);
			*ret_killed = true;
		}
	} else {
		kill(p, SIGKILL); /* no pidfd: no bounded wait either */
		*ret_killed = true;
	}
	while (waitpid(p, ret_status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int sbx_delete(struct sbxd *d, const char *id)
{
	pid_t p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execl(d->o.sbx, d->o.sbx, "--root", d->o.sbx_root, "--log-format", "json", "delete",
		      "--force", id, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	bool killed;
	int r = wait_bounded(p, SBX_DELETE_TIMEOUT_MS, &st, &killed);
	if (r < 0)
		return r;
	if (killed) {
		sbxd_warn("sbx delete --force did not finish in time: killed", "{s:s, s:i, s:i}",
			  "id", id, "pid", (int)p, "timeout_ms", SBX_DELETE_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static void gc_sbx_root(struct sbxd *d, json_t *out)
{
	_cleanup_closedir_ DIR *dir = opendir(d->o.sbx_root);
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_type != DT_DIR || !sbxd_id_valid(e->d_name) ||
		    !creation_abandoned(dirfd(dir), e->d_name))
			continue;
		int r = sbx_delete(d, e->d_name);
		if (r < 0) {
			sbxd_warn("could not collect an abandoned sandbox", "{s:s, s:s}", "id",
				  e->d_name, "error",
				  r == -ETIMEDOUT ? "sbx delete --force timed out"
						  : "sbx delete --force failed");
			continue;
		}
		sbxd_info("collected an abandoned sandbox", "{s:s, s:s}", "id", e->d_name, "root",
			  d->o.sbx_root);
		json_array_append_new(out, json_string(e->d_name));
	}
}

json_t *sbxd_gc(struct sbxd *d)
{
	json_t *out = json_array();
	gc_registry(d, out);
	gc_sbx_root(d, out);
	return out;
}
