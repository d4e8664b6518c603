/* From a bundle directory (or a generated config) to a ready sandbox_spec. */
#include "runtime/bundle.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GOFER_ANNOTATION     "io.sbx.gofer"
#define ISOLATION_ANNOTATION "io.sbx.isolation"
#define KERNEL_ANNOTATION    "io.sbx.vm.kernel"
#define INITRAMFS_ANNOTATION "io.sbx.vm.initramfs"

#include <jansson.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/oci.h"
#include "runtime/policy_cache.h"

static bool have_cap(int cap)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

/* Raising a hard limit needs CAP_SYS_RESOURCE; without it, say so before anything starts. */
static int check_rlimits(const struct oci_config *c, struct sbx_error *err)
{
	if (have_cap(CAP_SYS_RESOURCE))
		return 0;
	for (size_t i = 0; i < c->process.n_rlimits; i++) {
		const struct oci_rlimit *rl = &c->process.rlimits[i];
		struct rlimit host;
		if (getrlimit(rl->resource, &host) < 0 || rl->hard <= host.rlim_max)
			continue;
		return sbx_err(
		    err, EPERM,
		    "%s: process.rlimits: %s hard limit %llu is above this host's hard "
		    "limit %llu (raising it needs CAP_SYS_RESOURCE, which sbx lacks here)",
		    c->name, oci_rlimit_name(rl->resource), (unsigned long long)rl->hard,
		    (unsigned long long)host.rlim_max);
	}
	return 0;
}

/* A namespace joined by path that is this host's own (sbx's) is refused: sharing the host's
 * is said by leaving the entry out, so a path that leads there is a mistake somewhere, such
 * as a manager that took a pid-file's pid (sbx's is the sentry's, which lives in the host's
 * pid namespace) for the pid of a container whose namespaces others should join. */
static int check_joined_namespaces(const struct oci_config *c, struct sbx_error *err)
{
	static const struct {
		int type;
		const char *file;
	} own[] = {{CLONE_NEWPID, "pid"},      {CLONE_NEWNET, "net"}, {CLONE_NEWIPC, "ipc"},
		   {CLONE_NEWUTS, "uts"},      {CLONE_NEWNS, "mnt"},  {CLONE_NEWUSER, "user"},
		   {CLONE_NEWCGROUP, "cgroup"}};
	for (size_t i = 0; i < c->n_namespaces; i++) {
		const struct oci_namespace *ns = &c->namespaces[i];
		char mine[64];
		struct stat a, b;
		for (size_t k = 0; ns->path && k < ARRAY_SIZE(own); k++) {
			snprintf(mine, sizeof(mine), "/proc/self/ns/%s", own[k].file);
			if (own[k].type != ns->type || stat(ns->path, &a) < 0 ||
			    stat(mine, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
				continue;
			return sbx_err(
			    err, EPERM,
			    "%s: linux.namespaces: %s is this host's own %s namespace; a "
			    "sandbox shares the host's only when the entry is left out",
			    c->name, ns->path, own[k].file);
		}
	}
	return 0;
}

/* io.sbx.isolation: "vm" runs the workload in a microVM, whose guest kernel writes to its own
 * overlay (or, when the root is not read-only, through to the rootfs): no gofer there. */
static int choose_isolation(struct sandbox_spec *spec, const struct oci_config *c,
			    struct sbx_error *err)
{
	const char *v = json_string_value(json_object_get(c->annotations, ISOLATION_ANNOTATION));
	if (v && strcmp(v, "vm") && strcmp(v, "container"))
		return sbx_err(err, EINVAL, "%s: annotation %s must be \"vm\" or \"container\"",
			       c->name, ISOLATION_ANNOTATION);
	spec->vm_kernel = json_string_value(json_object_get(c->annotations, KERNEL_ANNOTATION));
	spec->vm_initramfs =
	    json_string_value(json_object_get(c->annotations, INITRAMFS_ANNOTATION));
	spec->vm = v && !strcmp(v, "vm");
	if (spec->vm)
		spec->gofer = false;
	spec->vm_persist = !c->root_readonly;
	return 0;
}

int bundle_prepare(struct sandbox_spec *spec, const char *bundle, struct oci_config *c,
		   const char *policy_file, struct bundle_paths *paths, struct sbx_error *err)
{
	if (!realpath(bundle, paths->bundle))
		return sbx_err_errno(err, errno, "bundle %s", bundle);
	spec->bundle = paths->bundle;
	spec->config = c;
	int r = c->root_path[0] == '/'
		    ? str_copy(paths->rootfs, sizeof(paths->rootfs), c->root_path)
		    : path_join(paths->rootfs, sizeof(paths->rootfs), paths->bundle, c->root_path);
	if (r < 0)
		return sbx_err(err, ENAMETOOLONG, "%s: root.path too long", c->name);
	struct stat st;
	if (stat(paths->rootfs, &st) < 0)
		return sbx_err_errno(err, errno, "%s: root.path %s", c->name, paths->rootfs);
	if (!S_ISDIR(st.st_mode))
		return sbx_err(err, ENOTDIR, "%s: root.path %s is not a directory", c->name,
			       paths->rootfs);
	spec->rootfs = paths->rootfs;
	/* Every sandbox has a gofer unless the annotation turns it off. For an OCI bundle its
	 * view is the bundle's rootfs itself (the container's own layer), read-only if
	 * root.readonly says so. */
	const char *g = json_string_value(json_object_get(c->annotations, GOFER_ANNOTATION));
	spec->gofer = !g || !strcmp(g, "true");
	if (g && strcmp(g, "true") && strcmp(g, "false"))
		return sbx_err(err, EINVAL, "%s: annotation %s must be \"true\" or \"false\"",
			       c->name, GOFER_ANNOTATION);
	if ((r = choose_isolation(spec, c, err)) < 0)
		return r;
	r = check_rlimits(c, err);
	if (r == 0)
		r = check_joined_namespaces(c, err);
	if (r < 0)
		return r;
	if ((r = sandbox_compile_policy(spec, policy_file, err)) < 0)
		return r;
	/* A policy may ask for the microVM itself. */
	if (spec->policy_flags & POLICY_CACHE_VM)
		spec->vm = true, spec->gofer = false;
	return sandbox_check_required(spec, err);
}

int bundle_load(struct sandbox_spec *spec, const char *bundle, const char *policy_file,
		struct bundle_paths *paths, struct sbx_error *err)
{
	struct oci_config *c = NULL;
	int r = oci_config_load(bundle, &c, err);
	if (r < 0)
		return r;
	r = bundle_prepare(spec, bundle, c, policy_file, paths, err);
	if (r < 0) {
		oci_config_free(c);
		spec->config = NULL;
	}
	return r;
}

void bundle_spec_clear(struct sandbox_spec *spec)
{
	oci_config_free(spec->config);
	spec->config = NULL;
	policy_program_free(&spec->prog);
	landlock_plan_free(&spec->landlock);
}
