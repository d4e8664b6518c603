/* The state directory of one container: <root>/<id>/.
 *   state.json   id, bundle, init pid and start time, sentry pid, cgroup name, created
 *   config.json  the config the container was created from (exec reads its defaults)
 *   seccomp.bpf  the compiled policy program (exec installs the same one)
 *   landlock.json  the Landlock plan (exec builds the same ruleset)
 *   exec.fifo    exists while the container is "created"; `start` opens it to release init
 *   sentry.sock  the sentry's control socket (exec hands its listener fd over)
 *   events.sock  the sentry's event stream
 *   exit         init's wait status, written by the sentry when init is reaped (in a microVM
 *                sandbox: the workload's, written by the VM monitor)
 *   console.log  a microVM sandbox's guest console and QEMU's messages
 *   sentry-stats.json  the sentry's counters, written when the sandbox ends */
#ifndef SBX_RUNTIME_STATE_H
#define SBX_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sbx_error;
typedef struct json_t json_t;

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_STOPPED,
	STATUS_PAUSED, /* created or running, and its cgroup frozen (`sbx pause`) */
};

struct container_state {
	char id[256];
	char dir[4096]; /* <root>/<id> */
	char bundle[4096];
	char cgroup[4096];  /* cgroup name relative to the hierarchy roots */
	pid_t pid;	    /* init, host pid namespace; 0 before it exists */
	uint64_t pid_start; /* init's start time (clock ticks since boot) against pid reuse */
	pid_t sentry_pid;   /* in a microVM sandbox: the VM monitor (pid is QEMU) */
	uint64_t sentry_start;
	bool vm;	     /* isolation "vm": the workload runs in a microVM */
	char created[64];    /* RFC 3339 */
	json_t *annotations; /* owned; may be NULL */
};

bool container_id_valid(const char *id);

/* <root>/<id>, created exclusively (EEXIST when the id is taken). */
int state_dir_create(const char *root, const char *id, char *ret_dir, size_t len,
		     struct sbx_error *err);
int state_save(const struct container_state *st, struct sbx_error *err);
/* ENOENT (with a message) when no such container. */
int state_load(const char *root, const char *id, struct container_state *ret,
	       struct sbx_error *err);
void state_clear(struct container_state *st);

/* Live status from the state dir, the processes themselves and the freezer. */
enum container_status state_status(const struct container_state *st);
const char *status_name(enum container_status s);

/* Process start time (field 22 of /proc/<pid>/stat); 0 if the process is gone. */
uint64_t proc_start_time(pid_t pid);
/* pidfd for pid if it is still the process that started at `start`, else -ESRCH. */
int pidfd_open_checked(pid_t pid, uint64_t start);

/* The OCI state JSON (ociVersion, id, status, pid, bundle, annotations). */
json_t *state_to_oci_json(const struct container_state *st);

/* Record how the workload ended in <dir>/exit: its wait status and "exit", "poweroff", ... */
void state_record_exit(const char *dir, int status, const char *how);

/* Path of a file in the state dir. */
int state_path(const struct container_state *st, const char *name, char *ret, size_t len);

#endif
