#include "runtime/quickspec.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/oci.h"

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int default_rootfs(char *buf, size_t len)
{
	const char *env = getenv("SBX_ROOTFS");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return is_dir(buf) ? 0 : -ENOENT;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	char *dir = dirname(exe);
	snprintf(buf, len, "%s/../share/sbx/rootfs", dir);
	if (is_dir(buf))
		return 0;
	snprintf(buf, len, "%s/rootfs", dir);
	return is_dir(buf) ? 0 : -ENOENT;
}

static int add_volume(json_t *mounts, const char *spec, struct sbx_error *err)
{
	char buf[PATH_MAX * 2 + 8], host[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *ctr = strchr(buf, ':');
	if (!ctr)
		return sbx_err(err, EINVAL, "-v %s: expected HOST:CTR[:ro]", spec);
	*ctr++ = '\0';
	char *mode = strchr(ctr, ':');
	if (mode)
		*mode++ = '\0';
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		return sbx_err(err, EINVAL, "-v %s: mode must be ro or rw", spec);
	if (ctr[0] != '/')
		return sbx_err(err, EINVAL, "-v %s: container path must be absolute", spec);
	if (!realpath(buf, host))
		return sbx_err_errno(err, errno, "-v %s: host path %s", spec, buf);
	json_t *opts = json_pack("[s, s, s]", "rbind", "nosuid", "nodev");
	if (mode && !strcmp(mode, "ro"))
		json_array_append_new(opts, json_string("ro"));
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}", "destination", ctr, "type",
						"bind", "source", host, "options", opts));
	return 0;
}

static void set_resources(json_t *linux_, const struct quick_opts *o)
{
	json_t *res = json_object_get(linux_, "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(linux_, "resources", res);
	}
	if (o->memory)
		json_object_set_new(res, "memory",
				    json_pack("{s:I}", "limit", (json_int_t)o->memory));
	if (o->pids)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)o->pids));
	if (o->cpus > 0)
		json_object_set_new(res, "cpu",
				    json_pack("{s:I, s:I}", "quota", (json_int_t)(o->cpus * 100000),
					      "period", (json_int_t)100000));
}

static int add_caps(json_t *proc, const struct quick_opts *o, struct sbx_error *err)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	json_t *caps = json_object_get(proc, "capabilities");
	for (int i = 0; i < o->n_caps; i++) {
		if (oci_cap_from_name(o->caps[i]) < 0)
			return sbx_err(err, EINVAL, "--cap-add %s: unknown capability", o->caps[i]);
		for (size_t k = 0; k < 3; k++) {
			json_t *set = json_object_get(caps, sets[k]);
			if (!set)
				json_object_set_new(caps, sets[k], set = json_array());
			json_array_append_new(set, json_string(o->caps[i]));
		}
	}
	return 0;
}

static void drop_network_ns(json_t *linux_)
{
	json_t *ns = json_object_get(linux_, "namespaces");
	size_t i;
	json_t *v;
	json_array_foreach (ns, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "type")) ?: "", "network")) {
			json_array_remove(ns, i);
			return;
		}
	}
}

int quickspec_build(const struct quick_opts *o, const char *id, char **ret_text,
		    struct sbx_error *err)
{
	char rootfs[PATH_MAX];
	if (o->rootfs) {
		if (!realpath(o->rootfs, rootfs))
			return sbx_err_errno(err, errno, "--rootfs %s", o->rootfs);
	} else if (default_rootfs(rootfs, sizeof(rootfs)) < 0) {
		return sbx_err(err, ENOENT,
			       "no rootfs given and the default rootfs is not "
			       "installed (make rootfs, or set SBX_ROOTFS)");
	}
	_cleanup_free_ char *base = oci_default_spec(false);
	json_error_t jerr;
	json_t *c = base ? json_loads(base, 0, &jerr) : NULL;
	if (!c)
		return sbx_err(err, ENOMEM, "build the default spec");
	json_t *proc = json_object_get(c, "process"), *args = json_array();
	for (char **a = o->args; *a; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	if (add_caps(proc, o, err) < 0) {
		json_decref(c);
		return -EINVAL;
	}
	/* With the gofer (the default) the root is writable through it; without, read-only. The
	 * container's own mount of it is read-only either way. */
	json_object_set_new(
	    c, "root", json_pack("{s:s, s:b}", "path", rootfs, "readonly", o->no_gofer ? 1 : 0));
	json_t *ann = json_object();
	json_object_set_new(c, "annotations", ann);
	if (o->no_gofer)
		json_object_set_new(ann, "io.sbx.gofer", json_string("false"));
	if (o->isolation)
		json_object_set_new(ann, "io.sbx.isolation", json_string(o->isolation));
	if (o->kernel)
		json_object_set_new(ann, "io.sbx.vm.kernel", json_string(o->kernel));
	if (o->initramfs)
		json_object_set_new(ann, "io.sbx.vm.initramfs", json_string(o->initramfs));
	json_object_set_new(c, "hostname", json_string(id));
	json_t *mounts = json_object_get(c, "mounts");
	json_array_append_new(mounts,
			      json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination", "/tmp",
					"type", "tmpfs", "source", "tmpfs", "options", "nosuid",
					"nodev", "mode=1777", "size=65536k"));
	for (int i = 0; i < o->n_volumes; i++) {
		int r = add_volume(mounts, o->volumes[i], err);
		if (r < 0) {
			json_decref(c);
			return r;
		}
	}
	json_t *linux_ = json_object_get(c, "linux");
	set_resources(linux_, o);
	if (o->host_network)
		drop_network_ns(linux_);
	*ret_text = json_dumps(c, JSON_INDENT(2));
	json_decref(c);
	return *ret_text ? 0 : sbx_err(err, ENOMEM, "dump config");
}
