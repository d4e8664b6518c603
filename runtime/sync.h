/* Messages between the monitor (later the sentry) and the container init, on a SEQPACKET
 * socketpair: HELLO (init exists) → GO (cgroup joined, id maps written) → OBJECTS (the
 * BPF-LSM layer's files, with their fds: runtime/lsm_objects.h), none or more → READY or
 * ERROR. */
#ifndef SBX_RUNTIME_SYNC_H
#define SBX_RUNTIME_SYNC_H

#include <stddef.h>

enum sync_type {
	SYNC_HELLO = 'H',
	SYNC_GO = 'G',
	SYNC_OBJECTS = 'O',
	SYNC_READY = 'R',
	SYNC_ERROR = 'E',
};

int sync_send(int fd, char type, const char *msg);
/* Returns 0 and the type (and message, NUL-terminated), or -EPIPE on EOF. */
int sync_recv(int fd, char *ret_type, char *msg, size_t len);

#endif
