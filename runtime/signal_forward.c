/* Forwarding a foreground command's signals (signal_forward.h). */
#include "runtime/signal_forward.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int forward_pidfd = -1;

static void forward(int sig)
{
	int saved = errno;
	if (forward_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, forward_pidfd, sig, NULL, 0);
	errno = saved;
}

/* Ours alone: SIGCHLD, SIGURG and SIGWINCH, as runc; the faults of our own code, which must
 * not be caught and returned from; and job control (a background `sbx run -t` touching the
 * terminal stops, rather than restarting the call forever). */
static bool ours(int sig)
{
	static const int keep[] = {SIGKILL, SIGSTOP, SIGCHLD, SIGURG,  SIGWINCH,
				   SIGSEGV, SIGBUS,  SIGFPE,  SIGILL,  SIGABRT,
				   SIGSYS,  SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (sig == keep[i])
			return true;
	return false;
}

int signal_forward_to(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	forward_pidfd = fd;
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (!ours(sig))
			sigaction(sig, &sa, NULL);
	return 0;
}
