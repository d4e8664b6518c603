/* The built-in default policy: policy/default.json, embedded at build time. */
#include "policy/policy.h"

#ifndef SBX_DEFAULT_POLICY_PATH
#error "SBX_DEFAULT_POLICY_PATH must name policy/default.json (see the Makefile)"
#endif

/* The file's bytes followed by a NUL, in .rodata. */
__asm__(".section .rodata\n"
	".balign 16\n"
	".globl sbx_default_policy_blob\n"
	".hidden sbx_default_policy_blob\n"
	".type sbx_default_policy_blob, @object\n"
	"sbx_default_policy_blob:\n"
	".incbin \"" SBX_DEFAULT_POLICY_PATH "\"\n"
	".byte 0\n"
	".size sbx_default_policy_blob, . - sbx_default_policy_blob\n"
	".previous\n");

extern const char sbx_default_policy_blob[];

const char *policy_default_text(void)
{
	return sbx_default_policy_blob;
}
