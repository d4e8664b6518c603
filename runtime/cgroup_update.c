/* Changing the limits of a running sandbox (`sbx update`). */
#include "runtime/cgroup_internal.h"
#include "runtime/oci.h"
#include "lib/error.h"

#include <errno.h>

int cgroup_update(struct sbx_cgroup *cg, const struct oci_resources *res, struct sbx_error *err)
{
	int r;
	if (cg->layout != CGROUP_V2)
		r = cgroup_v1_apply_limits(cg, res, err);
	else if ((r = cgroup_v2_enable_controllers(cg, res, err)) == 0)
		r = cgroup_v2_apply(cg, res, err);
	return r < 0 && err ? sbx_err_prefix(err, "update cgroup %s", cg->name) : r;
}
