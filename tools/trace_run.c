/* sbx-trace -- sbx run ...: start the command with SBX_TRACE naming the traced-cgroup map and
 * our end of a socket pair (runtime/trace_hook.h), so the sandbox is traced from its start. */
#include "tools/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loader/trace.h"
#include "runtime/trace_hook.h"

pid_t tr_run_start(struct tr *t, char **argv, int *ret_sock)
{
	struct tr_sandbox *sb;
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) < 0 ||
	    !(sb = tr_sandbox_new(t, NULL, NULL, 0, 0, sp[0]))) {
		close(sp[0]);
		close(sp[1]);
		return -ENOMEM;
	}
	if ((pid = fork()) < 0) {
		int e = errno;
		close(sp[1]);
		return -e;
	}
	if (pid == 0) {
		/* F_DUPFD: copies without close-on-exec, for the command to inherit */
		int map = fcntl(sbx_trace_cgroups_fd(t->bpf), F_DUPFD, 3);
		int sock = fcntl(sp[1], F_DUPFD, 3);
		char env[64];
		snprintf(env, sizeof(env), "%d:%u:%d", map, sb->slot, sock);
		if (map < 0 || sock < 0 || setenv(SBX_TRACE_ENV, env, 1) < 0 ||
		    sigprocmask(SIG_SETMASK, &t->oldmask, NULL) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "sbx-trace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(sp[1]);
	*ret_sock = sp[0];
	return pid;
}
