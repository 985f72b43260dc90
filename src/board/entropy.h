/* SPDX-License-Identifier: MIT */
/*
 * Randomness for devices and the device tree, one source per board.
 *
 * Normally every byte comes from getrandom(2). When the machine is
 * deterministic (the "determinism:" section, or "vmb run --deterministic";
 * docs/machine-format.md) the bytes come from ChaCha20 (RFC 8439 block
 * function with the original 64-bit nonce and counter; Debian's nettle)
 * used as a keystream generator:
 *
 *     key   = SHA-256("vmb-entropy-v1" 0x00 LABEL 0x00 SEED as 8 bytes LE)
 *     bytes = ChaCha20 keystream under key, nonce 0, from block 0
 *
 * so a label's stream is a function of (seed, label) alone: the DTB's
 * rng-seed does not change when a device draws bytes earlier, and two runs
 * with the same seed see the same bytes in the same order.
 */
#ifndef VMB_BOARD_ENTROPY_H
#define VMB_BOARD_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

struct vmb_board;
struct vmb_spec;
struct vmb_entropy;

/* The board's source (b->entropy), from spec->det. Never NULL. */
struct vmb_entropy *vmb_entropy_create(const struct vmb_spec *spec);
void vmb_entropy_destroy(struct vmb_entropy *e);

/*
 * len random bytes for a device (virtio-rng, ...): getrandom(2), or the
 * next bytes of the board's "devices" stream when deterministic. Any
 * thread; the stream is shared by all devices in the order they draw.
 * Never fails: getrandom without GRND_NONBLOCK only blocks before the host
 * pool is initialised; any other error stops vmb (vmb_die).
 */
void vmb_board_entropy(struct vmb_board *b, void *buf, size_t len);

/*
 * len random bytes for one named purpose ("rng-seed", "kaslr-seed",
 * "mac:net0"): getrandom(2), or when deterministic the first len bytes of
 * the stream for (seed, label) — the same bytes every time it is called.
 */
void vmb_board_entropy_for(struct vmb_board *b, const char *label, void *buf,
			   size_t len);

/* The deterministic stream's bytes for (seed, label), from offset 0; for
 * tests and tools. */
void vmb_entropy_derive(uint64_t seed, const char *label, void *buf, size_t len);

#endif
