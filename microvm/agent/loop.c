/* The agent's main loop: the host's messages to the workload, the workload's output and
 * exit status to the host, the policy's notifications answered, orphans reaped. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/util.h"
#include "microvm/agent/agent.h"
#include "microvm/proto.h"

struct agent {
	int ctl, sigfd;
	struct workload w;
	bool spawned, exited;
	int status;
	char *seccomp;
	size_t seccomp_len;
	struct vm_reader rd;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void on_spec(struct agent *a, const char *p, size_t len)
{
	char err[1200] = "";
	if (a->spawned ||
	    workload_spawn(p, len, a->seccomp, a->seccomp_len, &a->w, err, sizeof(err)) < 0) {
		vm_send(a->ctl, VM_ERROR, err, strlen(err));
		agent_log("%s", err);
		agent_poweroff();
	}
	a->spawned = true;
	vm_send(a->ctl, VM_CREATED, NULL, 0);
}

static void on_message(struct agent *a, uint32_t type, const char *p, size_t len)
{
	int32_t v = 0;
	if (len >= sizeof(v))
		memcpy(&v, p, sizeof(v));
	switch (type) {
	case VM_SECCOMP:
		free(a->seccomp);
		a->seccomp = malloc(len ? len : 1);
		if (a->seccomp)
			memcpy(a->seccomp, p, len);
		a->seccomp_len = a->seccomp ? len : 0;
		break;
	case VM_SPEC:
		on_spec(a, p, len);
		break;
	case VM_START:
		if (a->w.start_fd >= 0 && write(a->w.start_fd, "g", 1) != 1)
			agent_log("start: %s", strerror(errno));
		close_fd(&a->w.start_fd);
		break;
	case VM_STDIN:
		if (a->w.in_fd >= 0 && write_all(a->w.in_fd, p, len) < 0 && !a->w.terminal)
			close_fd(&a->w.in_fd);
		break;
	case VM_STDIN_EOF:
		if (!a->w.terminal)
			close_fd(&a->w.in_fd);
		break;
	case VM_SIGNAL:
		if (a->spawned && !a->exited)
			kill(a->w.pid, v);
		break;
	case VM_WINSIZE: {
		uint16_t rc[2] = {0, 0};
		memcpy(rc, p, len < sizeof(rc) ? len : sizeof(rc));
		struct winsize ws = {.ws_row = rc[0], .ws_col = rc[1]};
		if (a->w.terminal)
			ioctl(a->w.in_fd, TIOCSWINSZ, &ws);
		break;
	}
	}
}

static void on_ctl(struct agent *a)
{
	int n = vm_fill(&a->rd, a->ctl);
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		agent_log("the host closed the control port");
		agent_poweroff();
	}
	uint32_t type;
	const char *p;
	size_t len;
	while (vm_next(&a->rd, &type, &p, &len) == 1)
		on_message(a, type, p, len);
}

/* Output of the workload: a message per read; EOF (or EIO on a terminal) closes it. */
static void relay(struct agent *a, int *fd, enum vm_msg type)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (a->w.terminal)
			a->w.in_fd = -1; /* the same fd */
		close_fd(fd);
		return;
	}
	vm_send(a->ctl, type, buf, (size_t)n);
}

static void reap(struct agent *a)
{
	struct signalfd_siginfo si;
	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	int st;
	for (pid_t p; (p = waitpid(-1, &st, WNOHANG)) > 0;)
		if (a->spawned && p == a->w.pid) {
			a->exited = true;
			a->status = st;
			kill(-1, SIGKILL); /* what the workload left behind ends with it */
		}
}

static void on_listener(struct agent *a)
{
	int fd = -1;
	size_t n = 0;
	char c;
	if (fd_recv(a->w.sync_fd, &fd, 1, &n, &c, 1) <= 0 || n != 1) {
		close_fd(&a->w.sync_fd);
		return;
	}
	close_fd(&a->w.listener);
	a->w.listener = fd;
}

static int build_poll(struct agent *a, struct pollfd *p)
{
	int fds[] = {a->ctl,	   a->sigfd,	  a->w.out_fd,		a->w.errout_fd,
		     a->w.sync_fd, a->w.listener, agent_lsm_events_fd()};
	for (int i = 0; i < 7; i++)
		p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	return 7;
}

_Noreturn void agent_serve(int ctl)
{
	static struct agent a;
	a = (struct agent){.ctl = ctl, .w = {-1, -1, -1, -1, -1, -1, -1, false}};
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	a.sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	struct utsname u;
	uname(&u);
	vm_send(ctl, VM_READY, u.release, strlen(u.release));
	for (;;) {
		struct pollfd p[7];
		int n = build_poll(&a, p);
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			agent_poweroff();
		if (p[0].revents)
			on_ctl(&a);
		if (p[1].revents)
			reap(&a);
		if (p[2].revents)
			relay(&a, &a.w.out_fd, VM_STDOUT);
		if (p[3].revents)
			relay(&a, &a.w.errout_fd, VM_STDERR);
		if (p[4].revents)
			on_listener(&a);
		if (p[5].revents & POLLIN)
			agent_answer_notification(a.w.listener);
		else if (p[5].revents)
			close_fd(&a.w.listener);
		if (p[6].revents)
			agent_lsm_drain();
		if (a.exited && a.w.out_fd < 0 && a.w.errout_fd < 0) {
			vm_send_i32(ctl, VM_EXIT, a.status);
			agent_poweroff();
		}
	}
}
