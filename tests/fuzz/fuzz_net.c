/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: virtio-net's receive and transmit frame paths
 * (src/devices/virtio-net.c, src/net/slirp.c) driven by a hostile guest
 * driver through the virtio-mmio transport, with libslirp answering on
 * the other side ("restrict: true", so no frame ever leaves the process).
 *
 * Input: byte 0 picks the driver features (bit 0 MRG_RXBUF, bit 1
 * EVENT_IDX, bit 2 INDIRECT_DESC); then 8-byte records, op = byte 0 % 6:
 *   0 descriptor: queue [1]&1, index [2]&15, next [1]>>4, addr RAM base +
 *     le16[3..4]*16 (anywhere in RAM, rings included; 0xffff: past RAM),
 *     len le16[5..6], flags [7]&7
 *   1 make descriptor [2]&15 available on queue [1]&1 (raw head: [2]
 *     when [1]&2, so heads >= queue size too)
 *   2 QueueNotify queue [1] (any value), then turn the event loop
 *   3 write a frame template at RAM base + le16[2..3]*16: [1]%3 = ARP
 *     request for the gateway, ICMP echo to the gateway, or the rest of
 *     the record as raw bytes
 *   4 write le32[4..7] to transport register ([1]*4) & 0xff
 *     (status, queue select/ready... mid-flight)
 *   5 turn the event loop (slirp timers, held frames)
 * The board is created for every input (slirp keeps state: ARP table,
 * sockets), so an input's behaviour does not depend on earlier ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/bytes.h"
#include "util/loop.h"

#define RAM		0x40000000ull
#define RAM_SIZE	0x100000ull
#define NET		0x0a000000ull
#define QSIZE		16
#define MAX_RECORDS	512

static const char machine[] =
	"arch: arm64\n"
	"memory:\n"
	"  - {name: ram, type: ram, base: 0x40000000, size: 1M}\n"
	"devices:\n"
	"  - {name: gic, type: gic-v2, base: 0x08000000, cpu-base: 0x08010000}\n"
	"  - {name: net0, type: virtio-net, base: 0x0a000000, irq: 16, trigger: edge,\n"
	"     mac: '52:54:00:12:34:56', restrict: true}\n";

static struct vmb_spec *spec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmb_err err;

	spec = vmb_spec_load(fuzz_write("net.yaml", machine, sizeof(machine) - 1),
			     NULL, 0, &err);
	if (!spec)
		vmb_die("%s", err.msg);
	return 0;
}

static uint64_t ring(unsigned q, unsigned area)
{
	return RAM + 0x1000 * q + 0x100 * area;
}

static uint8_t *host(struct vmb_board *b, uint64_t gpa, uint64_t len)
{
	return vmb_gmem_ptr(&b->gmem, gpa, len, true);
}

static void wr(struct vmb_board *b, uint64_t reg, uint32_t v)
{
	vmb_board_mmio_write(b, NET + reg, 4, v);
}

static void turn(struct vmb_board *b)
{
	for (int i = 0; i < 64 && vmb_loop_run_once(b->loop, 0) > 0; i++)
		;
}

/* §3.1.1 initialisation with both queues at ring(q, ...). */
static void driver_init(struct vmb_board *b, uint8_t f)
{
	uint32_t lo = (1u << 5) | (1u << 16) | (f & 1 ? 1u << 15 : 0) |
		      (f & 2 ? 1u << 29 : 0) | (f & 4 ? 1u << 28 : 0);

	wr(b, 0x70, 0);
	wr(b, 0x70, 1);
	wr(b, 0x70, 3);
	wr(b, 0x24, 0);
	wr(b, 0x20, lo);
	wr(b, 0x24, 1);
	wr(b, 0x20, 1);
	wr(b, 0x70, 11);
	for (unsigned q = 0; q < 2; q++) {
		wr(b, 0x30, q);
		wr(b, 0x38, QSIZE);
		for (unsigned a = 0; a < 3; a++) {
			wr(b, 0x80 + 0x10 * a, (uint32_t)ring(q, a));
			wr(b, 0x84 + 0x10 * a, 0);
		}
		wr(b, 0x44, 1);
	}
	wr(b, 0x70, 15);
}

static void frame(uint8_t *p, unsigned kind, const uint8_t *raw)
{
	static const uint8_t arp[12 + 42] = {
		[12] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
		0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
		10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
	};
	static const uint8_t icmp[12 + 42] = {
		[12] = 0x52, 0x55, 10, 0, 2, 2, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0x62, 0xd0, 10, 0, 2, 15, 10, 0, 2, 2,
		8, 0, 0xf7, 0xfe, 0, 1, 0, 0,
	};

	if (kind == 0)
		memcpy(p, arp, sizeof(arp));
	else if (kind == 1)
		memcpy(p, icmp, sizeof(icmp));
	else
		memcpy(p, raw, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmb_board *b;
	struct vmb_err err;
	uint16_t avail[2] = { 0, 0 };
	size_t n;

	if (size < 1)
		return 0;
	b = vmb_board_create(spec, NULL, &err);
	if (!b)
		vmb_die("%s", err.msg);
	fuzz_board_hooks(b);
	driver_init(b, data[0]);
	n = (size - 1) / 8;
	for (size_t i = 0; i < n && i < MAX_RECORDS; i++) {
		const uint8_t *r = data + 1 + 8 * i;
		unsigned q = r[1] & 1;
		uint16_t off;
		uint8_t *p;

		switch (r[0] % 6) {
		case 0:
			p = host(b, ring(q, 0) + 16 * (r[2] & 15), 16);
			off = (uint16_t)vmb_get_le16(r + 3);
			vmb_put_le64(p, off == 0xffff ? RAM + RAM_SIZE - 8 : RAM + off * 16ull);
			vmb_put_le32(p + 8, vmb_get_le16(r + 5));
			vmb_put_le16(p + 12, r[7] & 7);
			vmb_put_le16(p + 14, r[1] >> 4);
			break;
		case 1:
			p = host(b, ring(q, 1), 6 + 2 * QSIZE);
			vmb_put_le16(p + 4 + 2 * (avail[q] % QSIZE), r[1] & 2 ? r[2] : r[2] & 15);
			avail[q]++;
			vmb_put_le16(p + 2, avail[q]);
			break;
		case 2:
			wr(b, 0x50, r[1]);
			turn(b);
			break;
		case 3:
			off = (uint16_t)(vmb_get_le16(r + 2) % (RAM_SIZE / 16 - 4));
			frame(host(b, RAM + off * 16ull, 64), r[1] % 3, r + 4);
			break;
		case 4:
			wr(b, (uint64_t)(r[1] * 4) & 0xff, vmb_get_le32(r + 4));
			break;
		case 5:
			turn(b);
			break;
		}
	}
	vmb_board_destroy(b);
	return 0;
}
