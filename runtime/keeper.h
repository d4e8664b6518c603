/* The keeper: a small process of its own per sandbox, forked by the monitor, that
 *  - ends the sandbox if the sentry dies while init runs (SIGKILL, OOM, a kill of the cgroup
 *    the sentry was started in): it kills init and the cgroup. Init is not the sentry's child
 *    (it is the creating process's, so that a subreaping caller reaps it, as it reaps runc's),
 *    so no parent-death signal ties the two;
 *  - holds the sandbox's cgroup-BPF links, and its BPF-LSM links (and the files their rules are
 *    on) when there is that layer, until the sandbox is gone: init has exited and its cgroup
 *    (nested ones included) is empty; `sbx delete` ends it if it has not left by then
 *    (cgroup_destroy.c). A killed sentry's fds are closed before anyone learns of
 *    its death: held by the sentry alone, the programs would be detached (a BPF-LSM detach
 *    waits for the kernel's trampoline update, ~130 ms in the TCG microVM) while the workload
 *    still runs.
 * It is born in a cgroup of its own (cgroup.h, cgroup_keeper_path), a sibling of the sandbox's
 * v2 cgroup: not with the sentry in the caller's, so that one kill of the caller's cgroup (a
 * service stopped, a shim's scope killed) does not take both; not in the sandbox's, which is
 * the container's to fill, freeze, limit and kill. It ignores every signal it may and is not
 * dumpable. The sentry watches the keeper in turn and ends the sandbox if it dies. */
#ifndef SBX_RUNTIME_KEEPER_H
#define SBX_RUNTIME_KEEPER_H

#include <stddef.h>

struct keeper_args {
	const int *hold; /* fds to hold (links, lib/fdpass.h fd_hold), -1 entries skipped */
	size_t n_hold;
	int init_pidfd;	       /* the sandbox's init */
	int sentry_pidfd;      /* the sentry (the monitor, before it execs the sentry) */
	const char *cgroup_v2; /* the sandbox's v2 cgroup directory, or NULL */
	const char *home;      /* the keeper's own v2 cgroup directory, or NULL */
};

/* Start the keeper (in `home`); the caller may close its copies of the fds. Its pidfd in
 * *ret_pidfd. 0 or -errno (no keeper left behind). */
int keeper_start(const struct keeper_args *a, int *ret_pidfd);

#endif
