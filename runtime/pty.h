/* The container's end of a terminal. */
#ifndef SBX_RUNTIME_PTY_H
#define SBX_RUNTIME_PTY_H

struct oci_process;
struct sbx_error;

/* In the process that will run p, in the container's mount namespace and a session of its
 * own: a pty from /dev/ptmx (p's console size), its master sent over console_fd (as runc and
 * crun send it to a --console-socket), its peer made stdin, stdout, stderr and the
 * controlling terminal. */
int pty_setup(const struct oci_process *p, int console_fd, struct sbx_error *err);

#endif
