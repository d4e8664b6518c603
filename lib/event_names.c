/* Names of event record values (lib/event_names.h). */
#include "lib/event_names.h"

#include "bpf/cgroup.h"
#include "bpf/events.h"
#include "bpf/lsm.h"

static const char *const actions[SBX_ACT__MAX] = {
    [SBX_ACT_ALLOW] = "allow",	 [SBX_ACT_DENY] = "deny", [SBX_ACT_EMULATE] = "emulate",
    [SBX_ACT_BROKER] = "broker", [SBX_ACT_KILL] = "kill", [SBX_ACT_AUDIT] = "audit",
};

static const char *const hooks[SBX_CG_HOOK__MAX] = {
    [SBX_CG_DEV] = "dev",
    [SBX_CG_SYSCTL] = "sysctl",
    [SBX_CG_SOCK_CREATE] = "sock_create",
    [SBX_CG_CONNECT4] = "connect4",
    [SBX_CG_CONNECT6] = "connect6",
    [SBX_CG_SENDMSG4] = "sendmsg4",
    [SBX_CG_SENDMSG6] = "sendmsg6",
    [SBX_CG_BIND4] = "bind4",
    [SBX_CG_BIND6] = "bind6",
};

const char *sbx_action_name(int action)
{
	return action >= 0 && action < SBX_ACT__MAX ? actions[action] : "unknown";
}

const char *sbx_cg_hook_name(int hook)
{
	return hook >= 0 && hook < SBX_CG_HOOK__MAX ? hooks[hook] : "unknown";
}

static const char *const lsm_hooks[SBX_LSM_HOOK__MAX] = {
    [SBX_LSM_FILE_OPEN] = "file_open",
    [SBX_LSM_BPRM_CHECK] = "bprm_check_security",
    [SBX_LSM_PTRACE] = "ptrace_access_check",
    [SBX_LSM_TASK_KILL] = "task_kill",
    [SBX_LSM_SB_MOUNT] = "sb_mount",
    [SBX_LSM_MOVE_MOUNT] = "move_mount",
    [SBX_LSM_BPF] = "bpf",
    [SBX_LSM_MODULE_REQUEST] = "kernel_module_request",
    [SBX_LSM_KERNEL_READ_FILE] = "kernel_read_file",
    [SBX_LSM_KERNEL_LOAD_DATA] = "kernel_load_data",
    [SBX_LSM_PERF_EVENT_OPEN] = "perf_event_open",
    [SBX_LSM_SOCKET_CONNECT] = "socket_connect",
};

static const char *const lsm_rules[SBX_LSM_RULE__MAX] = {
    [SBX_LSM_RULE_NONE] = "none",	  [SBX_LSM_RULE_HIDDEN] = "hidden",
    [SBX_LSM_RULE_READONLY] = "readonly", [SBX_LSM_RULE_EXEC] = "exec",
    [SBX_LSM_RULE_DEPTH] = "depth",	  [SBX_LSM_RULE_OUTSIDE] = "outside",
    [SBX_LSM_RULE_NEVER] = "never",	  [SBX_LSM_RULE_EGRESS] = "egress",
};

const char *sbx_lsm_hook_name(int hook)
{
	return hook >= 0 && hook < SBX_LSM_HOOK__MAX ? lsm_hooks[hook] : "unknown";
}

const char *sbx_lsm_rule_name(int rule)
{
	return rule >= 0 && rule < SBX_LSM_RULE__MAX ? lsm_rules[rule] : "unknown";
}
