/* Load bpf/lsm.bpf.c for one sandbox, teach it (lsm_learn.c) and attach it. */
#include "loader/lsm.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf/lsm.skel.h"
#include "lib/log.h"
#include "loader/internal.h"
#include "loader/loader.h"

static bool has_file_rules(const struct sbx_lsm_policy *p)
{
	for (size_t i = 0; i < p->n_objects; i++)
		if (p->objects[i].rules & (SBX_LSM_F_HIDDEN | SBX_LSM_F_READONLY))
			return true;
	return false;
}

/* What the policy does not use is not loaded: file_open, for one, runs at every open on the
 * node, whoever opens. */
static void skip_unused(const struct sbx_lsm_policy *p, struct lsm_bpf *skel)
{
	bpf_program__set_autoload(skel->progs.sbx_lsm_file_open, has_file_rules(p));
	bpf_program__set_autoload(skel->progs.sbx_lsm_bprm_check, p->exec_allow);
	if (!p->egress.on) {
		bpf_program__set_autoload(skel->progs.sbx_lsm_connect, false);
		bpf_map__set_autocreate(skel->maps.sbx_lsm_egress4, false);
		bpf_map__set_autocreate(skel->maps.sbx_lsm_egress6, false);
	}
}

/* "lsm/file_open: EPERM at load": libbpf names the program that failed in its log. */
static void load_failed(struct lsm_bpf *skel, int r, char *why)
{
	char name[64];
	struct bpf_program *prog;

	sbx_libbpf_failed_prog(name, sizeof(name));
	prog = name[0] ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
	if (prog)
		snprintf(why, SBX_LSM_WHY_LEN, "%s: %s at load", bpf_program__section_name(prog),
			 errno_name(r));
	else
		snprintf(why, SBX_LSM_WHY_LEN, "bpf/lsm.bpf.o: %s at load", errno_name(r));
}

/* p NULL: every program (a check). */
static int load(const struct sbx_lsm_policy *p, struct lsm_bpf **ret, char *why)
{
	struct lsm_bpf *skel;
	char stale[64];
	int r;

	sbx_libbpf_log_setup();
	skel = lsm_bpf__open();
	if (!skel) {
		r = -errno;
		snprintf(why, SBX_LSM_WHY_LEN, "open bpf/lsm.bpf.o: %s", errno_name(r));
		return r;
	}
	if (p)
		skip_unused(p, skel);
	skel->rodata->learn_tgid = (__u32)getpid();
	sbx_libbpf_failed_prog(stale, sizeof(stale));
	r = lsm_bpf__load(skel);
	if (r < 0) {
		load_failed(skel, r, why);
		lsm_bpf__destroy(skel);
		return r;
	}
	*ret = skel;
	return 0;
}

static int attach_links(struct lsm_bpf *skel, struct sbx_lsm *l, char *why)
{
	struct bpf_program *progs[SBX_LSM_HOOK__MAX] = {
	    [SBX_LSM_FILE_OPEN] = skel->progs.sbx_lsm_file_open,
	    [SBX_LSM_BPRM_CHECK] = skel->progs.sbx_lsm_bprm_check,
	    [SBX_LSM_PTRACE] = skel->progs.sbx_lsm_ptrace,
	    [SBX_LSM_TASK_KILL] = skel->progs.sbx_lsm_task_kill,
	    [SBX_LSM_SB_MOUNT] = skel->progs.sbx_lsm_sb_mount,
	    [SBX_LSM_MOVE_MOUNT] = skel->progs.sbx_lsm_move_mount,
	    [SBX_LSM_BPF] = skel->progs.sbx_lsm_bpf,
	    [SBX_LSM_MODULE_REQUEST] = skel->progs.sbx_lsm_module_request,
	    [SBX_LSM_KERNEL_READ_FILE] = skel->progs.sbx_lsm_read_file,
	    [SBX_LSM_KERNEL_LOAD_DATA] = skel->progs.sbx_lsm_load_data,
	    [SBX_LSM_PERF_EVENT_OPEN] = skel->progs.sbx_lsm_perf_open,
	    [SBX_LSM_SOCKET_CONNECT] = skel->progs.sbx_lsm_connect,
	};

	for (int i = 0; i < SBX_LSM_HOOK__MAX; i++) {
		if (!bpf_program__autoload(progs[i]))
			continue; /* the policy does not need it */
		l->links[i] = bpf_raw_tracepoint_open(NULL, bpf_program__fd(progs[i]));
		if (l->links[i] < 0) {
			int r = -errno;
			snprintf(why, SBX_LSM_WHY_LEN, "attach %s: %s",
				 bpf_program__section_name(progs[i]), errno_name(r));
			return r;
		}
	}
	return 0;
}

static int take_maps(struct lsm_bpf *skel, struct sbx_lsm *l, char *why)
{
	l->counters_fd = fcntl(bpf_map__fd(skel->maps.bss), F_DUPFD_CLOEXEC, 3);
	l->events_fd = fcntl(bpf_map__fd(skel->maps.sbx_lsm_events), F_DUPFD_CLOEXEC, 3);
	if (l->counters_fd >= 0 && l->events_fd >= 0)
		return 0;
	snprintf(why, SBX_LSM_WHY_LEN, "dup map fds: %s", strerror(errno));
	return -errno;
}

static int fill_egress(const struct sbx_lsm_policy *p, struct lsm_bpf *skel, char *why)
{
	int r;

	if (!p->egress.on)
		return 0;
	r = sbx_net_fill(&p->egress, bpf_map__fd(skel->maps.sbx_lsm_egress4),
			 bpf_map__fd(skel->maps.sbx_lsm_egress6));
	if (r < 0)
		snprintf(why, SBX_LSM_WHY_LEN, "sbx.network.egress: %s", errno_name(r));
	return r;
}

int sbx_lsm_attach(const struct sbx_lsm_policy *p, struct sbx_lsm *ret, char why[SBX_LSM_WHY_LEN])
{
	struct sbx_lsm l = SBX_LSM_INIT;
	struct lsm_bpf *skel = NULL;
	int r;

	if (p->n_objects > SBX_LSM_FILES_MAX) {
		snprintf(why, SBX_LSM_WHY_LEN, "more than %d files in sbx.files and sbx.exec",
			 SBX_LSM_FILES_MAX);
		return -E2BIG;
	}
	if ((r = load(p, &skel, why)) < 0)
		return r;
	if ((r = sbx_lsm_learn(skel, p, why)) < 0 || (r = fill_egress(p, skel, why)) < 0 ||
	    (r = take_maps(skel, &l, why)) < 0 || (r = attach_links(skel, &l, why)) < 0)
		goto out_close;
	lsm_bpf__destroy(skel); /* the links hold the programs, the programs their maps */
	*ret = l;
	return 0;
out_close:
	sbx_lsm_close(&l);
	lsm_bpf__destroy(skel);
	return r;
}

int sbx_lsm_check(char why[SBX_LSM_WHY_LEN])
{
	struct lsm_bpf *skel = NULL;
	int r = load(NULL, &skel, why);

	if (r == 0)
		lsm_bpf__destroy(skel);
	return r;
}

void sbx_lsm_close(struct sbx_lsm *l)
{
	for (int i = 0; i < SBX_LSM_HOOK__MAX; i++) {
		if (l->links[i] >= 0)
			close(l->links[i]);
		l->links[i] = -1;
	}
	if (l->counters_fd >= 0)
		close(l->counters_fd);
	l->counters_fd = -1;
	if (l->events_fd >= 0)
		close(l->events_fd);
	l->events_fd = -1;
}
