/* The monitor's one message to the CLI. Its own file: sbx-sentry reports "created" with it and
 * must not pull in the monitor, which loads BPF through libbpf. */
#include "runtime/monitor.h"

#include <stdio.h>

#include "lib/util.h"

int monitor_report(int fd, pid_t pid, const char *msg)
{
	struct monitor_report r = {.pid = pid};
	if (msg)
		snprintf(r.msg, sizeof(r.msg), "%s", msg);
	return write_all(fd, &r, sizeof(r));
}
