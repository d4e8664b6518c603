/* The monitor of a microVM sandbox (isolation "vm"): it starts QEMU in the sandbox's cgroup,
 * waits for the agent, hands it the workload, reports "created", then relays stdio and
 * signals until the workload's exit status comes back. It stays the sandbox's "sentry" pid;
 * QEMU is its "init" pid. */
#ifndef SBX_RUNTIME_VM_MONITOR_H
#define SBX_RUNTIME_VM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "microvm/proto.h"

struct monitor_args;
struct sbx_error;

struct vm_session {
	int ctl; /* our end of the control port */
	pid_t qemu_pid;
	int qemu_pidfd;
	int console_fd;
	char console_path[4200];
	bool kvm;
	struct vm_reader rd;
};

_Noreturn void vm_monitor_main(struct monitor_args *a);

/* The next message from the agent within timeout_ms (-1: no limit): 1, or -ETIMEDOUT, or
 * -ECHILD when QEMU ended, or -EPIPE when the port closed. */
int vm_next_msg(struct vm_session *s, int timeout_ms, uint32_t *type, const char **p, size_t *len);
/* The last lines of the guest console, for error messages. */
void vm_console_tail(const struct vm_session *s, char *buf, size_t len);

/* vm_serve.c: from "created" to the end; the workload's wait status (QEMU may still be ending, or
 * be a zombie not yet reaped). */
int vm_serve(struct monitor_args *a, struct vm_session *s);

/* The verdict on KVM for this host (remembered under the state root): true when QEMU should
 * try it; else why not in `why`. */
bool vm_kvm_usable(const char *root, char *why, size_t len);
void vm_kvm_record(const char *root, const char *verdict);

#endif
