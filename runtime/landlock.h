/* Landlock: the kernel's allow-list of file-system rights and TCP ports for the container's
 * processes. The container init and every `sbx exec` process build one ruleset from a plan and
 * restrict themselves with it just before the seccomp filter, so the workload and everything
 * it starts stay in that domain.
 *
 * The plan (landlock_plan.c) is made at create from the policy and the config, and saved in
 * the state dir for exec: every right beneath the policy's sbx.files.writable paths (all of
 * "/" when the policy has no such list) and beneath the sandbox's own writable mounts (tmpfs
 * /tmp, /dev, /proc, ...); read and execute everywhere else; no right on sbx.files.hidden
 * where no writable path covers them; TCP connect and bind only to the ports of sbx.network's
 * lists where every rule names ports. The ruleset is built in the container's own view
 * (landlock.c), where the paths mean what the workload will see. */
#ifndef SBX_RUNTIME_LANDLOCK_H
#define SBX_RUNTIME_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sandbox_spec;
struct sbx_error;

/* More ports than this in one list are left to cgroup-BPF (one Landlock rule per port). */
#define LANDLOCK_PORTS_MAX 1024

/* The TCP ports a list allows. !on: Landlock does not handle that access (any port). */
struct landlock_ports {
	bool on;
	size_t n;
	uint16_t *ports; /* owned, ascending, distinct */
};

struct landlock_plan {
	char **full;   /* every handled right beneath each (owned, NULL-terminated) */
	char **hidden; /* sbx.files.hidden (owned, NULL-terminated) */
	struct landlock_ports connect, bind;
	bool scope_signal;	  /* ABI 6: signals only within the domain */
	bool scope_abstract_unix; /* ABI 6: abstract unix sockets only within the domain */
	bool required;		  /* sbx.require names landlock */
};

/* The plan for a sandbox whose policy is compiled (spec->files_*, net_*, policy_flags). */
int landlock_plan_make(const struct sandbox_spec *spec, struct landlock_plan *ret);
void landlock_plan_free(struct landlock_plan *p);
/* As JSON, in the state dir (`path`), for exec. Load: -ENOENT when there is none. */
int landlock_plan_save(const struct landlock_plan *p, const char *path);
int landlock_plan_load(const char *path, struct landlock_plan *ret);
/* The same JSON in memory (a microVM's agent gets it in its spec). */
typedef struct json_t json_t;
json_t *landlock_plan_json(const struct landlock_plan *p);
int landlock_plan_parse(const json_t *doc, struct landlock_plan *ret);

/* The kernel's Landlock ABI version, 0 when it has none. */
int landlock_abi(void);
/* The file-system rights ABI `abi` knows (all of them are handled). */
uint64_t landlock_fs_rights(int abi);

/* Build the plan's ruleset in the current mount namespace: *ret_fd is the ruleset, or -1 when
 * the kernel has no Landlock and the plan does not require it. */
int landlock_build(const struct landlock_plan *p, int *ret_fd, struct sbx_error *err);
/* Restrict the calling thread (and what it execs) to the ruleset. Needs no_new_privs or
 * CAP_SYS_ADMIN. */
int landlock_enforce(int ruleset_fd);

#endif
