/* The BPF-LSM layer in the guest: the same programs as on a host (loader/lsm.h), for a cgroup
 * the agent makes for the workload, with the rules on the guest's view of the files. The guest
 * kernel is booted with bpf among its LSMs, so it takes them where the host may refuse.
 *
 * The agent (PID 1) holds the links and the objects until the VM powers off, and logs each
 * denial on the console (the host keeps it in the sandbox's console.log). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/event_names.h"
#include "microvm/agent/agent.h"
#include "runtime/lsm_objects.h"
#include "runtime/sandbox.h"

#define CGROUP_MNT "/sys/fs/cgroup"
#define CGROUP_DIR CGROUP_MNT "/sbx-workload"

static struct lsm_objects objects;
static struct sbx_lsm links = SBX_LSM_INIT;
static struct ring_buffer *events;

/* The workload's cgroup: its directory and cgroup.procs, opened on a cgroup2 mount that is
 * gone again before the workload runs (it cannot move itself out of what it cannot see). */
static int make_cgroup(int *ret_dir, int *ret_procs, __u64 *ret_id, char *err, size_t errlen)
{
	struct stat st;
	if (mount("cgroup2", CGROUP_MNT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		snprintf(err, errlen, "mount cgroup2 on %s: %s", CGROUP_MNT, strerror(errno));
		return -errno;
	}
	int r = mkdir(CGROUP_DIR, 0755) < 0 && errno != EEXIST ? -errno : 0;
	*ret_dir = r ? -1 : open(CGROUP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*ret_procs = *ret_dir < 0 ? -1 : openat(*ret_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (!r && (*ret_procs < 0 || fstat(*ret_dir, &st) < 0))
		r = -errno;
	if (r) {
		snprintf(err, errlen, "make the cgroup %s: %s", CGROUP_DIR, strerror(-r));
		if (*ret_dir >= 0)
			close(*ret_dir);
	}
	*ret_id = r ? 0 : st.st_ino;
	umount2(CGROUP_MNT, MNT_DETACH);
	return r;
}

/* A JSON array of strings as a NULL-terminated vector pointing into it; NULL for no array. */
static char **strv(const json_t *a)
{
	if (!json_is_array(a))
		return NULL;
	char **v = calloc(json_array_size(a) + 1, sizeof(*v));
	for (size_t i = 0; v && i < json_array_size(a); i++)
		v[i] = (char *)json_string_value(json_array_get(a, i));
	return v;
}

static int open_objects(const json_t *lsm, char *err, size_t errlen)
{
	struct sandbox_spec s = {0};
	struct sbx_error e = {0};
	s.files_hidden = strv(json_object_get(lsm, "hidden"));
	s.files_readonly = strv(json_object_get(lsm, "readonly"));
	s.exec_allow = strv(json_object_get(lsm, "exec_allow"));
	int r = lsm_objects_open(&s, &objects, &e);
	if (r < 0)
		snprintf(err, errlen, "%s", e.msg);
	free(s.files_hidden);
	free(s.files_readonly);
	free(s.exec_allow);
	return r;
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct sbx_lsm_event *e = data;
	(void)ctx;
	if (len >= sizeof(*e))
		agent_log("BPF-LSM denied %s to pid %u (%.16s): %s, errno %u",
			  sbx_lsm_hook_name(e->hook), e->pid, e->comm, sbx_lsm_rule_name(e->rule),
			  e->err);
	return 0;
}

/* Attach for a cgroup; objects must be open. 0, or -errno with the reason in err. */
static int attach(const json_t *lsm, int cgroup_fd, __u64 id, char *err, size_t errlen)
{
	char why[SBX_LSM_WHY_LEN] = "";
	struct sbx_lsm_policy p = {.cgroup_fd = cgroup_fd,
				   .cgroup_id = id,
				   .objects = objects.v,
				   .n_objects = objects.n,
				   .exec_allow = json_object_get(lsm, "exec_allow") != NULL};
	int r = sbx_lsm_attach(&p, &links, why);
	if (r < 0) {
		snprintf(err, errlen, "%s", why);
		return r;
	}
	events = ring_buffer__new(links.events_fd, on_event, NULL, NULL);
	if (!events)
		agent_log("BPF-LSM: no denial events: %s", strerror(errno));
	return 0;
}

int agent_lsm_setup(const json_t *spec, int *ret_procs, char *err, size_t errlen)
{
	const json_t *lsm = json_object_get(spec, "lsm");
	bool required = json_is_true(json_object_get(lsm, "required"));
	char why[1100] = "";
	__u64 id = 0;
	int dir = -1, r;

	*ret_procs = -1;
	if (!lsm)
		return 0;
	r = make_cgroup(&dir, ret_procs, &id, why, sizeof(why));
	if (r == 0)
		r = open_objects(lsm, why, sizeof(why));
	if (r == 0)
		r = attach(lsm, dir, id, why, sizeof(why));
	if (dir >= 0)
		close(dir);
	if (r == 0) {
		agent_log("BPF-LSM layer on (%zu files with rules)", objects.n);
		return 0;
	}
	lsm_objects_close(&objects);
	if (required) {
		snprintf(err, errlen, "BPF-LSM layer in the guest: %s (the policy needs it)", why);
		if (*ret_procs >= 0)
			close(*ret_procs);
		*ret_procs = -1;
		return r;
	}
	agent_log("BPF-LSM layer off in the guest: %s", why);
	return 0;
}

int agent_lsm_events_fd(void)
{
	return events ? ring_buffer__epoll_fd(events) : -1;
}

void agent_lsm_drain(void)
{
	if (events)
		ring_buffer__consume(events);
}
