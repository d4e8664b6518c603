/* Bounded line I/O on accepted connections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tools/sbxd_conn.h"

void sbxd_conn_timeouts(int conn)
{
	struct timeval tv = {.tv_sec = SBXD_CONN_TIMEOUT_MS / 1000,
			     .tv_usec = (SBXD_CONN_TIMEOUT_MS % 1000) * 1000};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int sbxd_conn_read_line(int conn, char **ret)
{
	_cleanup_free_ char *buf = malloc(SBXD_REQUEST_MAX + 1);
	size_t len = 0;
	if (!buf)
		return -ENOMEM;
	while (len < SBXD_REQUEST_MAX) {
		ssize_t n = recv(conn, buf + len, SBXD_REQUEST_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			break;
		char *nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			len = (size_t)(nl - buf);
			break;
		}
	}
	if (len == SBXD_REQUEST_MAX)
		return -EMSGSIZE;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int sbxd_conn_write_line(int conn, const char *s)
{
	int r = write_all(conn, s, strlen(s));
	return r < 0 ? r : write_all(conn, "\n", 1);
}
