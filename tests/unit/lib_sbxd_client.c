/* sbxd_call against a server on a real unix socket (a thread of the test) that answers as
 * told: ok, an error, garbage, nothing at all. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/sbxd_client.h"

static char sock_path[108];
static int listen_fd = -1;
static const char *answer; /* the line the server sends; NULL: it sends nothing and waits */
static char received[4096];

static void *serve_one(void *arg)
{
	(void)arg;
	int c = accept(listen_fd, NULL, NULL);
	if (c < 0)
		return NULL;
	ssize_t n = read(c, received, sizeof(received) - 1);
	received[n > 0 ? n : 0] = '\0';
	if (answer) {
		if (write(c, answer, strlen(answer)) < 0)
			perror("write");
	} else {
		char b;
		if (read(c, &b, 1) < 0) /* until the client gives up and closes */
			perror("read");
	}
	close(c);
	return NULL;
}

static pthread_t server(const char *line)
{
	pthread_t t;
	answer = line;
	received[0] = '\0';
	cr_assert_eq(pthread_create(&t, NULL, serve_one, NULL), 0);
	return t;
}

static void setup(void)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/sbxd-client-%d.sock", getpid());
	unlink(sock_path);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(listen_fd, 4), 0);
}

static void teardown(void)
{
	close(listen_fd);
	unlink(sock_path);
}

TestSuite(sbxd_client, .init = setup, .fini = teardown);

static int ping(int timeout_ms, json_t **reply, struct sbx_error *err)
{
	json_t *req = json_pack("{s:s}", "op", "ping");
	int r = sbxd_call(sock_path, req, timeout_ms, reply, err);
	json_decref(req);
	return r;
}

Test(sbxd_client, ok_reply)
{
	pthread_t t = server("{\"ok\":true,\"version\":\"9\"}\n");
	json_t *reply = NULL;
	struct sbx_error err = {0};
	cr_assert_eq(ping(2000, &reply, &err), 0, "%s", err.msg);
	pthread_join(t, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(reply, "version")), "9");
	cr_assert_str_eq(received, "{\"op\":\"ping\"}\n", "one line, compact: %s", received);
	json_decref(reply);
}

Test(sbxd_client, error_reply_is_eproto_with_its_message)
{
	pthread_t t = server("{\"ok\":false,\"error\":\"no sandbox \\\"x\\\"\"}\n");
	json_t *reply = NULL;
	struct sbx_error err = {0};
	cr_assert_eq(ping(2000, &reply, &err), -EPROTO);
	pthread_join(t, NULL);
	cr_assert_null(reply);
	cr_assert(strstr(err.msg, "no sandbox \"x\""), "%s", err.msg);
}

Test(sbxd_client, garbage_reply_is_eproto)
{
	pthread_t t = server("hello\n");
	struct sbx_error err = {0};
	cr_assert_eq(ping(2000, NULL, &err), -EPROTO);
	pthread_join(t, NULL);
	cr_assert(strstr(err.msg, "not JSON"), "%s", err.msg);
}

Test(sbxd_client, silent_server_times_out)
{
	pthread_t t = server(NULL);
	struct sbx_error err = {0};
	cr_assert_eq(ping(100, NULL, &err), -ETIMEDOUT, "%s", err.msg);
	pthread_join(t, NULL);
}

Test(sbxd_client, no_daemon)
{
	struct sbx_error err = {0};
	teardown(); /* nobody listens, and the path is gone */
	cr_assert_eq(ping(100, NULL, &err), -ENOENT, "%s", err.msg);
	/* A socket file nobody listens on. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(ping(100, NULL, &err), -ECONNREFUSED, "%s", err.msg);
}

Test(sbxd_client, socket_path_from_env)
{
	unsetenv("SBXD_SOCKET");
	cr_assert_str_eq(sbxd_socket_path(), SBXD_SOCKET_DEFAULT);
	setenv("SBXD_SOCKET", "", 1);
	cr_assert_str_eq(sbxd_socket_path(), SBXD_SOCKET_DEFAULT);
	setenv("SBXD_SOCKET", "/x/y.sock", 1);
	cr_assert_str_eq(sbxd_socket_path(), "/x/y.sock");
}
