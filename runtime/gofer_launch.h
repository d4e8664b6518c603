/* Starting a sandbox's gofer: the overlay root of the convenience form, the gofer's own
 * read-write view of the sandbox (root and volumes at their container paths), and the
 * sbx-gofer program, which then knows nothing of the host but that view. */
#ifndef SBX_RUNTIME_GOFER_LAUNCH_H
#define SBX_RUNTIME_GOFER_LAUNCH_H

#include <sys/types.h>

struct sandbox_spec;
struct sbx_error;

/* In the monitor's private mount namespace, before init and the gofer exist: the overlay
 * (lower: the rootfs; upper and work dirs in the state dir), which becomes spec->rootfs. */
int gofer_setup_root(struct sandbox_spec *spec, const char *state_dir, struct sbx_error *err);

struct gofer_child {
	pid_t pid;
	int sock;   /* our end of its socket (for the sentry) */
	int report; /* its error, if it fails before exec; EOF once it has exec'd */
};

/* Fork the gofer; it sets itself up while the caller goes on (with init). */
int gofer_spawn(const struct sandbox_spec *spec, const char *state_dir, struct gofer_child *ret,
		struct sbx_error *err);

/* Wait until the gofer has exec'd sbx-gofer, or failed: then -errno with its reason, and it
 * is reaped. Closes g->report. */
int gofer_wait_started(struct gofer_child *g, struct sbx_error *err);

/* Container paths of the mounts that are the container's own and writable in the kernel
 * (everything but binds: /proc, /dev, /tmp tmpfs, ...): malloc'd NULL-terminated list. */
char **gofer_private_mounts(const struct sandbox_spec *spec);

/* Container paths that stay read-only even for the gofer: read-only volumes, and "/" when the
 * config asks for a read-only root (not in the overlay form). */
char **gofer_ro_mounts(const struct sandbox_spec *spec);

#endif
