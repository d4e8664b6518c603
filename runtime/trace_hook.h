/* `sbx-trace -- sbx run ...`: sbx-trace hands sbx its traced-cgroup map and one end of a
 * socket pair in the environment, SBX_TRACE=MAPFD:SLOT:SOCKFD. sbx adds the sandbox's cgroup
 * to the map (armed at the workload's exec) and gives the socket to the sentry as an event
 * subscriber, so the tracer sees everything from the start. */
#ifndef SBX_RUNTIME_TRACE_HOOK_H
#define SBX_RUNTIME_TRACE_HOOK_H

struct sbx_cgroup;
struct sbx_error;

#define SBX_TRACE_ENV "SBX_TRACE"

/* Read and remove SBX_TRACE; its fds become close-on-exec. 0 when absent; -EINVAL (err set)
 * when malformed. */
int trace_hook_from_env(struct sbx_error *err);
/* Add the sandbox's v2 cgroup to the tracer's map. 0 (also with no tracer) or -errno. */
int trace_hook_register(const struct sbx_cgroup *cg, struct sbx_error *err);
/* The socket for the sentry, or -1. */
int trace_hook_subscriber_fd(void);

#endif
