/* Framing of the host–guest control channel (see proto.h). */
#include "microvm/proto.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, -1);
			continue;
		}
		if (w < 0)
			return -errno;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int vm_send(int fd, enum vm_msg type, const void *payload, size_t len)
{
	if (len > VM_MSG_MAX)
		return -EMSGSIZE;
	struct vm_hdr h = {.len = (uint32_t)len, .type = (uint32_t)type};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	return writev_all(fd, iov, len ? 2 : 1);
}

int vm_send_i32(int fd, enum vm_msg type, int32_t v)
{
	return vm_send(fd, type, &v, sizeof(v));
}

static void vm_compact(struct vm_reader *r)
{
	if (r->consumed) {
		memmove(r->buf, r->buf + r->consumed, r->have - r->consumed);
		r->have -= r->consumed;
		r->consumed = 0;
	}
}

int vm_fill(struct vm_reader *r, int fd)
{
	vm_compact(r);
	if (r->have == sizeof(r->buf))
		return -ENOBUFS;
	ssize_t n;
	do
		n = read(fd, r->buf + r->have, sizeof(r->buf) - r->have);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->have += (size_t)n;
	return (int)n;
}

int vm_next(struct vm_reader *r, uint32_t *type, const char **payload, size_t *len)
{
	vm_compact(r);
	struct vm_hdr h;
	if (r->have < sizeof(h))
		return 0;
	memcpy(&h, r->buf, sizeof(h));
	if (h.len > VM_MSG_MAX)
		return -EPROTO;
	if (r->have < sizeof(h) + h.len)
		return 0;
	*type = h.type;
	*payload = r->buf + sizeof(h);
	*len = h.len;
	r->consumed = sizeof(h) + h.len;
	return 1;
}
