/* SPDX-License-Identifier: MIT */
/*
 * GDB remote protocol packet layer (src/debug/gdb-packet.c): checksums,
 * escapes, run-length encoding both ways, acks and Ctrl-C, malformed and
 * oversized packets, and packets split across reads at every byte.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "debug/gdb-packet.h"

/* Feed s; return the last event that was not NONE (NONE if all were). */
static enum vmb_gdb_rx_event feed(struct vmb_gdb_rx *rx, const char *s, size_t n)
{
	enum vmb_gdb_rx_event last = VMB_GDB_RX_NONE;

	for (size_t i = 0; i < n; i++) {
		enum vmb_gdb_rx_event ev = vmb_gdb_rx_byte(rx, (uint8_t)s[i]);

		if (ev != VMB_GDB_RX_NONE)
			last = ev;
	}
	return last;
}

static enum vmb_gdb_rx_event feeds(struct vmb_gdb_rx *rx, const char *s)
{
	return feed(rx, s, strlen(s));
}

static void test_checksum(void **state)
{
	static struct vmb_gdb_rx rx;

	(void)state;
	vmb_gdb_rx_init(&rx);
	/* 'g' = 0x67 */
	assert_int_equal(feeds(&rx, "$g#67"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "g");
	assert_int_equal(feeds(&rx, "$g#68"), VMB_GDB_RX_BAD_CHECKSUM);
	/* upper-case digits are accepted */
	assert_int_equal(feeds(&rx, "$qSupported#37"), VMB_GDB_RX_PACKET);
	assert_int_equal(feeds(&rx, "$m0,4#FD"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "m0,4");
	/* empty packet: checksum 00 */
	assert_int_equal(feeds(&rx, "$#00"), VMB_GDB_RX_PACKET);
	assert_int_equal(rx.len, 0);
}

static void test_acks_and_interrupt(void **state)
{
	static struct vmb_gdb_rx rx;

	(void)state;
	vmb_gdb_rx_init(&rx);
	assert_int_equal(vmb_gdb_rx_byte(&rx, '+'), VMB_GDB_RX_ACK);
	assert_int_equal(vmb_gdb_rx_byte(&rx, '-'), VMB_GDB_RX_NAK);
	assert_int_equal(vmb_gdb_rx_byte(&rx, 0x03), VMB_GDB_RX_INTERRUPT);
	assert_int_equal(vmb_gdb_rx_byte(&rx, 'x'), VMB_GDB_RX_NONE);
	/* 0x03 inside a packet is data, not an interrupt */
	assert_int_equal(feed(&rx, "$\x03#03", 5), VMB_GDB_RX_PACKET);
	assert_int_equal(rx.len, 1);
	assert_int_equal(rx.buf[0], 3);
}

static void test_escape_decode(void **state)
{
	static struct vmb_gdb_rx rx;
	char frame[64];
	size_t n;

	(void)state;
	vmb_gdb_rx_init(&rx);
	/* X packet data with all four escaped bytes */
	n = vmb_gdb_frame(frame, sizeof(frame), "X0,4:#$}*", 9, false);
	assert_true(n > 0);
	frame[n] = '\0';
	assert_string_equal(frame, "$X0,4:}\x03}\x04}]}\x0a#84");
	assert_int_equal(feed(&rx, frame, n), VMB_GDB_RX_PACKET);
	assert_int_equal(rx.len, 9);
	assert_memory_equal(rx.buf, "X0,4:#$}*", 9);
	/* a packet ending inside an escape is malformed */
	assert_int_equal(feeds(&rx, "$a}#de"), VMB_GDB_RX_MALFORMED);
}

static void test_rle(void **state)
{
	static struct vmb_gdb_rx rx;
	char frame[256], big[200];
	size_t n;

	(void)state;
	vmb_gdb_rx_init(&rx);
	/* "0* " = '0' and 3 more: the manual's example */
	assert_int_equal(feeds(&rx, "$0* #7a"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "0000");
	/* encoding: runs of 4+ shrink, never with '#' or '$' as count */
	for (unsigned len = 1; len < sizeof(big); len++) {
		memset(big, '0', len);
		n = vmb_gdb_frame(frame, sizeof(frame), big, len, true);
		assert_true(n > 0);
		for (size_t i = 1; i + 3 < n; i++)
			if (frame[i] == '*')
				assert_true(frame[++i] != '#' && frame[i] != '$');
		if (len >= 5)
			assert_true(n < len + 4);
		assert_int_equal(feed(&rx, frame, n), VMB_GDB_RX_PACKET);
		assert_int_equal(rx.len, len);
		assert_memory_equal(rx.buf, big, len);
	}
	/* '*' with nothing before it, and a count below ' ' */
	assert_int_equal(feeds(&rx, "$*!#4b"), VMB_GDB_RX_MALFORMED);
	assert_int_equal(feeds(&rx, "$0*\x1f#79"), VMB_GDB_RX_MALFORMED);
}

static void test_round_trip_bytes(void **state)
{
	static struct vmb_gdb_rx rx;
	char frame[2048];
	uint8_t data[512];

	(void)state;
	vmb_gdb_rx_init(&rx);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i < 256 ? i : (i / 7) & 0xff);
	for (int rle = 0; rle < 2; rle++) {
		size_t n = vmb_gdb_frame(frame, sizeof(frame), data, sizeof(data), rle);

		assert_true(n > 0);
		assert_int_equal(feed(&rx, frame, n), VMB_GDB_RX_PACKET);
		assert_int_equal(rx.len, sizeof(data));
		assert_memory_equal(rx.buf, data, sizeof(data));
	}
	/* too small an output buffer: 0, never an overrun */
	assert_int_equal(vmb_gdb_frame(frame, 10, data, sizeof(data), false), 0);
	assert_int_equal(vmb_gdb_frame(frame, 3, "", 0, false), 0);
	assert_int_equal(vmb_gdb_frame(frame, 4, "", 0, false), 4);
}

static void test_oversized(void **state)
{
	static struct vmb_gdb_rx rx;
	size_t len = VMB_GDB_PACKET_MAX + 100;
	char *p = malloc(len + 8);
	uint8_t sum = 0;

	(void)state;
	vmb_gdb_rx_init(&rx);
	p[0] = '$';
	for (size_t i = 1; i <= len; i++) {
		p[i] = 'a';
		sum = (uint8_t)(sum + 'a');
	}
	snprintf(p + len + 1, 4, "#%02x", sum);
	assert_int_equal(feed(&rx, p, len + 4), VMB_GDB_RX_OVERSIZE);
	/* a run length that expands past the limit is refused the same way */
	free(p);
	len = VMB_GDB_PACKET_MAX / 97 + 2;
	p = malloc(3 * len + 8);
	sum = 0;
	p[0] = '$';
	for (size_t i = 0; i < len; i++) {
		memcpy(p + 1 + 3 * i, "a*~", 3);
		sum = (uint8_t)(sum + 'a' + '*' + '~');
	}
	snprintf(p + 1 + 3 * len, 4, "#%02x", sum);
	assert_int_equal(feed(&rx, p, 3 * len + 4), VMB_GDB_RX_OVERSIZE);
	free(p);
	/* the receiver goes on with the next packet */
	assert_int_equal(feeds(&rx, "$g#67"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "g");
}

static void test_malformed(void **state)
{
	static struct vmb_gdb_rx rx;

	(void)state;
	vmb_gdb_rx_init(&rx);
	/* non-hex checksum digit */
	assert_int_equal(feeds(&rx, "$g#6z"), VMB_GDB_RX_MALFORMED);
	/* a new '$' abandons the packet under way, and the new one counts */
	assert_int_equal(vmb_gdb_rx_byte(&rx, '$'), VMB_GDB_RX_NONE);
	assert_int_equal(vmb_gdb_rx_byte(&rx, 'x'), VMB_GDB_RX_NONE);
	assert_int_equal(vmb_gdb_rx_byte(&rx, '$'), VMB_GDB_RX_MALFORMED);
	assert_int_equal(feeds(&rx, "g#67"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "g");
	/* '$' in place of a checksum digit restarts too */
	assert_int_equal(feeds(&rx, "$g#$"), VMB_GDB_RX_MALFORMED);
	assert_int_equal(feeds(&rx, "?#3f"), VMB_GDB_RX_PACKET);
	assert_string_equal(rx.buf, "?");
}

/* The same stream cut into reads of every size gives the same events. */
static void test_split_reads(void **state)
{
	static struct vmb_gdb_rx rx;
	const char stream[] = "+$qSupported:multiprocess+;swbreak+#1b-\x03$m4000,8#95+";

	(void)state;
	for (size_t chunk = 1; chunk < sizeof(stream); chunk++) {
		unsigned packets = 0, acks = 0, naks = 0, intr = 0;

		vmb_gdb_rx_init(&rx);
		for (size_t off = 0; off < sizeof(stream) - 1; off += chunk) {
			size_t n = sizeof(stream) - 1 - off;

			if (n > chunk)
				n = chunk;
			for (size_t i = 0; i < n; i++) {
				switch (vmb_gdb_rx_byte(&rx, (uint8_t)stream[off + i])) {
				case VMB_GDB_RX_PACKET: packets++; break;
				case VMB_GDB_RX_ACK: acks++; break;
				case VMB_GDB_RX_NAK: naks++; break;
				case VMB_GDB_RX_INTERRUPT: intr++; break;
				case VMB_GDB_RX_NONE: break;
				default: fail_msg("unexpected event at %zu", off + i);
				}
			}
		}
		assert_int_equal(packets, 2);
		assert_int_equal(acks, 2);
		assert_int_equal(naks, 1);
		assert_int_equal(intr, 1);
		assert_string_equal(rx.buf, "m4000,8");
	}
}

static void test_hex(void **state)
{
	uint8_t b[4];
	char s[9];
	const char *p;
	uint64_t v;

	(void)state;
	assert_int_equal(vmb_gdb_hex_bytes("deadBEEF", b, 4), 0);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(b[3], 0xef);
	vmb_gdb_to_hex(s, b, 4);
	assert_string_equal(s, "deadbeef");
	assert_int_equal(vmb_gdb_hex_bytes("dead", b, 4), -1); /* short */
	assert_int_equal(vmb_gdb_hex_bytes("dexd", b, 2), -1);
	p = "40000000,8";
	assert_int_equal(vmb_gdb_hex_u64(&p, &v), 0);
	assert_int_equal(v, 0x40000000);
	assert_string_equal(p, ",8");
	p = "ffffffffffffffff";
	assert_int_equal(vmb_gdb_hex_u64(&p, &v), 0);
	assert_true(v == ~0ull);
	p = "10000000000000000";
	assert_int_equal(vmb_gdb_hex_u64(&p, &v), -1);
	p = ",8";
	assert_int_equal(vmb_gdb_hex_u64(&p, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_acks_and_interrupt),
		cmocka_unit_test(test_escape_decode),
		cmocka_unit_test(test_rle),
		cmocka_unit_test(test_round_trip_bytes),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
