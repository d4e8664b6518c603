/* Name tables: actions, comparison ops, capabilities, architectures, filter flags. */
#include "policy/internal.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

static const struct {
	const char *name;
	enum policy_action_kind kind;
} actions[] = {
    {"SCMP_ACT_KILL", PA_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", PA_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", PA_KILL_PROCESS},
    {"SCMP_ACT_TRAP", PA_TRAP},
    {"SCMP_ACT_ERRNO", PA_ERRNO},
    {"SCMP_ACT_TRACE", PA_TRACE},
    {"SCMP_ACT_ALLOW", PA_ALLOW},
    {"SCMP_ACT_LOG", PA_LOG},
    {"SCMP_ACT_NOTIFY", PA_NOTIFY},
};

int policy_action_parse(const char *s, enum policy_action_kind *ret)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(s, actions[i].name) == 0) {
			*ret = actions[i].kind;
			return 0;
		}
	return -ENOENT;
}

const char *policy_action_name(enum policy_action_kind kind)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].kind == kind)
			return actions[i].name;
	return "?";
}

static const struct {
	const char *name;
	int op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

int policy_op_parse(const char *s, int *ret)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(s, ops[i].name) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	return -ENOENT;
}

/* Index = capability number (linux/capability.h). */
static const char *const caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int policy_cap_parse(const char *s, unsigned *ret)
{
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcasecmp(s, caps[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -ENOENT;
}

/* Docker's includes/excludes arch names (Go's GOARCH style, plus the seccomp sub-arches). */
static const char *const docker_arches[] = {
    "amd64",   "x86_64",    "x86",     "386",	   "x32",      "arm",	    "arm64",
    "aarch64", "ppc",	    "ppc64",   "ppc64le",  "s390",     "s390x",	    "mips",
    "mipsle",  "mipsel",    "mips64",  "mips64le", "mipsel64", "mips64n32", "mipsel64n32",
    "mipsn32", "mipseln32", "riscv64", "loong64",  "parisc",   "parisc64",
};

bool policy_docker_arch_known(const char *s)
{
	for (size_t i = 0; i < sizeof(docker_arches) / sizeof(docker_arches[0]); i++)
		if (strcmp(s, docker_arches[i]) == 0)
			return true;
	return false;
}

/* The native arch as Docker names it. */
static const char *docker_arch_native(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		return "amd64";
	case SCMP_ARCH_X86:
		return "386";
	case SCMP_ARCH_AARCH64:
		return "arm64";
	case SCMP_ARCH_ARM:
		return "arm";
	case SCMP_ARCH_PPC64LE:
		return "ppc64le";
	case SCMP_ARCH_S390X:
		return "s390x";
	case SCMP_ARCH_RISCV64:
		return "riscv64";
	default:
		return "";
	}
}

/* includes/excludes "arches" match Docker's name of the native arch, or the kernel's. */
bool policy_docker_arch_is_native(const char *s)
{
	struct utsname u;
	if (strcmp(s, docker_arch_native()) == 0)
		return true;
	return uname(&u) == 0 && strcmp(s, u.machine) == 0;
}

/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64 token; 0 if unknown. */
uint32_t policy_scmp_arch_parse(const char *s)
{
	char low[32];
	size_t n;
	if (strncmp(s, "SCMP_ARCH_", 10) != 0)
		return 0;
	s += 10;
	n = strlen(s);
	if (n == 0 || n >= sizeof(low))
		return 0;
	for (size_t i = 0; i <= n; i++)
		low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	return seccomp_arch_resolve_name(low);
}

bool policy_flag_known(const char *s)
{
	static const char *const flags[] = {
	    "SECCOMP_FILTER_FLAG_TSYNC",       "SECCOMP_FILTER_FLAG_LOG",
	    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",  "SECCOMP_FILTER_FLAG_NEW_LISTENER",
	    "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(s, flags[i]) == 0)
			return true;
	return false;
}

int policy_syscall_known(const char *s)
{
	return seccomp_syscall_resolve_name(s) == __NR_SCMP_ERROR ? -ENOENT : 0;
}
