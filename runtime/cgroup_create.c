/* Creating a sandbox's cgroups: directories in every hierarchy, then the limits. */
#include "runtime/cgroup_internal.h"
#include "runtime/oci.h"
#include "lib/error.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* mkdir one component; *ret_made tells whether this call created it. */
static int make_dir(const char *path, bool *ret_made)
{
	if (mkdir(path, 0755) == 0) {
		*ret_made = true;
		return 0;
	}
	*ret_made = false;
	return errno == EEXIST ? 0 : -errno;
}

/* One pass of mkdir -p root/name, where name's last component must be new. Parents made are
 * marked, so whichever process destroys the last sandbox in them removes them. */
static int make_path(struct cgroup_hier *h, const char *name, struct sbx_error *err)
{
	char path[PATH_MAX];
	size_t len = (size_t)snprintf(path, sizeof(path), "%s", h->root);
	for (const char *p = name;;) {
		size_t n = strcspn(p, "/");
		bool leaf = !p[n], made;
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%.*s", (int)n, p);
		int r = make_dir(path, &made);
		if (r < 0)
			return sbx_err_errno(err, r, "mkdir %s", path);
		if (leaf && !made)
			return sbx_err(err, EEXIST, "%s: the sandbox's cgroup exists already",
				       path);
		if (leaf) {
			h->owned = true;
			return 0;
		}
		if (made) {
			h->parents_made++;
			(void)setxattr(path, CGROUP_CREATED_XATTR, "1", 1, 0);
		}
		p += n + 1;
	}
}

/* A sandbox being destroyed may remove a shared parent between our mkdirs: try again. */
static int make_hier(struct cgroup_hier *h, const char *name, struct sbx_error *err)
{
	int r = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		r = make_path(h, name, err);
		if (r != -ENOENT)
			return r;
	}
	return r;
}

static int make_dirs(struct sbx_cgroup *cg, struct sbx_error *err)
{
	if (cg->v2.path) {
		int r = make_hier(&cg->v2, cg->name, err);
		if (r < 0)
			return r;
		struct stat st;
		if (stat(cg->v2.path, &st) < 0)
			return sbx_err_errno(err, errno, "stat %s", cg->v2.path);
		cg->v2_id = st.st_ino;
	}
	for (size_t i = 0; i < cg->n_v1; i++) {
		int r = make_hier(&cg->v1[i], cg->name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_keeper_dir(const struct sbx_cgroup *cg, struct sbx_error *err)
{
	char path[PATH_MAX];
	if (cgroup_keeper_path(cg, path, sizeof(path)) < 0)
		return 0; /* no v2: the keeper stays where it was forked */
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return sbx_err_errno(err, errno, "mkdir %s", path);
	return 0;
}

static int apply_limits(struct sbx_cgroup *cg, const struct oci_resources *res,
			struct sbx_error *err)
{
	if (cg->layout != CGROUP_V2)
		return res ? cgroup_v1_apply(cg, res, err) : 0;
	int r = cgroup_v2_enable_controllers(cg, res, err);
	if (r == 0 && res)
		r = cgroup_v2_apply(cg, res, err);
	return r;
}

int cgroup_create(const char *name, const struct oci_resources *res, struct sbx_cgroup **ret,
		  struct sbx_error *err)
{
	struct sbx_cgroup *cg = NULL;
	int r = cgroup_new(name, &cg, err);
	if (r < 0)
		return r;
	if (!cg->v2.path && cg->n_v1 == 0) {
		r = sbx_err(err, ENOTSUP, "%s: no usable cgroup hierarchy", CGROUP_MOUNT);
		goto out_free;
	}
	r = make_dirs(cg, err);
	if (r == 0)
		r = make_keeper_dir(cg, err);
	if (r == 0)
		r = apply_limits(cg, res, err);
	if (r < 0)
		goto out_remove;
	*ret = cg;
	return 0;
out_remove:
	cgroup_remove_dirs(cg, NULL);
out_free:
	cgroup_free(cg);
	return err ? sbx_err_prefix(err, "create cgroup %s", name) : r;
}
