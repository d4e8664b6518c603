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

/* lsm.c: the BPF-LSM layer for the spec's "lsm" rules, on a cgroup whose cgroup.procs the
 * workload joins (*ret_procs, or -1 without the layer). 0 also when the layer cannot be had and
 * the policy does not need it (logged); -errno with the reason in err when it does. */
struct json_t;
int agent_lsm_setup(const struct json_t *spec, int *ret_procs, char *err, size_t errlen);
/* An fd that polls readable when denials wait (or -1), and their logging. */
int agent_lsm_events_fd(void);
void agent_lsm_drain(void);

/* seccomp.c: answer the policy's notifications (the guest kernel is the boundary) */
void agent_answer_notification(int listener);

/* main loop (loop.c): relay between the control port and the workload until it exits */
_Noreturn void agent_serve(int ctl);

#endif
