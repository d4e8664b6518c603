/* The Landlock plan of a sandbox (landlock.h): made at create from the policy and the config,
 * kept in the state dir as landlock.json so that `sbx exec` builds the same ruleset.
 *
 * Writable, as the gofer sees it: the policy's sbx.files.writable paths (everything when the
 * policy has no such list) and the sandbox's own writable mounts, which the gofer leaves to
 * the kernel (tmpfs /tmp, /dev, /dev/shm, /proc, ...). A volume is a bind mount: like the
 * rest of the tree, it is writable where sbx.files.writable says so.
 *
 * Scoping (ABI 6) is asked for only where the sandbox shares the host's namespace: signals
 * when it has no PID namespace of its own, abstract unix sockets when it has no network
 * namespace. Elsewhere the namespace already confines them, and scoping would cut an `sbx
 * exec` process (a domain of its own, beside the workload's) off from the workload: `kill -HUP
 * 1` or a client of an abstract socket would fail. */
#include "runtime/landlock.h"

#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "runtime/mounts.h"
#include "runtime/oci.h"
#include "runtime/policy_cache.h"
#include "runtime/sandbox.h"

#define PLAN_MAX_FILE (1 << 20)

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Neither a bind mount (a volume) nor read-only. */
static bool own_writable_mount(const struct oci_mount *m)
{
	struct mount_opts mo;
	if (mount_opts_parse(m->options, &mo) < 0)
		return false;
	bool bind = (mo.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
	return !bind && !(mo.flags & MS_RDONLY);
}

static int plan_full(const struct sandbox_spec *spec, struct landlock_plan *p)
{
	const struct oci_config *c = spec->config;
	size_t n = 0;
	int r = 0;
	if (!spec->files_writable)
		return strv_push(&p->full, &n, "/");
	for (char **w = spec->files_writable; *w && r == 0; w++)
		r = strv_push(&p->full, &n, *w);
	for (size_t i = 0; i < c->n_mounts && r == 0; i++)
		if (own_writable_mount(&c->mounts[i]))
			r = strv_push(&p->full, &n, c->mounts[i].destination);
	if (r == 0 && !p->full)
		p->full = calloc(1, sizeof(char *)); /* an empty list: nothing writable */
	return r < 0 ? r : p->full ? 0 : -ENOMEM;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Landlock rules name single ports: a rule for any port leaves the access unhandled, and so
 * do more ports than LANDLOCK_PORTS_MAX. The address is cgroup-BPF's to check. */
static int plan_ports(const struct sbx_net_list *l, struct landlock_ports *ret)
{
	size_t total = 0, n = 0;
	*ret = (struct landlock_ports){0};
	if (!l->on)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->rules[i].port_lo == 0 && l->rules[i].port_hi == 65535)
			return 0;
		total += (size_t)(l->rules[i].port_hi - l->rules[i].port_lo) + 1;
		if (total > LANDLOCK_PORTS_MAX)
			return 0;
	}
	uint16_t *ports = calloc(total + 1, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		for (unsigned p = l->rules[i].port_lo; p <= l->rules[i].port_hi; p++)
			ports[n++] = (uint16_t)p;
	qsort(ports, n, sizeof(*ports), cmp_u16);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ports[k - 1] != ports[i])
			ports[k++] = ports[i];
	*ret = (struct landlock_ports){.on = true, .n = k, .ports = ports};
	return 0;
}

static bool has_ns(const struct oci_config *c, int type)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (c->namespaces[i].type == type)
			return true;
	return false;
}

int landlock_plan_make(const struct sandbox_spec *spec, struct landlock_plan *ret)
{
	struct landlock_plan p = {0};
	size_t n = 0;
	int r = plan_full(spec, &p);
	for (char **h = spec->files_hidden; r == 0 && h && *h; h++)
		r = strv_push(&p.hidden, &n, *h);
	if (r == 0 && (r = plan_ports(&spec->net_egress, &p.connect)) == 0)
		r = plan_ports(&spec->net_bind, &p.bind);
	if (r < 0) {
		landlock_plan_free(&p);
		return r;
	}
	p.scope_signal = !has_ns(spec->config, CLONE_NEWPID);
	p.scope_abstract_unix = !has_ns(spec->config, CLONE_NEWNET);
	p.required = (spec->policy_flags >> POLICY_CACHE_REQUIRE_SHIFT) & POLICY_REQUIRE_LANDLOCK;
	*ret = p;
	return 0;
}

void landlock_plan_free(struct landlock_plan *p)
{
	strv_free(p->full);
	strv_free(p->hidden);
	free(p->connect.ports);
	free(p->bind.ports);
	*p = (struct landlock_plan){0};
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *ports_json(const struct landlock_ports *p)
{
	if (!p->on)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; a && i < p->n; i++)
		json_array_append_new(a, json_integer(p->ports[i]));
	return a;
}

json_t *landlock_plan_json(const struct landlock_plan *p)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:b, s:b, s:b}", "full", strv_json(p->full),
			 "hidden", strv_json(p->hidden), "connect", ports_json(&p->connect), "bind",
			 ports_json(&p->bind), "scopeSignal", p->scope_signal, "scopeAbstractUnix",
			 p->scope_abstract_unix, "required", p->required);
}

int landlock_plan_save(const struct landlock_plan *p, const char *path)
{
	json_t *doc = landlock_plan_json(p);
	if (!doc)
		return -ENOMEM;
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	return write_file_atomic(path, text, strlen(text), 0600);
}

static int strv_from_json(const json_t *a, char ***ret)
{
	size_t i, n = 0;
	json_t *e;
	if (!json_is_array(a))
		return -EINVAL;
	*ret = calloc(1, sizeof(char *));
	if (!*ret)
		return -ENOMEM;
	json_array_foreach (a, i, e) {
		if (!json_is_string(e))
			return -EINVAL;
		int r = strv_push(ret, &n, json_string_value(e));
		if (r < 0)
			return r;
	}
	return 0;
}

static int ports_from_json(const json_t *a, struct landlock_ports *ret)
{
	size_t i;
	json_t *e;
	if (json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > LANDLOCK_PORTS_MAX)
		return -EINVAL;
	ret->ports = calloc(json_array_size(a) + 1, sizeof(*ret->ports));
	if (!ret->ports)
		return -ENOMEM;
	json_array_foreach (a, i, e) {
		json_int_t v = json_integer_value(e);
		if (!json_is_integer(e) || v < 0 || v > 65535)
			return -EINVAL;
		ret->ports[i] = (uint16_t)v;
	}
	ret->n = json_array_size(a);
	ret->on = true;
	return 0;
}

static int plan_from_json(const json_t *doc, struct landlock_plan *p)
{
	int r = strv_from_json(json_object_get(doc, "full"), &p->full);
	if (r == 0)
		r = strv_from_json(json_object_get(doc, "hidden"), &p->hidden);
	if (r == 0)
		r = ports_from_json(json_object_get(doc, "connect"), &p->connect);
	if (r == 0)
		r = ports_from_json(json_object_get(doc, "bind"), &p->bind);
	p->scope_signal = json_is_true(json_object_get(doc, "scopeSignal"));
	p->scope_abstract_unix = json_is_true(json_object_get(doc, "scopeAbstractUnix"));
	p->required = json_is_true(json_object_get(doc, "required"));
	return r;
}

int landlock_plan_load(const char *path, struct landlock_plan *ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(path, PLAN_MAX_FILE, &text, &len);
	if (r < 0)
		return r;
	json_t *doc = json_loadb(text, len, 0, NULL);
	r = landlock_plan_parse(doc, ret);
	json_decref(doc);
	return r;
}

int landlock_plan_parse(const json_t *doc, struct landlock_plan *ret)
{
	if (!json_is_object(doc))
		return -EINVAL;
	struct landlock_plan p = {0};
	int r = plan_from_json(doc, &p);
	if (r < 0) {
		landlock_plan_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}
