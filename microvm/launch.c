/* QEMU's command line for a microVM sandbox, and its start. */
#include "microvm/launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/util.h"
#include "microvm/proto.h"

int vm_find_kernel(const char *want, char *buf, size_t len, struct sbx_error *err)
{
	if (want) {
		if (access(want, R_OK) < 0)
			return sbx_err_errno(err, errno, "guest kernel %s", want);
		return str_copy(buf, len, want) < 0 ? sbx_err(err, ENAMETOOLONG, "path too long")
						    : 0;
	}
	_cleanup_closedir_ DIR *d = opendir("/boot");
	char best[NAME_MAX + 1] = "";
	for (struct dirent *e; d && (e = readdir(d));)
		if (str_has_prefix(e->d_name, "vmlinuz-") && strverscmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	if (!*best)
		return sbx_err(err, ENOENT,
			       "no guest kernel: /boot has no vmlinuz-* (install the Debian "
			       "package linux-image-amd64, or pass --kernel)");
	snprintf(buf, len, "/boot/%s", best);
	return 0;
}

int vm_find_qemu(char *buf, size_t len, struct sbx_error *err)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/qemu-system-x86_64", (int)n, path);
		if (access(buf, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return sbx_err(err, ENOENT,
		       "qemu-system-x86_64 not found in PATH (install the Debian package "
		       "qemu-system-x86)");
}

int vm_kernel_release(const char *kernel, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(kernel, O_RDONLY | O_CLOEXEC);
	unsigned char hdr[0x210];
	char ver[128];
	if (fd < 0)
		return -errno;
	/* "HdrS" at 0x202; at 0x20e the version string's offset from 0x200 */
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr + 0x202, "HdrS", 4))
		return -ENOEXEC;
	off_t at = 0x200 + (hdr[0x20e] | hdr[0x20f] << 8);
	ssize_t n = pread(fd, ver, sizeof(ver) - 1, at);
	if (n <= 0)
		return -ENOEXEC;
	ver[n] = 0;
	ver[strcspn(ver, " ")] = 0;
	return str_copy(buf, len, ver);
}

/* QEMU option values double their commas. */
static char *qemu_escape(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *o = out;
	for (; out && *s; s++) {
		*o++ = *s;
		if (*s == ',')
			*o++ = ',';
	}
	if (out)
		*o = 0;
	return out;
}

/* Under TCG a loaded host makes the guest's TSC calibration against the emulated PIT fail,
 * and the kernel then hangs before userspace (seen here at load 5 on 2 CPUs). The guest's TSC
 * is the host's under TCG, so its rate is told on the command line instead. */
static unsigned long host_tsc_khz(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	return mhz > 0 ? (unsigned long)(mhz * 1000) : 2000000;
}

struct argv {
	char *v[96];
	int n;
};

static void add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (a->n < (int)(sizeof(a->v) / sizeof(a->v[0])) - 1 &&
	    vasprintf(&a->v[a->n], fmt, ap) >= 0)
		a->n++;
	va_end(ap);
}

static void add_share(struct argv *a, const char *id, const char *path, bool ro)
{
	_cleanup_free_ char *p = qemu_escape(path);
	add(a, "-fsdev");
	add(a, "local,id=%s,path=%s,security_model=none,multidevs=remap%s", id,
	    p ? p : "/nonexistent", ro ? ",readonly=on" : "");
	add(a, "-device");
	add(a, "virtio-9p-device,fsdev=%s,mount_tag=%s", id, id);
}

static void build_argv(const struct vm_launch *l, struct argv *a)
{
	_cleanup_free_ char *k = qemu_escape(l->kernel), *i = qemu_escape(l->initrd);
	add(a, "%s", l->qemu);
	add(a, "-M");
	add(a, "microvm,isa-serial=on,rtc=on");
	add(a, "-accel");
	add(a, l->kvm ? "kvm" : "tcg");
	add(a, "-cpu");
	add(a, l->kvm ? "host" : "max");
	add(a, "-m");
	add(a, "%u", l->mem_mib);
	add(a, "-smp");
	add(a, "%u", l->cpus);
	add(a, "-nodefaults");
	add(a, "-no-user-config");
	add(a, "-nographic");
	add(a, "-no-reboot");
	add(a, "-kernel");
	add(a, "%s", k ? k : "");
	add(a, "-initrd");
	add(a, "%s", i ? i : "");
	add(a, "-append");
	char tsc[64] = "";
	if (!l->kvm)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", host_tsc_khz());
	add(a, "console=ttyS0 quiet panic=-1 reboot=t lsm=landlock,lockdown,yama,apparmor,bpf%s%s",
	    tsc, l->persist ? " sbx.persist=1" : "");
	add(a, "-serial");
	add(a, "stdio");
	add(a, "-device");
	add(a, "virtio-serial-device");
	add(a, "-chardev");
	add(a, "socket,id=ctl,fd=%d", l->ctl_fd);
	add(a, "-device");
	add(a, "virtserialport,chardev=ctl,name=%s", VM_PORT_NAME);
	add_share(a, VM_ROOT_TAG, l->rootfs, !l->persist);
	for (size_t v = 0; v < l->n_volumes; v++) {
		char id[32];
		snprintf(id, sizeof(id), "vol%zu", v);
		add_share(a, id, l->volumes[v].host, l->volumes[v].readonly);
	}
	a->v[a->n] = NULL;
}

_Noreturn static void child(const struct vm_launch *l, int go)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	char c;
	if (read(go, &c, 1) != 1)
		_exit(1);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(l->console_fd, 1) < 0 ||
	    dup2(l->console_fd, 2) < 0 || fcntl(l->ctl_fd, F_SETFD, 0) < 0)
		_exit(1);
	int keep = l->ctl_fd;
	close_fds_from(3, &keep, 1);
	struct argv a = {.n = 0};
	build_argv(l, &a);
	execv(l->qemu, a.v);
	dprintf(2, "sbx: exec %s: %s\n", l->qemu, strerror(errno));
	_exit(127);
}

int vm_spawn(const struct vm_launch *l, pid_t *ret_pid, int *ret_go, struct sbx_error *err)
{
	int go[2], pidfd = -1;
	if (pipe2(go, O_CLOEXEC) < 0)
		return sbx_err_errno(err, errno, "pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
	if (pid == 0) {
		close(go[1]);
		child(l, go[0]);
	}
	close(go[0]);
	if (pid < 0) {
		close(go[1]);
		return sbx_err_errno(err, errno, "start QEMU");
	}
	*ret_pid = pid;
	*ret_go = go[1];
	return pidfd;
}
