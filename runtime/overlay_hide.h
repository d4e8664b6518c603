/* sbx.files.hidden in an overlay root: whiteouts in the upper layer (overlay_hide.c). */
#ifndef SBX_RUNTIME_OVERLAY_HIDE_H
#define SBX_RUNTIME_OVERLAY_HIDE_H

struct oci_config;
struct sbx_error;

/* Before the overlay is mounted: a whiteout in `upper` for each of `hidden` (container paths,
 * NULL-terminated, may be NULL) that exists in `lower`, outside the config's mounts. */
int overlay_hide(const struct oci_config *c, const char *lower, const char *upper,
		 char *const *hidden, struct sbx_error *err);

#endif
