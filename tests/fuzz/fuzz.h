/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets in tests/fuzz/ (fuzz_<name>.c) and by
 * replay.c, which runs saved inputs through a target without libFuzzer
 * (the regression replay of `make test`). See tests/fuzz/README.md.
 */
#ifndef VMB_TESTS_FUZZ_H
#define VMB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"
#include "config/spec.h"

/* libFuzzer's entry points; every target defines the second. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private scratch directory for this process (created on first use,
 * removed at exit). */
const char *fuzz_dir(void);

/* Write len bytes to fuzz_dir()/name; returns the path (static buffer,
 * valid until the next call). The name must be a plain file name. */
const char *fuzz_write(const char *name, const void *data, size_t len);

/* Remove every file in fuzz_dir() (between inputs). */
void fuzz_clean(void);

/* Path of a file in the source tree ("machines/virt.yaml"): relative to
 * $VMB_SRCDIR, else to the tree the target was built from. Static buffer. */
const char *fuzz_src(const char *rel);

/* Install no-op backend hooks so devices can raise interrupts and flip
 * romd mode on a board that no backend runs. */
void fuzz_board_hooks(struct vmb_board *b);

/* Sum of the sizes of the spec's memory regions (saturating). */
uint64_t fuzz_spec_mem(const struct vmb_spec *s);

#endif
