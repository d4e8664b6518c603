/* Shared by tests/unit/sentry_broker*.c: a temp directory that a forked child (the
 * "container") sees read-only with a tmpfs on <dir>/priv, while the test and its fake gofer
 * keep it writable in their own mount namespace (the "view"). */
#ifndef SBX_TESTS_SENTRY_HARNESS_H
#define SBX_TESTS_SENTRY_HARNESS_H

#include <criterion/criterion.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

static char dir[64];

static inline void harness_mkdir(const char *tmpl)
{
	snprintf(dir, sizeof(dir), "%s", tmpl);
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
}

static inline void harness_rmdir(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* <dir>/name, in one of four rotating buffers. */
static inline char *at(const char *name)
{
	static char buf[4][512];
	static int i;
	char *b = buf[i++ % 4];
	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

/* In the child: the container's view, the test directory read-only, a tmpfs on priv. */
static inline int container_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return -1;
	return mount("tmpfs", at("priv"), "tmpfs", 0, "size=1m");
}

#endif
