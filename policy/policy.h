/* The policy model: parse, validate, compile to a seccomp program.
 *
 * A policy is one JSON document. A Docker or OCI seccomp profile is a valid policy as it stands
 * (defaultAction, defaultErrnoRet, architectures, archMap, syscalls[] with names, action,
 * errnoRet, args, includes, excludes). sbx's own keys live in an "sbx" object:
 *   "sbx": { "emulate": ["sysinfo", "mknod", ...], "mode": "enforce" | "audit",
 *            "files": { "writable": [paths], "readonly": [paths], "hidden": [paths] },
 *            "network": {...}, "sysctl": { "allow": [names] },
 *            "exec": { "allow": [paths] } }
 * Files paths are absolute container paths, normalized: "/" alone, or components separated by
 * one "/" each, none empty, "." or "..", no trailing "/"; each at most PATH_MAX - 1 bytes.
 * Pure code: no processes, no mounts, testable without privileges.
 *
 * Also accepted: the singular "name" of old Docker profiles, null for any optional field, and
 * fields that are checked for type and then ignored: "defaultErrno" and per-rule "errno"
 * (containers-common's errno names; "defaultErrnoRet"/"errnoRet" count), "comment",
 * "flags" (known SECCOMP_FILTER_FLAG_* names; the installer picks its flags), "listenerPath",
 * "listenerMetadata". Argument values are limited to 0..INT64_MAX (jansson's integers). */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_error;
struct sock_filter;
typedef struct json_t json_t;

struct sbx_policy;

enum policy_mode { POLICY_ENFORCE, POLICY_AUDIT };

/* Parse and validate. `name` (a file name) prefixes every message: "name:line:col: what".
 * Unknown keys, unknown syscall names, unknown actions, bad arg ops and type errors fail. */
int policy_parse(const char *text, size_t len, const char *name, struct sbx_policy **ret,
		 struct sbx_error *err);
int policy_load_file(const char *path, struct sbx_policy **ret, struct sbx_error *err);

/* The built-in default policy, compiled into sbx. */
int policy_load_default(struct sbx_policy **ret, struct sbx_error *err);
const char *policy_default_text(void);

/* A bundle's linux.seccomp object. `text`/`len` is the whole config.json, so errors carry its
 * line and column; `path` is where the object sits in it ("linux/seccomp"). */
int policy_from_oci(const json_t *seccomp, const char *name, const char *text, size_t len,
		    const char *path, struct sbx_policy **ret, struct sbx_error *err);

void policy_free(struct sbx_policy *p);

enum policy_mode policy_mode(const struct sbx_policy *p);

/* True when the sbx section asks the sentry to emulate this syscall. */
bool policy_emulates(const struct sbx_policy *p, const char *syscall_name);

/* sbx.files, for the gofer. Writable: the paths under which changes are allowed; NULL when the
 * policy has no such list (everything writable). Readonly (never writable, even under a writable
 * path) and hidden (do not exist for the container) are never NULL: empty when not given. */
const char *const *policy_files_writable(const struct sbx_policy *p);
const char *const *policy_files_readonly(const struct sbx_policy *p);
const char *const *policy_files_hidden(const struct sbx_policy *p);

/* sbx.network: {"egress": [{"cidr": "10.0.0.0/8", "ports": "1-100"}], "bind": [{"ports":
 * "8080"}]}. "ports" is one port or a range "a-b" (absent: all); "cidr" is IPv4 or IPv6
 * ("a.b.c.d" or "x::y" alone: the one address). In "bind" cidr is optional (absent: any
 * address of either family). A list that is present allows only what it names. */
struct policy_net_rule {
	uint8_t family;	  /* 4 or 6; 0: any address of either family (bind without cidr) */
	uint8_t prefix;	  /* prefix length in bits */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes; bits past prefix zero */
	uint16_t port_lo, port_hi;
};

struct policy_net_list {
	bool present; /* false: the key is absent, nothing restricted */
	const struct policy_net_rule *rules;
	size_t n;
};

struct policy_net_list policy_net_egress(const struct sbx_policy *p);
struct policy_net_list policy_net_bind(const struct sbx_policy *p);

/* sbx.sysctl: {"allow": ["net.ipv4.ip_forward", ...]}: the sysctls the sandbox may write
 * (cgroup-BPF refuses writes to every other; reads are not restricted). Dotted names of
 * components [A-Za-z0-9_-], at most 63 bytes, at most 64 names. Never NULL: empty when not
 * given. A name whose component holds a dot (a VLAN interface "eth0.100") cannot be named. */
const char *const *policy_sysctl_allow(const struct sbx_policy *p);

/* sbx.exec: {"allow": ["/usr/bin/python3", "/usr/lib/git-core"]}: the files the sandbox may
 * execute (a directory: everything beneath it), absolute normalized container paths, at most
 * 256. NULL when the policy has no such list (anything may run); an empty list allows
 * nothing. Enforced by the BPF-LSM layer alone. */
const char *const *policy_exec_allow(const struct sbx_policy *p);

/* sbx.require: the layers the sandbox must have, or not start. */
enum {
	POLICY_REQUIRE_CGROUP_BPF = 1 << 0,
	POLICY_REQUIRE_GOFER = 1 << 1,
	POLICY_REQUIRE_LSM = 1 << 2,
	POLICY_REQUIRE_LANDLOCK = 1 << 3,
};
unsigned policy_require(const struct sbx_policy *p);

/* sbx.isolation: true for "vm" (the workload runs in a microVM). */
bool policy_isolation_vm(const struct sbx_policy *p);

/* What the program is compiled for: Docker's includes/excludes by caps, arch and minKernel. */
struct policy_target {
	uint64_t caps;	       /* bit N set: capability N (linux/capability.h) is held */
	unsigned kernel_major; /* 0: the running kernel's */
	unsigned kernel_minor;
	/* The syscalls the gofer serves become SCMP_ACT_NOTIFY where the profile allows them:
	 * opens with write intent, creat, openat2, the path-based calls that change files,
	 * access with W_OK, statfs/fstatfs (see policy/broker.c). false: not one instruction
	 * differs from a compile without this field. */
	bool broker_files;
};

/* A classic BPF seccomp program, ready for seccomp(SECCOMP_SET_MODE_FILTER). */
struct policy_program {
	struct sock_filter *filter;
	unsigned short len;
	bool needs_listener; /* some rule returns SECCOMP_RET_USER_NOTIF */
};

/* Compile with libseccomp for the native arch (plus archMap sub-arches). Syscalls listed in
 * sbx.emulate become SCMP_ACT_NOTIFY; in audit mode deny and kill actions become NOTIFY too.
 * With t->broker_files, the gofer's syscalls that the profile allows become NOTIFY as well. */
int policy_compile(const struct sbx_policy *p, const struct policy_target *t,
		   struct policy_program *ret, struct sbx_error *err);
void policy_program_free(struct policy_program *prog);

#endif
