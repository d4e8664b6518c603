/* What a microVM sandbox's agent is told (microvm/proto.h VM_SPEC), and what QEMU shares. */
#ifndef SBX_RUNTIME_VM_SPEC_H
#define SBX_RUNTIME_VM_SPEC_H

#include <stddef.h>

#include "microvm/launch.h"

struct sandbox_spec;

/* The bind mounts of the config, as 9p shares (at most `max`; the rest are refused). */
int vm_volumes(const struct sandbox_spec *spec, struct vm_volume *ret, size_t max, size_t *ret_n);
/* {"process": <the config's>, "hostname": ..., "volumes": [{tag, destination, readonly}]} */
char *vm_spec_json(const struct sandbox_spec *spec, const struct vm_volume *v, size_t n);
/* Guest memory (MiB) and CPUs from the config's resources. */
void vm_size(const struct sandbox_spec *spec, unsigned *ret_mib, unsigned *ret_cpus);

#endif
