#include "runtime/sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int sync_send(int fd, char type, const char *msg)
{
	char buf[1100];
	size_t n = msg ? strlen(msg) : 0;
	if (n > sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[0] = type;
	memcpy(buf + 1, msg ? msg : "", n);
	ssize_t w;
	do
		w = send(fd, buf, n + 1, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : 0;
}

int sync_recv(int fd, char *ret_type, char *msg, size_t len)
{
	char buf[1100];
	ssize_t n;
	do
		n = recv(fd, buf, sizeof(buf) - 1, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	buf[n] = '\0';
	*ret_type = buf[0];
	if (msg && len)
		snprintf(msg, len, "%s", buf + 1);
	return 0;
}
