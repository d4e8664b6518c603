/* KVM: /dev/kvm answers KVM_GET_API_VERSION and creates a VM. That is all this shows; whether
 * a guest kernel boots is not probed (some hosts only run PVM guests). */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/cleanup.h"

struct kvm_result {
	int stage; /* 0 open, 1 API version, 2 create VM, 3 done */
	int err;
	int api;
};

static const char *const kvm_stage[] = {"open /dev/kvm", "KVM_GET_API_VERSION", "KVM_CREATE_VM"};

/* In a child: KVM_CREATE_VM on a host with broken KVM must not hang the caller. */
static int kvm_child(_unused_ void *arg, int fd)
{
	struct kvm_result r = {0};
	_cleanup_close_ int vm = -1;
	_cleanup_close_ int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		goto out_err;
	r.stage = 1;
	r.api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (r.api < 0)
		goto out_err;
	r.stage = 2;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		goto out_err;
	r.stage = 3;
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
out_err:
	r.err = errno;
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

void sbx_probe_kvm(struct sbx_features *f)
{
	struct kvm_result r = {0};
	ssize_t n = probe_in_child(kvm_child, NULL, &r, sizeof(r), SBX_PROBE_TIMEOUT_MS);

	f->kvm_api_version = 0;
	if (n < 0) {
		feature_fail(&f->kvm, (int)-n, "probe child: %s", errno_name((int)n));
		return;
	}
	if (n != sizeof(r)) {
		feature_fail(&f->kvm, EPROTO, "probe child: short report");
		return;
	}
	if (r.stage < 3) {
		feature_fail(&f->kvm, r.err, "%s: %s", kvm_stage[r.stage], errno_name(r.err));
		return;
	}
	if (r.api != KVM_API_VERSION) {
		feature_fail(&f->kvm, EPROTO, "KVM API version %d, want %d", r.api,
			     KVM_API_VERSION);
		return;
	}
	f->kvm_api_version = r.api;
	feature_ok(&f->kvm);
	snprintf(f->kvm.reason, sizeof(f->kvm.reason),
		 "present (not verified to boot a stock kernel)");
}
