/* Passing file descriptors over unix sockets (SCM_RIGHTS). */
#ifndef SBX_LIB_FDPASS_H
#define SBX_LIB_FDPASS_H

#include <stddef.h>

/* Send `nfds` fds with a payload of `len` bytes (at least one byte is sent). */
int fd_send(int sock, const int *fds, size_t nfds, const void *data, size_t len);

/* Receive up to `maxfds` fds (O_CLOEXEC) and up to `len` bytes. Returns bytes received
 * (0 on EOF) and stores the number of fds in *ret_nfds. Extra fds are closed. */
int fd_recv(int sock, int *ret_fds, size_t maxfds, size_t *ret_nfds, void *data, size_t len);

/* One fd that keeps `n` others open: a socket holding them in flight to itself (SCM_RIGHTS)
 * until it is closed. The caller still owns its own copies. Returns the socket (close-on-exec)
 * or -errno. */
int fd_hold(const int *fds, size_t n);

#endif
