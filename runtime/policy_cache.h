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

/* What sbx remembers lives in the state root only when nobody else can write there (an
 * existing root of another owner, or a world-writable one, is refused later by create anyway).
 * Creates a missing root. */
bool policy_cache_root_usable(const char *root);

/* The key for `text` compiled for `caps` on this host; malloc'd. */
char *policy_cache_key(const char *kind, const char *text, size_t len, uint64_t caps,
		       size_t *ret_len);

/* What the sentry must know of a policy besides its program. */
enum policy_cache_flag {
	POLICY_CACHE_AUDIT = 1 << 0,	       /* mode audit */
	POLICY_CACHE_EMULATE_MKNOD = 1 << 1,   /* sbx.emulate names mknod */
	POLICY_CACHE_EMULATE_MKNODAT = 1 << 2, /* ... and mknodat */
	POLICY_CACHE_NETWORK = 1 << 3,	       /* sbx.network has a list: parse the text too */
	POLICY_CACHE_SYSCTL = 1 << 4,	       /* sbx.sysctl allows a name: parse the text too */
	POLICY_CACHE_FILES = 1 << 5, /* sbx.files or sbx.exec has a list: parse the text too */
	POLICY_CACHE_EXEC = 1 << 6,  /* sbx.exec.allow: only BPF-LSM enforces it */
	/* sbx.require's POLICY_REQUIRE_* bits, shifted by POLICY_CACHE_REQUIRE_SHIFT */
	POLICY_CACHE_VM = 1 << 12, /* sbx.isolation "vm" */
};
#define POLICY_CACHE_REQUIRE_SHIFT 7

/* 0, the program and its flags on a hit; -ENOENT on a miss. */
int policy_cache_get(const char *dir, const char *key, size_t key_len, struct policy_program *ret,
		     unsigned *ret_flags);
int policy_cache_put(const char *dir, const char *key, size_t key_len,
		     const struct policy_program *p, unsigned flags);

#endif
