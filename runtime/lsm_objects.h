/* The inodes the BPF-LSM layer puts rules on (sbx.files.hidden and .readonly, sbx.exec.allow),
 * as O_PATH fds. The container's init opens them in its own view, after pivot_root and before
 * anything is masked (a mask would stand in for the file), and sends them to the monitor with
 * SYNC_OBJECTS messages before SYNC_READY. The monitor teaches them to the programs and the
 * sentry holds them for the sandbox's life: an inode that stays open keeps its number (an
 * overlay gives a directory a new one each time it is read in again). */
#ifndef SBX_RUNTIME_LSM_OBJECTS_H
#define SBX_RUNTIME_LSM_OBJECTS_H

#include <stddef.h>

#include "loader/lsm.h"

struct sandbox_spec;
struct sbx_error;

struct lsm_objects {
	struct sbx_lsm_object *v; /* owned fds */
	size_t n, cap;
};

/* In init, in its mount namespace after pivot_root: open every path of the spec's lists that
 * exists (beneath "/", symlinks followed inside it). A path that does not exist has nothing
 * to protect; any other failure is an error. */
int lsm_objects_open(const struct sandbox_spec *spec, struct lsm_objects *ret,
		     struct sbx_error *err);

/* Init: send them on the sync socket (SYNC_OBJECTS messages, a few fds each). 0 or -errno. */
int lsm_objects_send(int sock, const struct lsm_objects *o);

/* Monitor: receive sync messages, keeping the objects that come, until another message:
 * its type and text as sync_recv gives them. 0, or -errno (-EPIPE: init went away). */
int lsm_objects_recv(int sock, struct lsm_objects *o, char *ret_type, char *msg, size_t len);

/* Close every fd and free; safe on a zeroed struct. */
void lsm_objects_close(struct lsm_objects *o);

#endif
