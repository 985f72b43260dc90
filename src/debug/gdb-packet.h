/* SPDX-License-Identifier: MIT */
/*
 * GDB remote serial protocol, packet layer (gdb manual, "Overview" and
 * "Packet Acknowledgment" of appendix E "GDB Remote Serial Protocol"):
 *
 *   $payload#xx   xx = sum of the payload bytes as sent, mod 256, in hex
 *   }c            escape: the byte c ^ 0x20 ('#', '$', '}', '*' go so)
 *   c*n           run length: c and then n - 29 more copies of it
 *                 (n printable, never '#' or '$')
 *   +  -          acknowledgment / request to resend (until
 *                 QStartNoAckMode is accepted)
 *   0x03          out of band: interrupt the target (Ctrl-C)
 *
 * The receiver is a byte-at-a-time state machine over a bounded buffer, so
 * reads split anywhere (one byte, half a checksum) give the same packets,
 * and nothing a peer sends can make it write past the buffer: an oversized
 * packet is consumed to its end and reported as such.
 */
#ifndef VMB_DEBUG_GDB_PACKET_H
#define VMB_DEBUG_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decoded payload accepted (what qSupported announces as
 * PacketSize, in bytes); enough for 'G' of the largest register file. */
#define VMB_GDB_PACKET_MAX 16384

enum vmb_gdb_rx_event {
	VMB_GDB_RX_NONE,        /* byte consumed, nothing complete yet */
	VMB_GDB_RX_PACKET,      /* rx->buf[0..len) holds a decoded payload */
	VMB_GDB_RX_INTERRUPT,   /* 0x03 outside a packet */
	VMB_GDB_RX_ACK,         /* '+' */
	VMB_GDB_RX_NAK,         /* '-': resend the last packet */
	VMB_GDB_RX_BAD_CHECKSUM,/* complete, checksum wrong: answer '-' */
	VMB_GDB_RX_OVERSIZE,    /* complete, longer than VMB_GDB_PACKET_MAX */
	VMB_GDB_RX_MALFORMED,   /* bad escape, run length or checksum digit,
				   or '$' inside a packet (a new one starts) */
};

struct vmb_gdb_rx {
	enum { RX_IDLE, RX_BODY, RX_ESC, RX_RUN, RX_SUM1, RX_SUM2 } state;
	uint8_t sum;            /* running checksum of the raw bytes */
	uint8_t sum_rx;         /* the checksum as sent */
	bool overflow, bad;
	size_t len;
	size_t raw;             /* raw bytes of the packet so far */
	char buf[VMB_GDB_PACKET_MAX + 1]; /* payload, NUL-terminated */
};

void vmb_gdb_rx_init(struct vmb_gdb_rx *rx);

/* Feed one received byte. On VMB_GDB_RX_PACKET the payload is in rx->buf
 * (NUL-terminated; it may contain NULs, rx->len counts them) until the
 * next call. */
enum vmb_gdb_rx_event vmb_gdb_rx_byte(struct vmb_gdb_rx *rx, uint8_t c);

/*
 * Frame payload[0..len) as "$...#xx" into out (capacity cap), escaping
 * '#', '$', '}' and '*' and, with rle, run-length encoding runs of four
 * or more equal bytes. Returns the frame's length, or 0 if it does not fit
 * (out is then unspecified).
 */
size_t vmb_gdb_frame(char *out, size_t cap, const void *payload, size_t len,
		     bool rle);

/* Hex helpers for payloads. vmb_gdb_hex_bytes decodes exactly 2*n digits
 * (-1 on a non-hex digit); vmb_gdb_to_hex writes 2*n lowercase digits and
 * a NUL. */
int vmb_gdb_hex_bytes(const char *hex, void *out, size_t n);
void vmb_gdb_to_hex(char *out, const void *in, size_t n);

/* Parse a hex number at *p (at least one digit, at most 16), advancing *p;
 * -1 if there is none or it overflows 64 bits. */
int vmb_gdb_hex_u64(const char **p, uint64_t *v);

#endif
