/* sbx-hook: an OCI hook that gives a container run by runc or crun sbx's cgroup-BPF layer and
 * registers it with sbxd (for sbx-trace). Private to tools/hook_*.c.
 *
 * createRuntime / prestart: attach the layer to the container's v2 cgroup, pin the links
 * under PIN_ROOT/ID (they outlive the hook), register with sbxd; poststop: unregister and
 * unpin. */
#ifndef SBX_TOOLS_HOOK_H
#define SBX_TOOLS_HOOK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loader/cgroup_bpf.h"

struct sbx_error;
struct sbx_policy;

#define HOOK_CONFIG_DEFAULT	"/etc/sbx/hook.json"
#define HOOK_POLICY_DEFAULT	"/etc/sbx/policy.json"
#define HOOK_POLICY_DIR_DEFAULT "/etc/sbx/policies"
#define HOOK_PIN_ROOT_DEFAULT	"/sys/fs/bpf/sbx/hook"
#define HOOK_TIMEOUT_MS_DEFAULT 2000
#define HOOK_TIMEOUT_MS_MAX	60000

/* What to do when sbxd does not answer in time, or the layer cannot be attached. */
enum hook_fail {
	HOOK_FAIL_CLOSED, /* exit non-zero: the container does not start */
	HOOK_FAIL_OPEN,	  /* start it, with a warning */
};

struct hook_opts {
	enum hook_fail fail;
	char policy[PATH_MAX];	   /* the node default policy; "" when there is none */
	char policy_dir[PATH_MAX]; /* where io.sbx.policy's names are: DIR/NAME.json */
	char socket[PATH_MAX];	   /* sbxd's control socket */
	char pin_root[PATH_MAX];   /* a bpffs directory */
	char log[PATH_MAX];	   /* "" : stderr only */
	int timeout_ms;		   /* for sbxd's answer */
	bool debug;
};

/* Defaults, then the config file (--config FILE, else HOOK_CONFIG_DEFAULT when it exists),
 * then the other options of argv. Errors name the file, line and column, or the option. */
int hook_opts_load(int argc, char **argv, struct hook_opts *ret, struct sbx_error *err);

/* The OCI state the runtime writes to the hook's stdin, and what the hook needs of the
 * bundle's config.json. */
struct hook_state {
	char id[256];
	pid_t pid;
	char bundle[PATH_MAX];
	char status[32];
	char policy[PATH_MAX]; /* the file the io.sbx.policy annotation names, or "" */
	struct sbx_dev_rule devs[SBX_DEV_RULES_MAX]; /* linux.resources.devices */
	size_t n_devs;
};

/* Read the state JSON from fd (at most 1 MiB). */
int hook_state_read(int fd, struct hook_state *ret, struct sbx_error *err);

/* The bundle's config.json: annotations and linux.resources.devices. The io.sbx.policy
 * annotation is a name (letters, digits, '.', '_', '-'; not starting with '.') of a policy
 * in policy_dir, never a path: a pod author writes it, the node's administrator the files. */
int hook_bundle_read(struct hook_state *s, const char *policy_dir, struct sbx_error *err);

/* The container's v2 cgroup: its path below the v2 mount ("/a/b", never "/") and an open
 * directory fd. -ENOENT when the host has no v2 hierarchy or the process none of its own. */
int hook_cgroup_open(pid_t pid, char *ret_rel, size_t len, int *ret_fd, struct sbx_error *err);

/* The cgroup-BPF policy of `s`: its policy file (`path`, "" for the built-in default), its
 * device rules; free with hook_layer_free. A policy whose sbx.require names a layer the hook
 * cannot give (gofer, lsm, landlock) is refused. */
struct hook_layer {
	struct sbx_policy *policy;
	struct sbx_net_rule *egress, *bind;
	struct sbx_cgroup_bpf_policy p;
	/* sbx.network, or sbx.require names cgroup-bpf: nothing else enforces it, so without
	 * the layer the container must not start, even with --fail open */
	bool required;
};
int hook_layer_load(const struct hook_state *s, const char *path, struct hook_layer *ret,
		    struct sbx_error *err);
void hook_layer_free(struct hook_layer *l);

/* Attach the layer to the cgroup and pin every link and the counters and events maps under
 * dir (made; an old one of the same name replaced). Nothing stays on failure. */
int hook_attach_pinned(const struct hook_layer *l, int cgroup_fd, const char *dir,
		       struct sbx_error *err);

/* Remove what hook_attach_pinned pinned (the programs detach). 0 when there was none. */
int hook_unpin(const char *dir);

#endif
