/* Capability sets of the calling process. */
#ifndef SBX_LIB_CAPS_H
#define SBX_LIB_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* Bit N set for each capability N in the list. */
uint64_t caps_mask(const int *caps, size_t n);

/* Keep only `keep` (permitted and effective, of what we hold now): drop the rest from the
 * bounding set (when CAP_SETPCAP allows it; without it, no_new_privs makes the bounding set
 * moot), clear the ambient and inheritable sets. Returns 0 or -errno; `what` names the failing
 * step ("bounding set", "ambient capabilities", "capget", "capset"). */
int caps_keep_only(uint64_t keep, const char **what);

#endif
