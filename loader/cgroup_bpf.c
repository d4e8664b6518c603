/* Load bpf/cgroup.bpf.c for one sandbox and attach it to the sandbox's v2 cgroup. */
#include "loader/cgroup_bpf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bpf/cgroup.skel.h"
#include "lib/log.h"
#include "loader/internal.h"
#include "loader/loader.h"

#define RWM (SBX_DEV_ACC_MKNOD | SBX_DEV_ACC_READ | SBX_DEV_ACC_WRITE)

/* What runc and crun always allow on cgroup v2. */
static const struct sbx_dev_rule default_rules[] = {
    {.type = 'c', .major = 1, .minor = 3, .access = RWM, .allow = 1},		  /* null */
    {.type = 'c', .major = 1, .minor = 5, .access = RWM, .allow = 1},		  /* zero */
    {.type = 'c', .major = 1, .minor = 7, .access = RWM, .allow = 1},		  /* full */
    {.type = 'c', .major = 1, .minor = 8, .access = RWM, .allow = 1},		  /* random */
    {.type = 'c', .major = 1, .minor = 9, .access = RWM, .allow = 1},		  /* urandom */
    {.type = 'c', .major = 5, .minor = 0, .access = RWM, .allow = 1},		  /* tty */
    {.type = 'c', .major = 5, .minor = 2, .access = RWM, .allow = 1},		  /* ptmx */
    {.type = 'c', .major = 136, .minor = SBX_DEV_ANY, .access = RWM, .allow = 1}, /* pts */
};

int sbx_dev_rules_build(const struct sbx_dev_rule *rules, size_t n, struct sbx_dev_rule *ret,
			size_t cap)
{
	size_t total = n + sizeof(default_rules) / sizeof(default_rules[0]);

	if (total > cap)
		return -E2BIG;
	if (n)
		memcpy(ret, rules, n * sizeof(*rules));
	memcpy(ret + n, default_rules, sizeof(default_rules));
	return (int)total;
}

int sbx_sysctl_key(const char *name, char ret[SBX_SYSCTL_NAME_LEN])
{
	size_t len = strlen(name);

	if (len == 0)
		return -EINVAL;
	if (len >= SBX_SYSCTL_NAME_LEN)
		return -ENAMETOOLONG;
	memset(ret, 0, SBX_SYSCTL_NAME_LEN);
	for (size_t i = 0; i < len; i++)
		ret[i] = name[i] == '.' ? '/' : name[i];
	return 0;
}

static int fill_sysctls(struct cgroup_bpf *skel, const char *const *allow)
{
	int fd = bpf_map__fd(skel->maps.sbx_cg_sysctls);
	char key[SBX_SYSCTL_NAME_LEN];
	__u8 one = 1;

	for (const char *const *s = allow; s && *s; s++) {
		int r = sbx_sysctl_key(*s, key);
		if (r < 0)
			return r;
		if (bpf_map_update_elem(fd, key, &one, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* A list the policy does not have costs nothing: its programs and tries are not even loaded. */
static void skip_absent(const struct sbx_cgroup_bpf_policy *p, struct cgroup_bpf *skel)
{
	struct bpf_program *egress[] = {skel->progs.sbx_cg_connect4, skel->progs.sbx_cg_connect6,
					skel->progs.sbx_cg_sendmsg4, skel->progs.sbx_cg_sendmsg6};
	struct bpf_program *bind[] = {skel->progs.sbx_cg_bind4, skel->progs.sbx_cg_bind6};

	for (size_t i = 0; !p->egress.on && i < sizeof(egress) / sizeof(egress[0]); i++)
		bpf_program__set_autoload(egress[i], false);
	for (size_t i = 0; !p->bind.on && i < sizeof(bind) / sizeof(bind[0]); i++)
		bpf_program__set_autoload(bind[i], false);
	if (!p->egress.on) {
		bpf_map__set_autocreate(skel->maps.sbx_cg_egress4, false);
		bpf_map__set_autocreate(skel->maps.sbx_cg_egress6, false);
	}
	if (!p->bind.on) {
		bpf_map__set_autocreate(skel->maps.sbx_cg_binds4, false);
		bpf_map__set_autocreate(skel->maps.sbx_cg_binds6, false);
	}
}

static int fill_net(const struct sbx_cgroup_bpf_policy *p, struct cgroup_bpf *skel)
{
	int r = 0;

	if (p->egress.on)
		r = sbx_net_fill(&p->egress, bpf_map__fd(skel->maps.sbx_cg_egress4),
				 bpf_map__fd(skel->maps.sbx_cg_egress6));
	if (r == 0 && p->bind.on)
		r = sbx_net_fill(&p->bind, bpf_map__fd(skel->maps.sbx_cg_binds4),
				 bpf_map__fd(skel->maps.sbx_cg_binds6));
	return r;
}

static int load(const struct sbx_cgroup_bpf_policy *p, struct cgroup_bpf **ret)
{
	struct cgroup_bpf *skel = cgroup_bpf__open();
	int n, r;

	if (!skel)
		return -errno;
	skip_absent(p, skel);
	n = sbx_dev_rules_build(p->dev_rules, p->n_dev_rules, skel->rodata->dev_rules,
				SBX_DEV_RULES_MAX);
	if (n < 0) {
		r = n;
		goto out_destroy;
	}
	skel->rodata->n_dev_rules = (__u32)n;
	if ((r = cgroup_bpf__load(skel)) < 0 || (r = fill_sysctls(skel, p->sysctl_allow)) < 0 ||
	    (r = fill_net(p, skel)) < 0)
		goto out_destroy;
	*ret = skel;
	return 0;
out_destroy:
	cgroup_bpf__destroy(skel);
	return r;
}

int sbx_cgroup_bpf_attach(const struct sbx_cgroup_bpf_policy *p, int cgroup_fd,
			  struct sbx_cgroup_bpf *ret)
{
	struct sbx_cgroup_bpf b = SBX_CGROUP_BPF_INIT;
	struct cgroup_bpf *skel = NULL;
	int r;

	sbx_libbpf_log_setup();
	if ((r = load(p, &skel)) < 0)
		return r;
	const struct {
		struct bpf_program *prog;
		enum bpf_attach_type type;
	} hooks[SBX_CG_HOOK__MAX] = {
	    [SBX_CG_DEV] = {skel->progs.sbx_cg_dev, BPF_CGROUP_DEVICE},
	    [SBX_CG_SYSCTL] = {skel->progs.sbx_cg_sysctl, BPF_CGROUP_SYSCTL},
	    [SBX_CG_SOCK_CREATE] = {skel->progs.sbx_cg_sock, BPF_CGROUP_INET_SOCK_CREATE},
	    [SBX_CG_CONNECT4] = {skel->progs.sbx_cg_connect4, BPF_CGROUP_INET4_CONNECT},
	    [SBX_CG_CONNECT6] = {skel->progs.sbx_cg_connect6, BPF_CGROUP_INET6_CONNECT},
	    [SBX_CG_SENDMSG4] = {skel->progs.sbx_cg_sendmsg4, BPF_CGROUP_UDP4_SENDMSG},
	    [SBX_CG_SENDMSG6] = {skel->progs.sbx_cg_sendmsg6, BPF_CGROUP_UDP6_SENDMSG},
	    [SBX_CG_BIND4] = {skel->progs.sbx_cg_bind4, BPF_CGROUP_INET4_BIND},
	    [SBX_CG_BIND6] = {skel->progs.sbx_cg_bind6, BPF_CGROUP_INET6_BIND},
	};
	for (int i = 0; i < SBX_CG_HOOK__MAX; i++) {
		if (!bpf_program__autoload(hooks[i].prog))
			continue; /* a network list the policy does not have */
		b.links[i] =
		    bpf_link_create(bpf_program__fd(hooks[i].prog), cgroup_fd, hooks[i].type, NULL);
		if (b.links[i] < 0) {
			r = -errno;
			log_debug("cgroup-BPF: link %s: %s", bpf_program__name(hooks[i].prog),
				  strerror(-r));
			goto out_close;
		}
	}
	b.counters_fd = fcntl(bpf_map__fd(skel->maps.bss), F_DUPFD_CLOEXEC, 3);
	b.events_fd = fcntl(bpf_map__fd(skel->maps.sbx_cg_events), F_DUPFD_CLOEXEC, 3);
	if (b.counters_fd < 0 || b.events_fd < 0) {
		r = -errno;
		goto out_close;
	}
	cgroup_bpf__destroy(skel); /* the links hold the programs, the programs their maps */
	*ret = b;
	return 0;
out_close:
	sbx_cgroup_bpf_close(&b);
	cgroup_bpf__destroy(skel);
	return r;
}

void sbx_cgroup_bpf_close(struct sbx_cgroup_bpf *b)
{
	for (int i = 0; i < SBX_CG_HOOK__MAX; i++) {
		if (b->links[i] >= 0)
			close(b->links[i]);
		b->links[i] = -1;
	}
	if (b->counters_fd >= 0)
		close(b->counters_fd);
	b->counters_fd = -1;
	if (b->events_fd >= 0)
		close(b->events_fd);
	b->events_fd = -1;
}
