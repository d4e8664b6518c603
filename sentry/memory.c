/* The target's memory, read and written with process_vm_readv/writev.
 *
 * A read is only trusted after SECCOMP_IOCTL_NOTIF_ID_VALID says the notification is still
 * live: otherwise the pid may have been reused by another process. What was read is a private
 * copy; the sentry acts on that copy, never lets the kernel read the same memory again for a
 * decision made here (seccomp_unotify(2)). */
#include "sentry/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

int sentry_call_valid(const struct sentry_call *c)
{
	__u64 id = c->req->id;
	while (ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
		if (errno != EINTR)
			return -ENOENT;
	}
	return 0;
}

/* One process_vm_readv; returns bytes read (possibly short at an unmapped page) or -errno. */
static ssize_t vm_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n;
	do
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ESRCH ? -ENOENT : -EFAULT;
	return n;
}

int sentry_mem_read(const struct sentry_call *c, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return sentry_call_valid(c);
	ssize_t n = vm_read((pid_t)c->req->pid, addr, buf, len);
	if (n >= 0 && (size_t)n != len)
		n = -EFAULT;
	int r = sentry_call_valid(c);
	return r < 0 ? r : (n < 0 ? (int)n : 0);
}

int sentry_mem_write(const struct sentry_call *c, uint64_t addr, const void *buf, size_t len)
{
	int r = sentry_call_valid(c);
	if (r < 0)
		return r;
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n;
	do
		n = process_vm_writev((pid_t)c->req->pid, &local, 1, &remote, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ESRCH ? -ENOENT : -EFAULT;
	return (size_t)n == len ? 0 : -EFAULT;
}

int sentry_mem_read_string_unchecked(const struct sentry_call *c, uint64_t addr, char *buf,
				     size_t size)
{
	size_t page = (size_t)c->s->page_size, got = 0;
	int r = -ENAMETOOLONG;
	while (got < size) {
		uint64_t at = addr + got;
		size_t chunk = page - (size_t)(at % page);
		if (chunk > size - got)
			chunk = size - got;
		ssize_t n = vm_read((pid_t)c->req->pid, at, buf + got, chunk);
		if (n <= 0) {
			r = n < 0 ? (int)n : -EFAULT;
			break;
		}
		if (memchr(buf + got, '\0', (size_t)n)) {
			r = 0;
			break;
		}
		got += (size_t)n;
	}
	return r;
}

int sentry_mem_read_string(const struct sentry_call *c, uint64_t addr, char *buf, size_t size)
{
	int r = sentry_mem_read_string_unchecked(c, addr, buf, size);
	int v = sentry_call_valid(c);
	return v < 0 ? v : r;
}
