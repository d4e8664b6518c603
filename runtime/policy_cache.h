/* Compiled policies, cached in the state root: compiling Docker's allow-list with libseccomp
 * costs ~20 ms, more than the rest of `sbx run`. An entry holds the whole key (policy text,
 * target capabilities, kernel release, libseccomp version), compared byte for byte, so a
 * hash collision is a miss, never another policy's program. */
#ifndef SBX_RUNTIME_POLICY_CACHE_H
#define SBX_RUNTIME_POLICY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct policy_program;

/* The key for `text` compiled for `caps` on this host; malloc'd. */
char *policy_cache_key(const char *kind, const char *text, size_t len, uint64_t caps,
		       size_t *ret_len);

/* 0 and the program on a hit; -ENOENT on a miss. */
int policy_cache_get(const char *dir, const char *key, size_t key_len, struct policy_program *ret,
		     bool *ret_audit);
int policy_cache_put(const char *dir, const char *key, size_t key_len,
		     const struct policy_program *p, bool audit);

#endif
