/* The control channel between sbx (host) and sbx-agent (guest PID 1): length-prefixed
 * messages over one virtio-serial port. Both ends are x86_64 builds of the same tree, so the
 * header is in host byte order. */
#ifndef SBX_MICROVM_PROTO_H
#define SBX_MICROVM_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The port's name in the guest (/sys/class/virtio-ports/vportNpM/name). */
#define VM_PORT_NAME "sbx.ctl"
/* The 9p mount tag of the root file system; volumes are "vol0", "vol1", ... */
#define VM_ROOT_TAG "sbxroot"

enum vm_msg {
	/* guest → host */
	VM_READY = 1, /* the agent is up; payload: the guest kernel release */
	VM_CREATED,   /* the workload exists and waits for VM_START; payload: empty */
	VM_STDOUT,    /* payload: bytes */
	VM_STDERR,    /* payload: bytes */
	VM_EXIT,      /* payload: int32 wait status */
	VM_ERROR,     /* payload: message (the workload could not be started) */
	/* host → guest */
	VM_SPEC = 16, /* payload: JSON (microvm/spec.c) */
	VM_SECCOMP,   /* payload: needs_listener byte + struct sock_filter[] */
	VM_START,     /* payload: empty */
	VM_STDIN,     /* payload: bytes */
	VM_STDIN_EOF, /* payload: empty */
	VM_SIGNAL,    /* payload: int32 signal number */
	VM_WINSIZE,   /* payload: uint16 rows, uint16 cols */
};

struct vm_hdr {
	uint32_t len; /* payload bytes */
	uint32_t type;
};

#define VM_MSG_MAX (256 * 1024)

/* Send one message (blocking; retries on EINTR and EAGAIN). */
int vm_send(int fd, enum vm_msg type, const void *payload, size_t len);
int vm_send_i32(int fd, enum vm_msg type, int32_t v);

/* A reader for a stream that may deliver a message in pieces. */
struct vm_reader {
	size_t have;
	size_t consumed; /* the message vm_next returned last */
	char buf[sizeof(struct vm_hdr) + VM_MSG_MAX];
};

/* Read what is there: bytes read, 0 at end of stream, or -errno (-EAGAIN when nothing). */
int vm_fill(struct vm_reader *r, int fd);
/* The next whole message: 1 and its type and payload (valid until the next call), 0 when
 * more bytes are needed, -EPROTO when the stream is corrupt. */
int vm_next(struct vm_reader *r, uint32_t *type, const char **payload, size_t *len);

#endif
