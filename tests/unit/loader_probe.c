/* The feature probe gives answers consistent with what the kernel says when asked directly,
 * and leaves nothing loaded behind. BPF parts need root. */
#include <criterion/criterion.h>
#include "lib/cleanup.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/probe.skel.h"
#include "loader/internal.h"
#include "loader/loader.h"

/* Criterion runs tests in parallel processes; probes load programs for a moment, so the
 * leak check must not see another test's probe in flight. */
static int lock_probes(void)
{
	if (geteuid() != 0)
		return -1; /* without root nothing loads */
	int fd = open("/tmp/sbx-loader-probe-test.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	return fd; /* closing it unlocks */
}

static struct sbx_features probe(void)
{
	struct sbx_features f;
	int lock = lock_probes();

	cr_assert_eq(sbx_features_probe(&f), 0);
	close(lock);
	return f;
}

static bool is_cgroup2(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

Test(loader_probe, seccomp_notification_present)
{
	struct sbx_features f = probe();

	cr_assert(f.seccomp_notify.ok, "notify: %s", f.seccomp_notify.reason);
	cr_assert(f.seccomp_addfd.ok, "addfd: %s", f.seccomp_addfd.reason);
	cr_assert(sbx_features_can_sandbox(&f));
	/* Newer extensions: either present or missing with a reason. */
	cr_assert(f.seccomp_addfd_send.ok || f.seccomp_addfd_send.reason[0]);
	cr_assert(f.seccomp_sync_wake_up.ok || f.seccomp_sync_wake_up.reason[0]);
	cr_assert(f.seccomp_wait_killable_recv.ok || f.seccomp_wait_killable_recv.reason[0]);
}

Test(loader_probe, seccomp_flags)
{
	cr_assert_eq(sbx_seccomp_flags_supported(0), 1);
	cr_assert_eq(sbx_seccomp_flags_supported(1UL << 30), 0);
}

Test(loader_probe, cgroup_layout_matches_statfs)
{
	struct sbx_features f = probe();

	if (is_cgroup2("/sys/fs/cgroup")) {
		cr_assert_eq(f.cgroup.layout, SBX_CGROUP_V2);
		cr_assert_str_eq(f.cgroup.v2_mount, "/sys/fs/cgroup");
	} else if (is_cgroup2("/sys/fs/cgroup/unified")) {
		cr_assert_eq(f.cgroup.layout, SBX_CGROUP_HYBRID, "layout %s",
			     sbx_cgroup_layout_name(f.cgroup.layout));
		cr_assert_str_eq(f.cgroup.v2_mount, "/sys/fs/cgroup/unified");
		cr_assert(f.cgroup.v2.ok);
	} else {
		cr_assert_neq(f.cgroup.layout, SBX_CGROUP_V2);
		cr_assert_neq(f.cgroup.layout, SBX_CGROUP_HYBRID);
		cr_assert_not(f.cgroup.v2.ok);
	}
}

Test(loader_probe, landlock_abi_matches_kernel)
{
	struct sbx_features f = probe();
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0) {
		cr_assert_eq(f.landlock_abi, 0);
		cr_assert_not(f.landlock.ok);
		cr_assert_eq(f.landlock.err, errno);
	} else {
		cr_assert_eq(f.landlock_abi, abi);
		cr_assert(f.landlock.ok);
	}
}

Test(loader_probe, bpf_programs_load_or_say_why)
{
	if (geteuid() != 0)
		cr_skip("BPF program loads need root");
	struct sbx_features f = probe();

	for (int i = 0; i < SBX_BPF__MAX; i++) {
		const struct sbx_bpf_prog_probe *p = &f.bpf[i];
		cr_assert_not_null(p->section);
		cr_assert_not_null(p->name);
		cr_assert_neq(p->state, SBX_PROBE_UNKNOWN, "%s not probed", p->section);
		if (p->state == SBX_PROBE_FAILED) {
			cr_assert_gt(p->feature.err, 0, "%s failed without errno", p->section);
			cr_assert(p->feature.reason[0]);
		}
	}
	/* Attach is tried on a fresh v2 cgroup, which is removed again. */
	cr_assert(f.cgroup_bpf_attach.ok || f.cgroup_bpf_attach.reason[0]);
	if (f.cgroup.v2.ok) {
		char dir[256];
		snprintf(dir, sizeof(dir), "%s/sbx-probe-%d", f.cgroup.v2_mount, (int)getpid());
		cr_assert_eq(access(dir, F_OK), -1, "%s left behind", dir);
	}
	/* BPF-LSM needs both: an active bpf LSM and a loadable lsm program. */
	if (f.bpf_lsm.ok)
		cr_assert_eq(f.bpf[SBX_BPF_LSM].state, SBX_PROBE_LOADED);
	if (f.bpf[SBX_BPF_LSM].state != SBX_PROBE_LOADED)
		cr_assert_not(f.bpf_lsm.ok);
}

static bool prog_is_ours(const char *name, const struct sbx_features *f)
{
	for (int i = 0; i < SBX_BPF__MAX; i++)
		if (strncmp(name, f->bpf[i].name, BPF_OBJ_NAME_LEN - 1) == 0)
			return true;
	return false;
}

/* How many loaded programs carry one of our names. */
static int count_ours(const struct sbx_features *f)
{
	__u32 id = 0;
	int ours = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue; /* gone meanwhile */
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		int r = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		cr_assert_eq(r, 0, "prog %u info: %s", id, strerror(-r));
		if (prog_is_ours(info.name, f)) {
			cr_log_info("prog %u '%s' (ours) is loaded", id, info.name);
			ours++;
		}
	}
	return ours;
}

Test(loader_probe, nothing_stays_loaded)
{
	if (geteuid() != 0)
		cr_skip("enumerating BPF programs needs root");
	int lock = lock_probes();
	struct sbx_features f;

	cr_assert_eq(sbx_features_probe(&f), 0);
	cr_assert_eq(count_ours(&f), 0, "a probe program stayed loaded");

	/* The check can see one of ours while it is loaded. */
	struct probe_bpf *skel = probe_bpf__open();
	cr_assert_not_null(skel);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		bpf_program__set_autoload(prog, prog == skel->progs.probe_raw_tp);
	}
	cr_assert_eq(probe_bpf__load(skel), 0);
	cr_assert_eq(count_ours(&f), 1);
	probe_bpf__destroy(skel);
	cr_assert_eq(count_ours(&f), 0);
	close(lock);
}

static int hang(_unused_ void *arg, _unused_ int fd)
{
	pause();
	return 0;
}

Test(loader_probe, hanging_child_is_killed)
{
	char buf[8];
	ssize_t n = probe_in_child(hang, NULL, buf, sizeof(buf), 200);

	cr_assert_eq(n, -ETIMEDOUT);
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a probe child was left unreaped");
	cr_assert_eq(errno, ECHILD);
}
