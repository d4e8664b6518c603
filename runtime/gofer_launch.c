#include "runtime/gofer_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/helpers.h"
#include "runtime/mounts.h"
#include "runtime/oci.h"
#include "runtime/overlay_hide.h"
#include "runtime/sandbox.h"

static bool is_bind(const struct oci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (char **o = m->options; o && *o; o++)
		if (!strcmp(*o, "bind") || !strcmp(*o, "rbind"))
			return true;
	return false;
}

static bool has_option(const struct oci_mount *m, const char *opt)
{
	for (char **o = m->options; o && *o; o++)
		if (!strcmp(*o, opt))
			return true;
	return false;
}

int gofer_setup_root(struct sandbox_spec *spec, const char *state_dir, struct sbx_error *err)
{
	if (!spec->overlay)
		return 0;
	char upper[PATH_MAX], work[PATH_MAX], data[3 * PATH_MAX + 64];
	if (path_join(upper, sizeof(upper), state_dir, "upper") < 0 ||
	    path_join(work, sizeof(work), state_dir, "work") < 0 ||
	    path_join(spec->merged, sizeof(spec->merged), state_dir, "merged") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(spec->merged, 0755) < 0)
		return sbx_err_errno(err, errno, "create the overlay directories in %s", state_dir);
	/* Commas and colons would change the meaning of the option string. */
	if (strpbrk(spec->rootfs, ",:\\"))
		return sbx_err(err, EINVAL, "rootfs path %s: ',' ':' and '\\\\' are not supported",
			       spec->rootfs);
	int r = overlay_hide(spec->config, spec->rootfs, upper, spec->files_hidden, err);
	if (r < 0)
		return r;
	snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s", spec->rootfs, upper,
		 work);
	if (mount("overlay", spec->merged, "overlay", MS_NOSUID | MS_NODEV, data) < 0)
		return sbx_err_errno(err, errno, "mount the overlay root (lower %s)", spec->rootfs);
	spec->rootfs = spec->merged;
	return 0;
}

/* The view: the root (read-only if the config says so) with every bind volume at its
 * container path, read-only volumes read-only. Returns a detached clone of the tree. */
static int build_view(const struct sandbox_spec *spec, const char *state_dir, struct sbx_error *err)
{
	char view[PATH_MAX];
	if (path_join(view, sizeof(view), state_dir, "gofer-view") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if (mkdir(view, 0700) < 0 && errno != EEXIST)
		return sbx_err_errno(err, errno, "mkdir %s", view);
	if (mount(spec->rootfs, view, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sbx_err_errno(err, errno, "bind %s for the gofer", spec->rootfs);
	_cleanup_close_ int root = open(view, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sbx_err_errno(err, errno, "open %s", view);
	const struct oci_config *c = spec->config;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (!is_bind(m) || !m->source)
			continue;
		struct stat st;
		if (stat(m->source, &st) < 0)
			return sbx_err_errno(err, errno, "volume %s", m->source);
		bool dir = S_ISDIR(st.st_mode);
		_cleanup_close_ int t = open_in_root(root, m->destination, dir, !dir);
		if (t < 0)
			return sbx_err_errno(err, -t, "volume target %s", m->destination);
		char tp[64];
		snprintf(tp, sizeof(tp), "/proc/self/fd/%d", t);
		if (mount(m->source, tp, NULL, MS_BIND | MS_REC, NULL) < 0)
			return sbx_err_errno(err, errno, "bind %s for the gofer", m->source);
		/* A read-only volume stays read-only, even for the gofer. */
		if (has_option(m, "ro")) {
			_cleanup_close_ int v = open_in_root(root, m->destination, false, false);
			struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
			if (v < 0 ||
			    mount_setattr(v, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
				return sbx_err_errno(err, v < 0 ? -v : errno,
						     "make volume %s read-only", m->destination);
		}
	}
	/* So does a root the config asks to be read-only (its own mount only). */
	struct mount_attr ra = {.attr_set = MOUNT_ATTR_RDONLY};
	if (spec->config->root_readonly && !spec->overlay &&
	    mount_setattr(root, "", AT_EMPTY_PATH, &ra, sizeof(ra)) < 0)
		return sbx_err_errno(err, errno, "make the gofer's root read-only");
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, view,
				OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return sbx_err_errno(err, errno, "clone the gofer's view");
	return tree;
}

/* An empty, read-only root for the gofer: after this, only its fds lead anywhere. */
static int pivot_to_empty(const char *state_dir, struct sbx_error *err)
{
	char empty[PATH_MAX];
	if (path_join(empty, sizeof(empty), state_dir, "gofer-empty") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if (mkdir(empty, 0700) < 0 && errno != EEXIST)
		return sbx_err_errno(err, errno, "mkdir %s", empty);
	if (mount("tmpfs", empty, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0500") < 0 ||
	    chdir(empty) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return sbx_err_errno(err, errno, "pivot the gofer into an empty root");
	return 0;
}

static void add_list(const char **argv, int *n, int max, const char *opt, char **list)
{
	for (char **p = list; p && *p && *n < max - 2; p++) {
		argv[(*n)++] = opt;
		argv[(*n)++] = *p;
	}
}

static void add_ro_volumes(const char **argv, int *n, int max, const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts && *n < max - 2; i++)
		if (is_bind(&c->mounts[i]) && has_option(&c->mounts[i], "ro")) {
			argv[(*n)++] = "--ro-volume";
			argv[(*n)++] = c->mounts[i].destination;
		}
}

_Noreturn static void gofer_child(const struct sandbox_spec *spec, const char *state_dir, int sock,
				  int report)
{
	struct sbx_error err = {0};
	char prog[PATH_MAX], changes[PATH_MAX];
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* it dies with the sentry */
	int tree = -1, exe = -1, log = -1;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
		sbx_err_errno(&err, errno, "gofer mount namespace");
		goto fail;
	}
	if ((tree = build_view(spec, state_dir, &err)) < 0)
		goto fail;
	const char *path = helper_program("sbx-gofer", prog, sizeof(prog));
	if (!path || (exe = open(path, O_PATH | O_CLOEXEC)) < 0) {
		sbx_err_errno(&err, path ? errno : ENOENT, "sbx-gofer beside sbx");
		goto fail;
	}
	path_join(changes, sizeof(changes), state_dir, "changes.jsonl");
	if ((log = open(changes, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		sbx_err_errno(&err, errno, "open %s", changes);
		goto fail;
	}
	/* Our own /proc/<pid>/fd (it stays ours across exec): the gofer names directories by
	 * readlink there, not by walking "..", which costs a directory read per level. */
	int procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		sbx_err_errno(&err, errno, "open /proc/self/fd");
		goto fail;
	}
	if (pivot_to_empty(state_dir, &err) < 0)
		goto fail;
	/* fds 3..8: socket, view, change log, program, report pipe (close-on-exec: it closes
	 * without a word when the exec succeeds), /proc/<pid>/fd */
	int fds[] = {sock, tree, log, exe, report, procfd};
	for (int i = 0; i < 6; i++)
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
	for (int i = 0; i < 6; i++)
		dup2(fds[i], 3 + i);
	close_fds_from(9, NULL, 0);
	fcntl(6, F_SETFD, FD_CLOEXEC);
	fcntl(7, F_SETFD, FD_CLOEXEC);
	report = 7;
	const char *argv[256];
	int n = 0;
	argv[n++] = "sbx-gofer";
	argv[n++] = "--id";
	argv[n++] = spec->id;
	add_list(argv, &n, 250, "--writable", spec->files_writable);
	add_list(argv, &n, 250, "--readonly", spec->files_readonly);
	add_list(argv, &n, 250, "--hidden", spec->files_hidden);
	add_ro_volumes(argv, &n, 250, spec->config);
	_cleanup_free_ char **priv = gofer_private_mounts(spec);
	add_list(argv, &n, 250, "--private", priv);
	argv[n] = NULL;
	char *envp[] = {NULL};
	syscall(SYS_execveat, 6, "", argv, envp, AT_EMPTY_PATH);
	sbx_err_errno(&err, errno, "exec sbx-gofer");
fail:
	write_all(report, err.msg, strlen(err.msg));
	_exit(1);
}

int gofer_spawn(const struct sandbox_spec *spec, const char *state_dir, struct gofer_child *ret,
		struct sbx_error *err)
{
	int sp[2], rep[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_errno(err, errno, "gofer socketpair");
	if (pipe2(rep, O_CLOEXEC) < 0) {
		close(sp[0]);
		close(sp[1]);
		return sbx_err_errno(err, errno, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		close(rep[0]);
		close(rep[1]);
		return sbx_err_errno(err, errno, "fork the gofer");
	}
	if (pid == 0) {
		close(sp[0]);
		close(rep[0]);
		gofer_child(spec, state_dir, sp[1], rep[1]);
	}
	close(sp[1]);
	close(rep[1]);
	*ret = (struct gofer_child){.pid = pid, .sock = sp[0], .report = rep[0]};
	return 0;
}

int gofer_wait_started(struct gofer_child *g, struct sbx_error *err)
{
	/* Until it has exec'd, a failing gofer says why; no gofer, no sandbox. */
	char msg[1024];
	ssize_t n;
	do
		n = read(g->report, msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(g->report);
	g->report = -1;
	if (n < 0)
		snprintf(msg, sizeof(msg), "read its report: %s", strerror(e));
	if (n != 0) {
		if (n > 0)
			msg[n] = '\0';
		close(g->sock);
		g->sock = -1;
		kill(g->pid, SIGKILL); /* it exits after a report; not after a failed read */
		waitpid(g->pid, NULL, 0);
		return sbx_err(err, EIO, "gofer: %s", msg);
	}
	return 0;
}

char **gofer_private_mounts(const struct sandbox_spec *spec)
{
	const struct oci_config *c = spec->config;
	char **list = calloc(c->n_mounts + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; list && i < c->n_mounts; i++)
		if (!is_bind(&c->mounts[i]))
			list[n++] = c->mounts[i].destination;
	return list;
}

char **gofer_ro_mounts(const struct sandbox_spec *spec)
{
	const struct oci_config *c = spec->config;
	char **list = calloc(c->n_mounts + 2, sizeof(char *));
	size_t n = 0;
	if (list && c->root_readonly && !spec->overlay)
		list[n++] = "/";
	for (size_t i = 0; list && i < c->n_mounts; i++)
		if (is_bind(&c->mounts[i]) && has_option(&c->mounts[i], "ro"))
			list[n++] = c->mounts[i].destination;
	return list;
}
