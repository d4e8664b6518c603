/* Acting as the caller. The gofer runs privileged; each operation runs with the caller's fsuid
 * and fsgid (the kernel then checks permissions, and owns new files, exactly as for the caller:
 * set-group-ID directories and default ACLs included, with no window where a new file is ours,
 * which a chown after creation would leave), the caller's umask and supplementary groups (as
 * the request carries them), and an effective capability set cut down to the caller's. Only the
 * effective set is lowered, so it can be raised again from the permitted set.
 *
 * The caller's identity stays in force after its request: the next request from the same
 * caller (same fsuid, fsgid, groups, capabilities, umask) switches nothing, and a switch sets
 * only what differs from what is in force. We become ourselves only when something needs it
 * (gofer_creds_self), or after a switch failed midway. What a switch relies on:
 *  - setgroups, setfsgid and setfsuid need CAP_SETGID / CAP_SETUID in the effective set, which
 *    the caller's set may lack: ours is raised first (capset within the permitted set).
 *  - setfsuid moves capabilities by itself: a change of fsuid away from 0 drops the file-system
 *    capabilities from the effective set, a change back to 0 raises them from the permitted set
 *    (cap_task_fix_setuid). So after any change of fsuid the effective set is set again, even
 *    when the capabilities asked for are the same as before.
 *  - setfsuid and setfsgid fail silently (an id not mapped in our user namespace, an LSM): each
 *    change is checked by reading the id back. setfsuid's own return value is the previous id
 *    and cannot tell. Ids that do not change are not set, so not checked either.
 *  - A failure anywhere leaves the state unknown: the next switch sets everything.
 *
 * Raw syscalls on purpose: glibc's setgroups() and friends broadcast to every thread, these
 * apply to the calling thread, which is the one doing the operation. */
#include "gofer/internal.h"

#include <assert.h>
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAPS_SETIDS ((1u << CAP_SETUID) | (1u << CAP_SETGID))

static_assert(CAP_SETUID < 32 && CAP_SETGID < 32, "both in the first word");
static_assert(sizeof(gid_t) == sizeof(uint32_t), "the request's gids are setgroups' gids");

static int caps_set(const struct gofer_server *s, const uint32_t eff[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = eff[i];
		d[i].permitted = s->cap_prm[i];
		d[i].inheritable = s->cap_inh[i];
	}
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static bool same_groups(const struct gofer_identity *a, const struct gofer_identity *b)
{
	return a->ngroups == b->ngroups &&
	       memcmp(a->groups, b->groups, a->ngroups * sizeof(a->groups[0])) == 0;
}

static void copy_identity(struct gofer_identity *to, const struct gofer_identity *from)
{
	to->fsuid = from->fsuid;
	to->fsgid = from->fsgid;
	to->cap_eff[0] = from->cap_eff[0];
	to->cap_eff[1] = from->cap_eff[1];
	to->ngroups = from->ngroups;
	memcpy(to->groups, from->groups, from->ngroups * sizeof(from->groups[0]));
}

/* Make `t` the identity in force, setting what differs from the one in force. */
static int switch_to(struct gofer_server *s, const struct gofer_identity *t)
{
	struct gofer_creds_state *cs = &s->creds;
	const struct gofer_identity *cur = &cs->cur;
	bool known = cs->known;
	bool groups = !known || !same_groups(cur, t);
	bool gid = !known || cur->fsgid != t->fsgid;
	bool uid = !known || cur->fsuid != t->fsuid;
	bool caps = !known || cur->cap_eff[0] != t->cap_eff[0] || cur->cap_eff[1] != t->cap_eff[1];
	if (!groups && !gid && !uid && !caps)
		return 0;
	cs->known = false;
	int r;
	if ((groups || gid || uid) && (!known || (cur->cap_eff[0] & CAPS_SETIDS) != CAPS_SETIDS)) {
		r = caps_set(s, s->cap_eff);
		if (r < 0)
			return r;
		caps = true;
	}
	/* Refused (a gid not mapped in our user namespace): we cannot be this caller. */
	if (groups && syscall(SYS_setgroups, (size_t)t->ngroups, t->groups) < 0)
		return -EPERM;
	if (gid) {
		syscall(SYS_setfsgid, t->fsgid);
		if ((gid_t)syscall(SYS_setfsgid, -1) != t->fsgid)
			return -EPERM;
	}
	if (uid) {
		syscall(SYS_setfsuid, t->fsuid);
		if ((uid_t)syscall(SYS_setfsuid, -1) != t->fsuid)
			return -EPERM;
		caps = true; /* the kernel may have moved the file-system capabilities */
	}
	if (caps) {
		r = caps_set(s, t->cap_eff);
		if (r < 0)
			return r;
	}
	copy_identity(&cs->cur, t);
	cs->known = true;
	return 0;
}

static void set_umask(struct gofer_server *s, mode_t mask)
{
	struct gofer_creds_state *cs = &s->creds;
	if (cs->umask_known && cs->umask == mask)
		return;
	mode_t old = umask(mask);
	if (!cs->umask_known)
		cs->own_umask = old; /* the first call: nothing changed it before */
	cs->umask = mask;
	cs->umask_known = true;
}

static const struct gofer_identity *self_identity(struct gofer_server *s)
{
	struct gofer_creds_state *cs = &s->creds;
	if (!cs->self_ready) {
		cs->self.fsuid = geteuid();
		cs->self.fsgid = getegid();
		cs->self.cap_eff[0] = s->cap_eff[0];
		cs->self.cap_eff[1] = s->cap_eff[1];
		cs->self.ngroups = (uint32_t)s->ngroups;
		memcpy(cs->self.groups, s->groups, (size_t)s->ngroups * sizeof(s->groups[0]));
		cs->self_ready = true;
	}
	return &cs->self;
}

int gofer_creds_enter(struct gofer_server *s, const struct gofer_msg *m)
{
	const struct gofer_caller *c = &m->req.caller;
	struct gofer_identity *w = &s->creds.want;
	w->fsuid = c->fsuid;
	w->fsgid = c->fsgid;
	w->cap_eff[0] = s->cap_eff[0] & (uint32_t)c->cap_eff;
	w->cap_eff[1] = s->cap_eff[1] & (uint32_t)(c->cap_eff >> 32);
	w->ngroups = m->req.groups_len;
	memcpy(w->groups, m->groups, w->ngroups * sizeof(w->groups[0]));
	set_umask(s, c->umask & 0777);
	s->caller = c;
	return switch_to(s, w);
}

int gofer_creds_leave(struct gofer_server *s)
{
	s->caller = NULL;
	return s->creds.known ? 0 : switch_to(s, self_identity(s));
}

int gofer_creds_self(struct gofer_server *s)
{
	return switch_to(s, self_identity(s));
}

int gofer_creds_caller(struct gofer_server *s)
{
	return s->caller ? switch_to(s, &s->creds.want) : 0;
}

int gofer_creds_restore(struct gofer_server *s)
{
	s->caller = NULL;
	if (s->creds.umask_known)
		set_umask(s, s->creds.own_umask);
	return switch_to(s, self_identity(s));
}
