/* The gofer against hostile paths and callers: symlinks and ".." never leave the view, a
 * symlink swapped in by another thread never sends a write outside, a non-root caller cannot
 * write where it could not natively, and the files policy holds on resolved locations. */
#include "tests/data/gofer/harness.h"
#include "lib/fdpass.h"

#include <dirent.h>
#include <linux/capability.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

TestSuite(gofer_security, .fini = env_stop, .timeout = 120);

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	cr_assert_not_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

Test(gofer_security, absolute_symlink_resolves_in_view)
{
	env_start(NULL);
	mkdir(vpath("/etc"), 0755);
	symlink("/etc", vpath("/etc-link"));
	int fd;
	cr_assert_eq(g_open("/etc-link/sbx-gofer-test", O_WRONLY | O_CREAT, 0644, &fd), 0);
	close(fd);
	cr_expect(exists_host(vpath("/etc/sbx-gofer-test")));
	cr_expect_not(exists_host("/etc/sbx-gofer-test"));
	cr_expect_eq(g_path(GOFER_MKDIR, "/etc-link/d", 0755, 0), 0);
	cr_expect(exists_host(vpath("/etc/d")));
	cr_expect_not(exists_host("/etc/d"));
}

Test(gofer_security, dotdot_stays_at_root)
{
	env_start(NULL);
	cr_assert_eq(g_open("/../../../escaped", O_WRONLY | O_CREAT, 0644, NULL), 0);
	cr_expect(exists_host(vpath("/escaped")));
	cr_expect_not(exists_host("/escaped"));
	/* A relative symlink climbing out lands at the view root too. */
	symlink("../../../../../../tmp", vpath("/up"));
	cr_assert_eq(g_path(GOFER_MKDIR, "/up/x", 0755, 0), -ENOENT);
	mkdir(vpath("/tmp"), 0755);
	cr_assert_eq(g_path(GOFER_MKDIR, "/up/x", 0755, 0), 0);
	cr_expect(exists_host(vpath("/tmp/x")));
	/* The host's path of the canary, as an absolute symlink: resolved inside the view. */
	symlink(env.outside, vpath("/canary"));
	cr_expect_eq(g_open("/canary/f", O_WRONLY | O_CREAT, 0644, NULL), -ENOENT);
	cr_expect(dir_empty(env.outside));
}

static atomic_bool stop_swapping;

static void *swapper(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000 && !atomic_load(&stop_swapping); i++)
		renameat2(AT_FDCWD, vpath("/d"), AT_FDCWD, vpath("/d-alt"), RENAME_EXCHANGE);
	return NULL;
}

/* /d is a real directory or, swapped in 10,000 times, a symlink to the host's canary directory
 * (absolute) or climbing to it (relative). Nothing may ever land in the canary. */
Test(gofer_security, swapped_symlink_never_escapes)
{
	env_start(NULL);
	char rel[256];
	snprintf(rel, sizeof(rel), "../../../../../../../..%s", env.outside);
	cr_assert_eq(mkdir(vpath("/d"), 0777), 0);
	cr_assert_eq(symlink(env.outside, vpath("/d-alt")), 0);
	cr_assert_eq(symlink(rel, vpath("/rel")), 0);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, swapper, NULL), 0);
	int ok = 0;
	for (int i = 0; i < 2000; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/d/f%d", i);
		ok += g_open(p, O_WRONLY | O_CREAT, 0644, NULL) == 0;
		snprintf(p, sizeof(p), "/d/m%d", i);
		ok += g_path(GOFER_MKDIR, p, 0755, 0) == 0;
		snprintf(p, sizeof(p), "/rel/r%d", i % 16);
		g_open(p, O_WRONLY | O_CREAT, 0644, NULL);
		g_path(GOFER_CHMOD, "/d", 0777, 0);
	}
	atomic_store(&stop_swapping, true);
	pthread_join(t, NULL);
	cr_expect_gt(ok, 0, "some creations should have succeeded");
	cr_expect(dir_empty(env.outside), "something was written outside the view");
}

Test(gofer_security, non_root_caller_permissions)
{
	env_start(NULL);
	mkdir(vpath("/rootdir"), 0755);
	write_host(vpath("/rootdir/f"), "");
	mkdir(vpath("/home"), 0755);
	chown(vpath("/home"), 1000, 1000);
	mkdir(vpath("/private"), 0700);
	mkdir(vpath("/private/pub"), 0777);
	current_caller = caller_user(1000, 1000);
	cr_expect_eq(g_path(GOFER_MKDIR, "/rootdir/x", 0755, 0), -EACCES);
	cr_expect_eq(g_open("/rootdir/x", O_WRONLY | O_CREAT, 0644, NULL), -EACCES);
	cr_expect_eq(g_open("/rootdir/f", O_WRONLY, 0, NULL), -EACCES);
	cr_expect_eq(g_path(GOFER_UNLINK, "/rootdir/f", 0, 0), -EACCES);
	cr_expect_eq(g_path(GOFER_CHMOD, "/rootdir/f", 0777, 0), -EPERM);
	cr_expect_eq(g_path(GOFER_MKDIR, "/private/pub/x", 0755, 0), -EACCES);
	struct gofer_request r = rq(GOFER_CHOWN);
	r.uid = 1000;
	r.gid = 1000;
	cr_expect_eq(call(&r, "/rootdir/f", NULL, NULL), -EPERM);
	int fd;
	cr_assert_eq(g_open("/home/mine", O_WRONLY | O_CREAT, 0644, &fd), 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	struct stat st;
	cr_assert_eq(stat(vpath("/home/mine"), &st), 0);
	cr_expect_eq(st.st_uid, 1000);
	cr_expect_eq(g_path(GOFER_CHMOD, "/home/mine", 0600, 0), 0);
	/* Root without CAP_DAC_OVERRIDE: as natively, the mode bits apply. */
	current_caller = caller_root();
	current_caller.cap_eff = 0;
	cr_expect_eq(g_path(GOFER_MKDIR, "/home/x", 0755, 0), -EACCES);
	current_caller.cap_eff = ~0ull;
	cr_expect_eq(g_path(GOFER_MKDIR, "/home/x", 0755, 0), 0);
}

/* Supplementary groups count as natively: a group-writable directory lets a member in, and
 * group bits narrower than other's shut a member out (so a dropped group could grant). */
Test(gofer_security, supplementary_groups)
{
	env_start(NULL);
	mkdir(vpath("/shared"), 0775);
	cr_assert_eq(chown(vpath("/shared"), 0, 5), 0);
	chmod(vpath("/shared"), 0775);
	mkdir(vpath("/notgroup"), 0757);
	cr_assert_eq(chown(vpath("/notgroup"), 0, 5), 0);
	chmod(vpath("/notgroup"), 0757);
	current_caller = caller_user(1000, 1000);

	cr_expect_eq(g_open("/shared/x", O_WRONLY | O_CREAT, 0644, NULL), -EACCES, "no groups");
	cr_expect_eq(g_path(GOFER_MKDIR, "/notgroup/d", 0755, 0), 0, "other's bits");
	current_groups[0] = 5;
	current_ngroups = 1;
	int fd;
	cr_assert_eq(g_open("/shared/x", O_WRONLY | O_CREAT, 0644, &fd), 0, "group 5");
	close(fd);
	struct stat st;
	cr_assert_eq(stat(vpath("/shared/x"), &st), 0);
	cr_expect_eq(st.st_uid, 1000);
	cr_expect_eq(st.st_gid, 1000, "owned by the fsgid, not the supplementary group");
	cr_expect_eq(g_path(GOFER_MKDIR, "/shared/d", 0755, 0), 0);
	cr_expect_eq(g_path(GOFER_MKDIR, "/notgroup/e", 0755, 0), -EACCES, "group's bits");

	/* The full bound of groups, the member one last. */
	for (uint32_t i = 0; i < GOFER_GROUPS_MAX; i++)
		current_groups[i] = 2000 + i;
	current_groups[GOFER_GROUPS_MAX - 1] = 5;
	current_ngroups = GOFER_GROUPS_MAX;
	cr_expect_eq(g_path(GOFER_MKDIR, "/shared/full", 0755, 0), 0);
	/* Groups do not outlive their request: the next caller has none. */
	current_ngroups = 0;
	cr_expect_eq(g_path(GOFER_MKDIR, "/shared/later", 0755, 0), -EACCES);
	/* More than a request carries: the client refuses, nothing is sent. */
	struct gofer_request r = rq(GOFER_MKDIR);
	r.mode = 0755;
	r.groups_len = GOFER_GROUPS_MAX + 1;
	static uint32_t many[GOFER_GROUPS_MAX + 1];
	cr_expect_eq(gofer_call(env.sock, &r, many, "/shared/many", NULL, NULL, NULL, NULL),
		     -EPERM);
	cr_expect_eq(g_path(GOFER_MKDIR, "/shared/after", 0755, 0), -EACCES);
	cr_expect(!exists_host(vpath("/shared/many")));
}

/* linkat of an fd by AT_EMPTY_PATH: a caller without CAP_DAC_READ_SEARCH links only a file it
 * owns (ENOENT otherwise, as Linux for a file it did not open); by /proc/self/fd/N (at_flags
 * 0), any file, within the permission and protected_hardlinks checks the kernel makes. */
Test(gofer_security, link_fd_as_the_caller)
{
	env_start(NULL);
	mkdir(vpath("/home"), 0755);
	chown(vpath("/home"), 1000, 1000);
	write_host(vpath("/theirs"), "t");
	chmod(vpath("/theirs"), 0666);
	write_host(vpath("/private"), "p");
	chmod(vpath("/private"), 0600);
	current_caller = caller_user(1000, 1000);
	int mine;
	cr_assert_eq(g_open("/home", O_TMPFILE | O_RDWR, 0600, &mine), 0);
	cr_expect_eq(g_link_fd(mine, "/home/mine", AT_EMPTY_PATH), 0, "its own O_TMPFILE");
	cr_expect_eq(g_link_fd(mine, "/mine", 0), -EACCES, "a directory it may not write");
	close(mine);
	int theirs = open(vpath("/theirs"), O_PATH | O_CLOEXEC);
	int priv = open(vpath("/private"), O_PATH | O_CLOEXEC);
	cr_expect_eq(g_link_fd(theirs, "/home/t1", AT_EMPTY_PATH), -ENOENT, "another's file");
	cr_expect_eq(g_link_fd(theirs, "/home/t2", 0), 0, "by the magic link");
	cr_expect_eq(g_link_fd(priv, "/home/p", 0), -EPERM, "protected_hardlinks");
	current_caller.cap_eff = 1ull << CAP_DAC_READ_SEARCH;
	cr_expect_eq(g_link_fd(theirs, "/home/t3", AT_EMPTY_PATH), 0, "CAP_DAC_READ_SEARCH");
	close(theirs);
	close(priv);
	cr_expect_not(exists_host(vpath("/home/t1")));
	cr_expect(exists_host(vpath("/home/t2")) && exists_host(vpath("/home/t3")));
	struct stat st;
	cr_assert_eq(stat(vpath("/home/mine"), &st), 0);
	cr_expect_eq(st.st_uid, 1000);
}

/* The fd a request carries is taken only where its op takes one, one at most, and closed
 * whatever the answer: the gofer's fd table is as it was. */
static int count_fds(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(p);
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int64_t send_two_fds(int fd)
{
	struct gofer_request r = rq(GOFER_LINK_FD);
	r.version = GOFER_PROTO_VERSION;
	r.path2_len = sizeof("/two");
	unsigned char msg[sizeof(r) + sizeof("/two")];
	memcpy(msg, &r, sizeof(r));
	memcpy(msg + sizeof(r), "/two", sizeof("/two"));
	int fds[2] = {fd, fd};
	cr_assert_gt(fd_send(env.sock, fds, 2, msg, sizeof(msg)), 0);
	struct gofer_response resp;
	cr_assert_eq(recv(env.sock, &resp, sizeof(resp), 0), (ssize_t)sizeof(resp));
	cr_expect_eq(resp.id, r.id);
	return resp.result;
}

Test(gofer_security, request_fds_are_checked_and_closed)
{
	env_start(NULL);
	int t;
	cr_assert_eq(g_open("/", O_TMPFILE | O_RDWR, 0600, &t), 0);
	cr_assert_eq(g_path(GOFER_MKDIR, "/warm", 0755, 0), 0);
	int before = count_fds(env.pid);
	struct gofer_request r = rq(GOFER_MKDIR);
	r.mode = 0755;
	cr_expect_eq(gofer_call_fd(env.sock, &r, NULL, t, "/d", NULL, NULL, NULL, NULL), -EINVAL,
		     "an fd on another op");
	r = rq(GOFER_LINK_FD);
	cr_expect_eq(gofer_call_fd(env.sock, &r, NULL, -1, NULL, "/x", NULL, NULL, NULL), -EINVAL,
		     "GOFER_LINK_FD without its fd");
	cr_expect_eq(send_two_fds(t), -EINVAL, "two fds");
	r = rq(GOFER_LINK_FD);
	cr_expect_eq(gofer_call_fd(env.sock, &r, NULL, t, "/path", "/x", NULL, NULL, NULL), -EINVAL,
		     "a path as well");
	cr_expect_eq(g_link_fd(t, "/linked", 0), 0);
	cr_expect_eq(g_link_fd(t, "/linked", 0), -EEXIST);
	cr_expect_eq(count_fds(env.pid), before, "the gofer kept an fd");
	cr_expect_not(exists_host(vpath("/d")));
	cr_expect_not(exists_host(vpath("/two")));
	cr_expect_not(exists_host(vpath("/x")));
	close(t);
}

static char *hidden[] = {"/secret", NULL};
static char *readonly[] = {"/ro", "/work/keep", NULL};
static char *ro_volumes[] = {"/rovol", NULL};
static char *writable[] = {"/work", "/vol", "/rovol", "/tree", NULL};
static const struct gofer_files_policy policy = {
    .writable = writable, .readonly = readonly, .hidden = hidden, .ro_volumes = ro_volumes};

static void policy_tree(void)
{
	mkdir(vpath("/secret"), 0755);
	write_host(vpath("/secret/file"), "s");
	mkdir(vpath("/ro"), 0755);
	write_host(vpath("/ro/file"), "r");
	mkdir(vpath("/work"), 0755);
	mkdir(vpath("/work/keep"), 0755);
	mkdir(vpath("/etc"), 0755);
	symlink("/secret", vpath("/work/to-secret"));
	symlink("../ro/file", vpath("/work/to-ro"));
	symlink("/work", vpath("/etc/to-work"));
}

static void policy_checks(void)
{
	/* hidden: ENOENT, directly or through a symlink */
	cr_expect_eq(g_open("/secret/file", O_WRONLY, 0, NULL), -ENOENT);
	cr_expect_eq(g_open("/secret/new", O_WRONLY | O_CREAT, 0644, NULL), -ENOENT);
	cr_expect_eq(g_open("/work/to-secret/new", O_WRONLY | O_CREAT, 0644, NULL), -ENOENT);
	cr_expect_eq(g_path(GOFER_UNLINK, "/work/to-secret/file", 0, 0), -ENOENT);
	cr_expect_eq(g_path(GOFER_CHMOD, "/work/to-secret", 0777, 0), -ENOENT);
	cr_expect_eq(g_two(GOFER_RENAME, "/work/to-secret/file", "/work/stolen", 0, 0), -ENOENT);
	cr_expect_eq(g_two(GOFER_LINK, "/secret/file", "/work/l", 0, 0), -ENOENT);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/secret/file", 0, 0), -ENOENT);
	/* readonly: EACCES, also through a symlink and for the link's source */
	cr_expect_eq(g_open("/ro/file", O_WRONLY, 0, NULL), -EACCES);
	cr_expect_eq(g_open("/work/to-ro", O_WRONLY | O_TRUNC, 0, NULL), -EACCES);
	cr_expect_eq(g_path(GOFER_MKDIR, "/work/keep/x", 0755, 0), -EACCES);
	cr_expect_eq(g_two(GOFER_LINK, "/ro/file", "/work/l", 0, 0), -EACCES);
	/* O_CREAT | O_EXCL: EEXIST before EACCES, as the kernel; a hidden file does not exist */
	cr_expect_eq(g_open("/ro/file", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -EEXIST);
	cr_expect_eq(g_open("/ro/new", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -EACCES);
	cr_expect(!exists_host(vpath("/ro/new")));
	cr_expect_eq(g_open("/secret/file", O_WRONLY | O_CREAT | O_EXCL, 0644, NULL), -ENOENT);
	/* writable prefixes: outside them EACCES; inside, also reached by symlink, fine */
	cr_expect_eq(g_open("/etc/new", O_WRONLY | O_CREAT, 0644, NULL), -EACCES);
	cr_expect_eq(g_open("/etc/to-work/new", O_WRONLY | O_CREAT, 0644, NULL), 0);
	cr_expect(exists_host(vpath("/work/new")));
	cr_expect_eq(g_two(GOFER_SYMLINK, "x", "/work/ok-link", 0, 0), 0);
	/* a directory holding a protected path cannot be moved */
	mkdir(vpath("/tree"), 0755);
	cr_expect_eq(g_two(GOFER_RENAME, "/work", "/tree/w", 0, 0), -EBUSY);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/work/new", 0, 0), 0);
	cr_expect_eq(g_path(GOFER_ACCESS_W, "/ro/file", 0, 0), -EACCES);
}

Test(gofer_security, policy_on_resolved_paths)
{
	env_start(&policy);
	policy_tree();
	policy_checks();
	/* GOFER_LINK_FD with a view fd of a protected file (what a hostile sentry could pass):
	 * its source is checked as GOFER_LINK's is */
	int secret = open(vpath("/secret/file"), O_RDONLY | O_CLOEXEC);
	int ro = open(vpath("/ro/file"), O_RDONLY | O_CLOEXEC);
	cr_assert(secret >= 0 && ro >= 0);
	cr_expect_eq(g_link_fd(secret, "/work/stolen", 0), -ENOENT);
	cr_expect_eq(g_link_fd(ro, "/work/stolen", 0), -EACCES);
	cr_expect(!exists_host(vpath("/work/stolen")));
	close(secret);
	close(ro);
}

Test(gofer_security, policy_on_resolved_paths_without_proc)
{
	env_start_ex(&policy, false, true);
	policy_tree();
	policy_checks();
}

/* Volumes: separate mounts in the view (the child's own mount namespace). */
Test(gofer_security, volumes_exdev_and_erofs)
{
	env_start_ex(&policy, true, true);
	policy_tree();
	cr_assert_eq(g_open("/vol/f", O_WRONLY | O_CREAT, 0644, NULL), 0);
	cr_expect_eq(g_two(GOFER_RENAME, "/vol/f", "/work/f", 0, 0), -EXDEV);
	cr_expect_eq(g_two(GOFER_LINK, "/vol/f", "/work/f", 0, 0), -EXDEV);
	cr_expect_eq(g_open("/rovol/f", O_WRONLY | O_CREAT, 0644, NULL), -EROFS);
	cr_expect_eq(g_path(GOFER_MKDIR, "/rovol/d", 0755, 0), -EROFS);
	/* The volume's files are not in the host directory it covers. */
	cr_expect_not(exists_host(vpath("/vol/f")));
}

/* An O_TMPFILE linked across the view's mounts: EXDEV, and EROFS (EEXIST) into a read-only
 * volume, as Linux answers; the files policy holds on the new name. */
Test(gofer_security, link_fd_volumes_and_policy)
{
	env_start_ex(&policy, true, false);
	policy_tree();
	write_host(vpath("/work/exists"), "e");
	int t, v;
	cr_assert_eq(g_open("/work", O_TMPFILE | O_RDWR, 0600, &t), 0);
	cr_assert_eq(g_open("/vol", O_TMPFILE | O_RDWR, 0600, &v), 0);
	cr_expect_eq(g_link_fd(t, "/vol/t", 0), -EXDEV);
	cr_expect_eq(g_link_fd(v, "/work/v", AT_EMPTY_PATH), -EXDEV);
	cr_expect_eq(g_link_fd(t, "/rovol/t", 0), -EROFS);
	cr_expect_eq(g_link_fd(t, "/ro/t", 0), -EACCES);
	cr_expect_eq(g_link_fd(t, "/ro/file", 0), -EEXIST);
	cr_expect_eq(g_link_fd(t, "/secret/t", 0), -ENOENT);
	cr_expect_eq(g_link_fd(t, "/etc/t", 0), -EACCES, "outside the writable paths");
	cr_expect_eq(g_link_fd(v, "/vol/v", 0), 0);
	cr_expect_eq(g_link_fd(t, "/work/t", 0), 0);
	close(t);
	close(v);
	cr_expect_not(exists_host(vpath("/ro/t")));
	cr_expect_not(exists_host(vpath("/etc/t")));
	cr_expect(exists_host(vpath("/work/t")));
}

Test(gofer_security, policy_without_volume_mount_still_erofs)
{
	env_start(&policy);
	cr_expect_eq(g_open("/rovol/f", O_WRONLY | O_CREAT, 0644, NULL), -EROFS);
	cr_expect_not(exists_host(vpath("/rovol/f")));
}

static json_t *read_changes(void)
{
	json_t *all = json_array();
	FILE *f = fopen(env.changes, "re");
	cr_assert_not_null(f);
	char line[16384];
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		cr_assert_not_null(o, "not JSON: %s", line);
		json_array_append_new(all, o);
	}
	fclose(f);
	return all;
}

static void expect_record(json_t *o, const char *op, const char *path, const char *path2,
			  const char *refused)
{
	cr_assert_not_null(o);
	cr_expect_str_eq(json_string_value(json_object_get(o, "op")), op);
	cr_expect_str_eq(json_string_value(json_object_get(o, "path")), path);
	if (path2)
		cr_expect_str_eq(json_string_value(json_object_get(o, "path2")), path2);
	if (refused)
		cr_expect_str_eq(json_string_value(json_object_get(o, "refused")), refused);
	else
		cr_expect_null(json_object_get(o, "refused"));
	cr_expect_eq(json_integer_value(json_object_get(o, "pid")), getpid());
	cr_expect_str_eq(json_string_value(json_object_get(o, "comm")), "gofer-test");
	const char *t = json_string_value(json_object_get(o, "time"));
	cr_assert_not_null(t);
	cr_expect_eq(strlen(t), strlen("2026-11-29T22:46:01.123456789Z"), "time %s", t);
}

Test(gofer_security, change_log)
{
	env_start(&policy);
	policy_tree();
	symlink("/work", vpath("/w"));
	cr_assert_eq(g_open("/w/a", O_WRONLY | O_CREAT, 0600, NULL), 0);    /* 0 */
	cr_assert_eq(g_open("/work/a", O_WRONLY, 0, NULL), 0);		    /* 1 */
	cr_assert_eq(g_open("/work/a", O_WRONLY | O_TRUNC, 0, NULL), 0);    /* 2 */
	cr_assert_eq(g_path(GOFER_MKDIR, "/work/d", 0755, 0), 0);	    /* 3 */
	cr_assert_eq(g_two(GOFER_RENAME, "/work/a", "/work/d/b", 0, 0), 0); /* 4 */
	cr_assert_eq(g_two(GOFER_LINK, "/work/d/b", "/work/c", 0, 0), 0);   /* 5 */
	cr_assert_eq(g_two(GOFER_SYMLINK, "d/b", "/work/s", 0, 0), 0);	    /* 6 */
	cr_assert_eq(g_path(GOFER_CHMOD, "/work/c", 0640, 0), 0);	    /* 7 */
	cr_assert_eq(g_path(GOFER_UNLINK, "/work/c", 0, 0), 0);		    /* 8 */
	cr_assert_eq(g_open("/ro/file", O_WRONLY, 0, NULL), -EACCES);	    /* 9 */
	cr_assert_eq(g_path(GOFER_MKDIR, "/secret/x", 0755, 0), -ENOENT);   /* 10 */
	cr_assert_eq(g_path(GOFER_ACCESS_W, "/work/d", 0, 0), 0);	    /* none */
	cr_assert_eq(g_path(GOFER_UNLINK, "/work/d/nope", 0, 0), -ENOENT);  /* none */
	int t;
	cr_assert_eq(g_open("/work", O_TMPFILE | O_RDWR, 0600, &t), 0); /* 11 */
	cr_assert_eq(g_link_fd(t, "/work/t1", 0), 0);			/* 12 */
	cr_assert_eq(g_link_fd(t, "/work/t2", 0), 0);			/* 13 */
	close(t);
	t = open(vpath("/work/d/b"), O_PATH | O_CLOEXEC);
	cr_assert_eq(g_link_fd(t, "/work/e", 0), 0); /* 14 */
	close(t);
	json_t *all = read_changes();
	cr_assert_eq(json_array_size(all), 15);
	expect_record(json_array_get(all, 0), "create", "/work/a", NULL, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(all, 0), "mode")),
			 "0600");
	expect_record(json_array_get(all, 1), "write", "/work/a", NULL, NULL);
	expect_record(json_array_get(all, 2), "truncate", "/work/a", NULL, NULL);
	expect_record(json_array_get(all, 3), "mkdir", "/work/d", NULL, NULL);
	expect_record(json_array_get(all, 4), "rename", "/work/a", "/work/d/b", NULL);
	expect_record(json_array_get(all, 5), "link", "/work/d/b", "/work/c", NULL);
	expect_record(json_array_get(all, 6), "symlink", "/work/s", "d/b", NULL);
	expect_record(json_array_get(all, 7), "chmod", "/work/c", NULL, NULL);
	expect_record(json_array_get(all, 8), "unlink", "/work/c", NULL, NULL);
	expect_record(json_array_get(all, 9), "write", "/ro/file", NULL, "EACCES");
	expect_record(json_array_get(all, 10), "mkdir", "/secret/x", NULL, "ENOENT");
	expect_record(json_array_get(all, 12), "link", "(O_TMPFILE)", "/work/t1", NULL);
	expect_record(json_array_get(all, 13), "link", "(O_TMPFILE)", "/work/t2", NULL);
	expect_record(json_array_get(all, 14), "link", "/work/d/b", "/work/e", NULL);
	json_decref(all);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	cr_assert_eq(gofer_changes_print(AT_FDCWD, env.changes, false, out), 15);
	fclose(out);
	cr_expect(strstr(text, "TIME") && strstr(text, "COMM"));
	cr_expect_not_null(strstr(text, "/work/a -> /work/d/b"));
	cr_expect_not_null(strstr(text, "/ro/file (refused: EACCES)"));
	cr_expect_not_null(strstr(text, "(O_TMPFILE) -> /work/t1"));
	free(text);
	out = open_memstream(&text, &len);
	cr_assert_eq(gofer_changes_print(AT_FDCWD, env.changes, true, out), 15);
	fclose(out);
	cr_expect_eq(strlen(text), len);
	cr_expect_eq(strncmp(text, "{\"time\":", 8), 0);
	free(text);
	cr_expect_eq(gofer_changes_print(AT_FDCWD, "/nonexistent/changes", false, stdout), -ENOENT);
}

/* Entries written through a symlink of the image match where they lead: hidden
 * "/var/run/secrets" with /var/run -> ../run is /run/secrets for every request; a hidden
 * entry that is itself a symlink hides its target too (as the container's mask of it does);
 * a writable entry that is a symlink does not grant its target. */
static char *link_hidden[] = {"/var/run/secrets", "/keys-link", NULL};
static char *link_readonly[] = {"/var/run/conf", NULL};
static char *link_writable[] = {"/var/run/data", "/out", NULL};
static const struct gofer_files_policy link_policy = {
    .writable = link_writable, .readonly = link_readonly, .hidden = link_hidden};

static void link_tree(void)
{
	mkdir(vpath("/var"), 0755);
	mkdir(vpath("/run"), 0755);
	mkdir(vpath("/run/secrets"), 0755);
	write_host(vpath("/run/secrets/token"), "t");
	mkdir(vpath("/run/conf"), 0755);
	mkdir(vpath("/run/data"), 0755);
	mkdir(vpath("/keys"), 0755);
	write_host(vpath("/keys/k"), "k");
	mkdir(vpath("/etc"), 0755);
	symlink("../run", vpath("/var/run"));
	symlink("keys", vpath("/keys-link"));
	symlink("/etc", vpath("/out"));
}

Test(gofer_security, policy_entries_through_symlinks_of_the_image)
{
	env_before_serve = link_tree;
	env_start(&link_policy);
	env_before_serve = NULL;
	cr_expect_eq(g_open("/run/secrets/token", O_RDWR, 0, NULL), -ENOENT);
	cr_expect_eq(g_open("/var/run/secrets/token", O_RDWR, 0, NULL), -ENOENT);
	cr_expect_eq(g_path(GOFER_UNLINK, "/run/secrets/token", 0, 0), -ENOENT);
	cr_expect_eq(g_open("/keys/k", O_RDWR, 0, NULL), -ENOENT);
	cr_expect_eq(g_open("/keys-link/new", O_WRONLY | O_CREAT, 0644, NULL), -ENOENT);
	cr_expect_eq(g_open("/run/conf/x", O_WRONLY | O_CREAT, 0644, NULL), -EACCES);
	cr_expect_eq(g_open("/run/data/x", O_WRONLY | O_CREAT, 0644, NULL), 0);
	cr_expect(exists_host(vpath("/run/data/x")));
	cr_expect_eq(g_open("/etc/x", O_WRONLY | O_CREAT, 0644, NULL), -EACCES);
	cr_expect_eq(g_open("/out/x", O_WRONLY | O_CREAT, 0644, NULL), -EACCES);
	cr_expect(!exists_host(vpath("/etc/x")));
}
