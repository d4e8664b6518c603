/* The sandbox's BPF denial ring buffers (cgroup-BPF's bpf/cgroup.bpf.c, BPF-LSM's
 * bpf/lsm.bpf.c): the sentry is their one consumer and sends each record to every event
 * subscriber, so that several tracers each see every denial (a BPF ring buffer has a single
 * consumer position).
 *
 * A ring is read as libbpf does, without libbpf: the consumer position in a writable page, the
 * producer position and the data (mapped twice, so a record never wraps) read-only after it;
 * each record has an 8-byte header whose length word carries BUSY and DISCARD bits. */
#include "sentry/internal.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define RB_BUSY	    (1u << 31)
#define RB_DISCARD  (1u << 30)
#define RB_HDR_SIZE 8

int sentry_ring_open(struct sentry_ring *r, int fd, size_t size, size_t rec_size, size_t page)
{
	void *cons, *prod = MAP_FAILED;
	int e;

	*r = (struct sentry_ring){.fd = -1};
	if (fd < 0)
		return 0;
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cons != MAP_FAILED)
		prod = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (prod == MAP_FAILED) {
		e = errno;
		if (cons != MAP_FAILED)
			munmap(cons, page);
		close(fd);
		return -e;
	}
	*r = (struct sentry_ring){
	    .fd = fd, .size = size, .rec_size = rec_size, .page = page, .cons = cons, .prod = prod};
	return 0;
}

void sentry_ring_close(struct sentry_ring *r)
{
	if (r->cons)
		munmap(r->cons, r->page);
	if (r->prod)
		munmap(r->prod, r->page + 2 * r->size);
	if (r->fd >= 0)
		close(r->fd);
	*r = (struct sentry_ring){.fd = -1};
}

void sentry_ring_drain(struct sentry *s, struct sentry_ring *r)
{
	unsigned long *cons_pos = r->cons, *prod_pos = r->prod;
	const uint8_t *data = (const uint8_t *)r->prod + r->page;
	unsigned long cons, prod;

	if (!cons_pos)
		return;
	cons = __atomic_load_n(cons_pos, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const uint32_t *hdr = (const uint32_t *)(data + (cons & (r->size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY)
			break; /* still being written */
		uint32_t size = len & ~(RB_BUSY | RB_DISCARD);
		if (!(len & RB_DISCARD) && size == r->rec_size)
			sentry_events_send(s, hdr + 2, size);
		cons += (size + RB_HDR_SIZE + 7) & ~7ul;
		__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
	}
}
