/* The Landlock plan: what is writable, which ports are rules, when scoping is asked for, and
 * its round trip through landlock.json; the file-system rights of each ABI. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/landlock.h"
#include "runtime/oci.h"
#include "runtime/policy_cache.h"
#include "runtime/sandbox.h"

static char *bind_opts[] = {"rbind", "rw", NULL};
static char *ro_opts[] = {"nosuid", "ro", NULL};
static char *tmp_opts[] = {"nosuid", "mode=1777", NULL};
static struct oci_mount mounts[] = {
    {.destination = "/proc", .type = "proc", .source = "proc"},
    {.destination = "/tmp", .type = "tmpfs", .source = "tmpfs", .options = tmp_opts},
    {.destination = "/sys", .type = "sysfs", .source = "sysfs", .options = ro_opts},
    {.destination = "/data", .type = "bind", .source = "/srv", .options = bind_opts},
    {.destination = "/cache", .source = "/var/cache", .options = bind_opts},
};
static struct oci_namespace own_ns[] = {{.type = CLONE_NEWPID}, {.type = CLONE_NEWNET}};

static struct oci_config config(bool own_namespaces)
{
	return (struct oci_config){.mounts = mounts,
				   .n_mounts = sizeof(mounts) / sizeof(mounts[0]),
				   .namespaces = own_namespaces ? own_ns : NULL,
				   .n_namespaces = own_namespaces ? 2 : 0};
}

static void assert_strv(char **v, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		cr_assert(v && v[i], "entry %zu missing, want %s", i, want[i]);
		cr_assert_str_eq(v[i], want[i]);
	}
	cr_assert_null(v[i], "extra entry %s", v[i]);
}

Test(landlock_plan, writable_list_and_the_sandboxs_own_writable_mounts)
{
	struct oci_config c = config(true);
	char *writable[] = {"/root", "/data/out", NULL};
	char *hidden[] = {"/etc/shadow", NULL};
	struct sandbox_spec spec = {
	    .config = &c, .files_writable = writable, .files_hidden = hidden};
	struct landlock_plan p;
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	/* volumes (binds) are not writable of themselves; read-only mounts are not either */
	assert_strv(p.full, (const char *const[]){"/root", "/data/out", "/proc", "/tmp", NULL});
	assert_strv(p.hidden, (const char *const[]){"/etc/shadow", NULL});
	cr_assert_not(p.connect.on);
	cr_assert_not(p.bind.on);
	cr_assert_not(p.scope_signal, "own PID namespace: no signal scoping");
	cr_assert_not(p.scope_abstract_unix, "own network namespace: no socket scoping");
	cr_assert_not(p.required);
	landlock_plan_free(&p);

	char *none[] = {NULL};
	spec.files_writable = none;
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	assert_strv(p.full, (const char *const[]){"/proc", "/tmp", NULL});
	landlock_plan_free(&p);
}

Test(landlock_plan, no_writable_list_means_everything)
{
	struct oci_config c = config(false);
	struct sandbox_spec spec = {
	    .config = &c, .policy_flags = POLICY_REQUIRE_LANDLOCK << POLICY_CACHE_REQUIRE_SHIFT};
	struct landlock_plan p;
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	assert_strv(p.full, (const char *const[]){"/", NULL});
	assert_strv(p.hidden ? p.hidden : (char *[]){NULL}, (const char *const[]){NULL});
	cr_assert(p.scope_signal, "the host's PID namespace: signals scoped");
	cr_assert(p.scope_abstract_unix, "the host's network namespace: sockets scoped");
	cr_assert(p.required);
	landlock_plan_free(&p);
}

Test(landlock_plan, ports_are_rules_only_where_every_rule_names_them)
{
	struct oci_config c = config(true);
	struct sbx_net_rule egress[] = {{.family = 4, .prefix = 8, .port_lo = 443, .port_hi = 443},
					{.family = 6, .port_lo = 80, .port_hi = 82},
					{.family = 4, .port_lo = 443, .port_hi = 443}};
	struct sbx_net_rule any[] = {{.family = 4, .port_lo = 53, .port_hi = 53},
				     {.family = 4, .port_lo = 0, .port_hi = 65535}};
	struct sbx_net_rule wide[] = {{.port_lo = 1024, .port_hi = 65535}};
	struct sandbox_spec spec = {.config = &c,
				    .net_egress = {.on = true, .rules = egress, .n = 3},
				    .net_bind = {.on = true, .rules = any, .n = 2}};
	struct landlock_plan p;
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	cr_assert(p.connect.on);
	cr_assert_eq(p.connect.n, 4);
	uint16_t want[] = {80, 81, 82, 443};
	cr_assert_arr_eq(p.connect.ports, want, sizeof(want));
	cr_assert_not(p.bind.on, "a rule for any port: bind is not handled");
	landlock_plan_free(&p);

	spec.net_egress = (struct sbx_net_list){.on = true, .rules = wide, .n = 1};
	spec.net_bind = (struct sbx_net_list){.on = true, .n = 0};
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	cr_assert_not(p.connect.on, "more than LANDLOCK_PORTS_MAX ports: left to cgroup-BPF");
	cr_assert(p.bind.on, "an empty list: every bind refused");
	cr_assert_eq(p.bind.n, 0);
	landlock_plan_free(&p);
}

Test(landlock_plan, json_round_trip)
{
	struct oci_config c = config(false);
	char *writable[] = {"/root", NULL};
	char *hidden[] = {"/etc/shadow", "/root/.ssh", NULL};
	struct sbx_net_rule egress[] = {{.port_lo = 22, .port_hi = 23}};
	struct sandbox_spec spec = {.config = &c,
				    .files_writable = writable,
				    .files_hidden = hidden,
				    .net_egress = {.on = true, .rules = egress, .n = 1}};
	struct landlock_plan p, q;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/sbx-landlock-plan-%d.json", getpid());
	cr_assert_eq(landlock_plan_make(&spec, &p), 0);
	cr_assert_eq(landlock_plan_save(&p, path), 0);
	cr_assert_eq(landlock_plan_load(path, &q), 0);
	unlink(path);
	assert_strv(q.full, (const char *const[]){"/root", "/proc", "/tmp", NULL});
	assert_strv(q.hidden, (const char *const[]){"/etc/shadow", "/root/.ssh", NULL});
	cr_assert(q.connect.on);
	cr_assert_eq(q.connect.n, 2);
	cr_assert_eq(q.connect.ports[0], 22);
	cr_assert_eq(q.connect.ports[1], 23);
	cr_assert_not(q.bind.on);
	cr_assert_eq(q.scope_signal, p.scope_signal);
	cr_assert_eq(q.scope_abstract_unix, p.scope_abstract_unix);
	landlock_plan_free(&p);
	landlock_plan_free(&q);
	cr_assert_eq(landlock_plan_load(path, &q), -ENOENT);
}

Test(landlock_abi, fs_rights_per_abi)
{
	cr_assert_eq(landlock_fs_rights(0), 0);
	cr_assert_eq(landlock_fs_rights(1), (1ULL << 13) - 1, "13 rights");
	cr_assert_eq(landlock_fs_rights(2), (1ULL << 14) - 1, "+ REFER");
	cr_assert_eq(landlock_fs_rights(3), (1ULL << 15) - 1, "+ TRUNCATE");
	cr_assert_eq(landlock_fs_rights(4), (1ULL << 15) - 1, "network only");
	cr_assert_eq(landlock_fs_rights(5), (1ULL << 16) - 1, "+ IOCTL_DEV");
	cr_assert_eq(landlock_fs_rights(7), (1ULL << 16) - 1);
}
