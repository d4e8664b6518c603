/* SBX_TRACE: the handshake with sbx-trace (runtime/trace_hook.h). */
#include "runtime/trace_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/error.h"
#include "loader/trace.h"
#include "runtime/cgroup.h"

static int map_fd = -1, sub_fd = -1;
static unsigned slot;

int trace_hook_from_env(struct sbx_error *err)
{
	const char *v = getenv(SBX_TRACE_ENV);
	int m, s, n = 0;

	if (!v)
		return 0;
	if (sscanf(v, "%d:%u:%d%n", &m, &slot, &s, &n) != 3 || v[n] || m < 3 || s < 3 ||
	    fcntl(m, F_SETFD, FD_CLOEXEC) < 0 || fcntl(s, F_SETFD, FD_CLOEXEC) < 0)
		return sbx_err(err, EINVAL,
			       "%s=\"%s\": expected MAPFD:SLOT:SOCKFD, open fds from sbx-trace",
			       SBX_TRACE_ENV, v);
	unsetenv(SBX_TRACE_ENV);
	map_fd = m;
	sub_fd = s;
	return 0;
}

int trace_hook_register(const struct sbx_cgroup *cg, struct sbx_error *err)
{
	uint64_t id = cg ? cgroup_v2_id(cg) : 0;
	int r;

	if (map_fd < 0)
		return 0;
	if (!id)
		return sbx_err(err, ENOTSUP, "sbx-trace: the sandbox has no v2 cgroup to trace");
	r = sbx_trace_map_add(map_fd, id, slot, false);
	return r < 0 ? sbx_err_errno(err, -r, "sbx-trace: adding the sandbox's cgroup") : 0;
}

int trace_hook_subscriber_fd(void)
{
	return sub_fd;
}
