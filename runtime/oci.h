/* The OCI runtime-spec config.json, parsed and validated into plain C.
 * Missing required fields and mistyped values fail with "config.json:line:col: what". */
#ifndef SBX_RUNTIME_OCI_H
#define SBX_RUNTIME_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sbx_error;
typedef struct json_t json_t;

struct oci_mount {
	char *destination; /* absolute path in the container */
	char *type;	   /* may be NULL (bind) */
	char *source;	   /* may be NULL */
	char **options;	   /* NULL-terminated */
};

struct oci_namespace {
	int type;   /* CLONE_NEWNS, CLONE_NEWPID, ... */
	char *path; /* join this one instead of creating, or NULL */
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_rlimit {
	int resource; /* RLIMIT_NOFILE, ... */
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	unsigned console_width, console_height;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	char **args; /* NULL-terminated, at least one */
	char **env;  /* NULL-terminated */
	char *cwd;   /* absolute */
	/* capability sets as bitmasks (bit N = capability N) */
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	bool no_new_privileges;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
};

/* One entry of linux.resources.devices. */
struct oci_device_rule {
	bool allow;
	char type;	 /* 'a' (all, the default), 'b' or 'c' */
	int64_t major;	 /* -1 (or absent): any */
	int64_t minor;	 /* -1 (or absent): any */
	unsigned access; /* bits: 1 mknod (m), 2 read (r), 4 write (w); absent: all three */
};

struct oci_resources {
	int64_t memory_limit;		 /* bytes; 0: none */
	int64_t memory_swap;		 /* bytes; 0: none */
	int64_t pids_limit;		 /* 0: none */
	uint64_t cpu_shares;		 /* 0: none */
	int64_t cpu_quota;		 /* µs per period; 0: none */
	uint64_t cpu_period;		 /* µs; 0: default */
	struct oci_device_rule *devices; /* in order; enforced by cgroup-BPF */
	size_t n_devices;
};

struct oci_config {
	char *oci_version;
	char *root_path; /* as given (relative to the bundle, or absolute) */
	bool root_readonly;
	char *hostname; /* may be NULL */
	struct oci_process process;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	char **masked_paths;   /* NULL-terminated */
	char **readonly_paths; /* NULL-terminated */
	char *cgroups_path;    /* may be NULL */
	struct oci_resources resources;
	json_t *seccomp;     /* linux.seccomp as given (borrowed from doc), or NULL */
	json_t *annotations; /* object (borrowed from doc), or NULL */
	json_t *sysctl;	     /* object (borrowed from doc), or NULL */
	json_t *doc;	     /* the whole document (owned) */
	char *text;	     /* the file's text, for error positions (owned) */
	size_t text_len;
	char *name; /* the file name used in messages */
};

/* Parse text; `name` prefixes messages. */
int oci_config_parse(const char *text, size_t len, const char *name, struct oci_config **ret,
		     struct sbx_error *err);
/* Load <bundle>/config.json. */
int oci_config_load(const char *bundle, struct oci_config **ret, struct sbx_error *err);
void oci_config_free(struct oci_config *c);

/* A lone process object, as `exec --process FILE` receives it. */
int oci_process_parse(const char *text, size_t len, const char *name, struct oci_process *ret,
		      struct sbx_error *err);
void oci_process_clear(struct oci_process *p);

/* A lone linux.resources object, as `update --resources FILE` receives it: memory (limit,
 * swap), cpu (shares, quota, period), pids (limit); other members are ignored, as by runc. */
int oci_resources_parse(const char *text, size_t len, const char *name, struct oci_resources *ret,
			struct sbx_error *err);

/* Capability name ("CAP_SYS_ADMIN") to number, -1 if unknown; and back. */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);
/* "RLIMIT_NOFILE" to RLIMIT_NOFILE, -1 if unknown. */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);

/* The default config.json `sbx spec` writes: busybox sh, runc's defaults, rlimits no higher
 * than this host's hard limits. Returns a malloc'd string. */
char *oci_default_spec(bool rootless);

#endif
