/* The compiled-policy cache: a hit only for the very same key, from a directory only we own. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "runtime/policy_cache.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sbx-pcache-%d", getpid());
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
}

TestSuite(policy_cache, .init = setup, .fini = teardown);

static struct policy_program sample(void)
{
	static struct sock_filter f[2] = {{0x20, 0, 0, 4}, {0x06, 0, 0, 0x7fff0000}};
	return (struct policy_program){.filter = f, .len = 2, .needs_listener = true};
}

Test(policy_cache, hit_only_for_the_same_key)
{
	size_t la, lb;
	char *a = policy_cache_key("file", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", 34, 0, &la);
	char *b = policy_cache_key("file", "{\"defaultAction\":\"SCMP_ACT_KILL\"}", 33, 0, &lb);
	struct policy_program p = sample(), got = {0};
	unsigned flags = 0;
	cr_assert_eq(policy_cache_get(dir, a, la, &got, &flags), -ENOENT, "empty cache");
	cr_assert_eq(
	    policy_cache_put(dir, a, la, &p, POLICY_CACHE_AUDIT | POLICY_CACHE_EMULATE_MKNODAT), 0);
	cr_assert_eq(policy_cache_get(dir, a, la, &got, &flags), 0);
	cr_assert_eq(got.len, 2);
	cr_assert(got.needs_listener);
	cr_assert_eq(flags, POLICY_CACHE_AUDIT | POLICY_CACHE_EMULATE_MKNODAT);
	cr_assert_eq(memcmp(got.filter, p.filter, sizeof(struct sock_filter) * 2), 0);
	free(got.filter);
	cr_assert_eq(policy_cache_get(dir, b, lb, &got, &flags), -ENOENT, "other text: a miss");
	size_t lc;
	char *c = policy_cache_key("file", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", 34, 1, &lc);
	cr_assert_eq(policy_cache_get(dir, c, lc, &got, &flags), -ENOENT, "other caps: a miss");
	free(a);
	free(b);
	free(c);
}

Test(policy_cache, entries_others_could_write_are_ignored)
{
	size_t la;
	char *a = policy_cache_key("default", "x", 1, 0, &la);
	struct policy_program p = sample(), got = {0};
	unsigned flags;
	cr_assert_eq(policy_cache_put(dir, a, la, &p, 0), 0);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(policy_cache_get(dir, a, la, &got, &flags), -ENOENT,
		     "a world-writable cache dir is not trusted");
	free(a);
}
