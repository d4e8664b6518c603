/* The policy's notified syscalls, in the guest. On the host the sentry emulates them because
 * the host kernel must not run them for the sandbox; in the microVM the guest kernel is the
 * boundary, so each one simply runs there (CONTINUE). Without a listener they would fail. */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "microvm/agent/agent.h"

void agent_answer_notification(int listener)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return; /* the caller died meanwhile (ENOENT), or a signal */
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
