/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the split virtqueue library and the virtio-blk request
 * path (virtio/virtqueue.h, virtio/virtio-blk.h) against a guest that
 * controls all of its memory.
 *
 * Input: a 16-byte control block, then guest RAM contents.
 *   [0]     log2 of the queue size (mod 16) -> 1..32768 (bad sizes too:
 *           bit 4 set gives a size that is not a power of 2)
 *   [1]     features: bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 the
 *           disk is read-only, bit 3 toggle notification suppression
 *   [2..3]  rounds of pop/execute/push (le16, capped at 256)
 *   [4..15] descriptor, driver and device area offsets (le32 each) from
 *           the start of RAM: any value, so rings may lie outside RAM,
 *           straddle its end or be misaligned
 * Guest RAM is 64 KiB at GPA 0x40000000 (the input, zero-padded), plus
 * 4 KiB at 0x40010000 (adjacent: buffers straddling the two regions must
 * be refused). The disk is a 32 KiB memfd, zeroed for every input.
 * Every outcome is fine except a crash, a sanitizer report, a hang, or a
 * host access outside guest RAM (ASan: RAM is malloc'd to its exact size).
 *
 * Built and run by `make fuzz` (tests/fuzz/fuzz.mk, issue 12) with the
 * seeds in tests/fuzz/corpus/virtqueue/. By hand:
 *   clang -O1 -g -std=c11 -D_GNU_SOURCE -DVMB_NBD -Isrc \
 *     -fsanitize=fuzzer,address,undefined -o fuzz_virtqueue \
 *     tests/fuzz/fuzz_virtqueue.c src/board/gmem.c src/virtio/virtqueue.c \
 *     src/virtio/virtio-blk.c src/block/{block,file,nbd}.c src/util/err.c -lnbd
 *   ./fuzz_virtqueue -max_total_time=600 -max_len=70000 corpus \
 *     tests/fuzz/corpus/virtqueue
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/block.h"
#include "util/bytes.h"
#include "virtio/virtio-blk.h"
#include "virtio/virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_GPA   0x40000000ull
#define RAM_SIZE  0x10000u
#define RAM2_SIZE 0x1000u
#define DISK_SIZE (64 * 512)

static int disk_fd = -1;
static struct vmb_bdev *disk;

static void setup(void)
{
	char path[64];
	struct vmb_err err;

	disk_fd = memfd_create("fuzz-disk", 0);
	if (disk_fd < 0 || ftruncate(disk_fd, DISK_SIZE))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", disk_fd);
	disk = vmb_bdev_open(&(struct vmb_bdev_opts){ .path = path }, &err);
	if (!disk) {
		fprintf(stderr, "fuzz_virtqueue: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iovec iov[2 * VMB_VQ_MAX_SIZE];
	uint8_t *ram, *ram2;
	struct vmb_gmem mem = { 0 };
	struct vmb_vq vq;
	unsigned num, rounds;
	uint64_t features = VMB_VIRTIO_F_VERSION_1;
	bool ro;

	if (disk_fd < 0)
		setup();
	if (size < 16)
		return 0;
	/* a fresh disk: inputs must not depend on earlier ones */
	if (ftruncate(disk_fd, 0) || ftruncate(disk_fd, DISK_SIZE))
		abort();
	num = 1u << (data[0] & 15);
	if (data[0] & 16)
		num += 3;
	if (data[1] & 1)
		features |= VMB_VIRTIO_F_INDIRECT_DESC;
	if (data[1] & 2)
		features |= VMB_VIRTIO_F_EVENT_IDX;
	ro = data[1] & 4;
	rounds = vmb_get_le16(data + 2);
	if (rounds > 256)
		rounds = 256;

	ram = aligned_alloc(4096, RAM_SIZE);
	ram2 = aligned_alloc(4096, RAM2_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(ram2, 0, RAM2_SIZE);
	memcpy(ram, data + 16, size - 16 < RAM_SIZE ? size - 16 : RAM_SIZE);
	vmb_gmem_add(&mem, RAM_GPA, RAM_SIZE, ram);
	vmb_gmem_add(&mem, RAM_GPA + RAM_SIZE, RAM2_SIZE, ram2);

	if (vmb_vq_enable(&vq, &mem, num, RAM_GPA + vmb_get_le32(data + 4),
			  RAM_GPA + vmb_get_le32(data + 8), RAM_GPA + vmb_get_le32(data + 12),
			  features) == 0) {
		disk->read_only = ro;
		for (unsigned r = 0; r < rounds; r++) {
			struct vmb_vq_elem e = { .iov = iov, .cap = num };
			struct vmb_virtio_blk_req req;
			uint32_t used;
			int rc;

			if ((data[1] & 8) && (r & 1))
				vmb_vq_disable_notify(&vq);
			rc = vmb_vq_pop(&vq, &e);
			if (rc < 0)
				break;
			if (rc == 0) {
				if (!vmb_vq_enable_notify(&vq))
					break;
				continue;
			}
			vmb_virtio_blk_parse(&e, disk->size / 512, &req);
			if (!req.status_byte)
				break; /* the device would set NEEDS_RESET */
			used = vmb_virtio_blk_execute(disk, "fuzz", &e, &req, iov + num, num);
			vmb_vq_push(&vq, e.head, used);
			vmb_vq_need_interrupt(&vq);
		}
	}
	free(ram);
	free(ram2);
	return 0;
}
