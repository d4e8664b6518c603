/* From a sandbox spec to the microVM's shares, size and the agent's spec. */
#include "runtime/vm_spec.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "runtime/landlock.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"
#include "runtime/sandbox_lsm.h"

static bool has_option(char **opts, const char *o)
{
	for (; opts && *opts; opts++)
		if (!strcmp(*opts, o))
			return true;
	return false;
}

int vm_volumes(const struct sandbox_spec *spec, struct vm_volume *ret, size_t max, size_t *ret_n)
{
	const struct oci_config *c = spec->config;
	size_t n = 0;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		bool bind = (m->type && !strcmp(m->type, "bind")) ||
			    has_option(m->options, "bind") || has_option(m->options, "rbind");
		if (!bind || !m->source || m->source[0] != '/')
			continue;
		if (n == max)
			return -E2BIG;
		ret[n++] = (struct vm_volume){.host = m->source,
					      .dest = m->destination,
					      .readonly = has_option(m->options, "ro")};
	}
	*ret_n = n;
	return 0;
}

/* The config's tmpfs mounts, which the agent makes in the guest: [{destination, data}] */
static json_t *tmpfs_json(const struct oci_config *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (!m->type || strcmp(m->type, "tmpfs") || str_has_prefix(m->destination, "/dev"))
			continue;
		char data[256] = "";
		for (char **o = m->options; o && *o; o++)
			if (strchr(*o, '=') && strlen(data) + strlen(*o) + 2 < sizeof(data))
				strcat(strcat(data, *data ? "," : ""), *o);
		json_array_append_new(
		    a, json_pack("{s:s, s:s}", "destination", m->destination, "data", data));
	}
	return a;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; a && v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* What the agent gives the guest's BPF-LSM layer: {hidden, readonly, [exec_allow], required},
 * or NULL when the policy has no rule for it (the layer's other hooks guard a border that a
 * guest with one workload does not have). */
static json_t *lsm_json(const struct sandbox_spec *spec)
{
	bool required = sandbox_lsm_needed(spec);
	if (!required && !(spec->files_hidden && *spec->files_hidden) &&
	    !(spec->files_readonly && *spec->files_readonly))
		return NULL;
	json_t *o = json_pack("{s:o, s:o, s:b}", "hidden", strv_json(spec->files_hidden),
			      "readonly", strv_json(spec->files_readonly), "required", required);
	if (o && spec->exec_allow)
		json_object_set_new(o, "exec_allow", strv_json(spec->exec_allow));
	return o;
}

char *vm_spec_json(const struct sandbox_spec *spec, const struct vm_volume *v, size_t n)
{
	json_t *cfg = json_loadb(spec->config->text, spec->config->text_len, 0, NULL);
	json_t *vols = json_array();
	for (size_t i = 0; i < n && vols; i++) {
		char tag[32];
		snprintf(tag, sizeof(tag), "vol%zu", i);
		json_array_append_new(vols, json_pack("{s:s, s:s, s:b}", "tag", tag, "destination",
						      v[i].dest, "readonly", v[i].readonly));
	}
	json_t *o = json_pack("{s:O, s:o, s:o, s:o}", "process", json_object_get(cfg, "process"),
			      "volumes", vols, "tmpfs", tmpfs_json(spec->config), "landlock",
			      landlock_plan_json(&spec->landlock));
	const char *host = spec->config->hostname;
	if (o && host)
		json_object_set_new(o, "hostname", json_string(host));
	json_t *lsm = o ? lsm_json(spec) : NULL;
	if (lsm)
		json_object_set_new(o, "lsm", lsm);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	json_decref(cfg);
	return s;
}

void vm_size(const struct sandbox_spec *spec, unsigned *ret_mib, unsigned *ret_cpus)
{
	const struct oci_resources *r = &spec->config->resources;
	/* QEMU itself lives in the sandbox's cgroup too: leave it 64 MiB of a memory limit */
	int64_t mib = r->memory_limit > 0 ? r->memory_limit / (1 << 20) - 64 : 512;
	*ret_mib = mib < 128 ? 128 : (unsigned)mib;
	long cpus = 1, online = sysconf(_SC_NPROCESSORS_ONLN);
	if (r->cpu_quota > 0)
		cpus =
		    (long)((r->cpu_quota + (int64_t)(r->cpu_period ? r->cpu_period : 100000) - 1) /
			   (int64_t)(r->cpu_period ? r->cpu_period : 100000));
	*ret_cpus = (unsigned)(cpus > online && online > 0 ? online : cpus);
}
