/* Names the OCI spec uses for capabilities, rlimits and namespaces. */
#include "runtime/oci_internal.h"

#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CAP(n) [CAP_##n] = "CAP_" #n

static const char *const cap_names[] = {
    CAP(CHOWN),
    CAP(DAC_OVERRIDE),
    CAP(DAC_READ_SEARCH),
    CAP(FOWNER),
    CAP(FSETID),
    CAP(KILL),
    CAP(SETGID),
    CAP(SETUID),
    CAP(SETPCAP),
    CAP(LINUX_IMMUTABLE),
    CAP(NET_BIND_SERVICE),
    CAP(NET_BROADCAST),
    CAP(NET_ADMIN),
    CAP(NET_RAW),
    CAP(IPC_LOCK),
    CAP(IPC_OWNER),
    CAP(SYS_MODULE),
    CAP(SYS_RAWIO),
    CAP(SYS_CHROOT),
    CAP(SYS_PTRACE),
    CAP(SYS_PACCT),
    CAP(SYS_ADMIN),
    CAP(SYS_BOOT),
    CAP(SYS_NICE),
    CAP(SYS_RESOURCE),
    CAP(SYS_TIME),
    CAP(SYS_TTY_CONFIG),
    CAP(MKNOD),
    CAP(LEASE),
    CAP(AUDIT_WRITE),
    CAP(AUDIT_CONTROL),
    CAP(SETFCAP),
    CAP(MAC_OVERRIDE),
    CAP(MAC_ADMIN),
    CAP(SYSLOG),
    CAP(WAKE_ALARM),
    CAP(BLOCK_SUSPEND),
    CAP(AUDIT_READ),
    CAP(PERFMON),
    CAP(BPF),
    CAP(CHECKPOINT_RESTORE),
};

_Static_assert(ARRAY_SIZE(cap_names) == 41, "capability table ends at CAP_CHECKPOINT_RESTORE");

int oci_cap_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (cap_names[i] && strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

struct name_value {
	const char *name;
	int value;
};

#define RL(n)                                                                                      \
	{                                                                                          \
		"RLIMIT_" #n, RLIMIT_##n                                                           \
	}

static const struct name_value rlimits[] = {
    RL(CPU),	  RL(FSIZE),  RL(DATA),	   RL(STACK),  RL(CORE),  RL(RSS),
    RL(NPROC),	  RL(NOFILE), RL(MEMLOCK), RL(AS),     RL(LOCKS), RL(SIGPENDING),
    RL(MSGQUEUE), RL(NICE),   RL(RTPRIO),  RL(RTTIME),
};

static const struct name_value namespaces[] = {
    {"pid", CLONE_NEWPID},	 {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},	 {"uts", CLONE_NEWUTS},	    {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

static int lookup(const struct name_value *t, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}

int oci_rlimit_from_name(const char *name)
{
	return lookup(rlimits, ARRAY_SIZE(rlimits), name);
}

const char *oci_rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].value == resource)
			return rlimits[i].name;
	return "RLIMIT_?";
}

int oci_ns_from_name(const char *name)
{
	return lookup(namespaces, ARRAY_SIZE(namespaces), name);
}
