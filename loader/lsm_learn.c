/* Teach a loaded bpf/lsm.bpf.c the sandbox's cgroup and the inodes of its rules. Its
 * sbx_lsm_learn iterator walks our own fds: it reads the cgroup's id and level from the
 * cgroup directory (the level counts from the hierarchy's root, which a cgroup namespace may
 * hide from us) and each object's inode as the kernel names it (on an overlay, stat(2)
 * reports another device for files, so user space cannot compute the key). */
#include "loader/lsm.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf/lsm.skel.h"
#include "lib/cleanup.h"
#include "loader/internal.h"

static int want(int map_fd, int fd, __u8 rules)
{
	__u32 key = (__u32)fd;

	return bpf_map_update_elem(map_fd, &key, &rules, BPF_NOEXIST) < 0 ? -errno : 0;
}

/* Run the iterator over this process's files (the kernel filters by pid since 6.1; the
 * program checks the tgid too). */
static int run_iter(struct lsm_bpf *skel)
{
	union bpf_iter_link_info info = {.task.pid = (__u32)getpid()};
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &info,
			    .link_info_len = sizeof(info));
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.sbx_lsm_learn, &o);
	char buf[64];
	ssize_t n;
	int r = 0;

	if (!link)
		return -errno;
	_cleanup_close_ int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		r = -errno;
	while (fd >= 0 && ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		;
	if (fd >= 0 && n < 0)
		r = -errno;
	bpf_link__destroy(link);
	return r;
}

int sbx_lsm_learn(struct lsm_bpf *skel, const struct sbx_lsm_policy *p, char *why)
{
	int map = bpf_map__fd(skel->maps.sbx_lsm_learn_fds);
	int r = want(map, p->cgroup_fd, SBX_LSM_LEARN_CGROUP);

	for (size_t i = 0; r == 0 && i < p->n_objects; i++)
		r = want(map, p->objects[i].fd, p->objects[i].rules);
	if (r < 0) {
		snprintf(why, SBX_LSM_WHY_LEN, "learn: fill the fd map: %s", errno_name(r));
		return r;
	}
	if ((r = run_iter(skel)) < 0) {
		snprintf(why, SBX_LSM_WHY_LEN, "learn: iter/task_file: %s", errno_name(r));
		return r;
	}
	if (skel->data->learned != p->n_objects + 1 || skel->data->sandbox_cgid != p->cgroup_id) {
		snprintf(why, SBX_LSM_WHY_LEN,
			 "learn: %u of %zu fds seen, cgroup id %llu (expected %llu)",
			 skel->data->learned, p->n_objects + 1,
			 (unsigned long long)skel->data->sandbox_cgid,
			 (unsigned long long)p->cgroup_id);
		return -EIO;
	}
	return 0;
}
