#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cgroup.h"

#define OCI_VERSION "1.1.0"

bool container_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 200 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || *p == '_' || *p == '-' || *p == '.' || *p == '+'))
			return false;
	return true;
}

int state_dir_create(const char *root, const char *id, char *ret_dir, size_t len,
		     struct sbx_error *err)
{
	if (!container_id_valid(id))
		return sbx_err(err, EINVAL,
			       "invalid container id \"%s\" (letters, digits, _ - . +)", id);
	int r = mkdir_p(root, 0711);
	if (r < 0)
		return sbx_err_errno(err, -r, "create state root %s", root);
	/* Others must not be able to plant state (or cached policies) in it. */
	struct stat st;
	if (lstat(root, &st) < 0)
		return sbx_err_errno(err, errno, "state root %s", root);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return sbx_err(err, EPERM,
			       "state root %s must be a directory owned by uid %u and writable by "
			       "it alone",
			       root, (unsigned)geteuid());
	if (path_join(ret_dir, len, root, id) < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	if (mkdir(ret_dir, 0700) < 0) {
		if (errno == EEXIST)
			return sbx_err(err, EEXIST, "container \"%s\" already exists", id);
		return sbx_err_errno(err, errno, "create state dir %s", ret_dir);
	}
	return 0;
}

void state_record_exit(const char *dir, int status, const char *how)
{
	char path[PATH_MAX], buf[64];
	snprintf(path, sizeof(path), "%s/exit", dir);
	snprintf(buf, sizeof(buf), "%d\n%s\n", status, how);
	write_file_atomic(path, buf, strlen(buf), 0600);
}

int state_path(const struct container_state *st, const char *name, char *ret, size_t len)
{
	return path_join(ret, len, st->dir, name);
}

int state_save(const struct container_state *st, struct sbx_error *err)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "id", st->id, "bundle",
		      st->bundle, "cgroup", st->cgroup, "pid", (json_int_t)st->pid, "pid_start",
		      (json_int_t)st->pid_start, "sentry_pid", (json_int_t)st->sentry_pid,
		      "sentry_start", (json_int_t)st->sentry_start, "created", st->created);
	if (!o)
		return sbx_err(err, ENOMEM, "build state");
	if (st->annotations)
		json_object_set(o, "annotations", st->annotations);
	if (st->vm)
		json_object_set_new(o, "isolation", json_string("vm"));
	_cleanup_free_ char *s = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!s)
		return sbx_err(err, ENOMEM, "build state");
	char path[PATH_MAX];
	state_path(st, "state.json", path, sizeof(path));
	int r = write_file_atomic(path, s, strlen(s), 0600);
	if (r < 0)
		return sbx_err_errno(err, -r, "write %s", path);
	return 0;
}

static void copy_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(dst, len, "%s", s ? s : "");
}

int state_load(const char *root, const char *id, struct container_state *ret, struct sbx_error *err)
{
	memset(ret, 0, sizeof(*ret));
	if (!container_id_valid(id))
		return sbx_err(err, EINVAL, "invalid container id \"%s\"", id);
	snprintf(ret->dir, sizeof(ret->dir), "%s/%s", root, id);
	char path[PATH_MAX];
	state_path(ret, "state.json", path, sizeof(path));
	json_error_t jerr;
	json_t *o = json_load_file(path, 0, &jerr);
	if (!o) {
		if (access(ret->dir, F_OK) < 0)
			return sbx_err(err, ENOENT, "container \"%s\" does not exist", id);
		return sbx_err(err, EIO, "container \"%s\": state unreadable: %s", id, jerr.text);
	}
	copy_str(ret->id, sizeof(ret->id), o, "id");
	copy_str(ret->bundle, sizeof(ret->bundle), o, "bundle");
	copy_str(ret->cgroup, sizeof(ret->cgroup), o, "cgroup");
	copy_str(ret->created, sizeof(ret->created), o, "created");
	ret->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	ret->pid_start = (uint64_t)json_integer_value(json_object_get(o, "pid_start"));
	ret->sentry_pid = (pid_t)json_integer_value(json_object_get(o, "sentry_pid"));
	ret->sentry_start = (uint64_t)json_integer_value(json_object_get(o, "sentry_start"));
	ret->vm = !strcmp(json_string_value(json_object_get(o, "isolation")) ?: "", "vm");
	json_t *a = json_object_get(o, "annotations");
	ret->annotations = a ? json_incref(a) : NULL;
	json_decref(o);
	return 0;
}

void state_clear(struct container_state *st)
{
	json_decref(st->annotations);
	st->annotations = NULL;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, 4096, &buf, NULL) < 0)
		return 0;
	/* comm may hold spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	char state = 0;
	unsigned long long start = 0;
	/* field 3 is the state; field 22 is starttime */
	if (sscanf(p + 2,
		   "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %llu",
		   &state, &start) != 2)
		return 0;
	if (state == 'Z' || state == 'X')
		return 0;
	return start;
}

int pidfd_open_checked(pid_t pid, uint64_t start)
{
	if (pid <= 0)
		return -ESRCH;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	if (start && proc_start_time(pid) != start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

enum container_status state_status(const struct container_state *st)
{
	if (st->pid <= 0)
		return STATUS_CREATING;
	if (proc_start_time(st->pid) != st->pid_start)
		return STATUS_STOPPED;
	char path[PATH_MAX];
	state_path(st, "exec.fifo", path, sizeof(path));
	enum container_status s = access(path, F_OK) == 0 ? STATUS_CREATED : STATUS_RUNNING;
	return st->cgroup[0] && cgroup_name_frozen(st->cgroup) ? STATUS_PAUSED : s;
}

const char *status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING:
		return "creating";
	case STATUS_CREATED:
		return "created";
	case STATUS_RUNNING:
		return "running";
	case STATUS_STOPPED:
		return "stopped";
	case STATUS_PAUSED:
		return "paused";
	}
	return "unknown";
}

json_t *state_to_oci_json(const struct container_state *st)
{
	enum container_status s = state_status(st);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", OCI_VERSION, "id", st->id,
			      "status", status_name(s), "bundle", st->bundle);
	if (!o)
		return NULL;
	if (s == STATUS_CREATED || s == STATUS_RUNNING || s == STATUS_PAUSED)
		json_object_set_new(o, "pid", json_integer(st->pid));
	else
		json_object_set_new(o, "pid", json_integer(0));
	json_object_set_new(o, "created", json_string(st->created));
	json_object_set_new(o, "annotations",
			    st->annotations ? json_incref(st->annotations) : json_object());
	return o;
}
