/* sbx check: what this host's kernel supports and which layers a sandbox gets here.
 * Exit 0 when a sandbox can run (seccomp user notification + ADDFD), 1 when not, 2 on usage. */
#include "microvm/launch.h"
#include "runtime/cli.h"
#include "runtime/helpers.h"
#include "runtime/vm_monitor.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "loader/loader.h"
#include "loader/lsm.h"

enum row_state { ROW_NO, ROW_YES, ROW_PARTIAL, ROW_NA };

struct row {
	char name[48];
	enum row_state state;
	char detail[400];
};

struct table {
	struct row rows[40];
	size_t n;
};

static const char *const state_names[] = {"no", "yes", "partial", "n/a"};

static void __attribute__((format(printf, 4, 5)))
add_row(struct table *t, const char *name, enum row_state state, const char *fmt, ...)
{
	va_list ap;

	if (t->n == ARRAY_SIZE(t->rows))
		return;
	struct row *r = &t->rows[t->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->state = state;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static void add_feature(struct table *t, const char *name, const struct sbx_feature *f)
{
	add_row(t, name, f->ok ? ROW_YES : ROW_NO, "%s", f->reason);
}

static void feature_rows(struct table *t, const struct sbx_features *f)
{
	const struct sbx_cgroup_info *cg = &f->cgroup;

	add_feature(t, "seccomp user notification", &f->seccomp_notify);
	add_feature(t, "seccomp ADDFD", &f->seccomp_addfd);
	add_feature(t, "seccomp ADDFD_FLAG_SEND", &f->seccomp_addfd_send);
	add_feature(t, "seccomp SYNC_WAKE_UP", &f->seccomp_sync_wake_up);
	add_feature(t, "seccomp WAIT_KILLABLE_RECV", &f->seccomp_wait_killable_recv);
	add_row(t, "cgroup layout", cg->layout == SBX_CGROUP_UNKNOWN ? ROW_NO : ROW_YES,
		"%s; v2 at %s (controllers: %s); v1 controllers: %s",
		sbx_cgroup_layout_name(cg->layout), cg->v2_mount[0] ? cg->v2_mount : "-",
		cg->v2_controllers[0] ? cg->v2_controllers : "none",
		cg->v1_controllers[0] ? cg->v1_controllers : "none");
	add_feature(t, "cgroup-BPF attach (v2)", &f->cgroup_bpf_attach);
	if (f->landlock.ok)
		add_row(t, "Landlock", ROW_YES, "ABI %d", f->landlock_abi);
	else
		add_feature(t, "Landlock", &f->landlock);
	for (int i = 0; i < SBX_BPF__MAX; i++) {
		char name[48];
		snprintf(name, sizeof(name), "BPF %s", f->bpf[i].section);
		add_row(t, name, f->bpf[i].state == SBX_PROBE_LOADED ? ROW_YES : ROW_NO, "%s",
			f->bpf[i].state == SBX_PROBE_LOADED ? "loads" : f->bpf[i].feature.reason);
	}
	if (f->lsm_read.ok)
		add_row(t, "active LSMs", ROW_YES, "%s", f->lsm_list);
	else
		add_feature(t, "active LSMs", &f->lsm_read);
	add_feature(t, "BPF-LSM", &f->bpf_lsm);
	add_feature(t, "KVM", &f->kvm);
}

/* Namespace types a container uses; /proc/self/ns/<name> exists when the kernel has them. */
static void namespace_row(struct table *t)
{
	static const char *const ns[] = {"mnt", "pid", "uts", "ipc", "net", "user", "cgroup"};
	char missing[128] = "";

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		if (access(path, F_OK) < 0) {
			size_t n = strlen(missing);
			snprintf(missing + n, sizeof(missing) - n, " %s", ns[i]);
		}
	}
	if (missing[0])
		add_row(t, "namespaces, cgroups, caps, ...", ROW_PARTIAL, "missing namespaces:%s",
			missing);
	else
		add_row(t, "namespaces, cgroups, caps, ...", ROW_YES,
			"mnt pid uts ipc net user cgroup namespaces, pivot_root, rlimits, "
			"no_new_privs");
}

/* Registered, or a module the first mount would load. */
static bool has_overlayfs(void)
{
	_cleanup_fclose_ FILE *fs = fopen("/proc/filesystems", "re");
	char line[128];
	while (fs && fgets(line, sizeof(line), fs))
		if (strstr(line, "\toverlay\n"))
			return true;
	struct utsname u;
	char dir[400];
	if (uname(&u) < 0)
		return false;
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/fs/overlayfs", u.release);
	return access(dir, F_OK) == 0;
}

static void seccomp_rows(struct table *t, const struct sbx_features *f)
{
	if (f->seccomp_notify.ok || sbx_seccomp_flags_supported(0) == 1)
		add_row(t, "syscall filter", ROW_YES, "seccomp-BPF");
	else
		add_row(t, "syscall filter", ROW_NO, "seccomp filter mode unavailable");

	if (!sbx_features_can_sandbox(f)) {
		const struct sbx_feature *why =
		    f->seccomp_notify.ok ? &f->seccomp_addfd : &f->seccomp_notify;
		add_row(t, "sentry", ROW_NO, "%s", why->reason);
		return;
	}
	add_row(t, "sentry", ROW_YES, "%s; %s",
		f->seccomp_sync_wake_up.ok ? "SYNC_WAKE_UP: fast round trip"
					   : "no SYNC_WAKE_UP: slower round trip",
		f->seccomp_wait_killable_recv.ok
		    ? "WAIT_KILLABLE_RECV"
		    : "no WAIT_KILLABLE_RECV: signals restart notified syscalls");
}

static void cgroup_bpf_row(struct table *t, const struct sbx_features *f)
{
	static const enum sbx_bpf_probe progs[] = {SBX_BPF_CGROUP_CONNECT4,
						   SBX_BPF_CGROUP_SOCK_CREATE, SBX_BPF_CGROUP_DEV,
						   SBX_BPF_CGROUP_SYSCTL};
	char failed[300] = "";
	size_t nfail = 0;

	if (!f->cgroup.v2.ok) {
		add_row(t, "cgroup-BPF", ROW_NO,
			"no cgroup v2 hierarchy: %s; sandboxes run without this layer",
			f->cgroup.v2.reason);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		const struct sbx_bpf_prog_probe *p = &f->bpf[progs[i]];
		if (p->state == SBX_PROBE_LOADED)
			continue;
		size_t n = strlen(failed);
		snprintf(failed + n, sizeof(failed) - n, "%s%s: %s", nfail++ ? "; " : "",
			 p->section, p->feature.reason);
	}
	if (!f->cgroup_bpf_attach.ok)
		add_row(t, "cgroup-BPF", ROW_NO, "%s; sandboxes run without this layer",
			f->cgroup_bpf_attach.reason);
	else if (nfail == 0)
		add_row(t, "cgroup-BPF", ROW_YES,
			"per sandbox on the v2 hierarchy at %s: devices, sysctl writes, inet "
			"socket types",
			f->cgroup.v2_mount);
	else
		add_row(t, "cgroup-BPF", nfail == ARRAY_SIZE(progs) ? ROW_NO : ROW_PARTIAL, "%s",
			failed);
}

static void tracing_row(struct table *t, const struct sbx_features *f)
{
	const struct sbx_bpf_prog_probe *btf = &f->bpf[SBX_BPF_TP_BTF];
	const struct sbx_bpf_prog_probe *raw = &f->bpf[SBX_BPF_RAW_TP];

	if (btf->state == SBX_PROBE_LOADED)
		add_row(t, "tracing", ROW_YES,
			"tp_btf sys_enter/sys_exit load: sbx-trace uses them");
	else if (raw->state == SBX_PROBE_LOADED)
		add_row(t, "tracing", ROW_PARTIAL, "raw_tp only; tp_btf: %s", btf->feature.reason);
	else
		add_row(t, "tracing", ROW_NO, "tp_btf: %s; raw_tp: %s", btf->feature.reason,
			raw->feature.reason);
}

/* QEMU, a guest kernel and the initramfs; the accelerator: KVM when /dev/kvm opens and no
 * boot has found it broken here (the verdict vm_monitor.c keeps under the state root). */
static void microvm_row(struct table *t, const char *root)
{
	char qemu[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX], why[256];
	struct sbx_error err = {0};
	bool kvm = vm_kvm_usable(root, why, sizeof(why));
	if (vm_find_qemu(qemu, sizeof(qemu), &err) < 0 ||
	    vm_find_kernel(NULL, kernel, sizeof(kernel), &err) < 0)
		add_row(t, "microVM", ROW_NO, "%s", err.msg);
	else if (!helper_file("sbx-initramfs.cpio", R_OK, initrd, sizeof(initrd)))
		add_row(t, "microVM", ROW_NO, "sbx-initramfs.cpio not found beside sbx");
	else if (kvm)
		add_row(t, "microVM", ROW_YES, "KVM, guest kernel %s", kernel);
	else
		add_row(t, "microVM", ROW_PARTIAL, "TCG (slow; KVM: %s), guest kernel %s", why,
			kernel);
}

/* What the gofer needs beyond the sentry: openat2 with RESOLVE_IN_ROOT for every path, and
 * overlayfs for the convenience form's root. */
static void gofer_row(struct table *t, const struct sbx_features *f)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (!sbx_features_can_sandbox(f))
		add_row(t, "gofer", ROW_NO, "needs the sentry");
	else if (fd < 0)
		add_row(t, "gofer", ROW_NO, "openat2(RESOLVE_IN_ROOT): %s", strerror(errno));
	else if (!has_overlayfs())
		add_row(t, "gofer", ROW_PARTIAL,
			"no overlayfs: `sbx run` needs --persist or --no-gofer; bundles work");
	else
		add_row(t, "gofer", ROW_YES, "on by default: read-only root, changes brokered");
}

/* The probe's one program, then sbx's own: every program of bpf/lsm.bpf.c must load. */
static void lsm_row(struct table *t, const struct sbx_features *f)
{
	char why[SBX_LSM_WHY_LEN];

	if (!f->bpf_lsm.ok)
		add_row(t, "BPF-LSM", ROW_NO,
			"unavailable: %s; sandboxes run with the other layers, a policy that "
			"requires lsm (or has sbx.exec.allow) does not start (but in a microVM: "
			"the guest kernel has it)",
			f->bpf_lsm.reason);
	else if (sbx_lsm_check(why) < 0)
		add_row(t, "BPF-LSM", ROW_NO,
			"unavailable: sbx's programs do not load here: %s; sandboxes run with the "
			"other layers",
			why);
	else
		add_row(t, "BPF-LSM", ROW_YES,
			"per sandbox, keyed by its cgroup: file opens (sbx.files), exec "
			"(sbx.exec.allow), ptrace and signals out of the sandbox, mount, bpf, "
			"module loads, perf_event_open, connect (sbx.network.egress)");
}

static void layer_rows(struct table *t, const struct sbx_features *f, const char *root)
{
	namespace_row(t);
	seccomp_rows(t, f);
	gofer_row(t, f);
	if (f->landlock.ok)
		add_row(t, "Landlock", ROW_YES, "ABI %d: file rules%s%s", f->landlock_abi,
			f->landlock_abi >= 4 ? ", TCP bind/connect rules" : "",
			f->landlock_abi >= 6 ? ", scoping" : "");
	else
		add_row(t, "Landlock", ROW_NO,
			"%s; file rules rely on the read-only mount and the gofer",
			f->landlock.reason);
	cgroup_bpf_row(t, f);
	lsm_row(t, f);
	tracing_row(t, f);
	microvm_row(t, root);
}

static void print_table(const char *title, const struct table *t)
{
	printf("\n%s\n", title);
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		printf("  %-32s %-8s %s\n", r->name, state_names[r->state], r->detail);
	}
}

static void print_text(const struct utsname *u, const struct table *feat,
		       const struct table *layers, bool ok)
{
	printf("Host: %s %s %s\n", u->sysname, u->release, u->machine);
	print_table("Kernel features", feat);
	print_table("Layers a sandbox gets here", layers);
	printf("\n%s\n", ok ? "A sandbox can run here."
			    : "No sandbox can run here: seccomp user notification with ADDFD "
			      "is required.");
}

static json_t *table_json(const struct table *t)
{
	json_t *a = json_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", r->name, "state",
						   state_names[r->state], "detail", r->detail));
	}
	return a;
}

static json_t *bpf_json(const struct sbx_features *f)
{
	json_t *a = json_array();

	for (int i = 0; i < SBX_BPF__MAX; i++) {
		const struct sbx_bpf_prog_probe *p = &f->bpf[i];
		bool ok = p->state == SBX_PROBE_LOADED;
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s?}", "section", p->section,
						   "program", p->name, "loads", ok, "errno",
						   ok ? NULL : strerrorname_np(p->feature.err)));
	}
	return a;
}

static int print_json(const struct utsname *u, const struct sbx_features *f,
		      const struct table *feat, const struct table *layers, bool ok)
{
	const struct sbx_cgroup_info *cg = &f->cgroup;
	json_t *doc = json_pack(
	    "{s:{s:s, s:s}, s:b, s:o, s:o, s:{s:s, s:s, s:s, s:s}, s:i, s:o, s:s, s:i}", "kernel",
	    "release", u->release, "machine", u->machine, "canRunSandbox", ok, "features",
	    table_json(feat), "layers", table_json(layers), "cgroup", "layout",
	    sbx_cgroup_layout_name(cg->layout), "v2Mount", cg->v2_mount, "v1Controllers",
	    cg->v1_controllers, "v2Controllers", cg->v2_controllers, "landlockAbi", f->landlock_abi,
	    "bpfPrograms", bpf_json(f), "lsm", f->lsm_list, "kvmApiVersion", f->kvm_api_version);

	if (!doc)
		return -ENOMEM;
	int r = json_dumpf(doc, stdout, JSON_INDENT(2));
	json_decref(doc);
	if (r < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: sbx check [--json]\n"
		     "Probe this host's kernel features and show the layers a sandbox gets.\n"
		     "Exit status: 0 a sandbox can run, 1 it cannot, 2 usage error.\n");
}

int cmd_check(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct sbx_features f;
	struct table feat = {0}, layers = {0};
	struct utsname u;
	bool json = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbx check: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	sbx_features_probe(&f);
	uname(&u);
	feature_rows(&feat, &f);
	layer_rows(&layers, &f, cli->root);
	bool ok = sbx_features_can_sandbox(&f);
	if (json) {
		if (print_json(&u, &f, &feat, &layers, ok) < 0) {
			fprintf(stderr, "sbx check: cannot write JSON\n");
			return 1;
		}
	} else {
		print_text(&u, &feat, &layers, ok);
	}
	fflush(stdout);
	return ok ? 0 : 1;
}
