/* sbx-trace --profile: the policy a traced workload needs, and nothing more.
 *
 * What the profile holds, and why:
 * - defaultAction SCMP_ACT_ERRNO with EPERM, and default.json's archMap.
 * - syscalls: what the workload was seen making, plus what sbx's own init makes between
 *   installing the filter and the workload's execve (the tracer arms at that execve, so it never
 *   sees them; see sbx_needs). A syscall that default.json allows only under conditions (clone
 *   without namespace flags, socket of some families and types, ioctl but TIOCSTI, personality,
 *   chroot with CAP_SYS_CHROOT...) keeps those rules as they are: a profile never allows more of
 *   a call than the default does. default.json's rules that answer another errno than EPERM
 *   (clone3: ENOSYS, so that libc falls back to clone) stay for the calls the profile does not
 *   allow: libc decides on that errno.
 *   The calls the gofer serves (write-intent opens, mkdir, unlink, rename...) are listed as
 *   allowed like any other: with broker_files, policy/broker.c turns an allowed one into
 *   NOTIFY (openat only with write flags), so writes stay brokered; an unlisted one stays EPERM.
 * - sbx.emulate: the calls the sentry emulated that default.json's emulate list names. They
 *   are not in the allow list: emulation overrides it anyway (policy/compile.c).
 * - sbx.files.writable: the container paths the gofer changed. gofer/policy.c allows a change
 *   at or beneath an entry, checked on the object's own path (a created file's too: its
 *   directory need not be listed), so the paths themselves are enough; one beneath another
 *   entry is dropped. Always present: an empty list lets the gofer change nothing, while an
 *   absent one would let it change everything.
 * - sbx.network.egress: one rule per destination, "a.b.c.d/32" or "x::y/128" and its port.
 *   Always present too: [] denies all egress (policy/network.c accepts it), an absent list
 *   leaves egress unrestricted. The price: sbx.network needs the cgroup-BPF layer, and a
 *   policy with it refuses to start where that layer is missing (fail closed, not open). bind
 *   is left out (unrestricted): the tracer does not record binds.
 * A syscall number libseccomp cannot name cannot be written in a policy: it is left out. */
#include "tools/trace_profile.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds on what a workload can make us hold. sbx.network takes at most 256 rules. */
#define PROFILE_WRITTEN_MAX (1u << 16)
#define PROFILE_EGRESS_MAX  256
#define PROFILE_ERRNO	    1 /* EPERM */

/* What sbx's container init (and `sbx exec`) does after the filter is in, before execve
 * (runtime/process.c, process_finish): hand the listener to the sentry over the sync socket
 * and close both, close every other fd, read the sentry's ack (exec), exec; on failure, its
 * message (glibc's dprintf: newfstatat and lseek on fd 2 first, or it writes nothing) and
 * exit. With noNewPrivileges false the filter goes in before the credentials change, so the
 * bounding set, groups, uid/gid, umask and capabilities are set under it too (reading
 * /proc/sys/kernel/cap_last_cap). The policy cannot know how it will be launched, and a
 * missing one kills the init before the workload starts: all are listed. */
static const char *const sbx_needs[] = {
    "sendmsg",	 "close",     "close_range", "read",   "execve", "newfstatat",
    "lseek",	 "write",     "exit_group",  "openat", "prctl",	 "setgroups",
    "getgroups", "setresgid", "setresuid",   "umask",  "capset",
};

void trace_profile_init(struct trace_profile *p)
{
	*p = (struct trace_profile){0};
}

void trace_profile_free(struct trace_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nwritten; i++)
		free(p->written[i]);
	free(p->written);
	free(p->egress);
	trace_profile_init(p);
}

/* Both lists are kept sorted, so a lookup is a binary search and the output needs no sort.
 * Returns the index where `key` is or belongs; *ret_found says which. */
static size_t find_slot(const void *base, size_t n, size_t size, const void *key,
			int (*cmp)(const void *, const void *), bool *ret_found)
{
	size_t lo = 0, hi = n;
	*ret_found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(key, (const char *)base + mid * size);
		if (c == 0) {
			*ret_found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Make room for one element at `at` in an array of n. */
static int insert_slot(void **base, size_t n, size_t size, size_t at)
{
	char *nb = realloc(*base, (n + 1) * size);
	if (!nb)
		return -ENOMEM;
	memmove(nb + (at + 1) * size, nb + at * size, (n - at) * size);
	*base = nb;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int trace_profile_add_written(struct trace_profile *p, const char *path)
{
	bool found;
	size_t at = find_slot(p->written, p->nwritten, sizeof(char *), &path, cmp_str, &found);
	if (found)
		return 0;
	if (p->nwritten >= PROFILE_WRITTEN_MAX)
		return -E2BIG;
	_cleanup_free_ char *copy = strdup(path);
	if (!copy || insert_slot((void **)&p->written, p->nwritten, sizeof(char *), at) < 0)
		return -ENOMEM;
	p->written[at] = TAKE_PTR(copy);
	p->nwritten++;
	return 0;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address: cgroup-BPF checks it as
 * IPv4 (bpf/cgroup.bpf.c), so a /128 rule for it would never match. */
static struct trace_profile_dest dest_canonical(const struct trace_profile_dest *d)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct trace_profile_dest c = {.family = d->family, .port = d->port};
	if (d->family == 6 && memcmp(d->addr, mapped, sizeof(mapped)) == 0) {
		c.family = 4;
		memcpy(c.addr, d->addr + 12, 4);
	} else {
		memcpy(c.addr, d->addr, d->family == 4 ? 4 : 16);
	}
	return c;
}

static int cmp_dest(const void *a, const void *b)
{
	const struct trace_profile_dest *x = a, *y = b;
	int c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c != 0)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

int trace_profile_add_egress(struct trace_profile *p, const struct trace_profile_dest *d)
{
	struct trace_profile_dest c;
	bool found;
	size_t at;
	if (d->family != 4 && d->family != 6)
		return -EINVAL;
	c = dest_canonical(d);
	at = find_slot(p->egress, p->negress, sizeof(c), &c, cmp_dest, &found);
	if (found)
		return 0;
	if (p->negress >= PROFILE_EGRESS_MAX)
		return -E2BIG;
	if (insert_slot((void **)&p->egress, p->negress, sizeof(c), at) < 0)
		return -ENOMEM;
	p->egress[at] = c;
	p->negress++;
	return 0;
}

/* ---- syscalls ---- */

/* The x86_64 number of a name; -1 when it has none (a 32-bit-only or unknown name). */
static int nr_of(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	return nr >= 0 && nr < TRACE_PROFILE_NR_MAX ? nr : -1;
}

/* What the profile decides, per x86_64 syscall number. */
struct profile_calls {
	const json_t *def; /* default.json */
	/* default.json's allow rules name it: in one without conditions / in one with */
	bool def_plain[TRACE_PROFILE_NR_MAX];
	bool def_cond[TRACE_PROFILE_NR_MAX];
	bool emulate[TRACE_PROFILE_NR_MAX]; /* in sbx.emulate */
	bool allow[TRACE_PROFILE_NR_MAX];   /* allowed, plainly or under default.json's rules */
	bool cond[TRACE_PROFILE_NR_MAX];    /* allowed under default.json's rules, copied */
};

static bool is_action(const json_t *rule, const char *action)
{
	const char *a = json_string_value(json_object_get(rule, "action"));
	return a && strcmp(a, action) == 0;
}

/* A rule with argument conditions, or includes/excludes (caps, arches, kernel). */
static bool is_conditional(const json_t *rule)
{
	return json_array_size(json_object_get(rule, "args")) > 0 ||
	       json_object_size(json_object_get(rule, "includes")) > 0 ||
	       json_object_size(json_object_get(rule, "excludes")) > 0;
}

static bool emulatable(const json_t *def, const char *name)
{
	size_t i;
	json_t *n;
	json_t *list = json_object_get(json_object_get(def, "sbx"), "emulate");
	json_array_foreach (list, i, n)
		if (json_is_string(n) && strcmp(json_string_value(n), name) == 0)
			return true;
	return false;
}

/* default.json's allow rules: which numbers one of them allows with no condition (plain),
 * which one allows under conditions (cond). */
static void mark_default(const json_t *def, bool *plain, bool *cond)
{
	size_t i, j;
	json_t *rule, *n;
	json_array_foreach (json_object_get(def, "syscalls"), i, rule) {
		bool *mark = is_conditional(rule) ? cond : plain;
		if (!is_action(rule, "SCMP_ACT_ALLOW"))
			continue;
		json_array_foreach (json_object_get(rule, "names"), j, n) {
			int nr = json_is_string(n) ? nr_of(json_string_value(n)) : -1;
			if (nr >= 0)
				mark[nr] = true;
		}
	}
}

static void plan_calls(const struct trace_profile *p, struct profile_calls *c)
{
	for (int nr = 0; nr < TRACE_PROFILE_NR_MAX; nr++) {
		_cleanup_free_ char *name = NULL;
		if (!p->seen[nr] && !p->emulated[nr])
			continue;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (!name)
			continue;
		if (p->emulated[nr] && emulatable(c->def, name))
			c->emulate[nr] = true;
		else
			c->allow[nr] = true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sbx_needs); i++) {
		int nr = nr_of(sbx_needs[i]);
		if (nr >= 0 && !c->emulate[nr])
			c->allow[nr] = true;
	}
	mark_default(c->def, c->def_plain, c->def_cond);
	for (int nr = 0; nr < TRACE_PROFILE_NR_MAX; nr++)
		c->cond[nr] = c->allow[nr] && c->def_cond[nr] && !c->def_plain[nr];
}

/* The names of the numbers `pick` selects, sorted; NULL on ENOMEM. */
static json_t *names_where(const struct profile_calls *c,
			   bool (*pick)(const struct profile_calls *, int))
{
	const char *names[TRACE_PROFILE_NR_MAX];
	size_t n = 0;
	json_t *out = json_array();
	for (int nr = 0; out && nr < TRACE_PROFILE_NR_MAX; nr++) {
		if (!pick(c, nr))
			continue;
		names[n] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (names[n])
			n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (out && json_array_append_new(out, json_string(names[i])) < 0) {
			json_decref(out);
			out = NULL;
		}
		free((char *)names[i]);
	}
	return out;
}

static bool pick_plain(const struct profile_calls *c, int nr)
{
	return c->allow[nr] && !c->cond[nr];
}

static bool pick_emulate(const struct profile_calls *c, int nr)
{
	return c->emulate[nr];
}

/* A copy of a default.json rule naming only the numbers `keep` selects (maybe none); NULL on
 * ENOMEM. */
static json_t *rule_subset(const json_t *rule, const struct profile_calls *c,
			   bool (*keep)(const struct profile_calls *, int))
{
	json_auto_t *copy = json_deep_copy(rule);
	json_t *names = json_array(), *n;
	size_t i;
	if (json_object_set_new(copy, "names", names) < 0)
		return NULL;
	json_array_foreach (json_object_get(rule, "names"), i, n) {
		int nr = json_is_string(n) ? nr_of(json_string_value(n)) : -1;
		if (nr >= 0 && keep(c, nr) && json_array_append(names, n) < 0)
			return NULL;
	}
	return TAKE_PTR(copy);
}

static bool keep_cond(const struct profile_calls *c, int nr)
{
	return c->cond[nr];
}

static bool keep_unallowed(const struct profile_calls *c, int nr)
{
	return !c->allow[nr] && !c->emulate[nr];
}

/* A deny rule whose errno is not the profile's default: libc reads meaning into it. */
static bool is_errno_rule(const json_t *rule)
{
	json_t *e = json_object_get(rule, "errnoRet");
	return is_action(rule, "SCMP_ACT_ERRNO") && json_is_integer(e) &&
	       json_integer_value(e) != PROFILE_ERRNO && !is_conditional(rule);
}

/* default.json's conditional allow rules for the calls allowed only so, and its errno rules
 * for the calls not allowed. */
static int add_default_rules(const struct profile_calls *c, json_t *syscalls)
{
	size_t i;
	json_t *rule;
	json_array_foreach (json_object_get(c->def, "syscalls"), i, rule) {
		json_t *sub;
		if (is_action(rule, "SCMP_ACT_ALLOW") && is_conditional(rule))
			sub = rule_subset(rule, c, keep_cond);
		else if (is_errno_rule(rule))
			sub = rule_subset(rule, c, keep_unallowed);
		else
			continue;
		if (!sub)
			return -ENOMEM;
		if (json_array_size(json_object_get(sub, "names")) == 0) {
			json_decref(sub);
			continue;
		}
		if (json_array_append_new(syscalls, sub) < 0)
			return -ENOMEM;
	}
	return 0;
}

static json_t *build_syscalls(const struct profile_calls *c)
{
	json_auto_t *syscalls = json_array();
	json_t *plain = json_object();
	if (json_array_append_new(syscalls, plain) < 0 ||
	    json_object_set_new(plain, "names", names_where(c, pick_plain)) < 0 ||
	    json_object_set_new(plain, "action", json_string("SCMP_ACT_ALLOW")) < 0 ||
	    add_default_rules(c, syscalls) < 0)
		return NULL;
	return TAKE_PTR(syscalls);
}

/* ---- files and network ---- */

/* Is `path` beneath `dir` ("/" covers all)? The list is sorted: a covering entry comes first. */
static bool beneath(const char *path, const char *dir)
{
	size_t n = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static json_t *build_files(const struct trace_profile *p)
{
	json_auto_t *writable = json_array();
	const char *last = NULL;
	if (!writable)
		return NULL;
	for (size_t i = 0; i < p->nwritten; i++) {
		if (last && beneath(p->written[i], last))
			continue;
		if (json_array_append_new(writable, json_string(p->written[i])) < 0)
			return NULL;
		last = p->written[i];
	}
	return json_pack("{s:O}", "writable", writable);
}

static json_t *egress_rule(const struct trace_profile_dest *d)
{
	char addr[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 8], port[8];
	if (!inet_ntop(d->family == 4 ? AF_INET : AF_INET6, d->addr, addr, sizeof(addr)))
		return NULL;
	snprintf(cidr, sizeof(cidr), "%s/%d", addr, d->family == 4 ? 32 : 128);
	snprintf(port, sizeof(port), "%u", d->port);
	return json_pack("{s:s, s:s}", "cidr", cidr, "ports", port);
}

static json_t *build_network(const struct trace_profile *p)
{
	json_auto_t *egress = json_array();
	if (!egress)
		return NULL;
	for (size_t i = 0; i < p->negress; i++)
		if (json_array_append_new(egress, egress_rule(&p->egress[i])) < 0)
			return NULL;
	return json_pack("{s:O}", "egress", egress);
}

static json_t *build_sbx(const struct trace_profile *p, const struct profile_calls *c)
{
	json_t *emulate = names_where(c, pick_emulate);
	json_t *files = build_files(p), *network = build_network(p);
	if (!emulate || !files || !network) {
		json_decref(emulate);
		json_decref(files);
		json_decref(network);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o, s:o}", "mode", "enforce", "emulate", emulate, "files",
			 files, "network", network);
}

static json_t *build_profile(const struct trace_profile *p, const json_t *def)
{
	_cleanup_free_ struct profile_calls *c = calloc(1, sizeof(*c));
	json_auto_t *doc = NULL;
	if (!c)
		return NULL;
	c->def = def;
	plan_calls(p, c);
	doc = json_pack("{s:s, s:i, s:O}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
			PROFILE_ERRNO, "archMap", json_object_get(def, "archMap"));
	if (!doc || json_object_set_new(doc, "syscalls", build_syscalls(c)) < 0 ||
	    json_object_set_new(doc, "sbx", build_sbx(p, c)) < 0)
		return NULL;
	return TAKE_PTR(doc);
}

/* ---- the file ---- */

/* "dir/.name.XXXXXX" beside `path`, so the rename stays in one file system. */
static int temp_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	if (*base == '\0')
		return -EISDIR;
	if (snprintf(buf, len, "%.*s.%s.XXXXXX", dirlen, path, base) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory entry made durable too; best effort. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
}

static int dump_to(const json_t *doc, int fd, const char *tmp, struct sbx_error *err)
{
	if (fchmod(fd, 0644) < 0)
		return sbx_err_errno(err, errno, "chmod %s", tmp);
	if (json_dumpfd(doc, fd, JSON_INDENT(2)) < 0 || write(fd, "\n", 1) != 1)
		return sbx_err_errno(err, errno ? errno : EIO, "write %s", tmp);
	if (fsync(fd) < 0)
		return sbx_err_errno(err, errno, "fsync %s", tmp);
	return 0;
}

static int write_atomic(const json_t *doc, const char *path, struct sbx_error *err)
{
	char tmp[PATH_MAX];
	int r = temp_name(path, tmp, sizeof(tmp));
	if (r < 0)
		return sbx_err(err, -r, "%s: %s", path, strerror(-r));
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sbx_err_errno(err, errno, "create a temporary file beside %s", path);
	errno = 0;
	r = dump_to(doc, fd, tmp, err);
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = sbx_err_errno(err, errno, "close %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = sbx_err_errno(err, errno, "rename %s to %s", tmp, path);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	sync_dir(path);
	return 0;
}

int trace_profile_write(const struct trace_profile *p, const char *path, struct sbx_error *err)
{
	json_error_t jerr;
	json_auto_t *def = json_loads(policy_default_text(), 0, &jerr);
	json_auto_t *doc = NULL;
	if (!def)
		return sbx_err(err, EINVAL, "built-in default policy: %s", jerr.text);
	doc = build_profile(p, def);
	if (!doc)
		return sbx_err(err, ENOMEM, "write profile %s: out of memory", path);
	if (write_atomic(doc, path, err) < 0)
		return sbx_err_prefix(err, "write profile");
	return 0;
}
