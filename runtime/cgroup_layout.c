/* Which cgroup hierarchies this host has, and the sandbox's path in each. */
#include "runtime/cgroup_internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

static const char *const v1_controllers[CGROUP_MAX_V1] = {
    "memory", "pids", "cpu", "cpuacct", "freezer", "devices",
};

static bool is_fs(const char *path, long magic)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

int cgroup_detect(enum cgroup_layout *ret, struct sbx_error *err)
{
	struct statfs sf;
	if (statfs(CGROUP_MOUNT, &sf) < 0)
		return sbx_err_errno(err, errno, "statfs %s", CGROUP_MOUNT);
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		*ret = CGROUP_V2;
		return 0;
	}
	if (sf.f_type != TMPFS_MAGIC && sf.f_type != CGROUP_SUPER_MAGIC)
		return sbx_err(err, ENOENT, "%s: not a cgroup file system (magic 0x%lx)",
			       CGROUP_MOUNT, (unsigned long)sf.f_type);
	*ret = is_fs(CGROUP_UNIFIED_MOUNT, CGROUP2_SUPER_MAGIC) ? CGROUP_HYBRID : CGROUP_V1;
	return 0;
}

const char *cgroup_layout_name(enum cgroup_layout layout)
{
	switch (layout) {
	case CGROUP_V1:
		return "v1";
	case CGROUP_V2:
		return "v2";
	case CGROUP_HYBRID:
		return "hybrid";
	}
	return "unknown";
}

/* Relative, no empty, "." or ".." components. */
static bool name_valid(const char *name)
{
	if (!name || !*name || *name == '/' || strlen(name) >= PATH_MAX / 2)
		return false;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

static int hier_init(struct cgroup_hier *h, const char *controller, const char *root,
		     const char *name)
{
	h->controller = controller;
	h->root = strdup(root);
	if (!h->root || asprintf(&h->path, "%s/%s", root, name) < 0) {
		h->path = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A v1 controller's mount point; combined mounts (cpu,cpuacct) are listed once. */
static int add_v1(struct sbx_cgroup *cg, const char *controller)
{
	char dir[PATH_MAX], real[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_MOUNT, controller);
	if (!is_fs(dir, CGROUP_SUPER_MAGIC) || !realpath(dir, real))
		return 0;
	for (size_t i = 0; i < cg->n_v1; i++)
		if (!strcmp(cg->v1[i].root, real))
			return 0;
	return hier_init(&cg->v1[cg->n_v1++], controller, real, cg->name);
}

int cgroup_new(const char *name, struct sbx_cgroup **ret, struct sbx_error *err)
{
	if (!name_valid(name))
		return sbx_err(err, EINVAL,
			       "cgroup name '%s': must be a relative path without "
			       "'.' or '..' components",
			       name ? name : "");
	struct sbx_cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return sbx_err(err, ENOMEM, "cgroup: out of memory");
	int r = cgroup_detect(&cg->layout, err);
	if (r < 0)
		goto out_free;
	r = -ENOMEM;
	cg->name = strdup(name);
	if (!cg->name)
		goto out_nomem;
	if (cg->layout == CGROUP_V2 && hier_init(&cg->v2, NULL, CGROUP_MOUNT, name) < 0)
		goto out_nomem;
	if (cg->layout == CGROUP_HYBRID && hier_init(&cg->v2, NULL, CGROUP_UNIFIED_MOUNT, name) < 0)
		goto out_nomem;
	for (size_t i = 0; cg->layout != CGROUP_V2 && i < ARRAY_SIZE(v1_controllers); i++)
		if (add_v1(cg, v1_controllers[i]) < 0)
			goto out_nomem;
	*ret = cg;
	return 0;
out_nomem:
	sbx_err(err, ENOMEM, "cgroup: out of memory");
out_free:
	cgroup_free(cg);
	return r;
}

const struct cgroup_hier *cgroup_find_v1(const struct sbx_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (!strcmp(cg->v1[i].controller, controller))
			return &cg->v1[i];
	return NULL;
}
