/* The BPF-LSM keeper: a process of its own that holds a sandbox's BPF-LSM links (and the files
 * its rules are on) until the sandbox is gone: its init has exited and its cgroup is empty.
 *
 * Not the sentry: a process's fds are closed before its children get their parent-death
 * signal, so a killed sentry would detach the programs (each detach waits for the kernel's
 * trampoline update, ~130 ms in the TCG microVM) while the workload still runs. The sentry
 * watches the keeper instead and ends the sandbox if it dies. A normal end detaches in the
 * keeper, after the sandbox, without making anyone wait. */
#ifndef SBX_RUNTIME_LSM_KEEPER_H
#define SBX_RUNTIME_LSM_KEEPER_H

/* Fork the keeper with `hold` (lib/fdpass.h fd_hold), `init_pidfd` and the v2 cgroup
 * directory `cgroup_dir`; the caller may close its own copies. Its pidfd in *ret_pidfd.
 * 0 or -errno. */
int lsm_keeper_start(int hold, int init_pidfd, const char *cgroup_dir, int *ret_pidfd);

#endif
