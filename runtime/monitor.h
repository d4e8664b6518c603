/* The per-sandbox monitor process (see monitor.c). */
#ifndef SBX_RUNTIME_MONITOR_H
#define SBX_RUNTIME_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

struct sandbox_spec;
struct sbx_cgroup;

struct monitor_args {
	struct sandbox_spec *spec;
	const char *state_dir;
	const char *cgroup_name;
	struct sbx_cgroup *cgroup;
	int report_fd;	/* pipe to the CLI: one struct monitor_report */
	int fifo_fd;	/* O_PATH fd of exec.fifo */
	int console_fd; /* connected console socket or -1 */
	const char *log_path;
	bool log_json;
	bool debug;
};

struct monitor_report {
	pid_t pid; /* init's pid, or -1 on failure */
	char msg[1100];
};

_Noreturn void monitor_main(struct monitor_args *a);
int monitor_report(int fd, pid_t pid, const char *msg);

#endif
