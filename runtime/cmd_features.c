/* sbx features: the OCI runtime features document (runtime-spec features.md), as `runc
 * features` prints it. Lists what this runtime recognizes; supportedFlags is probed. */
#include "runtime/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "loader/loader.h"
#include "runtime/oci.h"

#ifndef SBX_VERSION
#define SBX_VERSION "0.1.0-dev"
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Hooks the runtime runs. None yet: add names here when runtime/ runs them. */
static const char *const hooks[] = {NULL};

/* The options runtime/mount_opts.c turns into mount flags and propagation; others pass
 * through to the file system as data. Keep the two lists together. */
static const char *const mount_options[] = {
    "async",	     "atime",	"bind",	   "dev",	  "diratime", "dirsync", "exec",
    "mand",	     "noatime", "nodev",   "nodiratime",  "noexec",   "nomand",	 "norelatime",
    "nostrictatime", "nosuid",	"private", "rbind",	  "relatime", "remount", "ro",
    "rprivate",	     "rshared", "rslave",  "runbindable", "rw",	      "shared",	 "slave",
    "strictatime",   "suid",	"sync",	   "unbindable",  NULL,
};

static const char *const namespaces[] = {"mount",  "pid",     "uts",  "ipc",
					 "cgroup", "network", "user", NULL};

/* What the policy parser accepts (policy/names.c). */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",	    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",	    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",	    "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",	    NULL,
};

static const char *const seccomp_operators[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE",	 "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};

static const char *const seccomp_archs[] = {
    "SCMP_ARCH_AARCH64",   "SCMP_ARCH_ARM",	 "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",	 "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PARISC",	   "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",	 "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
    "SCMP_ARCH_X32",	   "SCMP_ARCH_X86",	 "SCMP_ARCH_X86_64",
};

/* Flags the policy accepts, with what the kernel needs alongside to judge each alone. */
static const struct {
	const char *name;
	unsigned long flags;
} seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER},
    {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", SECCOMP_FILTER_FLAG_TSYNC_ESRCH},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER},
};

static json_t *string_array(const char *const *names)
{
	json_t *a = json_array();

	for (size_t i = 0; a && names[i]; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* Every capability this kernel knows (0..cap_last_cap) that we have a name for. */
static json_t *capabilities(void)
{
	uint64_t last = 40; /* CAP_CHECKPOINT_RESTORE, if /proc does not say */
	json_t *a = json_array();

	read_u64_file("/proc/sys/kernel/cap_last_cap", &last);
	for (uint64_t cap = 0; a && cap <= last && cap < 64; cap++) {
		const char *name = oci_cap_name((int)cap);
		if (name)
			json_array_append_new(a, json_string(name));
	}
	return a;
}

/* The archs libseccomp can build filters for (SCMP_ARCH_X86_64 -> "x86_64"). */
static json_t *archs(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ARRAY_SIZE(seccomp_archs); i++) {
		char low[32];
		const char *s = seccomp_archs[i] + strlen("SCMP_ARCH_");
		size_t n = 0;
		for (; s[n] && n + 1 < sizeof(low); n++)
			low[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] - 'A' + 'a' : s[n]);
		low[n] = '\0';
		if (seccomp_arch_resolve_name(low) != 0)
			json_array_append_new(a, json_string(seccomp_archs[i]));
	}
	return a;
}

static json_t *seccomp_flags_json(bool probe)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ARRAY_SIZE(seccomp_flags); i++)
		if (!probe || sbx_seccomp_flags_supported(seccomp_flags[i].flags) == 1)
			json_array_append_new(a, json_string(seccomp_flags[i].name));
	return a;
}

static json_t *linux_json(void)
{
	return json_pack(
	    "{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o, s:o, s:o},"
	    " s:{s:b}, s:{s:b}}",
	    "namespaces", string_array(namespaces), "capabilities", capabilities(), "cgroup", "v1",
	    true, "v2", true, "systemd", false, "systemdUser", false, "seccomp", "enabled", true,
	    "actions", string_array(seccomp_actions), "operators", string_array(seccomp_operators),
	    "archs", archs(), "knownFlags", seccomp_flags_json(false), "supportedFlags",
	    seccomp_flags_json(true), "apparmor", "enabled", false, "selinux", "enabled", false);
}

static json_t *features_json(void)
{
	const struct scmp_version *v = seccomp_version();
	char scmp[48];

	snprintf(scmp, sizeof(scmp), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
		 v ? v->micro : 0);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
			 "ociVersionMax", "1.1.0", "hooks", string_array(hooks), "mountOptions",
			 string_array(mount_options), "linux", linux_json(), "annotations",
			 "io.sbx.version", SBX_VERSION, "io.sbx.libseccomp.version", scmp);
}

int cmd_features(_unused_ struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		fprintf(c == 'h' ? stdout : stderr,
			"Usage: sbx features\nPrint the OCI runtime features JSON.\n");
		return c == 'h' ? 0 : 2;
	}
	if (optind < argc) {
		fprintf(stderr, "sbx features: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	json_t *doc = features_json();
	if (!doc) {
		fprintf(stderr, "sbx features: cannot build the features document\n");
		return 1;
	}
	int r = json_dumpf(doc, stdout, JSON_INDENT(2));
	json_decref(doc);
	if (r < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "sbx features: cannot write to stdout\n");
		return 1;
	}
	return 0;
}
