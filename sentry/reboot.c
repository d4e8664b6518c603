/* reboot(2): inside a sandbox, power-off and halt end the sandbox the way the kernel ends a
 * PID namespace (init killed, as if by SIGINT), restart ends it asking for a restart (SIGHUP);
 * Ctrl-Alt-Del settings are accepted and ignored. */
#include "sentry/internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/reboot.h>
#include <signal.h>
#include <sys/wait.h>

static bool magic_ok(uint64_t magic1, uint64_t magic2)
{
	uint32_t m2 = (uint32_t)magic2;
	return (uint32_t)magic1 == LINUX_REBOOT_MAGIC1 &&
	       (m2 == LINUX_REBOOT_MAGIC2 || m2 == LINUX_REBOOT_MAGIC2A ||
		m2 == LINUX_REBOOT_MAGIC2B || m2 == LINUX_REBOOT_MAGIC2C);
}

/* The kernel requires CAP_SYS_BOOT (in the PID namespace's user namespace); the caller's
 * effective set, as /proc shows it, stands in for that. */
static int check_cap(const struct sentry_call *c)
{
	struct sentry_task_status st;
	int r = sentry_task_status((pid_t)c->req->pid, &st);
	if (r == 0)
		r = sentry_call_valid(c); /* the status was the caller's, not a reused tid's */
	if (r < 0)
		return r;
	return st.cap_eff & (1ULL << CAP_SYS_BOOT) ? 0 : -EPERM;
}

int64_t sentry_handle_reboot(struct sentry_call *c)
{
	const __u64 *a = c->req->data.args;
	c->action = SBX_ACT_DENY;
	int r = check_cap(c);
	if (r < 0)
		return r;
	if (!magic_ok(a[0], a[1]))
		return -EINVAL;
	switch ((uint32_t)a[2]) {
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		c->action = SBX_ACT_EMULATE;
		return 0;
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
		c->action = SBX_ACT_KILL;
		return sentry_end_sandbox(c->s, (pid_t)c->req->pid, SENTRY_END_POWEROFF,
					  W_EXITCODE(0, SIGINT));
	case LINUX_REBOOT_CMD_RESTART:
	case LINUX_REBOOT_CMD_RESTART2:
		c->action = SBX_ACT_KILL;
		return sentry_end_sandbox(c->s, (pid_t)c->req->pid, SENTRY_END_RESTART,
					  W_EXITCODE(0, SIGHUP));
	default:
		return -EINVAL;
	}
}
