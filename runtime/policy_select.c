/* Which policy a sandbox runs under, compiled before anything starts. */
#include "runtime/sandbox.h"

#include <jansson.h>
#include <string.h>

#include "lib/error.h"
#include "runtime/oci.h"

#define POLICY_ANNOTATION "io.sbx.policy"

int sandbox_compile_policy(struct sandbox_spec *spec, const char *policy_file,
			   struct sbx_error *err)
{
	struct oci_config *c = spec->config;
	struct sbx_policy *p = NULL;
	const char *annot = json_string_value(json_object_get(c->annotations, POLICY_ANNOTATION));
	int r;
	if (c->seccomp)
		r = policy_from_oci(c->seccomp, c->name, c->text, c->text_len, "linux/seccomp", &p,
				    err);
	else if (annot)
		r = policy_load_file(annot, &p, err);
	else if (policy_file)
		r = policy_load_file(policy_file, &p, err);
	else
		r = policy_load_default(&p, err);
	if (r < 0)
		return r;
	struct policy_target t = {.caps = c->process.cap_bounding | c->process.cap_effective};
	r = policy_compile(p, &t, &spec->prog, err);
	spec->audit = policy_mode(p) == POLICY_AUDIT;
	policy_free(p);
	return r;
}
