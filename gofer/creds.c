/* Acting as the caller. The gofer runs privileged; each operation runs with the caller's fsuid
 * and fsgid (the kernel then checks permissions, and owns new files, exactly as for the caller:
 * set-group-ID directories and default ACLs included, with no window where a new file is ours,
 * which a chown after creation would leave), the caller's umask and supplementary groups (as
 * the request carries them), and an effective capability set cut down to the caller's. Only the
 * effective set is lowered, so it can be raised again from the permitted set.
 *
 * Raw syscalls on purpose: glibc's setgroups() and friends broadcast to every thread, these
 * apply to the calling thread, which is the one doing the operation. */
#include "gofer/internal.h"

#include <assert.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int caps_set(const uint32_t eff[2], const uint32_t prm[2], const uint32_t inh[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = eff[i];
		d[i].permitted = prm[i];
		d[i].inheritable = inh[i];
	}
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static int set_fs_ids(uid_t uid, gid_t gid)
{
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	if ((uid_t)syscall(SYS_setfsuid, -1) != uid || (gid_t)syscall(SYS_setfsgid, -1) != gid)
		return -EPERM;
	return 0;
}

static_assert(sizeof(gid_t) == sizeof(uint32_t), "the request's gids are setgroups' gids");

static int become_caller(struct gofer_server *s, const struct gofer_caller *c)
{
	/* Refused (a gid not mapped in our user namespace): we cannot be this caller. */
	if (syscall(SYS_setgroups, (size_t)s->caller_ngroups, s->caller_groups) < 0)
		return -EPERM;
	int r = set_fs_ids(c->fsuid, c->fsgid);
	if (r < 0)
		return r;
	/* After setfsuid: a change away from fsuid 0 drops the file-system capabilities by itself;
	 * this makes the effective set exactly ours ∩ the caller's, whatever the ids. */
	uint32_t eff[2] = {s->cap_eff[0] & (uint32_t)c->cap_eff,
			   s->cap_eff[1] & (uint32_t)(c->cap_eff >> 32)};
	return caps_set(eff, s->cap_prm, s->cap_inh);
}

static int become_self(struct gofer_server *s)
{
	int r = set_fs_ids(geteuid(), getegid());
	if (r == 0)
		r = caps_set(s->cap_eff, s->cap_prm, s->cap_inh);
	if (r == 0 && syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0)
		r = -errno;
	return r;
}

int gofer_creds_enter(struct gofer_server *s, const struct gofer_msg *m)
{
	const struct gofer_caller *c = &m->req.caller;
	s->saved.umask = umask(c->umask & 0777);
	s->caller = c;
	s->caller_groups = m->groups;
	s->caller_ngroups = m->req.groups_len;
	return become_caller(s, c);
}

int gofer_creds_leave(struct gofer_server *s)
{
	umask(s->saved.umask);
	s->caller = NULL;
	s->caller_groups = NULL;
	s->caller_ngroups = 0;
	return become_self(s);
}

int gofer_creds_self(struct gofer_server *s)
{
	return become_self(s);
}

int gofer_creds_caller(struct gofer_server *s)
{
	return s->caller ? become_caller(s, s->caller) : 0;
}
