/* sbx-agent: PID 1 of the microVM guest (see main.c). */
#ifndef SBX_MICROVM_AGENT_H
#define SBX_MICROVM_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* boot.c */
int agent_mount_early(void);
int agent_load_modules(const char *dir);
int agent_find_port(char *path, size_t len);
int agent_switch_root(bool persist);
int agent_mount_volume(const char *tag, const char *dest, bool readonly);
int agent_mount_api(bool test_mode, const char *keep);
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void agent_poweroff(void);

/* cmdline.c: a parameter of the kernel command line ("sbx.exec=..."), or NULL */
const char *agent_cmdline(const char *key);

/* The workload, forked and waiting for the go (spawn.c). */
struct workload {
	pid_t pid;
	int start_fd;  /* write a byte: exec */
	int sync_fd;   /* sends the seccomp listener, if the policy has one */
	int in_fd;     /* its stdin (or the terminal master) */
	int out_fd;    /* its stdout (or the terminal master) */
	int errout_fd; /* its stderr, or -1 with a terminal */
	int listener;  /* seccomp listener, or -1 */
	bool terminal;
};

int workload_spawn(const char *spec_json, size_t len, const void *seccomp, size_t seccomp_len,
		   struct workload *w, char *err, size_t errlen);

/* seccomp.c: answer the policy's notifications (the guest kernel is the boundary) */
void agent_answer_notification(int listener);

/* main loop (loop.c): relay between the control port and the workload until it exits */
_Noreturn void agent_serve(int ctl);

#endif
