/* Creating, feeding and freeing a sentry. */
#include "sentry/internal.h"
#include "bpf/cgroup.h"
#include "bpf/lsm.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int dup_str(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int copy_config(struct sentry *s, const struct sentry_config *cfg)
{
	int r = 0;
	r = r ?: dup_str(cfg->id ? cfg->id : "", &s->id);
	r = r ?: dup_str(cfg->state_dir, &s->state_dir);
	r = r ?: dup_str(cfg->cgroup_v2, &s->cgroup_v2);
	r = r ?: dup_str(cfg->cgroup_mem, &s->cgroup_mem);
	s->cgroup_id = cfg->cgroup_id;
	s->cgroup_bpf = cfg->cgroup_bpf;
	s->lsm = cfg->lsm;
	s->boot_time = cfg->boot_time;
	s->audit = cfg->audit;
	s->emulate_mknod = cfg->emulate_mknod;
	s->emulate_mknodat = cfg->emulate_mknodat;
	s->log_decisions = cfg->log_decisions;
	s->init_pid = cfg->init_pid;
	s->gofer_fd = cfg->gofer_fd;		 /* broker: borrowed */
	s->private_mounts = cfg->private_mounts; /* broker: borrowed */
	s->ro_mounts = cfg->ro_mounts;
	return r;
}

/* Buffers for RECV and SEND, as large as the kernel says (it may be newer than our headers). */
static int alloc_buffers(struct sentry *s)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s->sizes) < 0)
		return -errno;
	size_t req = s->sizes.seccomp_notif, resp = s->sizes.seccomp_notif_resp;
	s->req = calloc(1, req > sizeof(*s->req) ? req : sizeof(*s->req));
	s->resp = calloc(1, resp > sizeof(*s->resp) ? resp : sizeof(*s->resp));
	if (!s->req || !s->resp)
		return -ENOMEM;
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int sentry_new(const struct sentry_config *cfg, struct sentry **ret, struct sbx_error *err)
{
	_cleanup_free_ struct sentry *s = calloc(1, sizeof(*s));
	if (!s)
		return sbx_err(err, ENOMEM, "sentry: out of memory");
	s->init_pidfd = s->kill_pidfd = s->control_fd = s->events_fd = -1;
	s->cg_ring.fd = s->lsm_ring.fd = s->keeper_pidfd = -1;
	int r = copy_config(s, cfg);
	if (r < 0)
		goto fail;
	r = alloc_buffers(s);
	if (r < 0) {
		sbx_err_errno(err, r, "sentry: SECCOMP_GET_NOTIF_SIZES");
		goto fail_quiet;
	}
	r = sentry_stats_init(s);
	if (r < 0)
		goto fail;
	s->ngroups = getgroups(ARRAY_SIZE(s->groups), s->groups);
	if (s->ngroups < 0) {
		r = sbx_err_errno(err, errno, "sentry: getgroups");
		goto fail_quiet;
	}
	s->page_size = sysconf(_SC_PAGESIZE);
	/* Seed jansson's hash now: it may read /dev/urandom, which lockdown forbids. */
	json_object_seed(0);
	/* Without being init's parent we cannot reap it, but we can still kill it. */
	if (cfg->init_pidfd < 0 && cfg->init_pid > 0) {
		s->kill_pidfd = (int)syscall(SYS_pidfd_open, cfg->init_pid, 0);
		if (s->kill_pidfd < 0) {
			r = sbx_err_errno(err, errno, "sentry: pidfd_open(%d)", (int)cfg->init_pid);
			goto fail_quiet;
		}
	}
	/* accept() only when poll() says so, but a connection may vanish in between. */
	if ((cfg->control_fd >= 0 && set_nonblock(cfg->control_fd) < 0) ||
	    (cfg->events_fd >= 0 && set_nonblock(cfg->events_fd) < 0)) {
		r = sbx_err_errno(err, errno, "sentry: control sockets");
		goto fail_quiet;
	}
	/* Ownership of the fds passes to the sentry only on success. */
	s->init_pidfd = cfg->init_pidfd;
	s->control_fd = cfg->control_fd;
	s->events_fd = cfg->events_fd;
	s->keeper_pidfd = cfg->keeper_pidfd > 0 ? cfg->keeper_pidfd : -1;
	/* A ring that cannot be mapped: its denials go unforwarded, nothing else changes. */
	sentry_ring_open(&s->cg_ring,
			 cfg->cgroup_bpf_events_fd > 0 ? cfg->cgroup_bpf_events_fd : -1,
			 SBX_CG_EVENTS_SIZE, sizeof(struct sbx_cg_event), (size_t)s->page_size);
	sentry_ring_open(&s->lsm_ring, cfg->lsm_events_fd > 0 ? cfg->lsm_events_fd : -1,
			 SBX_LSM_EVENTS_SIZE, sizeof(struct sbx_lsm_event), (size_t)s->page_size);
	*ret = TAKE_PTR(s);
	return 0;
fail:
	sbx_err_errno(err, r, "sentry: setup");
fail_quiet:
	sentry_free(TAKE_PTR(s));
	return r;
}

int sentry_add_listener(struct sentry *s, int notify_fd)
{
	if (notify_fd < 0)
		return -EBADF;
	if (s->nlisteners >= SENTRY_MAX_LISTENERS) {
		close(notify_fd);
		return -EMFILE;
	}
	struct sentry_listener *l = &s->listeners[s->nlisteners++];
	l->fd = notify_fd;
	l->sync_wakeup = false;
	/* EINVAL/ENOTTY: an older kernel; the fd works without it, only slower. */
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) ==
	    0)
		l->sync_wakeup = true;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sentry_free(struct sentry *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlisteners; i++)
		close(s->listeners[i].fd);
	for (size_t i = 0; i < s->nsubs; i++)
		close(s->subs[i].fd);
	for (size_t i = 0; i < s->npending; i++)
		close(s->pending[i]);
	free(s->si_cache);
	sentry_status_fds_close(s);
	close_fd(&s->init_pidfd);
	close_fd(&s->kill_pidfd);
	close_fd(&s->control_fd);
	close_fd(&s->events_fd);
	sentry_ring_close(&s->cg_ring);
	sentry_ring_close(&s->lsm_ring);
	close_fd(&s->keeper_pidfd);
	for (size_t i = 0; i < SENTRY_STATS_NR; i++)
		free(s->syscall_names[i]);
	free(s->req);
	free(s->resp);
	free(s->id);
	free(s->state_dir);
	free(s->cgroup_v2);
	free(s->cgroup_mem);
	free(s);
}
