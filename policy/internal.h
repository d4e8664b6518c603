/* The policy model shared by the files of policy/. Private to the component. */
#ifndef SBX_POLICY_INTERNAL_H
#define SBX_POLICY_INTERNAL_H

#include "policy/policy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_ARGS	     6 /* syscall argument registers */
#define POLICY_MAX_TEXT	     (16u << 20)
#define POLICY_MAX_ARCHES    16
#define POLICY_DEFAULT_ERRNO 1 /* EPERM, as runc */

enum policy_action_kind {
	PA_KILL_THREAD,
	PA_KILL_PROCESS,
	PA_TRAP,
	PA_ERRNO,
	PA_TRACE,
	PA_ALLOW,
	PA_LOG,
	PA_NOTIFY,
};

struct policy_action {
	enum policy_action_kind kind;
	bool has_ret; /* errnoRet given */
	unsigned ret; /* errno for ERRNO, message for TRACE */
};

struct policy_cond {
	unsigned index;
	int op; /* enum scmp_compare */
	uint64_t value, value_two;
};

/* Docker's includes/excludes. */
struct policy_filter {
	uint64_t caps; /* bits of the listed capabilities */
	char **arches; /* NULL-terminated, Docker arch names ("amd64") */
	bool has_kernel;
	unsigned kernel_major, kernel_minor;
};

struct policy_rule {
	char **names; /* NULL-terminated, all known to libseccomp */
	size_t n_names;
	struct policy_action action;
	struct policy_cond *conds;
	size_t n_conds;
	struct policy_filter includes, excludes;
};

struct sbx_policy {
	struct policy_action default_action;
	bool has_default_errno;
	unsigned default_errno;
	uint32_t arches[POLICY_MAX_ARCHES]; /* SCMP_ARCH_* tokens from architectures/archMap */
	size_t n_arches;
	struct policy_rule *rules;
	size_t n_rules;
	char **emulate;	  /* NULL-terminated */
	unsigned require; /* POLICY_REQUIRE_* */
	bool vm;	  /* sbx.isolation "vm" */
	enum policy_mode mode;
	/* sbx.files: NULL-terminated absolute, normalized container paths */
	char **files_writable; /* NULL: no list, everything writable */
	char **files_readonly; /* NULL: none */
	char **files_hidden;   /* NULL: none */
	/* sbx.network */
	bool has_egress, has_bind;
	struct policy_net_rule *egress, *bind;
	size_t n_egress, n_bind;
	char **sysctl_allow; /* sbx.sysctl.allow: NULL-terminated dotted names; NULL: none */
	char **exec_allow;   /* sbx.exec.allow: NULL-terminated container paths; NULL: no list */
};

/* Where the document being validated came from, for "name:line:col: what" messages. */
struct policy_src {
	const char *name;
	const char *text;
	size_t len;
	const char *prefix; /* path of the policy object in the text, "" for a whole document */
	bool oci;	    /* a config.json linux.seccomp object: OCI fields only */
	struct sbx_error *err;
};

/* Fail with a positioned message for the value (or key) at `path` (relative to the policy). */
int policy_errf(const struct policy_src *src, bool at_key, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* names.c */
int policy_action_parse(const char *s, enum policy_action_kind *ret);
const char *policy_action_name(enum policy_action_kind kind);
int policy_op_parse(const char *s, int *ret);
int policy_cap_parse(const char *s, unsigned *ret);
bool policy_docker_arch_known(const char *s);
bool policy_docker_arch_is_native(const char *s);
uint32_t policy_scmp_arch_parse(const char *s);
bool policy_flag_known(const char *s);
int policy_syscall_known(const char *s); /* 0, or -ENOENT if libseccomp does not know it */

/* validate.c: the JSON object of a policy into the model. */
int policy_from_json(const json_t *root, const struct policy_src *src, struct sbx_policy **ret);

/* rules.c: one syscalls[] entry. */
int policy_rule_parse(const json_t *entry, const char *path, const struct policy_src *src,
		      struct policy_rule *ret);
void policy_rule_done(struct policy_rule *r);

/* jsonutil.c: typed access; every failure is a positioned message. */
void policy_json_describe(const json_t *v, char *buf, size_t size);
int policy_type_err(const struct policy_src *src, const char *path, const json_t *v,
		    const char *expected);
int policy_get_string(const json_t *v, const char *path, const struct policy_src *src,
		      const char **ret);
int policy_get_uint(const json_t *v, const char *path, const struct policy_src *src, uint64_t max,
		    uint64_t *ret);
int policy_get_string_array(const json_t *v, const char *path, const struct policy_src *src,
			    int (*check)(const char *s, const char *path,
					 const struct policy_src *src),
			    char ***ret);
int policy_check_keys(const json_t *obj, const char *path, const struct policy_src *src,
		      const char *const *allowed);
/* {"allow": [...]}: at most `max` strings (`what` names them in the error), each checked. */
int policy_allow_list_parse(
    const json_t *v, const char *path, const struct policy_src *src, size_t max, const char *what,
    int (*check)(const char *s, const char *path, const struct policy_src *src), char ***ret);
void policy_strv_free(char **v);
bool policy_strv_contains(char *const *v, const char *s);

/* files.c: the "files" object of the sbx section; the check of an absolute, normalized
 * container path (for policy_get_string_array) that it and exec.c use. */
int policy_files_parse(struct sbx_policy *p, const json_t *v, const char *path,
		       const struct policy_src *src);
int policy_check_path(const char *s, const char *path, const struct policy_src *src);

/* exec.c: the "exec" object of the sbx section. */
#define POLICY_EXEC_ALLOW_MAX 256
int policy_exec_parse(struct sbx_policy *p, const json_t *v, const char *path,
		      const struct policy_src *src);

/* network.c: the "network" object of the sbx section. */
int policy_network_parse(struct sbx_policy *p, const json_t *v, const char *path,
			 const struct policy_src *src);

/* sysctl.c: the "sysctl" object of the sbx section. */
int policy_require_parse(struct sbx_policy *p, const json_t *v, const char *path,
			 const struct policy_src *src);
int policy_sysctl_parse(struct sbx_policy *p, const json_t *v, const char *path,
			const struct policy_src *src);

/* compile.c: what policy_compile holds while it adds rules. */
struct policy_compiler {
	const struct sbx_policy *p;
	uint64_t caps;
	unsigned kmajor, kminor;
	void *ctx;	   /* scmp_filter_ctx */
	uint32_t def;	   /* the compiled default action */
	bool notify;	   /* some rule or the default is NOTIFY */
	bool sub_arches;   /* 32-bit companions added: pseudo syscall numbers matter */
	bool broker;	   /* policy_target.broker_files */
	uint64_t brokered; /* bit i: broker.c's entry i is brokered (its profile rules skipped) */
	struct sbx_error *err;
};
uint32_t policy_scmp_action(const struct sbx_policy *p, struct policy_action a);
bool policy_rule_applies(const struct policy_compiler *c, const struct policy_rule *r);

/* broker.c: the syscalls the gofer serves, as NOTIFY rules (policy_target.broker_files). */
void policy_broker_plan(struct policy_compiler *c); /* sets c->brokered */
bool policy_broker_skips(const struct policy_compiler *c, const char *syscall_name);
int policy_broker_add(struct policy_compiler *c);

/* export.c */
int policy_export(void *ctx, struct policy_program *ret, struct sbx_error *err);

#endif
