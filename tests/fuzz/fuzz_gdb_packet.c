/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the gdb remote protocol receiver (src/debug/gdb-packet.c)
 * fed any byte stream a debugger connection could carry. Every complete
 * payload must be within the bounded buffer and NUL-terminated, and must
 * survive a frame/receive round trip unchanged (with and without run-length
 * encoding); the hex helpers are run over every payload too.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "debug/gdb-packet.h"

static struct vmb_gdb_rx rx, rx2;
static char frame[3 * VMB_GDB_PACKET_MAX + 8];

static void round_trip(const char *p, size_t len, bool rle)
{
	size_t n = vmb_gdb_frame(frame, sizeof(frame), p, len, rle);
	enum vmb_gdb_rx_event ev = VMB_GDB_RX_NONE;

	if (!n)
		abort(); /* 2 bytes per payload byte at most, plus framing */
	vmb_gdb_rx_init(&rx2);
	for (size_t i = 0; i < n; i++) {
		ev = vmb_gdb_rx_byte(&rx2, (uint8_t)frame[i]);
		if (ev != VMB_GDB_RX_NONE && i + 1 < n)
			abort();
	}
	if (ev != VMB_GDB_RX_PACKET || rx2.len != len || memcmp(rx2.buf, p, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmb_gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		uint8_t bytes[64];
		const char *q;
		uint64_t v;

		if (vmb_gdb_rx_byte(&rx, data[i]) != VMB_GDB_RX_PACKET)
			continue;
		if (rx.len > VMB_GDB_PACKET_MAX || rx.buf[rx.len] != '\0')
			abort();
		round_trip(rx.buf, rx.len, false);
		round_trip(rx.buf, rx.len, true);
		q = rx.buf;
		while (*q && vmb_gdb_hex_u64(&q, &v))
			q++;
		(void)vmb_gdb_hex_bytes(rx.buf, bytes, rx.len / 2 < sizeof(bytes) ?
					rx.len / 2 : sizeof(bytes));
	}
	return 0;
}
