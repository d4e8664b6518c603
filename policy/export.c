/* A libseccomp filter out as a struct sock_filter array, through a memfd (libseccomp 2.5 has
 * no export to memory). */
#include "policy/internal.h"
#include "lib/cleanup.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int policy_export(void *ctx, struct policy_program *ret, struct sbx_error *err)
{
	_cleanup_close_ int fd = memfd_create("sbx-seccomp", MFD_CLOEXEC);
	_cleanup_free_ struct sock_filter *filter = NULL;
	struct stat st;
	int r;
	if (fd < 0)
		return sbx_err_errno(err, errno, "memfd_create");
	r = seccomp_export_bpf((scmp_filter_ctx)ctx, fd);
	if (r < 0)
		return sbx_err_errno(err, -r, "export seccomp filter");
	if (fstat(fd, &st) < 0)
		return sbx_err_errno(err, errno, "stat exported filter");
	size_t size = (size_t)st.st_size, n = size / sizeof(struct sock_filter);
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return sbx_err(err, EIO, "exported filter has a bad size (%zu bytes)", size);
	if (n > BPF_MAXINSNS)
		return sbx_err(err, E2BIG, "seccomp filter too long: %zu instructions, at most %d",
			       n, BPF_MAXINSNS);
	filter = malloc(size);
	if (!filter)
		return sbx_err(err, ENOMEM, "out of memory");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return sbx_err_errno(err, errno, "seek exported filter");
	r = read_all(fd, filter, size);
	if (r < 0)
		return sbx_err_errno(err, -r, "read exported filter");
	ret->filter = TAKE_PTR(filter);
	ret->len = (unsigned short)n;
	return 0;
}
