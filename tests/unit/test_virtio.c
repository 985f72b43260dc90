/* SPDX-License-Identifier: MIT */
/*
 * The virtio device core (virtio/virtio.h: status machine of VIRTIO 1.2
 * §3.1, features, queue registers, NEEDS_RESET, config generation) and the
 * virtio-mmio transport with virtio-blk on a board: slot placement as on
 * QEMU, explicit base, a whole request through MMIO, image locking.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "board/board.h"
#include "fixture.h"
#include "util/bytes.h"
#include "util/loop.h"
#include "virtio/virtio.h"

#define RAM	0x40000000ull
#define RAMSZ	0x10000ull

struct core {
	struct vmb_virtio_dev vd;
	struct vmb_gmem mem;
	uint8_t *ram;
	unsigned ints[3];
	unsigned resets, notifies;
	uint32_t cfg;
};

static void c_interrupt(struct vmb_virtio_dev *vd, unsigned reason)
{
	((struct core *)vd->priv)->ints[reason]++;
}

static const struct vmb_virtio_transport c_transport = { "test", c_interrupt, NULL, NULL };

static void c_reset(struct vmb_virtio_dev *vd)
{
	((struct core *)vd->priv)->resets++;
}

static void c_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	((struct core *)vd->priv)->notifies++;
}

static uint64_t c_cfg_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size)
{
	return vmb_get_le((uint8_t *)&((struct core *)vd->priv)->cfg + off, size);
}

static const struct vmb_virtio_ops c_ops = {
	.reset = c_reset, .config_read = c_cfg_read, .queue_notify = c_notify,
};

static int core_setup(void **state)
{
	struct core *c = calloc(1, sizeof(*c));

	assert_int_equal(posix_memalign((void **)&c->ram, 4096, RAMSZ), 0);
	memset(c->ram, 0, RAMSZ);
	vmb_gmem_add(&c->mem, RAM, RAMSZ, c->ram);
	c->vd.ops = &c_ops;
	c->vd.priv = c;
	c->vd.name = "test";
	c->vd.device_id = 2;
	c->vd.nqueues = 2;
	c->vd.queue_max = 16;
	c->vd.features = 1u << 5;
	c->vd.config_size = 4;
	c->cfg = 0x12345678;
	vmb_virtio_init(&c->vd, &c->mem);
	c->vd.transport = &c_transport;
	vmb_virtio_reset(&c->vd);
	*state = c;
	return 0;
}

static int core_teardown(void **state)
{
	struct core *c = *state;

	vmb_virtio_fini(&c->vd);
	free(c->ram);
	free(c);
	return 0;
}

/* ACKNOWLEDGE, DRIVER, features with VERSION_1, FEATURES_OK. */
static void to_features_ok(struct vmb_virtio_dev *vd)
{
	assert_int_equal(vmb_virtio_set_status(vd, 1), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 3), 0);
	assert_int_equal(vmb_virtio_set_driver_features(vd, 0, 0xffffffff), 0);
	assert_int_equal(vmb_virtio_set_driver_features(vd, 1, 1), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 0xb), 0);
	assert_int_equal(vd->status, 0xb);
}

static void test_status_happy_path(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;

	assert_int_equal(vmb_virtio_offered(vd), (1ull << 32) | (1u << 5));
	to_features_ok(vd);
	/* bits not offered were dropped */
	assert_int_equal(vd->driver_features, (1ull << 32) | (1u << 5));
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 8), 0);
	assert_int_equal(vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DESC, RAM + 0x1000), 0);
	assert_int_equal(vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DRIVER, RAM + 0x2000), 0);
	assert_int_equal(vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DEVICE, RAM + 0x3000), 0);
	assert_int_equal(vmb_virtio_queue_set_ready(vd, 0, true), 0);
	/* a ready queue's configuration is fixed */
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 4), -1);
	vmb_virtio_queue_notify(vd, 0);
	assert_int_equal(c->notifies, 0); /* not before DRIVER_OK */
	assert_int_equal(vmb_virtio_set_status(vd, 0xf), 0);
	assert_true(vmb_virtio_live(vd));
	vmb_virtio_queue_notify(vd, 0);
	vmb_virtio_queue_notify(vd, 1); /* not ready */
	vmb_virtio_queue_notify(vd, 7); /* no such queue */
	assert_int_equal(c->notifies, 1);
	/* queues cannot be set up after DRIVER_OK */
	assert_int_equal(vmb_virtio_queue_set_num(vd, 1, 8), -1);
	/* FAILED may be added at any time */
	assert_int_equal(vmb_virtio_set_status(vd, 0x8f), 0);
}

static void test_status_refused(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;

	/* FEATURES_OK without DRIVER, DRIVER_OK without FEATURES_OK */
	assert_int_equal(vmb_virtio_set_status(vd, 1), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 0x9), -1);
	assert_int_equal(vd->status, 1);
	assert_int_equal(vmb_virtio_set_status(vd, 0x7), -1);
	assert_int_equal(vd->status, 1);
	/* features need DRIVER first */
	assert_int_equal(vmb_virtio_set_driver_features(vd, 1, 1), -1);
	assert_int_equal(vmb_virtio_set_status(vd, 3), 0);
	/* no VERSION_1: FEATURES_OK stays clear (§3.1.1 step 6) */
	assert_int_equal(vmb_virtio_set_driver_features(vd, 0, 1u << 5), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 0xb), -1);
	assert_int_equal(vd->status, 3);
	assert_int_equal(vmb_virtio_set_status(vd, 0xf), -1);
	assert_int_equal(vd->status, 3);
	/* bits never go away except through reset */
	assert_int_equal(vmb_virtio_set_status(vd, 1), -1);
	assert_int_equal(vd->status, 3);
	/* NEEDS_RESET cannot be set by the driver */
	assert_int_equal(vmb_virtio_set_status(vd, 3 | 64), 0);
	assert_int_equal(vd->status, 3);
	/* queues cannot be configured before FEATURES_OK */
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 8), -1);
	assert_int_equal(vmb_virtio_queue_set_ready(vd, 0, true), -1);
	/* features are fixed after FEATURES_OK */
	assert_int_equal(vmb_virtio_set_driver_features(vd, 1, 1), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 0xb), 0);
	assert_int_equal(vmb_virtio_set_driver_features(vd, 0, 0), -1);
	assert_int_equal(vd->driver_features, (1ull << 32) | (1u << 5));
}

static void test_queue_num_checks(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;

	to_features_ok(vd);
	assert_int_equal(vd->qcfg[0].num, 16); /* defaults to the maximum */
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 0), -1);
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 12), -1);
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 32), -1);
	assert_int_equal(vmb_virtio_queue_set_num(vd, 2, 8), -1);
	assert_int_equal(vd->qcfg[0].num, 16);
	assert_int_equal(vmb_virtio_queue_set_num(vd, 0, 1), 0);
	assert_int_equal(vmb_virtio_queue_set_num(vd, 1, 16), 0);
}

static void test_bad_ring_needs_reset(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;

	to_features_ok(vd);
	vmb_virtio_queue_set_num(vd, 0, 8);
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DESC, RAM + 0x1008); /* misaligned */
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DRIVER, RAM + 0x2000);
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DEVICE, RAM + 0x3000);
	assert_int_equal(vmb_virtio_queue_set_ready(vd, 0, true), -1);
	assert_false(vd->qcfg[0].ready);
	assert_true(vd->status & VMB_VIRTIO_S_NEEDS_RESET);
	assert_int_equal(c->ints[VMB_VIRTIO_INT_CONFIG], 0); /* no DRIVER_OK yet */
	/* DRIVER_OK is still taken, but the device stays dead */
	assert_int_equal(vmb_virtio_set_status(vd, 0xf), 0);
	assert_int_equal(vd->status, 0xf | 64);
	assert_false(vmb_virtio_live(vd));
	/* reset clears everything */
	c->resets = 0;
	assert_int_equal(vmb_virtio_set_status(vd, 0), 0);
	assert_int_equal(vd->status, 0);
	assert_int_equal(vd->driver_features, 0);
	assert_int_equal(vd->qcfg[0].desc, 0);
	assert_false(vd->vq[0].broken);
	assert_int_equal(c->resets, 1);
}

static void test_needs_reset_after_driver_ok(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;
	struct iovec iov[8];
	struct vmb_vq_elem e = { .iov = iov, .cap = 8 };

	to_features_ok(vd);
	vmb_virtio_queue_set_num(vd, 0, 8);
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DESC, RAM + 0x1000);
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DRIVER, RAM + 0x2000);
	vmb_virtio_queue_set_addr(vd, 0, VMB_VQ_AREA_DEVICE, RAM + 0x3000);
	assert_int_equal(vmb_virtio_queue_set_ready(vd, 0, true), 0);
	assert_int_equal(vmb_virtio_set_status(vd, 0xf), 0);
	/* a head index past the queue */
	vmb_put_le16(c->ram + 0x2004, 99);
	vmb_put_le16(c->ram + 0x2002, 1);
	assert_int_equal(vmb_virtio_pop(vd, 0, &e), -1);
	assert_true(vd->status & VMB_VIRTIO_S_NEEDS_RESET);
	assert_int_equal(c->ints[VMB_VIRTIO_INT_CONFIG], 1);
	vmb_virtio_queue_notify(vd, 0);
	assert_int_equal(c->notifies, 0);
}

static void test_config_generation(void **state)
{
	struct core *c = *state;
	struct vmb_virtio_dev *vd = &c->vd;
	uint32_t gen = vd->config_generation;

	assert_int_equal(vmb_virtio_config_read(vd, 0, 4), 0x12345678);
	assert_int_equal(vmb_virtio_config_read(vd, 2, 2), 0x1234);
	assert_int_equal(vmb_virtio_config_read(vd, 2, 4), 0); /* past the end */
	assert_int_equal(vmb_virtio_config_read(vd, 0xfff0, 8), 0);
	vmb_virtio_config_changed(vd);
	assert_int_equal(vd->config_generation, gen + 1);
	assert_int_equal(c->ints[VMB_VIRTIO_INT_CONFIG], 0); /* before DRIVER_OK */
	to_features_ok(vd);
	vmb_virtio_set_status(vd, 0xf);
	vmb_virtio_config_changed(vd);
	assert_int_equal(c->ints[VMB_VIRTIO_INT_CONFIG], 1);
}

/* ---- virtio-mmio + virtio-blk on a board ------------------------------ */

#define SLOT(n)	(0x0a000000ull + 0x200 * (n))
#define IMG_SECTORS 64

static const char board_yaml[] =
	"name: t\narch: arm64\ncpus: {count: 1}\n"
	"memory: [{name: ram, type: ram, base: 0x40000000, size: 1M}]\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: virtio, type: virtio-mmio, base: 0x0a000000, count: 4,\n"
	"     stride: 0x200, irq: 16, trigger: edge}\n";

static const char *make_image(struct tb *t, const char *name)
{
	static uint8_t img[IMG_SECTORS * 512];

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i / 512 + 1);
	return tb_file(t, name, img, sizeof(img));
}

static void board_with(struct tb *t, const char *extra)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), "%s%s", board_yaml, extra);
	tb_board_ok(t, yaml, NULL, 0);
}

static void test_slot_placement(void **state)
{
	struct tb t;

	tb_dir(&t);
	make_image(&t, "a.img");
	make_image(&t, "b.img");
	/* like QEMU: the first device takes the highest slot, the next one
	 * the slot below; an explicit base gets its own transport */
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, io-threads: 0}\n"
		       "  - {name: d1, type: virtio-blk, file: b.img, read-only: true}\n"
		       "  - {name: d2, type: virtio-blk, file: b.img, read-only: true,\n"
		       "     base: 0x0b000000, irq: 60}\n");
	assert_int_equal(tb_rd(&t, SLOT(3) + 8, 4), 2);
	assert_int_equal(tb_rd(&t, SLOT(2) + 8, 4), 2);
	assert_int_equal(tb_rd(&t, SLOT(1) + 8, 4), 0);
	assert_int_equal(tb_rd(&t, SLOT(0) + 8, 4), 0);
	assert_int_equal(tb_rd(&t, 0x0b000000 + 0, 4), 0x74726976);
	assert_int_equal(tb_rd(&t, 0x0b000000 + 8, 4), 2);
	/* capacity in the configuration space; VIRTIO_BLK_F_RO for d1 */
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x100, 8), IMG_SECTORS);
	tb_wr(&t, SLOT(2) + 0x14, 4, 0);
	assert_true(tb_rd(&t, SLOT(2) + 0x10, 4) & (1u << 5));
	tb_wr(&t, SLOT(3) + 0x14, 4, 0);
	assert_false(tb_rd(&t, SLOT(3) + 0x10, 4) & (1u << 5));
	tb_wr(&t, SLOT(3) + 0x14, 4, 1);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x10, 4), 1); /* VERSION_1 */
	tb_free(&t);
}

static void test_no_free_slot(void **state)
{
	struct tb t;
	char extra[1024] = "";

	tb_dir(&t);
	make_image(&t, "a.img");
	for (unsigned i = 0; i < 5; i++)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "  - {name: d%u, type: virtio-blk, file: a.img, read-only: true}\n", i);
	char yaml[2048];
	snprintf(yaml, sizeof(yaml), "%s%s", board_yaml, extra);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "no free virtio-mmio slot");
	assert_contains(t.err.msg, "'d4'");
	tb_free(&t);

	/* errors name the entry and the file */
	tb_dir(&t);
	snprintf(yaml, sizeof(yaml), "%s  - {name: d0, type: virtio-blk, file: nope.img}\n",
		 board_yaml);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "m.yaml:9:40: ");
	assert_contains(t.err.msg, "cannot open disk image");
	assert_contains(t.err.msg, "nope.img' read-write: No such file or directory");
	tb_free(&t);
	tb_dir(&t);
	snprintf(yaml, sizeof(yaml), "%s  - {name: d0, type: virtio-blk}\n", board_yaml);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "needs 'file'");
	tb_free(&t);
	tb_dir(&t);
	make_image(&t, "a.img");
	snprintf(yaml, sizeof(yaml), "%s  - {name: d0, type: virtio-blk, file: a.img,"
		 " base: 0x0b000000}\n", board_yaml);
	assert_int_equal(tb_board(&t, yaml), -1);
	assert_contains(t.err.msg, "with 'base' it needs one 'irq'");
	tb_free(&t);
}

/* A second VMM (here: a second open) on the same image is refused while
 * the first has it read-write; read-only users share. */
static void test_image_locking(void **state)
{
	struct tb t, t2;
	char yaml[2048];

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img}\n");
	tb_dir(&t2);
	snprintf(yaml, sizeof(yaml), "%s  - {name: d0, type: virtio-blk, file: %s/a.img,"
		 " read-only: true}\n", board_yaml, t.dir);
	assert_int_equal(tb_board(&t2, yaml), -1);
	assert_contains(t2.err.msg, "is in use by pid");
	assert_contains(t2.err.msg, "a.img");
	tb_free(&t2);
	tb_free(&t);

	/* two read-only users are fine; then a writer is refused */
	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, read-only: true}\n"
		       "  - {name: d1, type: virtio-blk, file: a.img, read-only: true}\n");
	tb_dir(&t2);
	snprintf(yaml, sizeof(yaml), "%s  - {name: d0, type: virtio-blk, file: %s/a.img}\n",
		 board_yaml, t.dir);
	assert_int_equal(tb_board(&t2, yaml), -1);
	assert_contains(t2.err.msg, "exclusive");
	tb_free(&t2);
	tb_free(&t);
}

/* Driver side of one request through the MMIO registers. */
#define Q_DESC	(RAM + 0x1000)
#define Q_AVAIL	(RAM + 0x2000)
#define Q_USED	(RAM + 0x3000)
#define HDR	(RAM + 0x4000)
#define DATA	(RAM + 0x5000)
#define STATUS	(RAM + 0x6000)

static uint8_t *gp(struct tb *t, uint64_t gpa)
{
	return vmb_gmem_ptr(&t->b->gmem, gpa, 1, false);
}

static void mmio_driver_init_q(struct tb *t, uint64_t base, unsigned q)
{
	tb_wr(t, base + 0x70, 4, 1);
	tb_wr(t, base + 0x70, 4, 3);
	tb_wr(t, base + 0x24, 4, 1);
	tb_wr(t, base + 0x20, 4, 1);             /* VERSION_1 only */
	tb_wr(t, base + 0x70, 4, 0xb);
	assert_int_equal(tb_rd(t, base + 0x70, 4), 0xb);
	tb_wr(t, base + 0x30, 4, q);
	assert_int_equal(tb_rd(t, base + 0x34, 4), 256);
	tb_wr(t, base + 0x38, 4, 8);
	tb_wr(t, base + 0x80, 4, (uint32_t)Q_DESC);
	tb_wr(t, base + 0x84, 4, 0);
	tb_wr(t, base + 0x90, 4, (uint32_t)Q_AVAIL);
	tb_wr(t, base + 0xa0, 4, (uint32_t)Q_USED);
	tb_wr(t, base + 0x44, 4, 1);
	assert_int_equal(tb_rd(t, base + 0x44, 4), 1);
	tb_wr(t, base + 0x70, 4, 0xf);
}

static void mmio_driver_init(struct tb *t, uint64_t base)
{
	mmio_driver_init_q(t, base, 0);
}

static void put_desc(struct tb *t, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = gp(t, Q_DESC + 16 * i);

	vmb_put_le64(d, addr);
	vmb_put_le32(d + 8, len);
	vmb_put_le16(d + 12, flags);
	vmb_put_le16(d + 14, next);
}

/* Submit a 3-descriptor request and let the event loop run it. */
static uint8_t request_q(struct tb *t, uint64_t base, unsigned q, uint32_t type,
			 uint64_t sector, uint32_t len, bool data_in)
{
	static uint16_t idx;
	uint16_t avail = vmb_get_le16(gp(t, Q_AVAIL + 2));

	if (!avail)
		idx = 0;
	vmb_put_le32(gp(t, HDR), type);
	vmb_put_le32(gp(t, HDR + 4), 0);
	vmb_put_le64(gp(t, HDR + 8), sector);
	*gp(t, STATUS) = 0xee;
	put_desc(t, 0, HDR, 16, 1, 1);
	put_desc(t, 1, DATA, len, 1 | (data_in ? 2 : 0), 2);
	put_desc(t, 2, STATUS, 1, 2, 0);
	vmb_put_le16(gp(t, Q_AVAIL + 4 + 2 * (avail % 8)), 0);
	vmb_put_le16(gp(t, Q_AVAIL + 2), (uint16_t)(avail + 1));
	tb_wr(t, base + 0x50, 4, q);
	while (vmb_get_le16(gp(t, Q_USED + 2)) != (uint16_t)(avail + 1))
		assert_true(vmb_loop_run_once(t->b->loop, 1000) >= 0);
	idx++;
	return *gp(t, STATUS);
}

static uint8_t request(struct tb *t, uint64_t base, uint32_t type, uint64_t sector,
		       uint32_t len, bool data_in)
{
	return request_q(t, base, 0, type, sector, len, data_in);
}

static void test_blk_requests_through_mmio(void **state)
{
	struct tb t;
	uint8_t buf[512];
	int fd;

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, io-threads: 0}\n");
	mmio_driver_init(&t, SLOT(3));
	/* read sector 5 */
	assert_int_equal(request(&t, SLOT(3), 0, 5, 512, true), 0);
	assert_int_equal(*gp(&t, DATA), 6);
	assert_int_equal(vmb_get_le32(gp(&t, Q_USED + 8)), 513);
	/* the used-buffer interrupt on SPI 16 + 3 */
	assert_int_equal(t.level[19], 1);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x60, 4), 1);
	tb_wr(&t, SLOT(3) + 0x64, 4, 1);
	assert_int_equal(t.level[19], 0);
	/* write sector 7 and read it back from the file */
	memset(gp(&t, DATA), 0xab, 512);
	assert_int_equal(request(&t, SLOT(3), 1, 7, 512, false), 0);
	fd = open(t.path[0], O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 512, 7 * 512), 512);
	close(fd);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[511], 0xab);
	/* beyond the capacity: IOERR; unknown type: UNSUPP */
	assert_int_equal(request(&t, SLOT(3), 0, IMG_SECTORS, 512, true), 1);
	assert_int_equal(request(&t, SLOT(3), 0, IMG_SECTORS - 1, 1024, true), 1);
	assert_int_equal(request(&t, SLOT(3), 77, 0, 512, true), 2);
	/* flush */
	assert_int_equal(request(&t, SLOT(3), 4, 0, 0, true), 0);
	/* a reset through Status 0 clears the transport */
	tb_wr(&t, SLOT(3) + 0x70, 4, 0);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x70, 4), 0);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x44, 4), 0);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x60, 4), 0);
	tb_free(&t);
}

static void test_blk_read_only_refuses_writes(void **state)
{
	struct tb t;

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, read-only: true,\n"
		       "     io-threads: 0}\n");
	mmio_driver_init(&t, SLOT(3));
	memset(gp(&t, DATA), 0xab, 512);
	assert_int_equal(request(&t, SLOT(3), 1, 7, 512, false), 1);
	assert_int_equal(request(&t, SLOT(3), 0, 7, 512, true), 0);
	assert_int_equal(*gp(&t, DATA), 8); /* unchanged on disk */
	tb_free(&t);
}

/* The same request path with the I/O thread pool. */
static void test_blk_with_io_threads(void **state)
{
	struct tb t;

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, io-threads: 2}\n");
	mmio_driver_init(&t, SLOT(3));
	for (unsigned s = 0; s < 20; s++) {
		assert_int_equal(request(&t, SLOT(3), 0, s, 512, true), 0);
		assert_int_equal(*gp(&t, DATA + 100), s + 1);
	}
	tb_free(&t);
}

/* num-queues: VIRTIO_BLK_F_MQ, num_queues in the configuration space,
 * QueueNumMax per queue, and a request on the second queue. */
static void test_blk_multiqueue(void **state)
{
	struct tb t;

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, io-threads: 0,\n"
		       "     num-queues: 3, queue-size: 64}\n");
	tb_wr(&t, SLOT(3) + 0x14, 4, 0);
	assert_true(tb_rd(&t, SLOT(3) + 0x10, 4) & (1u << 12));
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x100 + 34, 2), 3);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x100 + 12, 4), 62); /* seg_max */
	tb_wr(&t, SLOT(3) + 0x30, 4, 2);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x34, 4), 64);
	tb_wr(&t, SLOT(3) + 0x30, 4, 3);
	assert_int_equal(tb_rd(&t, SLOT(3) + 0x34, 4), 0);
	tb_free(&t);

	tb_dir(&t);
	make_image(&t, "a.img");
	board_with(&t, "  - {name: d0, type: virtio-blk, file: a.img, io-threads: 0,\n"
		       "     num-queues: 2}\n");
	mmio_driver_init_q(&t, SLOT(3), 1);
	assert_int_equal(request_q(&t, SLOT(3), 1, 0, 9, 512, true), 0);
	assert_int_equal(*gp(&t, DATA), 10);
	tb_free(&t);

	tb_dir(&t);
	make_image(&t, "a.img");
	assert_int_equal(tb_board(&t, "name: t\narch: arm64\n"
		"memory: [{name: ram, type: ram, base: 0x40000000, size: 1M}]\n"
		"devices:\n"
		"  - {name: d0, type: virtio-blk, file: a.img, base: 0x0a000000, irq: 16,\n"
		"     queue-size: 100}\n"), -1);
	assert_contains(t.err.msg, "queue-size must be a power of 2");
	tb_free(&t);
}

int main(void)
{
#define C(f) cmocka_unit_test_setup_teardown(f, core_setup, core_teardown)
	const struct CMUnitTest tests[] = {
		C(test_status_happy_path),
		C(test_status_refused),
		C(test_queue_num_checks),
		C(test_bad_ring_needs_reset),
		C(test_needs_reset_after_driver_ok),
		C(test_config_generation),
		cmocka_unit_test(test_slot_placement),
		cmocka_unit_test(test_no_free_slot),
		cmocka_unit_test(test_image_locking),
		cmocka_unit_test(test_blk_requests_through_mmio),
		cmocka_unit_test(test_blk_read_only_refuses_writes),
		cmocka_unit_test(test_blk_with_io_threads),
		cmocka_unit_test(test_blk_multiqueue),
	};

	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}
