/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueue library (virtio/virtqueue.h) against well-formed and
 * hostile rings: every case must end in a popped chain, an empty ring or a
 * broken queue with a reason - never a crash, a hang or an access outside
 * guest RAM (run under ASan by make check-asan).
 */
#include "unit.h"

#include <stdlib.h>

#include "util/bytes.h"
#include "virtio/virtqueue.h"

#define RAM	0x40000000ull
#define RAMSZ	0x10000ull
#define DESC	(RAM + 0x1000)
#define AVAIL	(RAM + 0x2000)
#define USED	(RAM + 0x3000)
#define BUF	(RAM + 0x8000)
#define NUM	8

struct vqt {
	uint8_t *ram;
	struct vmb_gmem mem;
	struct vmb_vq vq;
	struct iovec iov[64];
	struct vmb_vq_elem e;
	uint16_t avail_idx;
};

static uint8_t *g(struct vqt *t, uint64_t gpa)
{
	return t->ram + (gpa - RAM);
}

static int setup(void **state)
{
	struct vqt *t = calloc(1, sizeof(*t));

	assert_int_equal(posix_memalign((void **)&t->ram, 4096, RAMSZ), 0);
	memset(t->ram, 0, RAMSZ);
	assert_int_equal(vmb_gmem_add(&t->mem, RAM, RAMSZ, t->ram), 0);
	t->e.iov = t->iov;
	t->e.cap = 64;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct vqt *t = *state;

	free(t->ram);
	free(t);
	return 0;
}

static void enable(struct vqt *t, uint64_t features)
{
	assert_int_equal(vmb_vq_enable(&t->vq, &t->mem, NUM, DESC, AVAIL, USED,
				       features), 0);
}

static void desc_at(uint8_t *d, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	vmb_put_le64(d, addr);
	vmb_put_le32(d + 8, len);
	vmb_put_le16(d + 12, flags);
	vmb_put_le16(d + 14, next);
}

static void desc(struct vqt *t, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	desc_at(g(t, DESC + 16 * i), addr, len, flags, next);
}

/* Make head available (driver side). */
static void offer(struct vqt *t, uint16_t head)
{
	vmb_put_le16(g(t, AVAIL + 4 + 2 * (t->avail_idx % NUM)), head);
	vmb_put_le16(g(t, AVAIL + 2), ++t->avail_idx);
}

static void expect_broken(struct vqt *t, const char *why)
{
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), -1);
	assert_true(t->vq.broken);
	assert_non_null(strstr(t->vq.error, why));
	/* stays broken; pushes and interrupts are no-ops */
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), -1);
	vmb_vq_push(&t->vq, 0, 0);
	assert_int_equal(vmb_get_le16(g(t, USED + 2)), 0);
	assert_false(vmb_vq_need_interrupt(&t->vq));
}

static void test_simple_chain(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 0);
	memcpy(g(t, BUF), "request", 7);
	desc(t, 3, BUF, 7, VMB_VRING_DESC_F_NEXT, 5);
	desc(t, 5, BUF + 0x100, 16, VMB_VRING_DESC_F_WRITE | VMB_VRING_DESC_F_NEXT, 1);
	desc(t, 1, BUF + 0x200, 1, VMB_VRING_DESC_F_WRITE, 0);
	offer(t, 3);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(t->e.head, 3);
	assert_int_equal(t->e.nout, 1);
	assert_int_equal(t->e.nin, 2);
	assert_int_equal(t->e.out_len, 7);
	assert_int_equal(t->e.in_len, 17);
	assert_ptr_equal(t->iov[0].iov_base, g(t, BUF));
	assert_ptr_equal(t->iov[2].iov_base, g(t, BUF + 0x200));
	assert_int_equal(vmb_vq_write_in(&t->e, 10, "0123456789", 10), 7);
	assert_memory_equal(g(t, BUF + 0x10a), "012345", 6);
	assert_int_equal(*g(t, BUF + 0x200), '6');
	char out[8] = { 0 };
	assert_int_equal(vmb_vq_read_out(&t->e, 2, out, 8), 5);
	assert_string_equal(out, "quest");
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 0);
	vmb_vq_push(&t->vq, 3, 17);
	assert_int_equal(vmb_get_le16(g(t, USED + 2)), 1);
	assert_int_equal(vmb_get_le32(g(t, USED + 4)), 3);
	assert_int_equal(vmb_get_le32(g(t, USED + 8)), 17);
	assert_true(vmb_vq_need_interrupt(&t->vq));
	/* VIRTQ_AVAIL_F_NO_INTERRUPT without event idx */
	vmb_put_le16(g(t, AVAIL), VMB_VRING_AVAIL_F_NO_INTERRUPT);
	offer(t, 3);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	vmb_vq_push(&t->vq, 3, 0);
	assert_false(vmb_vq_need_interrupt(&t->vq));
}

static void test_indirect(void **state)
{
	struct vqt *t = *state;
	uint64_t table = RAM + 0x4000;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc_at(g(t, table), BUF, 16, VMB_VRING_DESC_F_NEXT, 2);
	desc_at(g(t, table + 32), BUF + 0x100, 512,
		VMB_VRING_DESC_F_WRITE | VMB_VRING_DESC_F_NEXT, 1);
	desc_at(g(t, table + 16), BUF + 0x400, 1, VMB_VRING_DESC_F_WRITE, 0);
	/* the WRITE flag on the indirect descriptor itself is ignored */
	desc(t, 0, table, 48, VMB_VRING_DESC_F_INDIRECT | VMB_VRING_DESC_F_WRITE, 0);
	offer(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(t->e.nout, 1);
	assert_int_equal(t->e.nin, 2);
	assert_int_equal(t->e.in_len, 513);
	assert_ptr_equal(t->iov[2].iov_base, g(t, BUF + 0x400));
}

static void test_indirect_not_negotiated(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	desc(t, 0, RAM + 0x4000, 32, VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	expect_broken(t, "not negotiated");
}

static void test_indirect_in_indirect(void **state)
{
	struct vqt *t = *state;
	uint64_t table = RAM + 0x4000;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc_at(g(t, table), table, 32, VMB_VRING_DESC_F_INDIRECT, 0);
	desc(t, 0, table, 32, VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	expect_broken(t, "inside an indirect table");
}

static void test_indirect_bad_length(void **state)
{
	static const uint32_t lens[] = { 0, 8, 17, 40 };

	for (unsigned i = 0; i < 4; i++) {
		struct vqt *t = *state;

		memset(t->ram, 0, RAMSZ);
		t->avail_idx = 0;
		enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
		desc(t, 0, RAM + 0x4000, lens[i], VMB_VRING_DESC_F_INDIRECT, 0);
		offer(t, 0);
		expect_broken(t, "multiple of 16");
	}
}

static void test_indirect_with_next(void **state)
{
	struct vqt *t = *state;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc(t, 0, RAM + 0x4000, 32, VMB_VRING_DESC_F_INDIRECT | VMB_VRING_DESC_F_NEXT, 1);
	offer(t, 0);
	expect_broken(t, "NEXT");
}

static void test_indirect_outside_ram(void **state)
{
	struct vqt *t = *state;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc(t, 0, RAM + RAMSZ - 16, 32, VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	expect_broken(t, "indirect table");
}

static void test_indirect_table_too_long(void **state)
{
	struct vqt *t = *state;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc(t, 0, RAM + 0x4000, 16 * (NUM + 1), VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	expect_broken(t, "longer than the queue");
}

/* Direct descriptors plus an indirect table: each within bounds, the whole
 * chain longer than the queue (§2.7.5.3.1). */
static void test_chain_longer_than_queue(void **state)
{
	struct vqt *t = *state;
	uint64_t table = RAM + 0x4000;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	for (unsigned i = 0; i < 4; i++)
		desc(t, i, BUF + i, 1, VMB_VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	desc(t, 4, table, 16 * NUM, VMB_VRING_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < NUM; i++)
		desc_at(g(t, table + 16 * i), BUF, 1,
			i + 1 < NUM ? VMB_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	offer(t, 0);
	expect_broken(t, "longer than the queue size");
}

/* An indirect head with a table of exactly the queue size: a chain of
 * NUM buffers, accepted (Linux virtio_blk: header, seg_max = NUM - 2 data
 * buffers, status). */
static void test_indirect_full_table(void **state)
{
	struct vqt *t = *state;
	uint64_t table = RAM + 0x4000;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	for (unsigned i = 0; i < NUM; i++)
		desc_at(g(t, table + 16 * i), BUF + i, 1,
			i + 1 < NUM ? VMB_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	desc(t, 0, table, 16 * NUM, VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(t->e.nout, NUM);
}

static void test_loop(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	desc(t, 0, BUF, 1, VMB_VRING_DESC_F_NEXT, 1);
	desc(t, 1, BUF, 1, VMB_VRING_DESC_F_NEXT, 2);
	desc(t, 2, BUF, 1, VMB_VRING_DESC_F_NEXT, 0);
	offer(t, 0);
	expect_broken(t, "loop");
}

static void test_self_loop_indirect(void **state)
{
	struct vqt *t = *state;
	uint64_t table = RAM + 0x4000;

	enable(t, VMB_VIRTIO_F_INDIRECT_DESC);
	desc_at(g(t, table), BUF, 1, VMB_VRING_DESC_F_NEXT, 1);
	desc_at(g(t, table + 16), BUF, 1, VMB_VRING_DESC_F_NEXT, 1);
	desc(t, 0, table, 32, VMB_VRING_DESC_F_INDIRECT, 0);
	offer(t, 0);
	expect_broken(t, "loop");
}

static void test_next_out_of_range(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	desc(t, 0, BUF, 1, VMB_VRING_DESC_F_NEXT, NUM);
	offer(t, 0);
	expect_broken(t, "next index 8");
}

static void test_head_out_of_range(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	offer(t, 0xffff);
	expect_broken(t, "head 65535");
}

static void test_avail_idx_jump(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	vmb_put_le16(g(t, AVAIL + 2), NUM + 1);
	expect_broken(t, "more than the queue size");
}

static void test_buffer_outside_ram(void **state)
{
	static const struct { uint64_t addr; uint32_t len; } bad[] = {
		{ RAM + RAMSZ, 1 },             /* just past the end */
		{ RAM + RAMSZ - 4, 8 },         /* straddles the end */
		{ RAM - 1, 2 },                 /* straddles the start */
		{ 0, 16 },
		{ UINT64_MAX - 3, 16 },         /* addr + len wraps */
		{ RAM + 16, 0xffffffff },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vqt *t = *state;

		memset(t->ram, 0, RAMSZ);
		t->avail_idx = 0;
		enable(t, 0);
		desc(t, 0, bad[i].addr, bad[i].len, VMB_VRING_DESC_F_WRITE, 0);
		offer(t, 0);
		expect_broken(t, "not inside guest RAM");
	}
}

static void test_read_after_write(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	desc(t, 0, BUF, 4, VMB_VRING_DESC_F_WRITE | VMB_VRING_DESC_F_NEXT, 1);
	desc(t, 1, BUF, 4, 0, 0);
	offer(t, 0);
	expect_broken(t, "device-readable buffer after");
}

static void test_too_many_buffers_for_caller(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	t->e.cap = 2;
	for (unsigned i = 0; i < 3; i++)
		desc(t, i, BUF, 1, i < 2 ? VMB_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	offer(t, 0);
	expect_broken(t, "more buffers");
}

/* Zero-length buffers anywhere are skipped; a buffer ending exactly at the
 * end of RAM, and a descriptor table in the last bytes of RAM, are fine. */
static void test_zero_length_and_end_of_ram(void **state)
{
	struct vqt *t = *state;
	uint64_t desc_end = RAM + RAMSZ - 16 * NUM;

	assert_int_equal(vmb_vq_enable(&t->vq, &t->mem, NUM, desc_end, AVAIL, USED, 0), 0);
	desc_at(g(t, desc_end), 0, 0, VMB_VRING_DESC_F_NEXT, 7);
	desc_at(g(t, desc_end + 16 * 7), RAM + RAMSZ - 4, 4, VMB_VRING_DESC_F_NEXT, 2);
	desc_at(g(t, desc_end + 32), UINT64_MAX, 0, VMB_VRING_DESC_F_WRITE, 0);
	offer(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(t->e.nout, 1);
	assert_int_equal(t->e.nin, 0);
	assert_int_equal(t->e.out_len, 4);
	assert_ptr_equal(t->iov[0].iov_base, g(t, RAM + RAMSZ - 4));
	/* used ring in the last bytes of RAM (70 bytes, 4-byte aligned) */
	assert_int_equal(vmb_vq_enable(&t->vq, &t->mem, NUM, DESC, AVAIL,
				       RAM + RAMSZ - 72, 0), 0);
	assert_int_equal(vmb_vq_enable(&t->vq, &t->mem, NUM, DESC, AVAIL,
				       RAM + RAMSZ - 68, 0), -1);
}

static void test_rings_bad(void **state)
{
	static const struct { unsigned num; uint64_t d, a, u; const char *why; } bad[] = {
		{ 0, DESC, AVAIL, USED, "power of 2" },
		{ 6, DESC, AVAIL, USED, "power of 2" },
		{ 65536, DESC, AVAIL, USED, "power of 2" },
		{ NUM, DESC + 8, AVAIL, USED, "16-byte aligned" },
		{ NUM, DESC, AVAIL + 1, USED, "2-byte aligned" },
		{ NUM, DESC, AVAIL, USED + 2, "4-byte aligned" },
		{ NUM, 0x1000, AVAIL, USED, "descriptor area" },
		{ NUM, RAM + RAMSZ - 64, AVAIL, USED, "descriptor area" },
		{ NUM, DESC, RAM + RAMSZ - 2, USED, "available ring" },
		{ NUM, DESC, AVAIL, RAM + RAMSZ, "used ring" },
		{ NUM, DESC, AVAIL, UINT64_MAX - 3, "used ring" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vqt *t = *state;

		assert_int_equal(vmb_vq_enable(&t->vq, &t->mem, bad[i].num, bad[i].d,
					       bad[i].a, bad[i].u, 0), -1);
		assert_non_null(strstr(t->vq.error, bad[i].why));
		assert_int_equal(vmb_vq_pop(&t->vq, &t->e), -1);
	}
}

/* 65536+ chains: avail and used indices wrap from 65535 to 0. */
static void test_index_wrap(void **state)
{
	struct vqt *t = *state;

	enable(t, VMB_VIRTIO_F_EVENT_IDX);
	desc(t, 0, BUF, 4, 0, 0);
	for (unsigned n = 0; n < 65536 + 5; n++) {
		offer(t, 0);
		assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
		vmb_vq_push(&t->vq, 0, (uint32_t)n);
		assert_int_equal(vmb_get_le16(g(t, USED + 2)), (uint16_t)(n + 1));
		/* avail_event follows last_avail */
		assert_int_equal(vmb_get_le16(g(t, USED + 4 + 8 * NUM)), (uint16_t)(n + 1));
	}
	assert_int_equal(t->vq.last_avail, 5);
	assert_int_equal(vmb_get_le32(g(t, USED + 4 + 8 * (65540 % NUM) + 4)), 65540);
	/* after a wrap, an avail index exactly num ahead is fine... */
	for (unsigned i = 0; i < NUM; i++)
		offer(t, 0);
	for (unsigned i = 0; i < NUM; i++)
		assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 0);
}

/* §2.7.10: interrupt only when used_event is crossed. */
static void test_event_idx_interrupts(void **state)
{
	struct vqt *t = *state;

	enable(t, VMB_VIRTIO_F_EVENT_IDX);
	desc(t, 0, BUF, 4, 0, 0);
	vmb_put_le16(g(t, AVAIL + 4 + 2 * NUM), 2); /* used_event: after the 3rd */
	for (unsigned i = 0; i < 4; i++)
		offer(t, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
		vmb_vq_push(&t->vq, 0, 0);
		/* the first ever push always signals (nothing signalled yet);
		 * then only the push making used idx pass 2 */
		assert_int_equal(vmb_vq_need_interrupt(&t->vq), i == 0 || i == 2);
	}
	/* the AVAIL_F_NO_INTERRUPT flag is ignored with event idx */
	vmb_put_le16(g(t, AVAIL), VMB_VRING_AVAIL_F_NO_INTERRUPT);
	vmb_put_le16(g(t, AVAIL + 4 + 2 * NUM), 4);
	offer(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	vmb_vq_push(&t->vq, 0, 0);
	assert_true(vmb_vq_need_interrupt(&t->vq));
}

static void test_notify_suppression(void **state)
{
	struct vqt *t = *state;

	enable(t, 0);
	desc(t, 0, BUF, 4, 0, 0);
	vmb_vq_disable_notify(&t->vq);
	assert_int_equal(vmb_get_le16(g(t, USED)), VMB_VRING_USED_F_NO_NOTIFY);
	assert_false(vmb_vq_enable_notify(&t->vq));
	assert_int_equal(vmb_get_le16(g(t, USED)), 0);
	vmb_vq_disable_notify(&t->vq);
	offer(t, 0);     /* arrives while notifications are off */
	assert_true(vmb_vq_enable_notify(&t->vq));
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_false(vmb_vq_enable_notify(&t->vq));

	/* event idx: avail_event stays put while off, catches up when on */
	enable(t, VMB_VIRTIO_F_EVENT_IDX);
	t->avail_idx = 0;
	vmb_vq_disable_notify(&t->vq);
	offer(t, 0);
	assert_int_equal(vmb_vq_pop(&t->vq, &t->e), 1);
	assert_int_equal(vmb_get_le16(g(t, USED + 4 + 8 * NUM)), 0);
	assert_int_equal(vmb_get_le16(g(t, USED)), 0);
	assert_false(vmb_vq_enable_notify(&t->vq));
	assert_int_equal(vmb_get_le16(g(t, USED + 4 + 8 * NUM)), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_simple_chain),
		T(test_indirect),
		T(test_indirect_not_negotiated),
		T(test_indirect_in_indirect),
		T(test_indirect_bad_length),
		T(test_indirect_with_next),
		T(test_indirect_outside_ram),
		T(test_indirect_table_too_long),
		T(test_indirect_full_table),
		T(test_chain_longer_than_queue),
		T(test_loop),
		T(test_self_loop_indirect),
		T(test_next_out_of_range),
		T(test_head_out_of_range),
		T(test_avail_idx_jump),
		T(test_buffer_outside_ram),
		T(test_read_after_write),
		T(test_too_many_buffers_for_caller),
		T(test_zero_length_and_end_of_ram),
		T(test_rings_bad),
		T(test_index_wrap),
		T(test_event_idx_interrupts),
		T(test_notify_suppression),
	};

	return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
