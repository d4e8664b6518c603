/* Event subscribers: connections accepted on events_fd (or handed over at start), each sent
 * a SBX_KIND_HELLO record and then every struct sbx_event as one SOCK_SEQPACKET message.
 * Sends never block: a subscriber whose queue is full loses the event (counted), one whose
 * connection failed is dropped. */
#include "sentry/internal.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Who this sentry serves: the sandbox id, its cgroup, init and the state dir. */
static void send_hello(const struct sentry *s, int fd)
{
	struct sbx_event ev = {
	    .version = SBX_EVENT_VERSION,
	    .source = SBX_SRC_SENTRY,
	    .kind = SBX_KIND_HELLO,
	    .syscall_nr = -1,
	    .pid = (__u32)s->init_pid,
	    .cgroup_id = s->cgroup_id,
	};
	ev.time_ns = clock_ns(CLOCK_REALTIME);
	strncpy(ev.sandbox, s->id, sizeof(ev.sandbox) - 1);
	if (s->state_dir) {
		strncpy(ev.path, s->state_dir, sizeof(ev.path) - 1);
		ev.path_len = (__u16)(strlen(ev.path) + 1);
	}
	send(fd, &ev, sizeof(ev), MSG_DONTWAIT | MSG_NOSIGNAL);
}

int sentry_events_subscribe(struct sentry *s, int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || s->nsubs >= SENTRY_MAX_SUBSCRIBERS) {
		int e = fl < 0 ? errno : EMFILE;
		close(fd);
		return -e;
	}
	s->subs[s->nsubs++] = (struct sentry_subscriber){.fd = fd};
	send_hello(s, fd);
	return 0;
}

int sentry_events_accept(struct sentry *s)
{
	int fd = accept4(s->events_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
	return sentry_events_subscribe(s, fd);
}

void sentry_subscriber_remove(struct sentry *s, size_t i)
{
	close(s->subs[i].fd);
	s->lost_dropped += s->subs[i].lost;
	s->subs[i] = s->subs[--s->nsubs];
}

static void send_all(struct sentry *s, const void *rec, size_t size, struct sbx_event *ev)
{
	for (size_t i = 0; i < s->nsubs;) {
		if (ev) /* so a subscriber knows what it missed */
			ev->sub_lost = (__u32)s->subs[i].lost;
		ssize_t n = send(s->subs[i].fd, rec, size, MSG_DONTWAIT | MSG_NOSIGNAL);
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

void sentry_events_emit(struct sentry *s, const struct sbx_event *ev)
{
	struct sbx_event copy = *ev;
	send_all(s, &copy, sizeof(copy), &copy);
}

void sentry_events_send(struct sentry *s, const void *rec, size_t size)
{
	send_all(s, rec, size, NULL);
}
