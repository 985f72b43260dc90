/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk request parsing and execution (virtio/virtio-blk.h, VIRTIO
 * 1.2 §5.2.6) on hand-made chains: short headers, no status byte, unknown
 * types, sectors beyond the capacity, lengths not a multiple of 512,
 * discard/write-zeroes segments, GET_ID, read-only drives, status byte
 * sharing an iovec with data.
 */
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

#include "block/block.h"
#include "fixture.h"
#include "util/bytes.h"
#include "virtio/virtio-blk.h"

#define SECTORS 16

struct bt {
	struct tb t;
	struct vmb_bdev *bd, *ro;
	uint8_t hdr[16 + 16];       /* header, then a discard segment */
	uint8_t data[4096];
	uint8_t status[2];
	struct iovec iov[8], scratch[8];
	struct vmb_vq_elem e;
	struct vmb_virtio_blk_req r;
};

static int setup(void **state)
{
	struct bt *b = calloc(1, sizeof(*b));
	uint8_t img[SECTORS * 512];
	struct vmb_err err;
	const char *path;

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i / 512 + 1);
	tb_dir(&b->t);
	path = tb_file(&b->t, "d.img", img, sizeof(img));
	b->bd = vmb_bdev_open(&(struct vmb_bdev_opts){ .path = path }, &err);
	assert_non_null(b->bd);
	path = tb_file(&b->t, "r.img", img, sizeof(img));
	b->ro = vmb_bdev_open(&(struct vmb_bdev_opts){ .path = path, .read_only = true },
			      &err);
	assert_non_null(b->ro);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bt *b = *state;

	vmb_bdev_close(b->bd);
	vmb_bdev_close(b->ro);
	tb_free(&b->t);
	free(b);
	return 0;
}

static void header(struct bt *b, uint32_t type, uint64_t sector)
{
	vmb_put_le32(b->hdr, type);
	vmb_put_le32(b->hdr + 4, 0);
	vmb_put_le64(b->hdr + 8, sector);
}

/* Chain: out iovecs (header [+ more]), in iovecs (data, status). */
static void chain(struct bt *b, size_t hdr_len, size_t out_data, size_t in_data,
		  bool status)
{
	unsigned n = 0;

	b->e = (struct vmb_vq_elem){ .iov = b->iov, .cap = 8 };
	b->iov[n++] = (struct iovec){ b->hdr, hdr_len };
	if (out_data)
		b->iov[n++] = (struct iovec){ b->data, out_data };
	b->e.nout = n;
	b->e.out_len = hdr_len + out_data;
	if (in_data)
		b->iov[n++] = (struct iovec){ b->data, in_data };
	if (status)
		b->iov[n++] = (struct iovec){ b->status, 1 };
	b->e.nin = n - b->e.nout;
	b->e.in_len = in_data + (status ? 1 : 0);
	b->status[0] = 0xee;
}

static uint8_t run(struct bt *b, struct vmb_bdev *bd, uint32_t *used)
{
	uint32_t u;

	assert_int_equal(vmb_virtio_blk_parse(&b->e, bd->size / 512, &b->r), 0);
	assert_non_null(b->r.status_byte);
	u = vmb_virtio_blk_execute(bd, "serial-123", &b->e, &b->r, b->scratch, 8);
	if (used)
		*used = u;
	return *b->r.status_byte;
}

static void test_read_write(void **state)
{
	struct bt *b = *state;
	uint32_t used;

	header(b, VMB_VIRTIO_BLK_T_IN, 3);
	chain(b, 16, 0, 1024, true);
	assert_int_equal(run(b, b->bd, &used), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1025);
	assert_int_equal(b->data[0], 4);
	assert_int_equal(b->data[1023], 5);
	memset(b->data, 0x77, 512);
	header(b, VMB_VIRTIO_BLK_T_OUT, SECTORS - 1);   /* the last sector */
	chain(b, 16, 512, 0, true);
	assert_int_equal(run(b, b->bd, &used), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
	memset(b->data, 0, 512);
	header(b, VMB_VIRTIO_BLK_T_IN, SECTORS - 1);
	chain(b, 16, 0, 512, true);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(b->data[17], 0x77);
}

/* Header and data in one readable buffer; data and status in one
 * writable buffer (drivers may merge them). */
static void test_merged_buffers(void **state)
{
	struct bt *b = *state;
	static uint8_t out[16 + 512], in[512 + 1];
	uint32_t used;

	vmb_put_le32(out, VMB_VIRTIO_BLK_T_OUT);
	vmb_put_le64(out + 8, 2);
	memset(out + 16, 0x42, 512);
	b->e = (struct vmb_vq_elem){ .iov = b->iov, .cap = 8, .nout = 1,
				     .out_len = sizeof(out) };
	b->iov[0] = (struct iovec){ out, sizeof(out) };
	assert_int_equal(vmb_virtio_blk_parse(&b->e, SECTORS, &b->r), 0);
	assert_null(b->r.status_byte); /* no writable byte at all */

	b->e.nin = 1;
	b->e.in_len = 1;
	b->iov[1] = (struct iovec){ b->status, 1 };
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);

	vmb_put_le32(out, VMB_VIRTIO_BLK_T_IN);
	b->e = (struct vmb_vq_elem){ .iov = b->iov, .cap = 8, .nout = 1, .nin = 1,
				     .out_len = 16, .in_len = sizeof(in) };
	b->iov[0] = (struct iovec){ out, 16 };
	b->iov[1] = (struct iovec){ in, sizeof(in) };
	in[512] = 0xee;
	assert_int_equal(vmb_virtio_blk_parse(&b->e, SECTORS, &b->r), 0);
	used = vmb_virtio_blk_execute(b->bd, "", &b->e, &b->r, b->scratch, 8);
	assert_int_equal(in[512], VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(in[0], 0x42);
	assert_int_equal(in[511], 0x42);
	assert_int_equal(used, 513);
}

static void test_short_header(void **state)
{
	struct bt *b = *state;
	uint32_t used;

	header(b, VMB_VIRTIO_BLK_T_IN, 0);
	chain(b, 15, 0, 512, true);
	assert_int_equal(run(b, b->bd, &used), VMB_VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);
	chain(b, 0, 0, 512, true);
	b->e.nout = 0;
	b->iov[0] = b->iov[1];
	b->iov[1] = b->iov[2];
	b->e.nin = 2;
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
}

static void test_no_status_byte(void **state)
{
	struct bt *b = *state;

	header(b, VMB_VIRTIO_BLK_T_FLUSH, 0);
	chain(b, 16, 0, 0, false);
	assert_int_equal(vmb_virtio_blk_parse(&b->e, SECTORS, &b->r), 0);
	assert_null(b->r.status_byte);
}

static void test_unknown_type(void **state)
{
	struct bt *b = *state;
	static const uint32_t types[] = { 2, 3, 5, 10, 12, 14, 99, 0xffffffff };

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		header(b, types[i], 0);
		chain(b, 16, 0, 512, true);
		assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_UNSUPP);
	}
}

static void test_beyond_capacity(void **state)
{
	struct bt *b = *state;
	static const struct { uint64_t sector; size_t len; } bad[] = {
		{ SECTORS, 512 }, { SECTORS - 1, 1024 }, { UINT64_MAX, 512 },
		{ UINT64_MAX / 512 + 1, 512 }, { SECTORS + 1, 0 },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header(b, VMB_VIRTIO_BLK_T_IN, bad[i].sector);
		chain(b, 16, 0, bad[i].len, true);
		assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
		header(b, VMB_VIRTIO_BLK_T_OUT, bad[i].sector);
		chain(b, 16, bad[i].len, 0, true);
		assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
	}
	/* zero-length transfer at the very end is fine */
	header(b, VMB_VIRTIO_BLK_T_IN, SECTORS);
	chain(b, 16, 0, 0, true);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
}

static void test_not_sector_multiple(void **state)
{
	struct bt *b = *state;

	header(b, VMB_VIRTIO_BLK_T_IN, 0);
	chain(b, 16, 0, 100, true);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
	header(b, VMB_VIRTIO_BLK_T_OUT, 0);
	chain(b, 16, 513, 0, true);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
}

static void test_read_only(void **state)
{
	struct bt *b = *state;

	header(b, VMB_VIRTIO_BLK_T_OUT, 0);
	chain(b, 16, 512, 0, true);
	assert_int_equal(run(b, b->ro, NULL), VMB_VIRTIO_BLK_S_IOERR);
	header(b, VMB_VIRTIO_BLK_T_IN, 0);
	chain(b, 16, 0, 512, true);
	assert_int_equal(run(b, b->ro, NULL), VMB_VIRTIO_BLK_S_OK);
	header(b, VMB_VIRTIO_BLK_T_FLUSH, 0);
	chain(b, 16, 0, 0, true);
	assert_int_equal(run(b, b->ro, NULL), VMB_VIRTIO_BLK_S_OK);
}

static void segment(struct bt *b, uint32_t type, uint64_t sector, uint32_t n,
		    uint32_t flags)
{
	header(b, type, 0);
	vmb_put_le64(b->hdr + 16, sector);
	vmb_put_le32(b->hdr + 24, n);
	vmb_put_le32(b->hdr + 28, flags);
	chain(b, 32, 0, 0, true);
}

static void test_discard_write_zeroes(void **state)
{
	struct bt *b = *state;

	segment(b, VMB_VIRTIO_BLK_T_WRITE_ZEROES, 2, 2, 0);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
	segment(b, VMB_VIRTIO_BLK_T_WRITE_ZEROES, 4, 1, VMB_VIRTIO_BLK_WZ_UNMAP);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
	header(b, VMB_VIRTIO_BLK_T_IN, 1);
	chain(b, 16, 0, 2048, true);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(b->data[0], 2);          /* sector 1 untouched */
	for (unsigned i = 512; i < 2048; i++)
		assert_int_equal(b->data[i], 0);  /* sectors 2-4 zero */
	segment(b, VMB_VIRTIO_BLK_T_DISCARD, 8, 8, 0);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_OK);
	/* §5.2.6.2: unmap flag on discard -> UNSUPP; unknown flags too */
	segment(b, VMB_VIRTIO_BLK_T_DISCARD, 0, 1, VMB_VIRTIO_BLK_WZ_UNMAP);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_UNSUPP);
	segment(b, VMB_VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, 2);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_UNSUPP);
	/* beyond the capacity, wrapping, on a read-only drive */
	segment(b, VMB_VIRTIO_BLK_T_DISCARD, SECTORS - 1, 2, 0);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
	segment(b, VMB_VIRTIO_BLK_T_WRITE_ZEROES, UINT64_MAX, 2, 0);
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
	segment(b, VMB_VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, 0);
	assert_int_equal(run(b, b->ro, NULL), VMB_VIRTIO_BLK_S_IOERR);
	/* two segments: more than max_*_seg (1) */
	segment(b, VMB_VIRTIO_BLK_T_DISCARD, 0, 1, 0);
	b->iov[1] = (struct iovec){ b->hdr + 16, 16 };
	b->iov[2] = (struct iovec){ b->hdr + 16, 16 };
	b->iov[3] = (struct iovec){ b->status, 1 };
	b->iov[0].iov_len = 16;
	b->e.nout = 3;
	b->e.out_len = 48;
	assert_int_equal(run(b, b->bd, NULL), VMB_VIRTIO_BLK_S_IOERR);
}

static void test_get_id(void **state)
{
	struct bt *b = *state;
	uint32_t used;

	header(b, VMB_VIRTIO_BLK_T_GET_ID, 0);
	memset(b->data, 0xff, 32);
	chain(b, 16, 0, 20, true);
	assert_int_equal(run(b, b->bd, &used), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(used, 21);
	assert_memory_equal(b->data, "serial-123\0\0\0\0\0\0\0\0\0\0", 20);
	chain(b, 16, 0, 4, true);   /* a short buffer gets what fits */
	assert_int_equal(run(b, b->bd, &used), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(used, 5);
}

/* cache: none (O_DIRECT): unaligned guest buffers go through an aligned
 * bounce buffer, aligned ones straight to the file. */
static void test_direct_io(void **state)
{
	struct bt *b = *state;
	struct vmb_err err;
	struct vmb_bdev *d;
	uint8_t *al;

	d = vmb_bdev_open(&(struct vmb_bdev_opts){ .path = b->t.path[1], .read_only = true,
						   .direct = true }, &err);
	if (!d) {
		/* tmpfs has no O_DIRECT: the error says what to do instead */
		assert_contains(err.msg, "cache: writeback");
		skip();
	}
	header(b, VMB_VIRTIO_BLK_T_IN, 2);
	chain(b, 16, 0, 1024, true);
	b->iov[1].iov_base = b->data + 1;           /* unaligned */
	assert_int_equal(run(b, d, NULL), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(b->data[1], 3);
	assert_int_equal(b->data[1024], 4);
	assert_int_equal(posix_memalign((void **)&al, 4096, 4096), 0);
	chain(b, 16, 0, 4096, true);
	b->iov[1].iov_base = al;                    /* aligned: no bounce */
	assert_int_equal(run(b, d, NULL), VMB_VIRTIO_BLK_S_OK);
	assert_int_equal(al[0], 3);
	assert_int_equal(al[4095], 10);
	free(al);
	vmb_bdev_close(d);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_write),
		T(test_merged_buffers),
		T(test_short_header),
		T(test_no_status_byte),
		T(test_unknown_type),
		T(test_beyond_capacity),
		T(test_not_sector_multiple),
		T(test_read_only),
		T(test_discard_write_zeroes),
		T(test_get_id),
		T(test_direct_io),
	};

	return cmocka_run_group_tests_name("virtio-blk", tests, NULL, NULL);
}
