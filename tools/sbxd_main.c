/* sbxd [--socket PATH] [--agent-socket PATH] [--state DIR] [--metrics-socket PATH]
 *      [--metrics-port N] [--bpffs DIR] [--sbx-root DIR] [--sentry PROG] [--sbx PROG]
 *      [--hook-pin-root DIR] [--gc-interval MS] [--sentry-cgroup NAME [--cgroup-root DIR]
 *      [--cgroupns PATH]] [--cleanup]
 * One per node, in the foreground; JSON logs on stderr. See tools/sbxd.h. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/hook.h"
#include "tools/sbxd.h"
#include "lib/sbxd_client.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *usage =
    "usage: sbxd [--socket PATH] [--agent-socket PATH] [--state DIR] [--metrics-socket PATH]\n"
    "            [--metrics-port N] [--bpffs DIR] [--sbx-root DIR] [--sentry PROG] [--sbx PROG]\n"
    "            [--hook-pin-root DIR] [--gc-interval MS] [--sentry-cgroup NAME]\n"
    "            [--cgroup-root DIR] [--cgroupns PATH] [--cleanup]\n"
    "  --hook-pin-root DIR  sbx-hook's --pin-dir (default " HOOK_PIN_ROOT_DEFAULT "):\n"
    "                       GC unpins DIR/ID of a hooked container that ended without\n"
    "                       its poststop hook\n"
    "  --sentry-cgroup NAME the agent's sentries move to the cgroup NAME (relative) in\n"
    "                       every hierarchy before they serve, out of sbxd's own (its\n"
    "                       pod's) cgroups; a sentry that cannot move does not serve and\n"
    "                       its container is killed. Default: none (they stay in sbxd's)\n"
    "  --cgroup-root DIR    where the host's cgroup hierarchies are mounted (default\n"
    "                       /sys/fs/cgroup); NAME is made in each at start-up\n"
    "  --cgroupns PATH      enter this cgroup namespace at start-up (/proc/1/ns/cgroup in\n"
    "                       a pod with hostPID: the kernel refuses moves to cgroups\n"
    "                       outside the pod's own cgroup namespace)\n";

/* <dir of sbxd>/NAME (build tree), else <dir of sbxd>/../libexec/sbx/NAME (installed). */
static const char *beside_me(const char *name, const char *installed, char *buf, size_t len)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return name;
	self[n] = '\0';
	char *dir = dirname(self);
	snprintf(buf, len, "%s/%s", dir, name);
	if (access(buf, X_OK) == 0)
		return buf;
	snprintf(buf, len, "%s/%s", dir, installed);
	return buf;
}

static int parse_opts(int argc, char **argv, struct sbxd_opts *o)
{
	static char sentry[4200], sbx[4200];
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"agent-socket", required_argument, NULL, 'a'},
	    {"state", required_argument, NULL, 'S'},
	    {"metrics-socket", required_argument, NULL, 'm'},
	    {"metrics-port", required_argument, NULL, 'p'},
	    {"bpffs", required_argument, NULL, 'b'},
	    {"sbx-root", required_argument, NULL, 'r'},
	    {"sentry", required_argument, NULL, 'e'},
	    {"sbx", required_argument, NULL, 'x'},
	    {"hook-pin-root", required_argument, NULL, 'H'},
	    {"gc-interval", required_argument, NULL, 'g'},
	    {"sentry-cgroup", required_argument, NULL, 'C'},
	    {"cgroup-root", required_argument, NULL, 'R'},
	    {"cgroupns", required_argument, NULL, 'N'},
	    {"cleanup", no_argument, NULL, 'c'},
	    {0},
	};
	*o = (struct sbxd_opts){.socket = sbxd_socket_path(),
				.agent_socket = "/run/sbx/seccomp.sock",
				.state = "/run/sbx/sbxd",
				.metrics_socket = "/run/sbx/sbxd-metrics.sock",
				.bpffs = "/sys/fs/bpf/sbx",
				.sbx_root = "/run/sbx",
				.hook_pin_root = HOOK_PIN_ROOT_DEFAULT,
				.cgroup_root = "/sys/fs/cgroup",
				.gc_interval_ms = 5000};
	o->sentry = beside_me("sbx-sentry", "../libexec/sbx/sbx-sentry", sentry, sizeof(sentry));
	o->sbx = beside_me("sbx", "sbx", sbx, sizeof(sbx));
	int c, v;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'a':
			o->agent_socket = optarg;
			break;
		case 'S':
			o->state = optarg;
			break;
		case 'm':
			o->metrics_socket = optarg;
			break;
		case 'b':
			o->bpffs = optarg;
			break;
		case 'r':
			o->sbx_root = optarg;
			break;
		case 'e':
			o->sentry = optarg;
			break;
		case 'x':
			o->sbx = optarg;
			break;
		case 'H':
			o->hook_pin_root = optarg;
			break;
		case 'C':
			o->sentry_cgroup = optarg;
			break;
		case 'R':
			o->cgroup_root = optarg;
			break;
		case 'N':
			o->cgroupns = optarg;
			break;
		case 'c':
			o->cleanup = true;
			break;
		case 'p':
			if (parse_int(optarg, &v) < 0 || v <= 0 || v > 65535)
				return -EINVAL;
			o->metrics_port = v;
			break;
		case 'g':
			if (parse_int(optarg, &v) < 0 || v < 100)
				return -EINVAL;
			o->gc_interval_ms = v;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

/* A listening unix socket at path (a stale one from an earlier run is replaced), made under
 * umask 077 so that no other user can connect before it has its mode. */
static int listen_unix(const char *path, unsigned mode, struct sbx_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	if (dir)
		mkdir_p(dirname(dir), 0755);
	mode_t old = umask(0077);
	_cleanup_close_ int fd = unix_listen(path, SOCK_STREAM | SOCK_NONBLOCK, 128);
	umask(old);
	if (fd < 0)
		return sbx_err_errno(err, -fd, "listen on %s", path);
	if (chmod(path, mode) < 0)
		return sbx_err_errno(err, errno, "chmod %s", path);
	return TAKE_FD(fd);
}

static int listen_tcp(int port, struct sbx_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sbx_err_errno(err, errno, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return sbx_err_errno(err, errno, "listen on 127.0.0.1:%d", port);
	return TAKE_FD(fd);
}

enum { L_CONTROL, L_AGENT, L_METRICS, L_TCP, L__MAX };

static void serve_one(struct sbxd *d, int which, int lfd)
{
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	if (which == L_CONTROL)
		sbxd_control_serve(d, conn);
	else if (which == L_AGENT)
		sbxd_agent_serve(d, conn);
	else {
		sbxd_metrics_serve(d, conn);
		shutdown(conn, SHUT_WR); /* the client sees the end before we close */
	}
	close(conn);
}

/* A sentry that ended: its pidfd is closed (it would stay readable). If it died (no end
 * recorded) and its container's init still runs, the GC runs now, to end it before more of its
 * notified syscalls fail unmediated; one that ended with its container is left to the periodic
 * GC. */
static bool sentries_died(struct sbxd *d, const struct pollfd *p, size_t np)
{
	bool any = false;
	for (size_t i = 0; i < np && i < d->n; i++) {
		if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		sbxd_sentry_gone(d->sb[i]);
		any |= sbxd_unserved(d->sb[i]);
	}
	return any;
}

static void loop(struct sbxd *d, const int *lfds)
{
	static struct pollfd p[L__MAX + SBXD_MAX_SANDBOXES];
	uint64_t next_gc = 0;
	while (!stop) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= next_gc) {
			json_decref(sbxd_gc(d));
			next_gc = now + (uint64_t)d->o.gc_interval_ms * 1000000;
		}
		for (int i = 0; i < L__MAX; i++)
			p[i] = (struct pollfd){.fd = lfds[i], .events = POLLIN};
		/* fd -1 (no sentry to watch) is skipped by poll. */
		size_t np = d->n;
		for (size_t i = 0; i < np; i++)
			p[L__MAX + i] = (struct pollfd){
			    .fd = d->sb[i]->sentry_pidfd > 0 ? d->sb[i]->sentry_pidfd : -1,
			    .events = POLLIN};
		int r = poll(p, L__MAX + np, (int)((next_gc - now) / 1000000) + 1);
		if (r < 0 && errno != EINTR) {
			sbxd_error("poll failed", "{s:s}", "error", strerror(errno));
			return;
		}
		/* Before any request changes the registry, whose order p[L__MAX..] follows. */
		if (r > 0 && sentries_died(d, p + L__MAX, np))
			next_gc = 0;
		for (int i = 0; r > 0 && i < L__MAX; i++)
			if (p[i].revents & POLLIN)
				serve_one(d, i, lfds[i]);
	}
}

static int cleanup(const struct sbxd_opts *o)
{
	int r = sbxd_bpf_cleanup(o);
	unlink(o->socket);
	unlink(o->agent_socket);
	unlink(o->metrics_socket);
	rm_rf(o->state);
	if (r < 0) {
		sbxd_error("cleanup: unpin failed", "{s:s, s:s}", "bpffs", o->bpffs, "error",
			   strerror(-r));
		return 1;
	}
	sbxd_info("cleaned up: unpinned, sockets and state removed", "{s:s, s:s}", "bpffs",
		  o->bpffs, "state", o->state);
	return 0;
}

static int open_listeners(const struct sbxd_opts *o, int *lfds, struct sbx_error *err)
{
	for (int i = 0; i < L__MAX; i++)
		lfds[i] = -1;
	if ((lfds[L_CONTROL] = listen_unix(o->socket, 0600, err)) < 0 ||
	    (lfds[L_AGENT] = listen_unix(o->agent_socket, 0600, err)) < 0 ||
	    (lfds[L_METRICS] = listen_unix(o->metrics_socket, 0660, err)) < 0)
		return -1;
	if (o->metrics_port && (lfds[L_TCP] = listen_tcp(o->metrics_port, err)) < 0)
		return -1;
	return 0;
}

/* Before anything reads a process's cgroups: in --cgroupns they are the host's paths. */
static int sentry_cgroups(struct sbxd *d)
{
	struct sbx_error err = {0};
	if (d->o.cgroupns && sbxd_cgroupns_enter(d->o.cgroupns, &err) < 0) {
		sbxd_error("cannot enter the cgroup namespace", "{s:s}", "error", err.msg);
		return -1;
	}
	if (!d->o.sentry_cgroup)
		return 0;
	if (sbxd_cgroups_setup(d->o.cgroup_root, d->o.sentry_cgroup, &d->sentry_cg, &err) < 0) {
		sbxd_error("cannot make the sentry cgroup", "{s:s, s:s, s:s}", "sentry_cgroup",
			   d->o.sentry_cgroup, "cgroup_root", d->o.cgroup_root, "error", err.msg);
		return -1;
	}
	json_t *dirs = json_array();
	for (size_t i = 0; i < d->sentry_cg.n; i++)
		json_array_append_new(dirs, json_string(d->sentry_cg.dir[i]));
	sbxd_info("sentries go to their own cgroup", "{s:s, s:o}", "sentry_cgroup",
		  d->o.sentry_cgroup, "dirs", dirs);
	return 0;
}

static int start(struct sbxd *d, int *lfds)
{
	struct sbx_error err = {0};
	if (sentry_cgroups(d) < 0)
		return -1;
	int r = mkdir_p(d->o.state, 0700);
	if (r < 0 || (r = sbxd_registry_load(d)) < 0) {
		sbxd_error("cannot use the state dir", "{s:s, s:s}", "state", d->o.state, "error",
			   strerror(-r));
		return -1;
	}
	sbxd_retired_load(d);
	if ((r = sbxd_bpf_open(d)) < 0)
		sbxd_warn("no pinned map: sandboxes run, but nothing node-wide is pinned",
			  "{s:s, s:s}", "bpffs", d->o.bpffs, "error",
			  r == -ENOTSUP ? "not on a bpf file system (mount -t bpf bpf /sys/fs/bpf)"
					: strerror(-r));
	if (open_listeners(&d->o, lfds, &err) < 0) {
		sbxd_error("cannot listen", "{s:s}", "error", err.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct sbxd d;
	int lfds[L__MAX];
	if (parse_opts(argc, argv, &d.o) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (d.o.cleanup)
		return cleanup(&d.o);
	d.pin_fd = -1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start(&d, lfds) < 0)
		return 1;
	sbxd_info("sbxd ready", "{s:s, s:s, s:s, s:s, s:i, s:i}", "socket", d.o.socket,
		  "agent_socket", d.o.agent_socket, "metrics_socket", d.o.metrics_socket, "state",
		  d.o.state, "metrics_port", d.o.metrics_port, "sandboxes", (int)d.n);
	loop(&d, lfds);
	for (int i = 0; i < L__MAX; i++)
		if (lfds[i] >= 0)
			close(lfds[i]);
	sbxd_info("sbxd stopping; sentries keep serving", "{s:i}", "sandboxes", (int)d.n);
	return 0;
}
