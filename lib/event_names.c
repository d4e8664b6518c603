/* Names of event record values (lib/event_names.h). */
#include "lib/event_names.h"

#include "bpf/cgroup.h"
#include "bpf/events.h"

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
