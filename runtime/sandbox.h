/* Creating a sandbox: the CLI (create, run) builds a struct sandbox_spec; sandbox_create()
 * forks the monitor, which clones the container init and then becomes the sentry. */
#ifndef SBX_RUNTIME_SANDBOX_H
#define SBX_RUNTIME_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "loader/cgroup_bpf.h"
#include "runtime/lsm_objects.h"
#include "policy/policy.h"
#include "runtime/landlock.h"

struct sbx_error;
struct sbx_cli;
struct oci_config;
struct oci_process;
struct container_state;

struct sandbox_spec {
	const char *id;
	const char *bundle;	    /* absolute */
	const char *rootfs;	    /* absolute path of the root file system */
	struct oci_config *config;  /* parsed config.json */
	struct policy_program prog; /* the compiled policy */
	unsigned policy_flags;	    /* enum policy_cache_flag: audit, emulated mknod(at) */
	const char *pid_file;	    /* or NULL */
	const char *console_socket; /* or NULL */
	int preserve_fds;
	bool foreground;	/* run: the caller waits for the sentry */
	const char *cache_root; /* the state root: compiled policies are cached beneath it */
	char meminfo[4200];	/* the sandbox's /proc/meminfo when memory is limited, or "" */

	/* The gofer: when set, the container's own mounts of its root and of every volume are
	 * read-only and every file change goes through the gofer's read-write view. */
	bool gofer;
	bool overlay;	   /* the convenience form: changes go to an upper layer in the state
			      dir, the rootfs is never modified (unless --persist) */
	char merged[4200]; /* the overlay's mount point when overlay is set */
	/* the policy's sbx.files, for the gofer, Landlock, the masks and BPF-LSM (owned,
	 * NULL-terminated; NULL: all) */
	char **files_writable;
	char **files_readonly;
	char **files_hidden;
	char **exec_allow; /* sbx.exec.allow, for BPF-LSM (owned, NULL-terminated; NULL: no list) */
	/* sbx.network, for cgroup-BPF (owned rules; .on false: the list is absent) */
	struct sbx_net_list net_egress;
	struct sbx_net_list net_bind;
	/* sbx.sysctl.allow, for cgroup-BPF (owned, NULL-terminated dotted names; never NULL once
	 * the policy is compiled) */
	char **sysctl_allow;

	/* isolation "vm" (--isolation, the io.sbx.isolation annotation or sbx.isolation): the
	 * workload runs in a microVM (runtime/vm_monitor.c), without a gofer */
	bool vm;
	const char *vm_kernel;	  /* io.sbx.vm.kernel, or NULL: the newest under /boot */
	const char *vm_initramfs; /* io.sbx.vm.initramfs, or NULL: the one sbx ships */
	bool vm_persist; /* the rootfs shared read-write (else a tmpfs overlay in the guest) */

	/* What Landlock allows, made at create (runtime/landlock_plan.c) */
	struct landlock_plan landlock;
};

/* Everything the container init (and an exec'd process) needs after fork. */
struct init_ctx {
	const struct sandbox_spec *spec;
	const struct oci_process *process;
	int sync_fd;	  /* to the monitor (later the sentry): hello/go/ready/error, listener fd */
	int fifo_fd;	  /* O_PATH fd of exec.fifo, or -1 */
	int console_fd;	  /* connected console socket, or -1 */
	int clone_flags;  /* namespaces created by clone (the rest are joined by path) */
	bool lsm_objects; /* open the BPF-LSM layer's files and send them before READY */
	struct lsm_objects objects; /* ... here, in init */
};

/* Choose and compile the policy: linux.seccomp of the bundle, else the file named by the
 * io.sbx.policy annotation, else `policy_file`, else the built-in default. */
int sandbox_compile_policy(struct sandbox_spec *spec, const char *policy_file,
			   struct sbx_error *err);
/* sbx.require (runtime/require.c): 0, or -ENOTSUP with the missing layer and why. Probes the
 * host only for the layers the policy names. */
int sandbox_check_required(const struct sandbox_spec *spec, struct sbx_error *err);

/* Create: state dir, cgroups, monitor + init, up to "created". On failure nothing is left. */
int sandbox_create(struct sbx_cli *cli, struct sandbox_spec *spec, struct container_state *ret,
		   struct sbx_error *err);

/* Release a created container's init (opens exec.fifo). */
int sandbox_start(struct container_state *st, struct sbx_error *err);

/* Remove everything: processes (SIGKILL when force), sentry, cgroups, state dir. */
int sandbox_delete(const char *root, const char *id, bool force, struct sbx_error *err);

/* Wait for the sentry (a child of ours in foreground mode); returns the exit status to report:
 * the workload's code, or 128+N when it was killed by signal N. */
int sandbox_wait(struct container_state *st, struct sbx_error *err);

/* The program saved in the state dir at create (exec installs the same one). */
int sandbox_load_program(const char *dir, struct policy_program *ret);

/* A wait status to an exit code: the code, or 128+N when killed by signal N. */
int exit_code_from_status(int status);

/* The container init, in the cloned child. Never returns. */
_Noreturn void container_init(struct init_ctx *ctx);

/* The last steps of init and exec: rlimits, Landlock (`ruleset_fd`, or -1), user, caps,
 * no_new_privs, seccomp (listener fd sent on sync_fd; with wait_ack, the sentry's control
 * socket must answer 0), fd closing, execve. Never returns; reports errors on stderr. */
/* Where process_finish's errors go besides stderr: a close-on-exec pipe, which then reads
 * end of file without data when the execve succeeded. -1 (the default): stderr only. */
void process_set_error_fd(int fd);

_Noreturn void process_finish(const struct oci_process *p, const struct policy_program *prog,
			      int ruleset_fd, int sync_fd, int preserve_fds, int pdeathsig,
			      bool wait_ack);

#endif
