/* Event subscribers: connections accepted on events_fd, each sent every struct sbx_event as
 * one SOCK_SEQPACKET message. Sends never block: a subscriber whose queue is full loses the
 * event (counted), one whose connection failed is dropped. */
#include "sentry/internal.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int sentry_events_accept(struct sentry *s)
{
	int fd = accept4(s->events_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
	if (s->nsubs >= SENTRY_MAX_SUBSCRIBERS) {
		close(fd);
		return -EMFILE;
	}
	s->subs[s->nsubs++] = (struct sentry_subscriber){.fd = fd};
	return 0;
}

void sentry_subscriber_remove(struct sentry *s, size_t i)
{
	close(s->subs[i].fd);
	s->lost_dropped += s->subs[i].lost;
	s->subs[i] = s->subs[--s->nsubs];
}

void sentry_events_emit(struct sentry *s, const struct sbx_event *ev)
{
	for (size_t i = 0; i < s->nsubs;) {
		ssize_t n = send(s->subs[i].fd, ev, sizeof(*ev), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			s->subs[i].lost++;
		} else if (n < 0) {
			sentry_subscriber_remove(s, i);
			continue;
		}
		i++;
	}
}
