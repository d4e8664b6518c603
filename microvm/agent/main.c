/* sbx-agent: PID 1 of an sbx microVM. It mounts the root the host shares over virtio-9p,
 * then either serves the host's control port (a sandbox: microvm/proto.h) or, with
 * sbx.exec=PATH on the kernel command line, runs PATH on the console and reports its exit
 * status there (the VM tests, tests/vm). Either way the VM powers off when it is done. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "microvm/agent/agent.h"
#include "microvm/proto.h"

static void console_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	if (null >= 0)
		dup2(null, STDIN_FILENO);
}

/* The VM tests: run the program with the console as its output. */
_Noreturn static void run_exec(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		const char *cwd = agent_cmdline("sbx.cwd");
		if (cwd && chdir(cwd) < 0)
			agent_log("chdir %s: %s", cwd, strerror(errno));
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"HOME=/root", "TERM=dumb", "SBX_IN_VM=1", NULL};
		execve(path, argv, envp);
		agent_log("exec %s: %s", path, strerror(errno));
		_exit(127);
	}
	int st = 0;
	for (pid_t p; (p = wait(&st)) != pid;)
		if (p < 0 && errno != EINTR)
			break;
	agent_log("exit status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	agent_poweroff();
}

int main(void)
{
	if (getpid() != 1) {
		fprintf(stderr, "sbx-agent: runs as PID 1 of an sbx microVM, not here\n");
		return 2;
	}
	if (agent_mount_early() < 0)
		agent_poweroff();
	console_stdio();
	char path[64], exec[1024] = "", cwd[1024] = "";
	const char *e = agent_cmdline("sbx.exec");
	if (e)
		snprintf(exec, sizeof(exec), "%s", e);
	if ((e = agent_cmdline("sbx.cwd")))
		snprintf(cwd, sizeof(cwd), "%s", e);
	if (agent_load_modules("/modules") < 0 ||
	    agent_switch_root(agent_cmdline("sbx.persist") != NULL) < 0 ||
	    agent_mount_api(*exec, *exec ? cwd : NULL) < 0)
		agent_poweroff();
	if (*exec)
		run_exec(exec);
	if (agent_find_port(path, sizeof(path)) < 0) {
		agent_log("no control port named %s", VM_PORT_NAME);
		agent_poweroff();
	}
	int ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		agent_log("open %s: %s", path, strerror(errno));
		agent_poweroff();
	}
	agent_serve(ctl);
}
