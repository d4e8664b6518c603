/* unix_listen and unix_connect: socket paths longer than sun_path (a state dir named by a
 * 64-character container id under a deep --root) still work. */
#include "lib/util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[PATH_MAX];

static void make_deep_dir(void)
{
	char tmpl[] = "/tmp/sbx-unit-unix-XXXXXX";
	cr_assert(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/%0120d", tmpl, 0);
	cr_assert_eq(mkdir(dir, 0700), 0);
}

static void remove_deep_dir(void)
{
	char cmd[PATH_MAX + 16];
	char *slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

TestSuite(lib_unix, .init = make_deep_dir, .fini = remove_deep_dir);

Test(lib_unix, a_path_longer_than_sun_path_listens_and_connects)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/sentry.sock", dir);
	cr_assert_gt(strlen(path), sizeof(((struct sockaddr_un *)0)->sun_path));
	int l = unix_listen(path, SOCK_STREAM, 1);
	cr_assert_geq(l, 0, "listen: %s", strerror(-l));
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "the socket is at the long path");
	cr_assert(S_ISSOCK(st.st_mode));
	int c = unix_connect(path, SOCK_STREAM);
	cr_assert_geq(c, 0, "connect: %s", strerror(-c));
	int a = accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	cr_assert_eq(write(c, "x", 1), 1);
	char b = 0;
	cr_assert_eq(read(a, &b, 1), 1);
	cr_assert_eq(b, 'x');
	close(a);
	close(c);
	close(l);
}

Test(lib_unix, a_missing_directory_is_an_error)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/nonexistent/sentry.sock", dir);
	cr_assert_eq(unix_listen(path, SOCK_STREAM, 1), -ENOENT);
	cr_assert_eq(unix_connect(path, SOCK_STREAM), -ENOENT);
}
