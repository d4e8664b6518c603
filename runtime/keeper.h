/* The keeper: a small process of its own per sandbox, forked by the monitor, that
 *  - ends the sandbox if the sentry dies while init runs (SIGKILL, OOM): it kills init and
 *    the cgroup. Init is not the sentry's child (it is the creating process's, so that a
 *    subreaping caller reaps it, as it reaps runc's), so no parent-death signal ties the two;
 *  - holds the sandbox's BPF-LSM links (and the files its rules are on), when there is that
 *    layer, until the sandbox is gone: init has exited and its cgroup is empty. Not the
 *    sentry: a process's fds are closed before anyone learns of its death, so a killed
 *    sentry would detach the programs (each detach waits for the kernel's trampoline update,
 *    ~130 ms in the TCG microVM) while the workload still runs.
 * The sentry watches the keeper in turn and ends the sandbox if it dies. */
#ifndef SBX_RUNTIME_KEEPER_H
#define SBX_RUNTIME_KEEPER_H

struct keeper_args {
	int hold;	       /* lib/fdpass.h fd_hold of the BPF-LSM links, or -1 */
	int init_pidfd;	       /* the sandbox's init */
	int sentry_pidfd;      /* the sentry (the monitor, before it execs the sentry) */
	const char *cgroup_v2; /* the sandbox's v2 cgroup directory, or NULL */
};

/* Fork the keeper; the caller may close its copies of the fds. Its pidfd in *ret_pidfd.
 * 0 or -errno. */
int keeper_start(const struct keeper_args *a, int *ret_pidfd);

#endif
