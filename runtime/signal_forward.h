/* Passing the signals a foreground `sbx run` or `sbx exec` gets on to the process it waits
 * for, as runc does: every standard signal that may be caught but SIGCHLD, SIGURG and SIGWINCH
 * (a terminal's size follows through the console instead), the faults (SIGSEGV, ...) of our
 * own code and job control (SIGTSTP, SIGTTIN, SIGTTOU). Through a pidfd, so that a signal that
 * comes after the process was reaped reaches nobody rather than a process that reused its
 * pid. */
#ifndef SBX_RUNTIME_SIGNAL_FORWARD_H
#define SBX_RUNTIME_SIGNAL_FORWARD_H

#include <sys/types.h>

/* 0 or -errno (pidfd_open). */
int signal_forward_to(pid_t pid);

#endif
