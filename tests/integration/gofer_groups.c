/* The gofer acts with the caller's supplementary groups: a directory writable only through one
 * of them is writable in a brokered sandbox, as it is natively, and not without it. */
#include "harness.h"

TestSuite(gofer_groups, .init = h_setup, .fini = h_teardown, .timeout = 120);

static json_t *gids;

/* uid 1000, gid 1000, additionalGids `gids`; the gofer on; its view the bundle's rootfs. */
static void as_user(json_t *c)
{
	json_t *user =
	    json_pack("{s:i, s:i, s:O}", "uid", 1000, "gid", 1000, "additionalGids", gids);
	json_object_set_new(json_object_get(c, "process"), "user", user);
	json_object_set_new(json_object_get(c, "root"), "readonly", json_false());
	json_object_set_new(c, "annotations", json_pack("{s:s}", "io.sbx.gofer", "true"));
}

/* A bundle whose rootfs is a copy of build/rootfs (the gofer writes into it) with /shared owned
 * root:5, mode 0775. */
static void groups_bundle(char *b, size_t len, const char *name, const char *gids_json)
{
	gids = json_loads(gids_json, 0, NULL);
	cr_assert(gids);
	h_bundle(b, len, name, "[\"/bin/sh\", \"-c\", \"touch /shared/x && id\"]", as_user);
	json_decref(gids);
	char cwd[256], cmd[2048];
	cr_assert(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && rm rootfs && cp -a %s/" ROOTFS " rootfs && mkdir rootfs/shared && "
		 "chown 0:5 rootfs/shared && chmod 0775 rootfs/shared",
		 b, cwd);
	cr_assert_eq(system(cmd), 0, "copy the rootfs");
}

Test(gofer_groups, supplementary_group_grants_write)
{
	char b[512], x[600];
	groups_bundle(b, sizeof(b), "grp", "[5]");
	struct run *r = h_sbx("run", "--bundle", b, "grp1", NULL);
	cr_assert_eq(r->status, 0, "out: %s err: %s", r->out, r->err);
	cr_assert(strstr(r->out, "uid=1000"), "%s", r->out);
	snprintf(x, sizeof(x), "%s/rootfs/shared/x", b);
	struct stat st;
	cr_assert_eq(stat(x, &st), 0, "the file landed in the gofer's view");
	cr_expect_eq(st.st_uid, 1000);
	cr_expect_eq(st.st_gid, 1000);
	h_assert_gone("grp1");
}

Test(gofer_groups, without_the_group_permission_denied)
{
	char b[512], x[600];
	groups_bundle(b, sizeof(b), "nogrp", "[]");
	struct run *r = h_sbx("run", "--bundle", b, "nogrp1", NULL);
	cr_assert_neq(r->status, 0, "out: %s", r->out);
	cr_assert(strstr(r->err, "Permission denied"), "err: %s", r->err);
	snprintf(x, sizeof(x), "%s/rootfs/shared/x", b);
	cr_assert(!h_exists("%s", x));
	h_assert_gone("nogrp1");
}
