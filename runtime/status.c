/* Wait statuses as a container runtime reports them. */
#include <sys/wait.h>

#include "runtime/sandbox.h"

int exit_code_from_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
