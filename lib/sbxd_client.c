/* sbxd_call: connect, send one line, read one line, all within one deadline. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "lib/sbxd_client.h"

const char *sbxd_socket_path(void)
{
	const char *p = getenv("SBXD_SOCKET");
	return p && *p ? p : SBXD_SOCKET_DEFAULT;
}

static int ms_left(uint64_t deadline)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999) / 1000000);
}

/* Wait for `events` on fd until the deadline. */
static int wait_for(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int left = ms_left(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		int r = poll(&p, 1, left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_by(const char *path, uint64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (str_copy(sa.sun_path, sizeof(sa.sun_path), path) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A unix stream connect that would block (full backlog) says EAGAIN; retry until the
	 * deadline rather than block without one. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EINPROGRESS)
			return -errno;
		if (errno == EINPROGRESS) {
			int r = wait_for(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			int soerr = 0;
			socklen_t l = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
				return -errno;
			if (soerr)
				return -soerr;
			break;
		}
		if (ms_left(deadline) == 0)
			return -ETIMEDOUT;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return TAKE_FD(fd);
}

static int send_line(int fd, const char *line, size_t len, uint64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int r = wait_for(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Read until the first newline (or EOF after some bytes). *ret is malloc'd, NUL-terminated. */
static int recv_line(int fd, uint64_t deadline, char **ret)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= SBXD_REPLY_MAX)
				return -EMSGSIZE;
			char *n = realloc(buf, cap * 2);
			if (!n)
				return -ENOMEM;
			buf = n;
			cap *= 2;
		}
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n > 0) {
			char *nl = memchr(buf + len, '\n', (size_t)n);
			len += (size_t)n;
			if (nl) {
				*nl = '\0';
				break;
			}
			continue;
		}
		if (n == 0) {
			if (len == 0)
				return -ECONNRESET;
			buf[len] = '\0';
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int r = wait_for(fd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(buf);
	return 0;
}

static int check_reply(json_t *r, struct sbx_error *err)
{
	if (!json_is_object(r))
		return sbx_err(err, EPROTO, "sbxd: the reply is not a JSON object");
	if (json_is_true(json_object_get(r, "ok")))
		return 0;
	const char *e = json_string_value(json_object_get(r, "error"));
	return sbx_err(err, EPROTO, "sbxd: %s", e ? e : "the reply says ok:false");
}

int sbxd_call(const char *socket_path, json_t *request, int timeout_ms, json_t **reply,
	      struct sbx_error *err)
{
	uint64_t deadline =
	    clock_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	_cleanup_free_ char *req = json_dumps(request, JSON_COMPACT);
	if (!req)
		return sbx_err(err, EINVAL, "sbxd: the request cannot be encoded");
	size_t len = strlen(req);
	_cleanup_close_ int fd = connect_by(socket_path, deadline);
	if (fd < 0)
		return sbx_err_errno(err, -fd, "sbxd: connect to %s", socket_path);
	_cleanup_free_ char *line = NULL;
	if (asprintf(&line, "%s\n", req) < 0)
		return sbx_err(err, ENOMEM, "sbxd: out of memory");
	int r = send_line(fd, line, len + 1, deadline);
	if (r < 0)
		return sbx_err_errno(err, -r, "sbxd: send to %s", socket_path);
	_cleanup_free_ char *text = NULL;
	r = recv_line(fd, deadline, &text);
	if (r < 0)
		return sbx_err_errno(err, -r, "sbxd: reply from %s", socket_path);
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		return sbx_err(err, EPROTO, "sbxd: the reply is not JSON: %s", je.text);
	r = check_reply(j, err);
	if (r < 0 || !reply)
		json_decref(j);
	else
		*reply = j;
	return r;
}
