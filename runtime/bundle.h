/* Loading a bundle into a sandbox_spec: config, rootfs, compiled policy. */
#ifndef SBX_RUNTIME_BUNDLE_H
#define SBX_RUNTIME_BUNDLE_H

#include <limits.h>

#include "runtime/sandbox.h"

struct bundle_paths {
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
};

/* Fill spec from an already parsed config (owned by spec on success). */
int bundle_prepare(struct sandbox_spec *spec, const char *bundle, struct oci_config *c,
		   const char *policy_file, struct bundle_paths *paths, struct sbx_error *err);
/* Load <bundle>/config.json, then bundle_prepare. */
int bundle_load(struct sandbox_spec *spec, const char *bundle, const char *policy_file,
		struct bundle_paths *paths, struct sbx_error *err);
void bundle_spec_clear(struct sandbox_spec *spec);

#endif
