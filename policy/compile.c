/* The model to a seccomp program with libseccomp, for a target (caps, kernel version). */
#include "policy/internal.h"
#include "lib/error.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static bool is_deny(enum policy_action_kind k)
{
	return k == PA_KILL_THREAD || k == PA_KILL_PROCESS || k == PA_TRAP || k == PA_ERRNO;
}

uint32_t policy_scmp_action(const struct sbx_policy *p, struct policy_action a)
{
	unsigned ret = a.has_ret	      ? a.ret
		       : p->has_default_errno ? p->default_errno
					      : POLICY_DEFAULT_ERRNO;
	if (p->mode == POLICY_AUDIT && is_deny(a.kind))
		return SCMP_ACT_NOTIFY;
	switch (a.kind) {
	case PA_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case PA_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case PA_TRAP:
		return SCMP_ACT_TRAP;
	case PA_ERRNO:
		return SCMP_ACT_ERRNO(ret);
	case PA_TRACE:
		return SCMP_ACT_TRACE(ret);
	case PA_LOG:
		return SCMP_ACT_LOG;
	case PA_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case PA_ALLOW:
	default:
		return SCMP_ACT_ALLOW;
	}
}

static int running_kernel(unsigned *major, unsigned *minor)
{
	struct utsname u;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", major, minor) != 2)
		return -EINVAL;
	return 0;
}

static bool kernel_at_least(const struct policy_compiler *c, const struct policy_filter *f)
{
	return c->kmajor > f->kernel_major ||
	       (c->kmajor == f->kernel_major && c->kminor >= f->kernel_minor);
}

static bool any_arch_native(char *const *arches)
{
	for (; arches && *arches; arches++)
		if (policy_docker_arch_is_native(*arches))
			return true;
	return false;
}

/* Docker's includes (all must hold) and excludes (any one drops the rule). */
bool policy_rule_applies(const struct policy_compiler *c, const struct policy_rule *r)
{
	const struct policy_filter *in = &r->includes, *ex = &r->excludes;
	if (ex->arches && any_arch_native(ex->arches))
		return false;
	if (ex->caps & c->caps)
		return false;
	if (ex->has_kernel && kernel_at_least(c, ex))
		return false;
	if (in->arches && in->arches[0] && !any_arch_native(in->arches))
		return false;
	if ((in->caps & c->caps) != in->caps)
		return false;
	if (in->has_kernel && !kernel_at_least(c, in))
		return false;
	return true;
}

static bool index_repeats(const struct policy_rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		for (size_t j = i + 1; j < r->n_conds; j++)
			if (r->conds[i].index == r->conds[j].index)
				return true;
	return false;
}

static struct scmp_arg_cmp arg_cmp(const struct policy_cond *c)
{
	return (struct scmp_arg_cmp){.arg = c->index,
				     .op = (enum scmp_compare)c->op,
				     .datum_a = c->value,
				     .datum_b = c->value_two};
}

/* One syscall of a rule: ANDed conditions, or (as runc) one rule per condition when an
 * argument index repeats. */
static int add_syscall(struct policy_compiler *c, const struct policy_rule *r, size_t ri,
		       uint32_t action, const char *name, int nr)
{
	struct scmp_arg_cmp cmps[64];
	int ret = 0;
	if (r->n_conds == 0) {
		ret = seccomp_rule_add_array(c->ctx, action, nr, 0, NULL);
	} else if (index_repeats(r)) {
		for (size_t i = 0; i < r->n_conds && ret == 0; i++) {
			cmps[0] = arg_cmp(&r->conds[i]);
			ret = seccomp_rule_add_array(c->ctx, action, nr, 1, cmps);
		}
	} else {
		for (size_t i = 0; i < r->n_conds; i++)
			cmps[i] = arg_cmp(&r->conds[i]);
		ret = seccomp_rule_add_array(c->ctx, action, nr, (unsigned)r->n_conds, cmps);
	}
	if (ret < 0)
		return sbx_err(c->err, -ret, "syscalls/%zu: add rule for \"%s\" (%s): %s", ri, name,
			       policy_action_name(r->action.kind), strerror(-ret));
	if (action == SCMP_ACT_NOTIFY)
		c->notify = true;
	return 0;
}

static int add_rule(struct policy_compiler *c, const struct policy_rule *r, size_t ri)
{
	uint32_t action = policy_scmp_action(c->p, r->action);
	if (!policy_rule_applies(c, r) || action == c->def)
		return 0;
	for (size_t i = 0; i < r->n_names; i++) {
		int nr = seccomp_syscall_resolve_name(r->names[i]), ret;
		if (policy_emulates(c->p, r->names[i]) || policy_broker_skips(c, r->names[i]))
			continue; /* the sentry's */
		if (nr < 0 && !c->sub_arches)
			continue; /* not on the native arch: skipped, as runc */
		ret = add_syscall(c, r, ri, action, r->names[i], nr);
		if (ret < 0 && nr >= 0)
			return ret;
		if (ret < 0)
			sbx_err_clear(c->err); /* a pseudo number libseccomp cannot place */
	}
	return 0;
}

static int add_emulated(struct policy_compiler *c)
{
	for (char **e = c->p->emulate; e && *e; e++) {
		int nr = seccomp_syscall_resolve_name(*e), ret;
		if ((nr < 0 && !c->sub_arches) || c->def == SCMP_ACT_NOTIFY)
			continue;
		ret = seccomp_rule_add_array(c->ctx, SCMP_ACT_NOTIFY, nr, 0, NULL);
		if (ret < 0 && nr >= 0)
			return sbx_err(c->err, -ret, "sbx/emulate: add rule for \"%s\": %s", *e,
				       strerror(-ret));
		c->notify = c->notify || ret == 0;
	}
	return 0;
}

/* The native arch's 32-bit companions that the policy names. */
static bool is_sub_arch(uint32_t native, uint32_t a)
{
	switch (native) {
	case SCMP_ARCH_X86_64:
		return a == SCMP_ARCH_X86 || a == SCMP_ARCH_X32;
	case SCMP_ARCH_AARCH64:
		return a == SCMP_ARCH_ARM;
	case SCMP_ARCH_S390X:
		return a == SCMP_ARCH_S390;
	default:
		return false;
	}
}

static int setup_ctx(struct policy_compiler *c)
{
	uint32_t native = seccomp_arch_native();
	int r;
	c->def = policy_scmp_action(c->p, c->p->default_action);
	c->notify = c->def == SCMP_ACT_NOTIFY;
	c->ctx = seccomp_init(c->def);
	if (!c->ctx)
		return sbx_err(c->err, EINVAL, "seccomp_init(%s) failed",
			       policy_action_name(c->p->default_action.kind));
	r = seccomp_attr_set(c->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return sbx_err(c->err, -r, "seccomp: clear no_new_privs attribute: %s",
			       strerror(-r));
	/* Best effort: a binary tree for long allow-lists. */
	(void)seccomp_attr_set(c->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < c->p->n_arches; i++) {
		if (!is_sub_arch(native, c->p->arches[i]))
			continue;
		r = seccomp_arch_add(c->ctx, c->p->arches[i]);
		if (r < 0 && r != -EEXIST)
			return sbx_err(c->err, -r, "seccomp: add architecture: %s", strerror(-r));
		c->sub_arches = true;
	}
	return 0;
}

int policy_compile(const struct sbx_policy *p, const struct policy_target *t,
		   struct policy_program *ret, struct sbx_error *err)
{
	struct policy_compiler c = {.p = p, .err = err};
	int r;
	if (!p || !ret)
		return sbx_err(err, EINVAL, "policy_compile: no policy");
	c.caps = t ? t->caps : 0;
	c.broker = t && t->broker_files;
	if (t && t->kernel_major) {
		c.kmajor = t->kernel_major;
		c.kminor = t->kernel_minor;
	} else if (running_kernel(&c.kmajor, &c.kminor) < 0) {
		return sbx_err(err, EINVAL, "cannot read the running kernel's version");
	}
	r = setup_ctx(&c);
	if (r < 0)
		goto out;
	r = add_emulated(&c);
	if (r == 0 && c.broker) {
		policy_broker_plan(&c);
		r = policy_broker_add(&c);
	}
	for (size_t i = 0; i < p->n_rules && r == 0; i++)
		r = add_rule(&c, &p->rules[i], i);
	if (r == 0) {
		struct policy_program prog = {0};
		r = policy_export(c.ctx, &prog, err);
		if (r == 0) {
			prog.needs_listener = c.notify;
			*ret = prog;
		}
	}
out:
	if (c.ctx)
		seccomp_release(c.ctx);
	return r;
}

void policy_program_free(struct policy_program *prog)
{
	if (!prog)
		return;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
	prog->needs_listener = false;
}
