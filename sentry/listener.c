/* Notify fds arriving after start: `sbx exec` processes install their own filter and send
 * its listener over control_fd (one connection, one fd with SCM_RIGHTS, a 1-byte ack:
 * 0 accepted, else an errno value). Connections wait in `pending` until they send, so a
 * silent client cannot stall the loop. */
#include "sentry/internal.h"
#include "lib/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int sentry_listener_remove(struct sentry *s, size_t i)
{
	close(s->listeners[i].fd);
	s->listeners[i] = s->listeners[--s->nlisteners];
	return 0;
}

int sentry_control_accept(struct sentry *s)
{
	int fd = accept4(s->control_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
	if (s->npending >= SENTRY_MAX_PENDING) {
		unsigned char ack = EAGAIN;
		send(fd, &ack, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return -EAGAIN;
	}
	s->pending[s->npending++] = fd;
	return 0;
}

int sentry_add_pending(struct sentry *s, int conn_fd)
{
	if (s->npending >= SENTRY_MAX_PENDING) {
		close(conn_fd);
		return -EAGAIN;
	}
	int fl = fcntl(conn_fd, F_GETFL);
	if (fl < 0 || fcntl(conn_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		close(conn_fd);
		return -e;
	}
	s->pending[s->npending++] = conn_fd;
	return 0;
}

static void pending_remove(struct sentry *s, size_t i)
{
	close(s->pending[i]);
	s->pending[i] = s->pending[--s->npending];
}

/* pending[i] is readable (or hung up): take its fd, answer, close it. */
int sentry_control_serve(struct sentry *s, size_t i)
{
	int fd = -1;
	size_t nfds = 0;
	char byte;
	int r = fd_recv(s->pending[i], &fd, 1, &nfds, &byte, 1);
	if (r == -EAGAIN)
		return 0;
	if (r >= 0 && nfds == 1)
		r = sentry_add_listener(s, fd);
	else if (r >= 0)
		r = -EBADMSG;
	unsigned char ack = r < 0 ? (unsigned char)-r : 0;
	send(s->pending[i], &ack, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	pending_remove(s, i);
	return r;
}
