/* Helpers shared by the probe files; private to loader/. */
#ifndef SBX_LOADER_INTERNAL_H
#define SBX_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sbx_feature;
struct probe_bpf;
struct sbx_net_list;
struct lsm_bpf;
struct sbx_lsm_policy;

/* Probes that fork give up after this long and kill the child by pid. */
#define SBX_PROBE_TIMEOUT_MS 2000

/* Mark a feature present / missing; the reason is printf-formatted. */
void feature_ok(struct sbx_feature *f);
void feature_fail(struct sbx_feature *f, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "EPERM" for EPERM, "errno 4095" for what glibc does not name. */
const char *errno_name(int err);

/* Run fn(arg, fd) in a forked child that writes at most `len` bytes of result to fd; the
 * child's return value is its exit status. Copies what it wrote to buf and returns the byte
 * count, or -ETIMEDOUT (child killed), -ECHILD (child failed, nothing written), -errno. */
typedef int (*probe_child_fn)(void *arg, int fd);
ssize_t probe_in_child(probe_child_fn fn, void *arg, void *buf, size_t len, int timeout_ms);

/* Kill and reap a probe child; safe with pid <= 0. */
void probe_child_reap(pid_t pid, bool kill_it);

/* Milliseconds left until deadline (a CLOCK_MONOTONIC ms value), at least 0. */
long long probe_now_ms(void);
int probe_ms_left(long long deadline);

/* Load only program `name` of bpf/probe.bpf.c. With ret_skel, the loaded skeleton is handed
 * over (destroy it with probe_bpf__destroy); otherwise it is destroyed at once. Returns 0 or
 * the load's -errno; *ret_found tells whether the program exists. */
int probe_bpf_load_one(const char *name, struct probe_bpf **ret_skel, int *ret_found);

/* bpf_log.c: the name of the program libbpf last said it could not load, "" if none since
 * the last call (which clears it). Needs sbx_libbpf_log_setup. */
void sbx_libbpf_failed_prog(char *buf, size_t len);

/* cgroup_net.c: fill the IPv4 and IPv6 tries of one allow-list. 0 or -errno. */
int sbx_net_fill(const struct sbx_net_list *l, int map4_fd, int map6_fd);

/* lsm_learn.c: the sandbox's cgroup and the inodes of p's objects into a loaded skeleton.
 * 0, or -errno with `why` (SBX_LSM_WHY_LEN bytes) filled. */
int sbx_lsm_learn(struct lsm_bpf *skel, const struct sbx_lsm_policy *p, char *why);

#endif
