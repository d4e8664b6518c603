/* Brokered syscalls (policy_target.broker_files): the calls that change files, or that must be
 * answered as on a writable file system, stop in the kernel with SCMP_ACT_NOTIFY so the sentry
 * hands them to the gofer. Everything else keeps the profile's rules.
 *
 * A syscall is brokered only where the profile allows it: its compiled action (the first
 * applicable unconditional rule, else the default when no rule names it) is ALLOW or LOG. A
 * syscall that the profile denies keeps its errno; one whose profile rules all carry argument
 * conditions keeps them unchanged (not brokered: on the read-only root a write then fails with
 * EROFS, nothing more); one that sbx.emulate names is the sentry's already.
 *
 * Argument filters, all on registers the kernel reads itself (never on memory):
 *   open, openat: only with write intent in the flags (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
 *     __O_TMPFILE); read-only opens keep the profile's allow.
 *   access, faccessat, faccessat2: only with W_OK in the mode.
 * The fd-based changes (fchmod, fchown, fsetxattr, fremovexattr, and utimensat and futimesat
 * with a NULL path: futimens) are notified whatever the fd: seccomp cannot tell an fd the gofer
 * handed out (its read-write view: the sentry lets the kernel run the call) from one the
 * container opened read-only itself (the read-only mount: brokered by the file's path). So are
 * fchownat, fchmodat2 and linkat, whose AT_EMPTY_PATH form acts on an fd the same way.
 * Flags and modes are ints in the kernel: each test is a MASKED_EQ whose mask has no upper 32
 * bits, so garbage there changes nothing (as the kernel ignores it). */
#include "policy/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <string.h>
#include <unistd.h>

enum broker_kind {
	BROKER_ALWAYS,
	BROKER_WRITE_FLAGS, /* `arg` holds open(2) flags */
	BROKER_W_OK,	    /* `arg` holds an access(2) mode */
};

struct broker_call {
	const char *name;
	enum broker_kind kind;
	unsigned arg;
};

static const struct broker_call calls[] = {
    {"open", BROKER_WRITE_FLAGS, 1},	{"openat", BROKER_WRITE_FLAGS, 2},
    {"creat", BROKER_ALWAYS, 0},	{"openat2", BROKER_ALWAYS, 0}, /* flags in memory */
    {"mkdir", BROKER_ALWAYS, 0},	{"mkdirat", BROKER_ALWAYS, 0},
    {"unlink", BROKER_ALWAYS, 0},	{"unlinkat", BROKER_ALWAYS, 0},
    {"rmdir", BROKER_ALWAYS, 0},	{"rename", BROKER_ALWAYS, 0},
    {"renameat", BROKER_ALWAYS, 0},	{"renameat2", BROKER_ALWAYS, 0},
    {"link", BROKER_ALWAYS, 0},		{"linkat", BROKER_ALWAYS, 0},
    {"symlink", BROKER_ALWAYS, 0},	{"symlinkat", BROKER_ALWAYS, 0},
    {"chmod", BROKER_ALWAYS, 0},	{"fchmodat", BROKER_ALWAYS, 0},
    {"fchmodat2", BROKER_ALWAYS, 0},	{"chown", BROKER_ALWAYS, 0},
    {"lchown", BROKER_ALWAYS, 0},	{"fchownat", BROKER_ALWAYS, 0},
    {"truncate", BROKER_ALWAYS, 0},	{"utimes", BROKER_ALWAYS, 0},
    {"utime", BROKER_ALWAYS, 0},	{"utimensat", BROKER_ALWAYS, 0},
    {"futimesat", BROKER_ALWAYS, 0},	{"setxattr", BROKER_ALWAYS, 0},
    {"lsetxattr", BROKER_ALWAYS, 0},	{"removexattr", BROKER_ALWAYS, 0},
    {"lremovexattr", BROKER_ALWAYS, 0}, {"mknod", BROKER_ALWAYS, 0},
    {"mknodat", BROKER_ALWAYS, 0},	{"access", BROKER_W_OK, 1},
    {"faccessat", BROKER_W_OK, 2},	{"faccessat2", BROKER_W_OK, 2},
    {"statfs", BROKER_ALWAYS, 0},	{"fstatfs", BROKER_ALWAYS, 0},
    {"fchmod", BROKER_ALWAYS, 0},	{"fchown", BROKER_ALWAYS, 0},
    {"fsetxattr", BROKER_ALWAYS, 0},	{"fremovexattr", BROKER_ALWAYS, 0},
};

_Static_assert(ARRAY_SIZE(calls) <= 64, "policy_compiler.brokered is a 64-bit set");

/* The open(2) flags that mean write intent, one rule each. O_TMPFILE is __O_TMPFILE together
 * with O_DIRECTORY; O_DIRECTORY alone is a read-only open. */
static const uint32_t write_bits[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE & ~O_DIRECTORY};

static uint32_t write_mask(void)
{
	uint32_t m = 0;
	for (size_t i = 0; i < ARRAY_SIZE(write_bits); i++)
		m |= write_bits[i];
	return m;
}

static bool allows(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

/* The action the profile gives `name` as policy_compile places its rules (libseccomp keeps the
 * first unconditional rule of a syscall and drops every other). Returns false when only
 * conditional rules name it. */
static bool profile_action(const struct policy_compiler *c, const char *name, uint32_t *ret)
{
	bool conditional = false;
	for (size_t i = 0; i < c->p->n_rules; i++) {
		const struct policy_rule *r = &c->p->rules[i];
		uint32_t action = policy_scmp_action(c->p, r->action);
		if (!policy_rule_applies(c, r) || action == c->def ||
		    !policy_strv_contains(r->names, name))
			continue;
		if (r->n_conds == 0) {
			*ret = action;
			return true;
		}
		conditional = true;
	}
	*ret = c->def;
	return !conditional;
}

void policy_broker_plan(struct policy_compiler *c)
{
	c->brokered = 0;
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		uint32_t action;
		if (seccomp_syscall_resolve_name(calls[i].name) < 0)
			continue; /* not on the native arch */
		if (policy_emulates(c->p, calls[i].name))
			continue; /* NOTIFY already */
		if (profile_action(c, calls[i].name, &action) && allows(action))
			c->brokered |= 1ull << i;
	}
}

bool policy_broker_skips(const struct policy_compiler *c, const char *syscall_name)
{
	if (!c->broker || !c->brokered)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		if ((c->brokered & (1ull << i)) && strcmp(calls[i].name, syscall_name) == 0)
			return true;
	return false;
}

/* One rule; an action equal to the default is left to the default. */
static int add(struct policy_compiler *c, const struct broker_call *b, int nr, uint32_t action,
	       unsigned n, const struct scmp_arg_cmp *cmp)
{
	int r;
	if (action == c->def)
		return 0;
	r = seccomp_rule_add_array(c->ctx, action, nr, n, cmp);
	if (r < 0)
		return sbx_err(c->err, -r, "broker \"%s\": add rule: %s", b->name, strerror(-r));
	if (action == SCMP_ACT_NOTIFY)
		c->notify = true;
	return 0;
}

/* NOTIFY when any write bit is set (one rule per bit: libseccomp ORs rules), the profile's
 * allow when none is. */
static int add_write_flags(struct policy_compiler *c, const struct broker_call *b, int nr,
			   uint32_t allow)
{
	struct scmp_arg_cmp cmp = {.arg = b->arg, .op = SCMP_CMP_MASKED_EQ};
	int r;
	for (size_t i = 0; i < ARRAY_SIZE(write_bits); i++) {
		cmp.datum_a = cmp.datum_b = write_bits[i];
		r = add(c, b, nr, SCMP_ACT_NOTIFY, 1, &cmp);
		if (r < 0)
			return r;
	}
	cmp.datum_a = write_mask();
	cmp.datum_b = 0;
	return add(c, b, nr, allow, 1, &cmp);
}

static int add_w_ok(struct policy_compiler *c, const struct broker_call *b, int nr, uint32_t allow)
{
	struct scmp_arg_cmp cmp = {
	    .arg = b->arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = W_OK, .datum_b = W_OK};
	int r = add(c, b, nr, SCMP_ACT_NOTIFY, 1, &cmp);
	if (r < 0)
		return r;
	cmp.datum_b = 0;
	return add(c, b, nr, allow, 1, &cmp);
}

static int add_call(struct policy_compiler *c, const struct broker_call *b)
{
	int nr = seccomp_syscall_resolve_name(b->name);
	uint32_t allow;
	profile_action(c, b->name, &allow);
	switch (b->kind) {
	case BROKER_WRITE_FLAGS:
		return add_write_flags(c, b, nr, allow);
	case BROKER_W_OK:
		return add_w_ok(c, b, nr, allow);
	case BROKER_ALWAYS:
	default:
		return add(c, b, nr, SCMP_ACT_NOTIFY, 0, NULL);
	}
}

int policy_broker_add(struct policy_compiler *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		if (!(c->brokered & (1ull << i)))
			continue;
		int r = add_call(c, &calls[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
