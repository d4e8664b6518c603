/* Starting QEMU for a microVM sandbox: -M microvm, virtio-mmio devices only, the rootfs and
 * volumes over virtio-9p, the control port over virtio-serial, no firmware detours. */
#ifndef SBX_MICROVM_LAUNCH_H
#define SBX_MICROVM_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sbx_error;

struct vm_volume {
	const char *host; /* directory on the host */
	const char *dest; /* mount point in the guest */
	bool readonly;
};

struct vm_launch {
	const char *qemu, *kernel, *initrd;
	const char *rootfs;
	bool persist; /* the rootfs shared read-write, no overlay in the guest */
	const struct vm_volume *volumes;
	size_t n_volumes;
	unsigned mem_mib, cpus;
	bool kvm;
	int ctl_fd;	/* the guest's end of the control socket */
	int console_fd; /* the guest console and QEMU's own messages go here */
};

/* The files a VM needs: the guest kernel (`want`, else the newest /boot/vmlinuz-*) and QEMU
 * (qemu-system-x86_64 in $PATH). Errors name the Debian package to install. */
int vm_find_kernel(const char *want, char *buf, size_t len, struct sbx_error *err);
int vm_find_qemu(char *buf, size_t len, struct sbx_error *err);
/* The release a bzImage says it is ("6.1.0-57-amd64"), from its boot header. */
int vm_kernel_release(const char *kernel, char *buf, size_t len);

/* Fork QEMU (with a parent-death SIGKILL, so it never outlives its caller); it execs when a
 * byte is written to *ret_go (time to put it in the sandbox's cgroup) and exits if *ret_go is
 * closed first. Returns a pidfd and stores the pid, or -errno. */
int vm_spawn(const struct vm_launch *l, pid_t *ret_pid, int *ret_go, struct sbx_error *err);

#endif
