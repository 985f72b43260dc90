/* SPDX-License-Identifier: MIT */
/*
 * Fixtures shared by the unit tests (fixture.c is linked into every test
 * binary):
 *  - struct tb, a test bench: a fresh temp directory, files written into
 *    it, and the spec and board built from a machine file there, with the
 *    board's backend hooks recording interrupt levels and romd switches;
 *    MMIO helpers that assert the board dispatched the access;
 *  - fx_spec_init/fx_spec_add_mem, a machine spec made in code (no YAML);
 *  - assert_contains, a substring check that prints both strings.
 */
#ifndef VMB_TESTS_FIXTURE_H
#define VMB_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"
#include "board/console.h"
#include "config/spec.h"

#define TB_MAX_FILES 16
#define TB_MAX_IRQS 64

struct tb {
	char dir[256];                 /* removed with its files by tb_free */
	char path[TB_MAX_FILES][320];  /* paths tb_file returned */
	unsigned nfiles;
	struct vmb_spec *spec;
	struct vmb_board *b;
	struct vmb_console *con;       /* set before tb_board to give it one */
	struct vmb_err err;
	int level[TB_MAX_IRQS];        /* last level per interrupt line */
	int edges[TB_MAX_IRQS];        /* set_irq calls per line */
	int romd_changes;              /* region_changed calls */
};

/* Zero *t and create its temp directory ($TMPDIR or /tmp). */
void tb_dir(struct tb *t);

/* Write len bytes to NAME in the temp directory; returns its path, valid
 * as long as t. */
const char *tb_file(struct tb *t, const char *name, const void *data, size_t len);

/*
 * Write yaml to m.yaml in the temp directory, load it with the overrides
 * and build its board around t->con. Returns 0, or -1 with t->err set
 * (t->spec may be loaded: tb_close frees it).
 */
int tb_board_ov(struct tb *t, const char *yaml, const struct vmb_override *ov,
		unsigned nov);
int tb_board(struct tb *t, const char *yaml);

/* tb_board_ov that fails the test, with the message, if the board is not
 * built. */
void tb_board_ok(struct tb *t, const char *yaml, const struct vmb_override *ov,
		 unsigned nov);

/* tb_dir, then tb_board. */
int tb_make(struct tb *t, const char *yaml);

/*
 * Check that yaml does not build: tb_board fails with a message holding
 * each of the NULL-terminated substrings. tb_board_fails uses t's
 * directory and tb_closes it after; tb_fails uses a bench of its own.
 */
void tb_board_fails(struct tb *t, const char *yaml, ...)
	__attribute__((sentinel));
void tb_fails(const char *yaml, ...) __attribute__((sentinel));

/* Destroy the board, its spec and t->con; the temp directory stays. */
void tb_close(struct tb *t);

/* tb_close, then remove the temp directory: the files tb_file wrote and
 * any other file or empty subdirectory in it. */
void tb_free(struct tb *t);

/* A guest access through the board's MMIO dispatch, asserting it was
 * dispatched; a read that sets nothing returns 0xdeadbeef. */
uint64_t tb_rd(struct tb *t, uint64_t gpa, unsigned size);
void tb_wr(struct tb *t, uint64_t gpa, unsigned size, uint64_t v);

/* A spec made in code: name, arch and CPUs (model cortex-a57), memory in
 * mem (room for the regions fx_spec_add_mem appends), no devices. */
void fx_spec_init(struct vmb_spec *s, struct vmb_mem_spec *mem, const char *name,
		  enum vmb_arch arch, unsigned ncpus);
void fx_spec_add_mem(struct vmb_spec *s, const char *name, enum vmb_mem_kind kind,
		     uint64_t base, uint64_t size);

/* Load path with the overrides, build its board and DTB (for a firmware
 * boot); fails the test on any error. free() the blob. */
void *fx_dtb(const char *path, const struct vmb_override *ov, unsigned nov);

/* Fail unless sub occurs in s. */
void assert_contains(const char *s, const char *sub);

#endif
