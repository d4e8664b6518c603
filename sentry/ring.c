/* The sandbox's cgroup-BPF denial ring buffer (bpf/cgroup.bpf.c): the sentry is its one
 * consumer and sends each record to every event subscriber, so that several tracers each
 * see every denial (a BPF ring buffer has a single consumer position).
 *
 * The ring is read as libbpf does, without libbpf: the consumer position in a writable page,
 * the producer position and the data (mapped twice, so a record never wraps) read-only after
 * it; each record has an 8-byte header whose length word carries BUSY and DISCARD bits. */
#include "sentry/internal.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf/cgroup.h"

#define RB_BUSY	    (1u << 31)
#define RB_DISCARD  (1u << 30)
#define RB_HDR_SIZE 8

int sentry_cg_ring_map(struct sentry *s)
{
	size_t page = (size_t)s->page_size;
	void *cons, *prod;

	if (s->cg_events_fd < 0)
		return 0;
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, s->cg_events_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, page + 2 * SBX_CG_EVENTS_SIZE, PROT_READ, MAP_SHARED, s->cg_events_fd,
		    (off_t)page);
	if (prod == MAP_FAILED) {
		int e = errno;
		munmap(cons, page);
		return -e;
	}
	s->cg_cons = cons;
	s->cg_prod = prod;
	return 0;
}

void sentry_cg_ring_unmap(struct sentry *s)
{
	size_t page = (size_t)s->page_size;

	if (s->cg_cons)
		munmap(s->cg_cons, page);
	if (s->cg_prod)
		munmap(s->cg_prod, page + 2 * SBX_CG_EVENTS_SIZE);
	s->cg_cons = s->cg_prod = NULL;
}

void sentry_cg_ring_drain(struct sentry *s)
{
	unsigned long *cons_pos = s->cg_cons, *prod_pos = s->cg_prod;
	const uint8_t *data = (const uint8_t *)s->cg_prod + s->page_size;
	unsigned long cons, prod;

	if (!cons_pos)
		return;
	cons = __atomic_load_n(cons_pos, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const uint32_t *hdr = (const uint32_t *)(data + (cons & (SBX_CG_EVENTS_SIZE - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY)
			break; /* still being written */
		uint32_t size = len & ~(RB_BUSY | RB_DISCARD);
		if (!(len & RB_DISCARD) && size == sizeof(struct sbx_cg_event))
			sentry_events_send(s, hdr + 2, size);
		cons += (size + RB_HDR_SIZE + 7) & ~7ul;
		__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
	}
}
