/* A microVM sandbox's monitor, up to "created": QEMU started in the sandbox's cgroup under
 * KVM when it works here (else TCG), the agent's hello, the workload handed over. */
#include "runtime/vm_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "runtime/cgroup.h"
#include "runtime/helpers.h"
#include "runtime/monitor.h"
#include "runtime/oci.h"
#include "runtime/sandbox.h"
#include "runtime/state.h"
#include "runtime/trace_hook.h"
#include "runtime/vm_spec.h"

/* How long the agent may take to say hello: a stock guest under KVM is up in well under a
 * second, so 15 s means KVM does not work here; TCG on a loaded host is slower. */
#define KVM_HELLO_MS 15000
#define TCG_HELLO_MS 120000

int vm_next_msg(struct vm_session *s, int timeout_ms, uint32_t *type, const char **p, size_t *len)
{
	uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000;
	for (;;) {
		int r = vm_next(&s->rd, type, p, len);
		if (r != 0)
			return r < 0 ? r : 1;
		int left = -1;
		if (timeout_ms >= 0) {
			uint64_t now = clock_ns(CLOCK_MONOTONIC);
			if (now >= end)
				return -ETIMEDOUT;
			left = (int)((end - now) / 1000000) + 1;
		}
		struct pollfd f[2] = {{.fd = s->ctl, .events = POLLIN},
				      {.fd = s->qemu_pidfd, .events = POLLIN}};
		if (poll(f, 2, left) < 0 && errno != EINTR)
			return -errno;
		if (f[0].revents) {
			r = vm_fill(&s->rd, s->ctl);
			/* QEMU closes the port as it exits: say which it was */
			struct pollfd q = {.fd = s->qemu_pidfd, .events = POLLIN};
			if (r == 0 || (r < 0 && r != -EAGAIN))
				return poll(&q, 1, 1000) == 1 ? -ECHILD : -EPIPE;
		} else if (f[1].revents) {
			return -ECHILD;
		}
	}
}

/* The last lines of the guest console; from the panic message on when the guest panicked. */
void vm_console_tail(const struct vm_session *s, char *buf, size_t len)
{
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	*buf = 0;
	if (read_file(s->console_path, 1 << 22, &text, &n) < 0 || !n)
		return;
	const char *panic = NULL;
	for (const char *p = text; (p = memmem(p, n - (size_t)(p - text), "Kernel panic", 12)); p++)
		panic = p;
	size_t start = n, lines = 0;
	if (panic)
		start = (size_t)(panic - text);
	else
		while (start > 0 && lines < 8 && n - start < len - 1)
			if (text[--start] == '\n' && start != n - 1)
				lines++;
	if (text[start] == '\n')
		start++;
	snprintf(buf, len, "%.*s", (int)(n - start), text + start);
	for (char *c = buf; *c; c++)
		if (*c == '\r')
			*c = ' ';
}

struct vm_files {
	char qemu[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX];
};

/* The initramfs holds modules for one kernel release: say so before a boot that would fail. */
static int check_release(const struct vm_files *f, struct sbx_error *err)
{
	char path[PATH_MAX + 8], rel[128];
	_cleanup_free_ char *want = NULL;
	snprintf(path, sizeof(path), "%s.kver", f->initrd);
	if (read_file(path, 128, &want, NULL) < 0)
		return 0; /* built elsewhere: the boot will tell */
	want[strcspn(want, "\n")] = 0;
	int r = vm_kernel_release(f->kernel, rel, sizeof(rel));
	if (r == -ENOEXEC)
		return sbx_err(err, ENOEXEC, "guest kernel %s: not a bzImage (no boot header)",
			       f->kernel);
	if (r == 0 && strcmp(rel, want))
		return sbx_err(err, EINVAL,
			       "guest kernel %s is release %s, but %s holds modules for %s "
			       "(rebuild it: make GUEST_KVER=%s)",
			       f->kernel, rel, f->initrd, want, rel);
	return 0;
}

static int find_files(const struct sandbox_spec *spec, struct vm_files *f, struct sbx_error *err)
{
	int r = vm_find_qemu(f->qemu, sizeof(f->qemu), err);
	if (r == 0)
		r = vm_find_kernel(spec->vm_kernel, f->kernel, sizeof(f->kernel), err);
	if (r == 0 && spec->vm_initramfs) {
		if (access(spec->vm_initramfs, R_OK) < 0)
			return sbx_err_errno(err, errno, "initramfs %s", spec->vm_initramfs);
		r = str_copy(f->initrd, sizeof(f->initrd), spec->vm_initramfs);
		return r < 0 ? sbx_err(err, ENAMETOOLONG, "initramfs path too long")
			     : check_release(f, err);
	}
	if (r == 0 && !helper_file("sbx-initramfs.cpio", R_OK, f->initrd, sizeof(f->initrd)))
		r = sbx_err(err, ENOENT,
			    "sbx-initramfs.cpio not found beside sbx or in ../libexec/sbx (make "
			    "builds it)");
	return r < 0 ? r : check_release(f, err);
}

static void stop_qemu(struct vm_session *s)
{
	if (s->qemu_pid > 0) {
		kill(s->qemu_pid, SIGKILL);
		waitpid(s->qemu_pid, NULL, 0);
	}
	if (s->qemu_pidfd >= 0)
		close(s->qemu_pidfd);
	if (s->ctl >= 0)
		close(s->ctl);
	s->qemu_pid = 0;
	s->qemu_pidfd = s->ctl = -1;
	s->rd.have = s->rd.consumed = 0;
}

/* Why the guest never answered, with the console's last lines. */
static int boot_failed(struct vm_session *s, int r, struct sbx_error *err)
{
	char tail[700];
	vm_console_tail(s, tail, sizeof(tail));
	const char *why = r == -ETIMEDOUT ? "the guest agent did not answer in time"
			  : r == -ECHILD  ? "QEMU exited"
					  : "the control port closed";
	return sbx_err(err, EIO, "microVM: %s (%s); guest console: %s", why, s->kvm ? "KVM" : "TCG",
		       *tail ? tail : "(empty)");
}

static int boot(struct monitor_args *a, struct vm_session *s, const struct vm_files *f,
		struct sbx_error *err)
{
	struct vm_volume vols[32];
	size_t nv;
	if (vm_volumes(a->spec, vols, 32, &nv) < 0)
		return sbx_err(err, E2BIG, "microVM: at most 32 volumes");
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_errno(err, errno, "socketpair");
	struct vm_launch l = {.qemu = f->qemu,
			      .kernel = f->kernel,
			      .initrd = f->initrd,
			      .rootfs = a->spec->rootfs,
			      .persist = a->spec->vm_persist,
			      .volumes = vols,
			      .n_volumes = nv,
			      .kvm = s->kvm,
			      .ctl_fd = sp[1],
			      .console_fd = s->console_fd};
	vm_size(a->spec, &l.mem_mib, &l.cpus);
	int go = -1;
	s->ctl = sp[0];
	s->qemu_pidfd = vm_spawn(&l, &s->qemu_pid, &go, err);
	close(sp[1]);
	if (s->qemu_pidfd < 0)
		return s->qemu_pidfd;
	int r = cgroup_enter(a->cgroup, s->qemu_pid, err);
	if (r == 0 && write(go, "g", 1) != 1)
		r = sbx_err_errno(err, errno, "start QEMU");
	close(go);
	if (r < 0)
		return r;
	uint32_t type;
	const char *p;
	size_t len;
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	r = vm_next_msg(s, s->kvm ? KVM_HELLO_MS : TCG_HELLO_MS, &type, &p, &len);
	if (r < 0)
		return boot_failed(s, r, err);
	if (type != VM_READY)
		return sbx_err(err, EPROTO, "microVM: unexpected first message %u", type);
	/* for whoever reads the console log: how long the boot took, and where */
	dprintf(s->console_fd, "\nsbx: agent ready after %llu ms (%s, guest kernel %.*s)\n",
		(unsigned long long)((clock_ns(CLOCK_MONOTONIC) - t0) / 1000000),
		s->kvm ? "KVM" : "TCG", (int)len, p);
	return 0;
}

/* KVM when it works here, decided by a real boot and remembered; else TCG. */
static int boot_with_fallback(struct monitor_args *a, struct vm_session *s,
			      const struct vm_files *f, struct sbx_error *err)
{
	char why[256];
	s->kvm = vm_kvm_usable(a->spec->cache_root, why, sizeof(why));
	int r = boot(a, s, f, err);
	if (r == 0 || !s->kvm)
		return r;
	char verdict[1200];
	snprintf(verdict, sizeof(verdict), "tcg: a guest under KVM did not come up: %s", err->msg);
	vm_kvm_record(a->spec->cache_root, verdict);
	dprintf(s->console_fd, "\nsbx: KVM does not work on this host; again with TCG\n");
	stop_qemu(s);
	*err = (struct sbx_error){0};
	s->kvm = false;
	return boot(a, s, f, err);
}

static int hand_over(struct monitor_args *a, struct vm_session *s, struct sbx_error *err)
{
	struct vm_volume vols[32];
	size_t nv = 0;
	vm_volumes(a->spec, vols, 32, &nv);
	_cleanup_free_ char *json = vm_spec_json(a->spec, vols, nv);
	if (!json)
		return sbx_err(err, ENOMEM, "microVM spec");
	const struct policy_program *prog = &a->spec->prog;
	size_t plen = 1 + prog->len * sizeof(*prog->filter);
	_cleanup_free_ char *pbuf = malloc(plen);
	if (!pbuf)
		return sbx_err(err, ENOMEM, "microVM spec");
	pbuf[0] = prog->needs_listener;
	memcpy(pbuf + 1, prog->filter, plen - 1);
	if (vm_send(s->ctl, VM_SECCOMP, pbuf, plen) < 0 ||
	    vm_send(s->ctl, VM_SPEC, json, strlen(json)) < 0)
		return sbx_err(err, EPIPE, "microVM: the control port closed");
	uint32_t type;
	const char *p;
	size_t len;
	int r = vm_next_msg(s, 60000, &type, &p, &len);
	if (r < 0)
		return boot_failed(s, r, err);
	if (type == VM_ERROR)
		return sbx_err(err, EIO, "microVM: %.*s", (int)len, p);
	if (type != VM_CREATED)
		return sbx_err(err, EPROTO, "microVM: unexpected message %u", type);
	return 0;
}

static int open_console_log(const char *dir, struct vm_session *s, struct sbx_error *err)
{
	if (path_join(s->console_path, sizeof(s->console_path), dir, "console.log") < 0)
		return sbx_err(err, ENAMETOOLONG, "state dir path too long");
	s->console_fd =
	    open(s->console_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	return s->console_fd < 0 ? sbx_err_errno(err, errno, "open %s", s->console_path) : 0;
}

_Noreturn void vm_monitor_main(struct monitor_args *a)
{
	static struct vm_session s;
	struct sbx_error err = {0};
	struct vm_files f;
	s.ctl = s.qemu_pidfd = s.console_fd = -1;
	setsid();
	if (open_console_log(a->state_dir, &s, &err) < 0 || find_files(a->spec, &f, &err) < 0 ||
	    boot_with_fallback(a, &s, &f, &err) < 0 || trace_hook_register(a->cgroup, &err) < 0 ||
	    hand_over(a, &s, &err) < 0) {
		monitor_report(a->report_fd, -1, err.msg);
		stop_qemu(&s);
		_exit(1);
	}
	monitor_report(a->report_fd, s.qemu_pid, NULL);
	close(a->report_fd);
	int status = vm_serve(a, &s);
	/* QEMU is reaped after this (`state` tells "stopped" by it): the status is there first */
	state_record_exit(a->state_dir, status, "exit");
	/* The agent powers the VM off after the status: give it a moment, then make sure. */
	struct pollfd q = {.fd = s.qemu_pidfd, .events = POLLIN};
	poll(&q, 1, 10000);
	stop_qemu(&s);
	_exit(0);
}
