/* Names of the values in the event records (bpf/events.h, bpf/cgroup.h, bpf/lsm.h), as logs,
 * statistics and sbx-trace print them. */
#ifndef SBX_LIB_EVENT_NAMES_H
#define SBX_LIB_EVENT_NAMES_H

/* "allow", "deny", "emulate", "broker", "kill", "audit"; "unknown" out of range. */
const char *sbx_action_name(int action);
/* "dev", "sysctl", "sock_create", "connect4", ...; "unknown" out of range. */
const char *sbx_cg_hook_name(int hook);
/* The LSM hook: "file_open", "bprm_check_security", "ptrace_access_check", ...; "unknown". */
const char *sbx_lsm_hook_name(int hook);
/* Why it refused: "hidden", "readonly", "exec", "depth", "outside", "never", "egress". */
const char *sbx_lsm_rule_name(int rule);

#endif
