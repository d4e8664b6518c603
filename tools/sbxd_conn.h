/* Line I/O on a connection sbxd accepted: bounded in size and in time, so that one slow or
 * hostile client cannot stall the daemon. Private to sbxd. */
#ifndef SBX_TOOLS_SBXD_CONN_H
#define SBX_TOOLS_SBXD_CONN_H

#include <stddef.h>

#define SBXD_CONN_TIMEOUT_MS 2000
#define SBXD_REQUEST_MAX     65536

/* Read up to the first newline (or EOF); *ret is malloc'd and NUL-terminated. */
int sbxd_conn_read_line(int conn, char **ret);
/* Write all of s, then a newline. */
int sbxd_conn_write_line(int conn, const char *s);
/* Receive and send timeouts on conn. */
void sbxd_conn_timeouts(int conn);

#endif
