/* The keeper: a small process of its own per sandbox, forked by the monitor, that
 *  - ends the sandbox if the sentry dies while init runs (SIGKILL, OOM, a kill of the cgroup
 *    the sentry was started in): it kills init and the cgroup. Init is not the sentry's child
 *    (it is the creating process's, so that a subreaping caller reaps it, as it reaps runc's),
 *    so no parent-death signal ties the two;
 *  - holds the sandbox's cgroup-BPF links, and its BPF-LSM links (and the files their rules are
 *    on) when there is that layer, until the sandbox is gone: init has exited and no other
 *    process is left in its cgroup. A killed sentry's fds are closed before anyone learns of
 *    its death: held by the sentry alone, the programs would be detached (a BPF-LSM detach
 *    waits for the kernel's trampoline update, ~130 ms in the TCG microVM) while the workload
 *    still runs.
 * It lives in the sandbox's v2 cgroup (where there is one), not in the caller's with the
 * sentry, so that one kill of the caller's cgroup (a service stopped, a shim's scope killed)
 * does not take both; a kill of the sandbox's cgroup takes it with the workload. It ignores
 * every signal it may. The sentry watches the keeper in turn and ends the sandbox if it dies. */
#ifndef SBX_RUNTIME_KEEPER_H
#define SBX_RUNTIME_KEEPER_H

#include <stddef.h>

#define KEEPER_COMM "sbx-keeper"

struct keeper_args {
	const int *hold; /* fds to hold (links, lib/fdpass.h fd_hold), -1 entries skipped */
	size_t n_hold;
	int init_pidfd;	       /* the sandbox's init */
	int sentry_pidfd;      /* the sentry (the monitor, before it execs the sentry) */
	const char *cgroup_v2; /* the sandbox's v2 cgroup directory, or NULL */
};

/* Fork the keeper and move it to the sandbox's v2 cgroup; the caller may close its copies of
 * the fds. Its pidfd in *ret_pidfd. 0 or -errno (no keeper left behind). */
int keeper_start(const struct keeper_args *a, int *ret_pidfd);

#endif
