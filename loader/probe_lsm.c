/* The active LSM list and BPF-LSM. The list lives in securityfs; when the host has not mounted
 * it, a forked child mounts it in a private mount namespace (never on the host's tree). */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"

#define SECURITYFS_DIR "/sys/kernel/security"
#ifndef SECURITYFS_MAGIC
#define SECURITYFS_MAGIC 0x73636673
#endif

struct lsm_report {
	int err;
	char step[32];
	char list[256];
};

static int read_lsm_list(char *buf, size_t len)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file(SECURITYFS_DIR "/lsm", 4096, &text, NULL);

	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	return 0;
}

static int report(int fd, struct lsm_report *rep, const char *step, int err)
{
	rep->err = err;
	snprintf(rep->step, sizeof(rep->step), "%s", step);
	return write(fd, rep, sizeof(*rep)) == sizeof(*rep) ? 0 : 1;
}

/* In a child: a mount namespace of its own, private propagation, securityfs on top. */
static int lsm_child(_unused_ void *arg, int fd)
{
	struct lsm_report rep = {0};
	int r;

	if (unshare(CLONE_NEWNS) < 0)
		return report(fd, &rep, "unshare(CLONE_NEWNS)", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return report(fd, &rep, "make / private", errno);
	if (mount("securityfs", SECURITYFS_DIR, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return report(fd, &rep, "mount securityfs", errno);
	r = read_lsm_list(rep.list, sizeof(rep.list));
	return report(fd, &rep, "read " SECURITYFS_DIR "/lsm", r < 0 ? -r : 0);
}

/* Linux 6.8+: lsm_list_modules(2) lists the active LSMs by id, no securityfs needed. */
#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif

static const char *lsm_id_name(uint64_t id)
{
	static const char *const names[] = {
	    "capability", "selinux",  "smack", "tomoyo",   "apparmor", "yama", "loadpin",
	    "safesetid",  "lockdown", "bpf",   "landlock", "ima",      "evm",  "ipe",
	};

	return id >= 100 && id - 100 < ARRAY_SIZE(names) ? names[id - 100] : NULL;
}

static int list_modules(char *buf, size_t len)
{
	uint64_t ids[32];
	uint32_t size = sizeof(ids);
	long n = syscall(SYS_lsm_list_modules, ids, &size, 0);

	if (n < 0)
		return -errno;
	buf[0] = '\0';
	for (long i = 0; i < n && i < (long)ARRAY_SIZE(ids); i++) {
		const char *name = lsm_id_name(ids[i]);
		size_t used = strlen(buf);
		if (name)
			snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
		else
			snprintf(buf + used, len - used, "%slsm-%llu", used ? "," : "",
				 (unsigned long long)ids[i]);
	}
	return 0;
}

static bool securityfs_mounted(void)
{
	struct statfs s;

	return statfs(SECURITYFS_DIR, &s) == 0 && s.f_type == SECURITYFS_MAGIC;
}

/* In a private mount namespace of a child; fills the reason when it cannot. */
static bool lsm_list_in_child(struct sbx_features *f)
{
	struct lsm_report rep = {0};
	ssize_t n = probe_in_child(lsm_child, NULL, &rep, sizeof(rep), SBX_PROBE_TIMEOUT_MS);

	if (n != sizeof(rep)) {
		int r = n < 0 ? (int)-n : EPROTO;
		feature_fail(&f->lsm_read, r, "securityfs not mounted; probe child: %s",
			     errno_name(r));
		return false;
	}
	if (rep.err) {
		feature_fail(&f->lsm_read, rep.err,
			     "securityfs not mounted; in a private mount namespace: %s: %s",
			     rep.step, errno_name(rep.err));
		return false;
	}
	snprintf(f->lsm_list, sizeof(f->lsm_list), "%s", rep.list);
	feature_ok(&f->lsm_read);
	return true;
}

static void probe_lsm_list(struct sbx_features *f)
{
	int r;

	if (securityfs_mounted()) {
		r = read_lsm_list(f->lsm_list, sizeof(f->lsm_list));
		if (r < 0)
			feature_fail(&f->lsm_read, -r, "read %s/lsm: %s", SECURITYFS_DIR,
				     errno_name(r));
		else
			feature_ok(&f->lsm_read);
		return;
	}
	if (lsm_list_in_child(f))
		return;
	r = list_modules(f->lsm_list, sizeof(f->lsm_list));
	if (r == 0) {
		feature_ok(&f->lsm_read);
		snprintf(f->lsm_read.reason, sizeof(f->lsm_read.reason),
			 "from lsm_list_modules(2); securityfs not mounted and not mountable here");
		return;
	}
	size_t used = strlen(f->lsm_read.reason);
	snprintf(f->lsm_read.reason + used, sizeof(f->lsm_read.reason) - used,
		 "; lsm_list_modules(2): %s", errno_name(r));
}

static bool list_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Needs the BPF program probes to have run. */
void sbx_probe_lsm(struct sbx_features *f)
{
	const struct sbx_bpf_prog_probe *lsm = &f->bpf[SBX_BPF_LSM];

	f->lsm_list[0] = '\0';
	probe_lsm_list(f);
	if (!f->lsm_read.ok)
		feature_fail(&f->bpf_lsm, f->lsm_read.err, "LSM list unreadable (%s)",
			     f->lsm_read.reason);
	else if (!list_has(f->lsm_list, "bpf"))
		feature_fail(&f->bpf_lsm, ENOENT, "bpf not in the active LSM list (%s)",
			     f->lsm_list);
	else if (lsm->state != SBX_PROBE_LOADED)
		feature_fail(&f->bpf_lsm, lsm->feature.err, "bpf is an active LSM, but %s: %s",
			     lsm->section, lsm->feature.reason);
	else
		feature_ok(&f->bpf_lsm);
}
