# ---- fuzzing: included from the Makefile ----------------------------------
#
# Convention (tests/fuzz/README.md):
#   tests/fuzz/fuzz_<name>.c      one libFuzzer target: LLVMFuzzerTestOneInput
#                                 (and optionally LLVMFuzzerInitialize);
#                                 found by this wildcard, nothing to register
#   tests/fuzz/corpus/<name>/     committed seed inputs (optional)
#   tests/fuzz/<name>.dict        libFuzzer dictionary (optional)
#   tests/fuzz/regressions/<name>/ every crash or hang found, one file each;
#                                 replayed by `make test` (check-unit)
#   FUZZ_SEEDS_<name> := DIRS     extra seed directories (shipped machines...)
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="loader mmio"]
#       builds build/fuzz/fuzz_<name> (clang, libFuzzer, ASan + UBSan) and
#       runs each for FUZZ_SECONDS, printing execs/s and coverage per target
#       (tests/fuzz/run.sh); crashes land in build/fuzz/crashes/<name>/.
#   make check-fuzz-replay
#       runs every regression input and seed through each target built with
#       $(CC) as a plain program (tests/fuzz/replay.c): no clang needed;
#       under ASan in `make check-asan`.

FUZZ_ALL      := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS  ?= $(FUZZ_ALL)
FUZZ_SECONDS  ?= 60
FUZZ_CC       ?= clang
FUZZ_BUILD    := build/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_DEFS      = -DVMB_SRCDIR='"$(CURDIR)"' -Itests/fuzz
FUZZ_CFLAGS    = -O1 -g -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra \
		 -Wno-unused-parameter -Isrc $(PKG_CFLAGS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_HDRS     := tests/fuzz/fuzz.h tests/fuzz/fuzz.c

FUZZ_SEEDS_loader := machines tests/fixtures/config
FUZZ_SEEDS_dtb    := machines

.PHONY: fuzz fuzz-build deps-fuzz check-fuzz-replay
# Kept: the fuzz binaries are pattern targets, which would make them intermediate.
.SECONDARY: $(FUZZ_LIB_OBJS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ \
		$< tests/fuzz/fuzz.c $(FUZZ_LIB_OBJS) $(LDLIBS)

fuzz-build: deps-fuzz
	$(MAKE) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz_comma := ,
fuzz_empty :=
fuzz_space := $(fuzz_empty) $(fuzz_empty)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(foreach t,$(FUZZ_TARGETS),\
		$(t):$(subst $(fuzz_space),$(fuzz_comma),$(strip $(FUZZ_SEEDS_$(t)))))

deps-fuzz:
	@sh tests/setup-deps.sh clang libclang-rt-14-dev

# Regression replay with the ordinary compiler, part of check-unit.
FUZZ_REPLAY := $(FUZZ_ALL:%=$(BUILD)/fuzz-replay/replay_%)

$(BUILD)/fuzz-replay/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HDRS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c \
		tests/fuzz/fuzz.c $(LIB_OBJS) $(LDLIBS)

check-fuzz-replay: $(FUZZ_REPLAY)
	@$(foreach t,$(FUZZ_ALL),$(BUILD)/fuzz-replay/replay_$(t) tests/fuzz/regressions/$(t) \
		tests/fuzz/corpus/$(t) $(FUZZ_SEEDS_$(t)) &&) true

check-unit check-unit-asan: check-fuzz-replay

-include $(FUZZ_LIB_OBJS:.o=.d)
