/* The CLI's end of a container's terminal: our own console socket, the pty master received
 * on it, and the copy loop between our stdio and the master (as runc does for `run -t`). */
#include "runtime/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "lib/util.h"

#define CONSOLE_BUF 8192

int console_require_socket(bool terminal, const char *console_socket, bool detach,
			   struct sbx_error *err)
{
	if (!terminal || console_socket)
		return 0;
	if (detach)
		return sbx_err(err, EINVAL,
			       "cannot allocate tty if sbx will detach without setting console "
			       "socket (pass --console-socket, or set process.terminal to false)");
	return sbx_err(err, EINVAL,
		       "process.terminal is true but no --console-socket was given: nothing "
		       "would receive the terminal (pass --console-socket, or set "
		       "process.terminal to false)");
}

/* --- the console socket ------------------------------------------------------------------ */

/* Named for this process, not the container id: two runs racing for one id (the second fails
 * in create) must never touch each other's socket. */
static int console_path(const char *root, char *buf, size_t len, struct sbx_error *err)
{
	if (snprintf(buf, len, "%s/.console-%d.sock", root, (int)getpid()) < (int)len)
		return 0;
	return sbx_err(err, ENAMETOOLONG, "console socket path in %s: too long", root);
}

int console_listen(const char *root, struct console_listener *ret, struct sbx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int r = mkdir_p(root, 0711);
	if (r < 0)
		return sbx_err_errno(err, -r, "create state root %s", root);
	if ((r = console_path(root, sa.sun_path, sizeof(sa.sun_path), err)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sbx_err_errno(err, errno, "console socket");
	unlink(sa.sun_path); /* left by a killed run whose pid we now have */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return sbx_err_errno(err, errno, "bind console socket %s", sa.sun_path);
	if (chmod(sa.sun_path, 0600) < 0 || listen(fd, 1) < 0) {
		r = sbx_err_errno(err, errno, "listen on console socket %s", sa.sun_path);
		unlink(sa.sun_path);
		return r;
	}
	snprintf(ret->path, sizeof(ret->path), "%s", sa.sun_path);
	ret->fd = TAKE_FD(fd);
	return 0;
}

void console_listener_close(struct console_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->path[0])
		unlink(l->path);
	l->path[0] = '\0';
}

/* The only expected peer is this process (sandbox_create connects before forking). */
static int check_peer(int conn, struct sbx_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return sbx_err_errno(err, errno, "console socket peer");
	if (cred.pid != getpid())
		return sbx_err(err, EPERM, "console socket: unexpected peer (pid %d)",
			       (int)cred.pid);
	return 0;
}

int console_receive(struct console_listener *l, struct sbx_error *err)
{
	_cleanup_close_ int conn = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return sbx_err_errno(err, errno, "accept on console socket %s", l->path);
	int r = check_peer(conn, err);
	if (r < 0)
		return r;
	/* init sent the master before it reported ready, and every other end is closed by now:
	 * this returns at once. The timeout only guards against a bug. */
	struct timeval tv = {.tv_sec = 10};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char payload[64];
	int master = -1;
	size_t nfds = 0;
	r = fd_recv(conn, &master, 1, &nfds, payload, sizeof(payload));
	if (r < 0)
		return sbx_err_errno(err, -r, "receive the terminal from the container");
	if (nfds != 1)
		return sbx_err(err, EPROTO, "the container sent no terminal on the console socket");
	if (!isatty(master)) {
		close(master);
		return sbx_err(err, EPROTO, "the console socket did not carry a terminal");
	}
	return master;
}

/* --- our terminal: raw mode, window size --------------------------------------------------- */

/* What a fatal signal handler restores (a copy of the session's; only one session exists). */
static struct termios saved_termios;
static volatile sig_atomic_t saved_valid;

static const int fatal_signals[] = {SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGSEGV,
				    SIGBUS,  SIGFPE,	SIGILL,	 SIGABRT, SIGSYS,  SIGTRAP};

static void restore_and_die(int sig)
{
	if (saved_valid)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	saved_valid = 0;
	raise(sig); /* SA_RESETHAND: the default action now */
}

/* On: restore the terminal before dying of these; off: back to what they were (the default,
 * or a foreground command's forwarding, signal_forward.h). */
static void set_fatal_handlers(bool on)
{
	static struct sigaction before[ARRAY_SIZE(fatal_signals)];
	struct sigaction sa = {.sa_handler = restore_and_die,
			       .sa_flags = SA_RESETHAND | SA_NODEFER};
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		sigaction(fatal_signals[i], on ? &sa : &before[i], on ? &before[i] : NULL);
}

/* Raw mode only on our own foreground terminal (in the background, tcsetattr would stop us). */
static bool stdin_is_our_terminal(void)
{
	return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static int make_raw(struct console_session *s, struct sbx_error *err)
{
	if (tcgetattr(STDIN_FILENO, &s->saved) < 0)
		return sbx_err_errno(err, errno, "get terminal attributes");
	struct termios raw = s->saved;
	cfmakeraw(&raw);
	saved_termios = s->saved;
	saved_valid = 1;
	set_fatal_handlers(true);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
		int e = errno;
		saved_valid = 0;
		set_fatal_handlers(false);
		return sbx_err_errno(err, e, "put the terminal in raw mode");
	}
	s->raw = true;
	return 0;
}

static void copy_window_size(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

int console_session_begin(struct console_session *s, int master, struct sbx_error *err)
{
	*s = (struct console_session){.master = master};
	int fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
		return sbx_err_errno(err, errno, "make the terminal non-blocking");
	if (!isatty(STDIN_FILENO))
		return 0;
	copy_window_size(master);
	return stdin_is_our_terminal() ? make_raw(s, err) : 0;
}

void console_session_end(struct console_session *s)
{
	if (s->raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &s->saved);
		saved_valid = 0;
		set_fatal_handlers(false);
		s->raw = false;
	}
	if (s->master >= 0)
		close(s->master);
	s->master = -1;
}

/* --- the copy loop -------------------------------------------------------------------------- */

static volatile sig_atomic_t winch_pending;

static void on_winch(int sig)
{
	(void)sig;
	winch_pending = 1;
}

struct pump {
	struct pollfd fds[3]; /* stdin, master, sentry pidfd */
	char in[CONSOLE_BUF]; /* read from stdin, not yet written to the master */
	size_t in_len, in_off;
	bool out_open; /* stdout still takes what we write */
	bool done;
};

enum { P_STDIN, P_MASTER, P_SENTRY };

/* Master to stdout. Returns false when the master has nothing more to give (EAGAIN). */
static bool pump_output(struct pump *p, int master)
{
	char buf[CONSOLE_BUF];
	ssize_t n = read(master, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) { /* EIO: no one holds the peer any more */
		p->done = true;
		return false;
	}
	if (p->out_open && write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
		p->out_open = false; /* keep draining so the workload never blocks on us */
	return true;
}

static void pump_input(struct pump *p)
{
	ssize_t n = read(STDIN_FILENO, p->in, sizeof(p->in));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* end of input, or our terminal hung up */
		p->fds[P_STDIN].fd = -1;
		return;
	}
	p->in_len = (size_t)n;
	p->in_off = 0;
}

static void pump_to_master(struct pump *p, int master)
{
	ssize_t n = write(master, p->in + p->in_off, p->in_len - p->in_off);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			p->in_len = p->in_off = 0; /* the pty is going away; drop it */
		return;
	}
	p->in_off += (size_t)n;
	if (p->in_off == p->in_len)
		p->in_len = p->in_off = 0;
}

static void pump_events(struct pump *p)
{
	p->fds[P_STDIN].events = p->in_len ? 0 : POLLIN;
	p->fds[P_MASTER].events = POLLIN | (p->in_len ? POLLOUT : 0);
}

static void pump_step(struct pump *p, int master)
{
	short m = p->fds[P_MASTER].revents;
	if (m & (POLLIN | POLLHUP | POLLERR)) {
		if (!pump_output(p, master) && (m & (POLLHUP | POLLERR)))
			p->done = true;
	}
	if (!p->done && (m & POLLOUT))
		pump_to_master(p, master);
	if (p->fds[P_STDIN].revents & (POLLIN | POLLHUP | POLLERR))
		pump_input(p);
	if (p->fds[P_SENTRY].revents & POLLIN) {
		/* The sandbox is over: take what the workload wrote, then stop. */
		while (!p->done && pump_output(p, master))
			;
		p->done = true;
	}
}

static int pump_run(struct pump *p, int master, const sigset_t *waitmask, bool tty,
		    struct sbx_error *err)
{
	while (!p->done) {
		if (winch_pending && tty) {
			winch_pending = 0;
			copy_window_size(master);
		}
		pump_events(p);
		if (ppoll(p->fds, ARRAY_SIZE(p->fds), NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_errno(err, errno, "poll the terminal");
		}
		pump_step(p, master);
	}
	return 0;
}

int console_session_copy(struct console_session *s, pid_t sentry_pid, struct sbx_error *err)
{
	_cleanup_close_ int sentry = (int)syscall(SYS_pidfd_open, sentry_pid, 0);
	struct pump p = {
	    .out_open = true,
	    .fds = {{.fd = STDIN_FILENO}, {.fd = s->master}, {.fd = sentry, .events = POLLIN}}};
	bool tty = isatty(STDIN_FILENO);
	struct sigaction winch = {.sa_handler = on_winch, .sa_flags = SA_RESTART}, old_winch,
			 ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigset_t block, old_mask, waitmask;

	/* SIGWINCH is blocked except inside ppoll, so none is missed between checks. */
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	waitmask = old_mask;
	sigdelset(&waitmask, SIGWINCH);
	sigaction(SIGWINCH, &winch, &old_winch);
	sigaction(SIGPIPE, &ign, &old_pipe);
	winch_pending = 0;

	int r = pump_run(&p, s->master, &waitmask, tty, err);

	sigaction(SIGPIPE, &old_pipe, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}
