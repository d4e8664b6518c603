/* The container's mount namespace: rootfs, OCI mounts, /dev, pivot_root, masked paths. */
#ifndef SBX_RUNTIME_MOUNTS_H
#define SBX_RUNTIME_MOUNTS_H

#include <stdbool.h>

struct oci_config;
struct sbx_error;

struct mount_opts {
	unsigned long flags;
	unsigned long propagation;
	char data[1024];
};

int mount_opts_parse(char *const *options, struct mount_opts *ret);

/* Open (creating when missing) `path` beneath the directory `rootfd` without leaving it:
 * every component is resolved with openat2(RESOLVE_IN_ROOT). Returns an O_PATH fd. */
int open_in_root(int rootfd, const char *path, bool create_dir, bool create_file);

/* In a fresh private mount namespace: everything up to and including pivot_root.
 * `in_userns`: device nodes are bind mounts. `meminfo`: a file to bind over /proc/meminfo, or
 * NULL. `brokered`: a gofer makes the changes, so every volume is read-only here whatever the
 * config says. */
int mounts_setup(const struct oci_config *c, const char *rootfs, bool in_userns,
		 const char *meminfo, bool brokered, struct sbx_error *err);

/* After pivot_root: masked and read-only paths, and the read-only root (also when
 * `brokered`). `hidden`: more paths to mask (the policy's sbx.files.hidden), or NULL. */
int mounts_restrict(const struct oci_config *c, bool brokered, char *const *hidden,
		    struct sbx_error *err);

#endif
