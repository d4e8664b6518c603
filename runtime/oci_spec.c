/* The config.json `sbx spec` writes: runc's example spec (libcontainer/specconv/example.go), with
 * hostname "sbx" and an RLIMIT_NOFILE no higher than this host's hard limit, since without
 * CAP_SYS_RESOURCE the container could not raise it. --rootless follows runc's ToRootless: a user
 * namespace mapping the current euid/egid to 0, no network namespace, /sys bind-mounted from
 * the host, no uid=/gid= mount options, no cgroup resources. */
#include "runtime/oci_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/cleanup.h"

#define SPEC_VERSION   "1.1.0"
#define DEFAULT_NOFILE 1024

struct spec_mount {
	const char *destination, *type, *source;
	const char *options[8]; /* NULL-terminated */
};

static const struct spec_mount default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
};

static const struct spec_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}};

static const char *const masked_paths[] = {
    "/proc/acpi",	   "/proc/asound",
    "/proc/kcore",	   "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats",   "/proc/sched_debug",
    "/sys/firmware",	   "/sys/devices/virtual/powercap",
    "/proc/scsi",	   "/sys/devices/virtual/tpm",
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

/* Appends to arr, which owns the strings. Returns arr, or NULL (and frees arr) on failure. */
static json_t *strings(const char *const *v, size_t n, bool rootless)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n && v[i]; i++) {
		if (rootless && (!strncmp(v[i], "uid=", 4) || !strncmp(v[i], "gid=", 4)))
			continue;
		if (json_array_append_new(arr, json_string(v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* RLIMIT_NOFILE: runc's 1024, clamped to what this host allows us. */
static json_int_t nofile_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < DEFAULT_NOFILE)
		return (json_int_t)rl.rlim_max;
	return DEFAULT_NOFILE;
}

static json_t *spec_process(void)
{
	const size_t ncaps = ARRAY_SIZE(default_caps);
	json_int_t nofile = nofile_limit();

	return json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s,"
			 " s:{s:o, s:o, s:o}, s:[{s:s, s:I, s:I}], s:b}",
			 "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "TERM=xterm", "cwd", "/", "capabilities", "bounding",
			 strings(default_caps, ncaps, false), "effective",
			 strings(default_caps, ncaps, false), "permitted",
			 strings(default_caps, ncaps, false), "rlimits", "type", "RLIMIT_NOFILE",
			 "hard", nofile, "soft", nofile, "noNewPrivileges", 1);
}

static json_t *spec_mounts(bool rootless)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < ARRAY_SIZE(default_mounts); i++) {
		const struct spec_mount *m = &default_mounts[i];
		if (rootless && !strcmp(m->destination, "/sys"))
			m = &rootless_sys;
		json_t *o = json_pack("{s:s, s:s, s:s}", "destination", m->destination, "type",
				      m->type, "source", m->source);
		if (o && m->options[0] &&
		    json_object_set_new(o, "options", strings(m->options, 8, rootless)) < 0)
			json_decref(TAKE_PTR(o));
		if (json_array_append_new(arr, o) < 0)
			json_decref(TAKE_PTR(arr));
	}
	return arr;
}

static json_t *spec_namespaces(bool rootless)
{
	static const char *const types[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < ARRAY_SIZE(types); i++) {
		if (rootless && !strcmp(types[i], "network"))
			continue;
		if (json_array_append_new(arr, json_pack("{s:s}", "type", types[i])) < 0)
			json_decref(TAKE_PTR(arr));
	}
	if (arr && rootless && json_array_append_new(arr, json_pack("{s:s}", "type", "user")) < 0)
		json_decref(TAKE_PTR(arr));
	return arr;
}

static json_t *spec_linux(bool rootless)
{
	json_t *lx =
	    json_pack("{s:o, s:o, s:o}", "namespaces", spec_namespaces(rootless), "maskedPaths",
		      strings(masked_paths, ARRAY_SIZE(masked_paths), false), "readonlyPaths",
		      strings(readonly_paths, ARRAY_SIZE(readonly_paths), false));
	if (!lx)
		return NULL;
	json_t *extra;
	if (rootless)
		extra = json_pack("{s:[{s:i, s:I, s:i}], s:[{s:i, s:I, s:i}]}", "uidMappings",
				  "containerID", 0, "hostID", (json_int_t)geteuid(), "size", 1,
				  "gidMappings", "containerID", 0, "hostID", (json_int_t)getegid(),
				  "size", 1);
	else
		extra = json_pack("{s:{s:[{s:b, s:s}]}}", "resources", "devices", "allow", 0,
				  "access", "rwm");
	if (!extra || json_object_update(lx, extra) < 0)
		json_decref(TAKE_PTR(lx));
	json_decref(extra);
	return lx;
}

char *oci_default_spec(bool rootless)
{
	json_t *spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion",
				 SPEC_VERSION, "process", spec_process(), "root", "path", "rootfs",
				 "readonly", 1, "hostname", "sbx", "mounts", spec_mounts(rootless),
				 "linux", spec_linux(rootless));
	if (!spec)
		return NULL;
	_cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
	json_decref(spec);
	char *out = NULL;
	if (!text || asprintf(&out, "%s\n", text) < 0)
		return NULL;
	return out;
}
