/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues, device side (VIRTIO 1.2 §2.7); see virtqueue.h.
 * Shape follows Firecracker's queue.rs and QEMU's virtqueue_pop (bounded
 * chain walk, indirect tables, event-idx arithmetic of §2.7.10).
 */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/bytes.h"
#include "virtio/virtqueue.h"

/* Ring fields are little-endian (§2.7); 16-bit index loads and stores are
 * single-copy atomic because the areas are checked to be aligned. */
static uint16_t ld16(const uint8_t *p, int order)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, order));
}

static void st16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

static void st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, htole32(v), __ATOMIC_RELAXED);
}

__attribute__((format(printf, 2, 3)))
static int vq_fail(struct vmb_vq *vq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vq->error, sizeof(vq->error), fmt, ap);
	va_end(ap);
	vq->broken = true;
	return -1;
}

static uint8_t *area(struct vmb_vq *vq, const char *what, uint64_t gpa, uint64_t size,
		     unsigned align, bool write)
{
	uint8_t *p;

	if (gpa & (align - 1)) {
		vq_fail(vq, "%s area at 0x%llx is not %u-byte aligned", what,
			(unsigned long long)gpa, align);
		return NULL;
	}
	p = vmb_gmem_ptr(vq->mem, gpa, size, write);
	if (!p) {
		vq_fail(vq, "%s area [0x%llx, +0x%llx) is not inside guest RAM", what,
			(unsigned long long)gpa, (unsigned long long)size);
		return NULL;
	}
	/* RAM is page-aligned on the host, so this holds unless a test
	 * built a guest memory on an odd buffer. */
	if ((uintptr_t)p & (align - 1)) {
		vq_fail(vq, "%s area at 0x%llx is misaligned on the host", what,
			(unsigned long long)gpa);
		return NULL;
	}
	return p;
}

void vmb_vq_reset(struct vmb_vq *vq)
{
	memset(vq, 0, sizeof(*vq));
}

int vmb_vq_enable(struct vmb_vq *vq, const struct vmb_gmem *mem, unsigned num,
		  uint64_t desc, uint64_t avail, uint64_t used, uint64_t features)
{
	vmb_vq_reset(vq);
	vq->mem = mem;
	vq->desc_gpa = desc;
	vq->avail_gpa = avail;
	vq->used_gpa = used;
	vq->indirect = features & VMB_VIRTIO_F_INDIRECT_DESC;
	vq->event_idx = features & VMB_VIRTIO_F_EVENT_IDX;
	if (!num || num > VMB_VQ_MAX_SIZE || (num & (num - 1)))
		return vq_fail(vq, "queue size %u is not a power of 2 in 1..%u", num,
			       VMB_VQ_MAX_SIZE);
	vq->num = (uint16_t)num;
	vq->desc = area(vq, "descriptor", desc, VMB_VQ_DESC_SIZE(num), 16, false);
	if (vq->desc)
		vq->avail = area(vq, "driver (available ring)", avail,
				 VMB_VQ_AVAIL_SIZE(num), 2, false);
	if (vq->avail)
		vq->used = area(vq, "device (used ring)", used, VMB_VQ_USED_SIZE(num),
				4, true);
	if (!vq->used)
		return -1;
	/* Both indices start at 0 (§2.7.6, §2.7.8: a fresh queue); the
	 * driver zeroed the rings before setting the queue ready. */
	vq->enabled = true;
	return 0;
}

struct walk {
	uint8_t *table;      /* descriptor table being walked */
	unsigned size;       /* its entries */
	unsigned seen;       /* descriptors visited in the whole chain */
	bool in_indirect;
};

/* Read descriptor i of the current table once into the four fields. */
static void read_desc(const struct walk *w, unsigned i, uint64_t *addr, uint32_t *len,
		      uint16_t *flags, uint16_t *next)
{
	uint8_t d[16];

	memcpy(d, w->table + 16 * (size_t)i, sizeof(d));
	*addr = vmb_get_le64(d);
	*len = vmb_get_le32(d + 8);
	*flags = vmb_get_le16(d + 12);
	*next = vmb_get_le16(d + 14);
}

static int add_buffer(struct vmb_vq *vq, struct vmb_vq_elem *e, uint64_t addr,
		      uint32_t len, bool write)
{
	void *p;

	if (write)
		e->in_len += len;
	else if (e->nin)
		return vq_fail(vq, "chain %u: device-readable buffer after a "
			       "device-writable one", e->head);
	else
		e->out_len += len;
	if (!len)
		return 0;
	p = vmb_gmem_ptr(vq->mem, addr, len, write);
	if (!p)
		return vq_fail(vq, "chain %u: buffer [0x%llx, +0x%x) is not inside "
			       "guest RAM", e->head, (unsigned long long)addr, len);
	if (e->nout + e->nin >= e->cap)
		return vq_fail(vq, "chain %u: more buffers than the device takes (%u)",
			       e->head, e->cap);
	e->iov[e->nout + e->nin] = (struct iovec){ p, len };
	if (write)
		e->nin++;
	else
		e->nout++;
	return 0;
}

/* Switch the walk to the indirect table described by (addr, len). */
static int enter_indirect(struct vmb_vq *vq, struct walk *w, uint16_t head,
			  uint64_t addr, uint32_t len, uint16_t flags)
{
	if (!vq->indirect)
		return vq_fail(vq, "chain %u: indirect descriptor, but "
			       "VIRTIO_F_INDIRECT_DESC was not negotiated", head);
	if (w->in_indirect)
		return vq_fail(vq, "chain %u: indirect descriptor inside an indirect "
			       "table", head);
	if (flags & VMB_VRING_DESC_F_NEXT)
		return vq_fail(vq, "chain %u: indirect descriptor with NEXT set", head);
	if (!len || len % 16)
		return vq_fail(vq, "chain %u: indirect table length %u is not a "
			       "non-zero multiple of 16", head, len);
	if (len / 16 > vq->num)
		return vq_fail(vq, "chain %u: indirect table of %u descriptors is "
			       "longer than the queue (%u)", head, len / 16, vq->num);
	w->table = vmb_gmem_ptr(vq->mem, addr, len, false);
	if (!w->table)
		return vq_fail(vq, "chain %u: indirect table [0x%llx, +0x%x) is not "
			       "inside guest RAM", head, (unsigned long long)addr, len);
	w->size = len / 16;
	w->in_indirect = true;
	return 0;
}

int vmb_vq_pop(struct vmb_vq *vq, struct vmb_vq_elem *e)
{
	struct walk w;
	uint16_t avail_idx, head, flags, next;
	uint64_t addr;
	uint32_t len;
	unsigned i;

	if (vq->broken)
		return -1;
	if (!vq->enabled)
		return 0;
	/* Acquire: the ring entry and descriptors the driver wrote before
	 * publishing idx are visible below (§2.7.13.3). */
	avail_idx = ld16(vq->avail + 2, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return vq_fail(vq, "available index moved from %u to %u, more than "
			       "the queue size %u", vq->last_avail, avail_idx, vq->num);
	head = ld16(vq->avail + 4 + 2 * (vq->last_avail & (vq->num - 1)),
		    __ATOMIC_RELAXED);
	if (head >= vq->num)
		return vq_fail(vq, "available ring entry %u: head %u >= queue size %u",
			       vq->last_avail, head, vq->num);
	e->head = head;
	e->nout = e->nin = 0;
	e->out_len = e->in_len = 0;
	w = (struct walk){ vq->desc, vq->num, 0, false };
	i = head;
	for (;;) {
		/* Bounding the whole chain (direct and indirect parts) by the
		 * queue size catches loops too: §2.7.5.3.1 / §2.7.4.2. */
		if (++w.seen > vq->num)
			return vq_fail(vq, "chain %u is longer than the queue size %u "
				       "(a loop?)", head, vq->num);
		read_desc(&w, i, &addr, &len, &flags, &next);
		if (flags & VMB_VRING_DESC_F_INDIRECT) {
			if (enter_indirect(vq, &w, head, addr, len, flags))
				return -1;
			/* The indirect descriptor is no buffer: a head pointing
			 * to a table of num descriptors is a chain of num (what
			 * Linux's virtio_blk sends with seg_max = num - 2). */
			w.seen--;
			i = 0;
			continue;
		}
		if (add_buffer(vq, e, addr, len, flags & VMB_VRING_DESC_F_WRITE))
			return -1;
		if (!(flags & VMB_VRING_DESC_F_NEXT))
			break;
		if (next >= w.size)
			return vq_fail(vq, "chain %u: next index %u >= %s size %u", head,
				       next, w.in_indirect ? "indirect table" : "queue",
				       w.size);
		i = next;
	}
	vq->last_avail++;
	/* With event idx, tell the driver where to notify next unless the
	 * device has notifications off (§2.7.10). */
	if (vq->event_idx && !vq->no_notify)
		st16(vq->used + 4 + 8 * (size_t)vq->num, vq->last_avail, __ATOMIC_RELAXED);
	return 1;
}

void vmb_vq_push(struct vmb_vq *vq, uint16_t head, uint32_t len)
{
	uint8_t *elem;

	if (!vq->enabled || vq->broken)
		return;
	elem = vq->used + 4 + 8 * (size_t)(vq->used_idx & (vq->num - 1));
	st32(elem, head);
	st32(elem + 4, len);
	vq->used_idx++;
	/* Release: the element is visible before the index that publishes
	 * it (§2.7.8.2 / §2.7.13: write barrier before updating idx). */
	st16(vq->used + 2, vq->used_idx, __ATOMIC_RELEASE);
}

/* §2.7.10: interrupt when used_event lies in (old, new]. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool vmb_vq_need_interrupt(struct vmb_vq *vq)
{
	uint16_t old, event;
	bool want;

	if (!vq->enabled || vq->broken)
		return false;
	/* Full barrier: our used->idx store must be visible before we read
	 * the driver's suppression fields, or both sides may miss each
	 * other's update (§2.7.10, the "mb()" of the driver requirements). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(ld16(vq->avail, __ATOMIC_RELAXED) & VMB_VRING_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	event = ld16(vq->avail + 4 + 2 * (size_t)vq->num, __ATOMIC_RELAXED);
	want = !vq->signalled_valid || need_event(event, vq->used_idx, old);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	return want;
}

void vmb_vq_disable_notify(struct vmb_vq *vq)
{
	if (!vq->enabled || vq->broken || vq->no_notify)
		return;
	vq->no_notify = true;
	/* With event idx, simply not advancing avail_event suppresses
	 * notifications after the next one; the flag is for the other case. */
	if (!vq->event_idx)
		st16(vq->used, VMB_VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
}

bool vmb_vq_enable_notify(struct vmb_vq *vq)
{
	if (!vq->enabled || vq->broken)
		return false;
	vq->no_notify = false;
	if (vq->event_idx)
		st16(vq->used + 4 + 8 * (size_t)vq->num, vq->last_avail, __ATOMIC_RELAXED);
	else
		st16(vq->used, 0, __ATOMIC_RELAXED);
	/* Full barrier: publish the re-enabled notification before looking
	 * at avail->idx again, else a buffer added in between is missed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ld16(vq->avail + 2, __ATOMIC_ACQUIRE) != vq->last_avail;
}

/* Copy len bytes between buf and iov[0..n) starting skip bytes in;
 * to_iov picks the direction. Returns bytes copied. */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t skip, void *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t k = iov[i].iov_len;
		uint8_t *p;

		if (skip >= k) {
			skip -= k;
			continue;
		}
		p = (uint8_t *)iov[i].iov_base + skip;
		k -= skip;
		if (k > len - done)
			k = len - done;
		if (to_iov)
			memcpy(p, (uint8_t *)buf + done, k);
		else
			memcpy((uint8_t *)buf + done, p, k);
		done += k;
		skip = 0;
	}
	return done;
}

size_t vmb_vq_read_out(const struct vmb_vq_elem *e, size_t skip, void *dst, size_t len)
{
	return iov_copy(e->iov, e->nout, skip, dst, len, false);
}

size_t vmb_vq_write_in(const struct vmb_vq_elem *e, size_t skip, const void *src,
		       size_t len)
{
	return iov_copy(e->iov + e->nout, e->nin, skip, (void *)src, len, true);
}
