/* Registration with sbxd over its control socket ($SBXD_SOCKET or /run/sbx/sbxd.sock). */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "lib/error.h"
#include "lib/log.h"
#include "runtime/sbxd_register.h"
#include "runtime/state.h"
#include "lib/sbxd_client.h"

static void call(json_t *req, const char *what, const char *id)
{
	struct sbx_error err = {0};
	if (!req)
		return;
	int r = sbxd_call(sbxd_socket_path(), req, SBXD_REGISTER_TIMEOUT_MS, NULL, &err);
	json_decref(req);
	/* No sbxd here is the common case: not even worth a debug line. */
	if (r < 0 && r != -ENOENT && r != -ECONNREFUSED)
		log_debug("%s %s with sbxd: %s", what, id, err.msg);
}

void sbxd_register_sandbox(const struct container_state *st)
{
	json_t *req = json_pack("{s:s, s:s, s:i, s:s, s:s, s:n, s:s, s:s}", "op", "register", "id",
				st->id, "pid", (int)st->pid, "cgroup", st->cgroup, "bundle",
				st->bundle, "policy", "source", "sbx", "state_dir", st->dir);
	call(req, "register", st->id);
}

void sbxd_unregister_sandbox(const char *id)
{
	call(json_pack("{s:s, s:s}", "op", "unregister", "id", id), "unregister", id);
}
