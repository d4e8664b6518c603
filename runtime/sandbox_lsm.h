/* The sandbox's BPF-LSM layer (loader/lsm.h) from its policy.
 *
 * Lifetime: each sandbox gets its own instance of the programs, loaded by its monitor once the
 * container's init is set up, and held (the links, and the files the rules are on, in one fd)
 * by a keeper process until the sandbox's init has exited and its cgroup is empty
 * (keeper.h); the sentry ends the sandbox if the keeper dies. Nothing is pinned, so a
 * crash or a failed start leaves nothing loaded. */
#ifndef SBX_RUNTIME_SANDBOX_LSM_H
#define SBX_RUNTIME_SANDBOX_LSM_H

#include <stdbool.h>

#include "loader/lsm.h"

struct lsm_objects;
struct sandbox_spec;
struct sbx_cgroup;
struct sbx_error;

/* Whether the policy needs the layer: sbx.require names "lsm", or it has sbx.exec.allow, which
 * only this layer enforces. */
bool sandbox_lsm_needed(const struct sandbox_spec *spec);

/* Whether to try the layer: not when this host refused it earlier this boot (trying costs
 * ~100 ms: the kernel's BTF is read first), unless the policy needs it (sbx.require names
 * "lsm", or sbx.exec.allow, which only this layer enforces). */
bool sandbox_lsm_wanted(const struct sandbox_spec *spec);

/* Attach the programs for the sandbox's v2 cgroup, with the rules on `objs`. Where the layer
 * cannot be had, *ret stays SBX_LSM_INIT and the reason is logged: 0 (the sandbox runs with
 * the other layers), or -errno with the reason in err when the policy needs it. */
int sandbox_lsm_attach(const struct sandbox_spec *spec, const struct sbx_cgroup *cg,
		       const struct lsm_objects *objs, struct sbx_lsm *ret, struct sbx_error *err);

/* One fd that holds l's links and the objects (lib/fdpass.h fd_hold), for the keeper; l's
 * links and the objects are closed. -errno: nothing is held, nothing closed. */
int sandbox_lsm_hold(struct sbx_lsm *l, struct lsm_objects *objs);

#endif
