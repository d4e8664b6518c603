/* The client side of sbxd's control socket: one JSON request, one JSON reply line.
 * Used by sbx (register/unregister), sbx-hook and the tests. Protocol: SOCK_STREAM, one JSON
 * object per line each way, one request per connection. */
#ifndef SBX_TOOLS_SBXD_CLIENT_H
#define SBX_TOOLS_SBXD_CLIENT_H

#include <jansson.h>

#include "lib/error.h"

#define SBXD_SOCKET_DEFAULT "/run/sbx/sbxd.sock"

/* The longest reply a client accepts (a list of many sandboxes). */
#define SBXD_REPLY_MAX (1 << 20)

/* $SBXD_SOCKET when set and not empty, else SBXD_SOCKET_DEFAULT. */
const char *sbxd_socket_path(void);

/* Send one request, wait at most timeout_ms for the one-line reply. 0 with *reply set when the
 * reply says ok:true; -errno otherwise (-ETIMEDOUT, -ECONNREFUSED, -ENOENT, -EPROTO with the
 * reply's "error" copied into err when there is one). reply may be NULL when the caller does
 * not need it. */
int sbxd_call(const char *socket_path, json_t *request, int timeout_ms, json_t **reply,
	      struct sbx_error *err);

#endif
