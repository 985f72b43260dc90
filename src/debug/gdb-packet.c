/* SPDX-License-Identifier: MIT */
/* GDB remote serial protocol packet layer (gdb-packet.h). */
#include <string.h>

#include "debug/gdb-packet.h"
#include "util/bytes.h"

#define RLE_MIN_COUNT 3      /* n - 29 for the lowest printable n, ' ' */
#define RLE_MAX_COUNT 97     /* for '~' */

void vmb_gdb_rx_init(struct vmb_gdb_rx *rx)
{
	rx->state = RX_IDLE;
	rx->len = rx->raw = 0;
	rx->overflow = rx->bad = false;
	rx->sum = rx->sum_rx = 0;
	rx->buf[0] = '\0';
}

static void put(struct vmb_gdb_rx *rx, uint8_t c)
{
	if (rx->len >= VMB_GDB_PACKET_MAX) {
		rx->overflow = true;
		return;
	}
	rx->buf[rx->len++] = (char)c;
}

static void start(struct vmb_gdb_rx *rx)
{
	vmb_gdb_rx_init(rx);
	rx->state = RX_BODY;
}

enum vmb_gdb_rx_event vmb_gdb_rx_byte(struct vmb_gdb_rx *rx, uint8_t c)
{
	int h;

	switch (rx->state) {
	case RX_IDLE:
		switch (c) {
		case '$': start(rx); return VMB_GDB_RX_NONE;
		case '+': return VMB_GDB_RX_ACK;
		case '-': return VMB_GDB_RX_NAK;
		case 0x03: return VMB_GDB_RX_INTERRUPT;
		default: return VMB_GDB_RX_NONE; /* line noise between packets */
		}
	case RX_SUM1:
	case RX_SUM2:
		h = vmb_hex_digit(c);
		if (h < 0) {
			/* A '$' here starts a packet; anything else is noise. */
			bool restart = c == '$';

			vmb_gdb_rx_init(rx);
			if (restart)
				rx->state = RX_BODY;
			return VMB_GDB_RX_MALFORMED;
		}
		rx->sum_rx = (uint8_t)(rx->sum_rx << 4 | h);
		if (rx->state == RX_SUM1) {
			rx->state = RX_SUM2;
			return VMB_GDB_RX_NONE;
		}
		rx->state = RX_IDLE;
		rx->buf[rx->len < VMB_GDB_PACKET_MAX ? rx->len : VMB_GDB_PACKET_MAX] = '\0';
		if (rx->sum_rx != rx->sum)
			return VMB_GDB_RX_BAD_CHECKSUM;
		if (rx->overflow)
			return VMB_GDB_RX_OVERSIZE;
		if (rx->bad)
			return VMB_GDB_RX_MALFORMED;
		return VMB_GDB_RX_PACKET;
	default:
		break;
	}
	/* Inside a packet. */
	if (c == '$') {
		/* gdb never sends a bare '$' in a packet: the sender gave up on
		 * the previous one and starts again. */
		start(rx);
		return VMB_GDB_RX_MALFORMED;
	}
	if (c == '#') {
		if (rx->state != RX_BODY)
			rx->bad = true;  /* escape or run length cut short */
		rx->state = RX_SUM1;
		return VMB_GDB_RX_NONE;
	}
	rx->raw++;
	rx->sum = (uint8_t)(rx->sum + c);
	switch (rx->state) {
	case RX_ESC:
		put(rx, c ^ 0x20);
		rx->state = RX_BODY;
		break;
	case RX_RUN:
		rx->state = RX_BODY;
		if (c < ' ' || c > '~' || rx->len == 0) {
			rx->bad = true;
			break;
		}
		for (unsigned i = 0, n = c - 29u; i < n; i++)
			put(rx, (uint8_t)rx->buf[rx->len - 1]);
		break;
	default:
		if (c == '}')
			rx->state = RX_ESC;
		else if (c == '*')
			rx->state = rx->len ? RX_RUN : (rx->bad = true, RX_BODY);
		else
			put(rx, c);
		break;
	}
	return VMB_GDB_RX_NONE;
}

static bool needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t vmb_gdb_frame(char *out, size_t cap, const void *payload, size_t len,
		     bool rle)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = payload;
	uint8_t sum = 0;
	size_t o = 0;

#define EMIT(ch) do {						\
		if (o >= cap)					\
			return 0;				\
		out[o++] = (char)(ch);				\
	} while (0)
#define EMIT_SUM(ch) do {					\
		uint8_t ch_ = (uint8_t)(ch);			\
		sum = (uint8_t)(sum + ch_);			\
		EMIT(ch_);					\
	} while (0)

	EMIT('$');
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t run = 1;

		if (needs_escape(c)) {
			EMIT_SUM('}');
			EMIT_SUM(c ^ 0x20);
			i++;
			continue;
		}
		while (rle && i + run < len && p[i + run] == c &&
		       run - 1 < RLE_MAX_COUNT)
			run++;
		EMIT_SUM(c);
		if (run - 1 >= RLE_MIN_COUNT) {
			size_t n = run - 1;

			/* n + 29 must not be '#' (6) or '$' (7) */
			if (n == 6 || n == 7)
				n = 5;
			EMIT_SUM('*');
			EMIT_SUM(n + 29);
			i += n + 1;
			continue;
		}
		i++;
	}
	EMIT('#');
	EMIT(hex[sum >> 4]);
	EMIT(hex[sum & 15]);
#undef EMIT_SUM
#undef EMIT
	return o;
}

int vmb_gdb_hex_bytes(const char *hex, void *out, size_t n)
{
	uint8_t *o = out;

	for (size_t i = 0; i < n; i++) {
		int hi = vmb_hex_digit((uint8_t)hex[2 * i]);
		int lo = hi < 0 ? -1 : vmb_hex_digit((uint8_t)hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void vmb_gdb_to_hex(char *out, const void *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int vmb_gdb_hex_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	unsigned n = 0;
	int h;

	while ((h = vmb_hex_digit((uint8_t)*s)) >= 0) {
		if (++n > 16)
			return -1;
		x = x << 4 | (uint64_t)h;
		s++;
	}
	if (!n)
		return -1;
	*v = x;
	*p = s;
	return 0;
}
