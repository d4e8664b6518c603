/* A microVM sandbox from "created" to its end: `start` releases the workload, stdio and the
 * signals sent to the monitor go to the guest, the workload's output and exit status come
 * back; QEMU is gone when this returns. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/util.h"
#include "runtime/monitor.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"
#include "runtime/vm_monitor.h"

struct serve {
	struct vm_session *s;
	int sigfd;
	int starter;	  /* pidfd of the child that waits on exec.fifo, or -1 */
	int in, out, err; /* our stdin/stdout/stderr, or the pty's slave for all three */
	bool terminal, started, exited;
	struct winsize ws;
	int status;
};

/* A child blocks opening exec.fifo for writing until `sbx start` opens it for reading; it
 * dies with us (a deleted sandbox is never started). */
static int spawn_starter(int fifo_fd)
{
	int pidfd = -1;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		_exit(fd >= 0 && write(fd, "0", 1) == 1 ? 0 : 1);
	}
	return pid < 0 ? -errno : pidfd;
}

/* With a terminal: a pty on this side too, its master to the console socket, raw, since the
 * guest's own pty does the line discipline. */
static int open_terminal(struct monitor_args *a, struct serve *v)
{
	int master, slave;
	const struct oci_process *p = &a->spec->config->process;
	struct winsize ws = {.ws_row = (unsigned short)p->console_height,
			     .ws_col = (unsigned short)p->console_width};
	if (openpty(&master, &slave, NULL, NULL, ws.ws_row ? &ws : NULL) < 0)
		return -errno;
	struct termios t;
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	int r = fd_send(a->console_fd, &master, 1, "/dev/ptmx", 9);
	close(master);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	v->in = v->out = v->err = slave;
	v->ws = ws;
	return r < 0 ? r : 0;
}

static void forward_signal(struct serve *v)
{
	struct signalfd_siginfo si;
	while (read(v->sigfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			vm_send_i32(v->s->ctl, VM_SIGNAL, (int32_t)si.ssi_signo);
}

static void on_starter(struct serve *v)
{
	siginfo_t si = {0};
	waitid(P_PIDFD, (id_t)v->starter, &si, WEXITED);
	close(v->starter);
	v->starter = -1;
	if (si.si_code == CLD_EXITED && si.si_status == 0) {
		vm_send(v->s->ctl, VM_START, NULL, 0);
		v->started = true;
	}
}

static void on_input(struct serve *v)
{
	char buf[65536];
	ssize_t n = read(v->in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (!v->terminal)
			vm_send(v->s->ctl, VM_STDIN_EOF, NULL, 0);
		v->in = -1;
		return;
	}
	vm_send(v->s->ctl, VM_STDIN, buf, (size_t)n);
}

/* A window size set on our pty's master reaches the guest's. */
static void check_winsize(struct serve *v)
{
	struct winsize ws;
	if (!v->terminal || ioctl(v->out, TIOCGWINSZ, &ws) < 0 ||
	    (ws.ws_row == v->ws.ws_row && ws.ws_col == v->ws.ws_col))
		return;
	v->ws = ws;
	uint16_t rc[2] = {ws.ws_row, ws.ws_col};
	vm_send(v->s->ctl, VM_WINSIZE, rc, sizeof(rc));
}

static void on_messages(struct serve *v)
{
	uint32_t type;
	const char *p;
	size_t len;
	while (!v->exited && vm_next(&v->s->rd, &type, &p, &len) == 1) {
		if (type == VM_STDOUT || type == VM_STDERR)
			write_all(type == VM_STDOUT ? v->out : v->err, p, len);
		else if (type == VM_EXIT && len == sizeof(int32_t)) {
			memcpy(&v->status, p, sizeof(int32_t));
			v->exited = true;
		}
	}
}

/* QEMU ended before the workload's status came: killed (`sbx kill ID KILL` kills the VM),
 * or the guest died; the console tells which. */
static void on_qemu_end(struct serve *v)
{
	siginfo_t si = {0};
	/* not reaped yet: `state` says "stopped" only once the exit status is recorded */
	waitid(P_PIDFD, (id_t)v->s->qemu_pidfd, &si, WEXITED | WNOWAIT);
	v->exited = true;
	if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
		v->status = si.si_status; /* as if the workload was killed by that signal */
		return;
	}
	char tail[700];
	vm_console_tail(v->s, tail, sizeof(tail));
	dprintf(v->terminal ? v->err : STDERR_FILENO,
		"sbx: the microVM stopped before the workload ended (QEMU exit status %d); guest "
		"console: %s\n",
		si.si_status, tail);
	v->status = W_EXITCODE(255, 0);
}

static int setup(struct monitor_args *a, struct serve *v)
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGSEGV &&
		    sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGPIPE &&
		    sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	v->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	v->starter = spawn_starter(a->fifo_fd);
	if (v->sigfd < 0 || v->starter < 0)
		return -errno;
	close(a->fifo_fd);
	if (v->terminal)
		return open_terminal(a, v);
	return 0;
}

int vm_serve(struct monitor_args *a, struct vm_session *s)
{
	struct serve v = {.s = s, .in = 0, .out = 1, .err = 2};
	v.terminal = a->spec->config->process.terminal && a->console_fd >= 0;
	if (setup(a, &v) < 0)
		return W_EXITCODE(255, 0);
	while (!v.exited) {
		struct pollfd f[5] = {{.fd = s->ctl, .events = POLLIN},
				      {.fd = s->qemu_pidfd, .events = POLLIN},
				      {.fd = v.sigfd, .events = POLLIN},
				      {.fd = v.starter, .events = POLLIN},
				      {.fd = v.started ? v.in : -1, .events = POLLIN}};
		if (poll(f, 5, v.terminal ? 250 : -1) < 0 && errno != EINTR)
			break;
		if (f[0].revents) {
			int n = vm_fill(&s->rd, s->ctl);
			if (n > 0 || n == -EAGAIN)
				on_messages(&v);
			else
				f[1].revents = POLLIN; /* the port closed: QEMU is ending */
		}
		if (!v.exited && f[1].revents)
			on_qemu_end(&v);
		if (f[2].revents)
			forward_signal(&v);
		if (f[3].revents)
			on_starter(&v);
		if (f[4].revents)
			on_input(&v);
		check_winsize(&v);
	}
	if (v.starter >= 0) {
		syscall(SYS_pidfd_send_signal, v.starter, SIGKILL, NULL, 0);
		siginfo_t si;
		waitid(P_PIDFD, (id_t)v.starter, &si, WEXITED);
	}
	return v.status;
}
