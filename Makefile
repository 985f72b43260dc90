# vmb — one entry point.
#
#   make              build ./vmb
#   make run          set up (packages, guest images) and boot Debian's U-Boot
#                     on machines/virt.yaml; Ctrl-A x quits
#   make test         set up and run unit + integration tests
#   make check-unit   cmocka unit tests only
#   make check-schema schemas/machine.schema.json = `vmb schema`, validated
#   make check-integration   real guests over their console
#   make check-asan   unit + integration tests under ASan/UBSan
#   make check-fresh  `make test` from a clean clone in a fresh Debian 12
#                     root (debootstrap, chroot; root, network; minutes)
#   make bench        benchmarks side by side with QEMU (bench/)
#   make fuzz         libFuzzer targets, FUZZ_SECONDS (60) each (tests/fuzz/)
#   make check-kvm-arm64 / bench-kvm-arm64   arm64 KVM tests / boot times
#                     inside a nested arm64 Linux (tests/nested/run.sh)
#   make check-kvm-x86 / bench-kvm-x86   the same for x86_64 KVM inside a
#                     nested x86_64 Linux (directly where /dev/kvm exists)
#   make install      install vmb and the shipped machines under $(PREFIX)
#
# Set-up targets install Debian packages with apt-get (as root, or via sudo)
# and fetch guest images with apt-get download into build/images.

PREFIX   ?= /usr/local
CC       ?= cc
BUILD    ?= build
PKGS     := yaml-0.1 capstone unicorn nettle libarchive
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfdt

CFLAGS   ?= -O2 -g
SANFLAGS ?=
ALL_CFLAGS = $(CFLAGS) $(SANFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	    -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Isrc $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

SRCS     := $(shell find src -name '*.c' | sort)
# VMB_EMU=0 leaves out the Unicorn backend: Debian's arm64 libunicorn.a
# cannot be linked statically (GOT overflow), and the static aarch64 vmb of
# the nested KVM tests (tests/nested/build-arm64.sh) runs on KVM only.
ifeq ($(VMB_EMU),0)
SRCS     := $(filter-out src/hv/emu.c src/hv/emu-replay.c src/hv/emu-clock.c \
	    src/hv/emu-debug.c,$(SRCS))
endif
# VMB_NBD=0 leaves out libnbd (nbd:// drives), e.g. for static cross builds.
VMB_NBD  ?= 1
ifneq ($(VMB_NBD),0)
PKG_CFLAGS += -DVMB_NBD $(shell pkg-config --cflags libnbd 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs libnbd 2>/dev/null || echo -lnbd)
endif
# VMB_SLIRP=0 leaves out libslirp ("net: user"), e.g. for static cross builds.
VMB_SLIRP ?= 1
ifneq ($(VMB_SLIRP),0)
PKG_CFLAGS += -DVMB_SLIRP
LDLIBS   += -lslirp
else
SRCS     := $(filter-out src/net/slirp.c,$(SRCS))
endif
# VMB_BUNDLE=0 leaves out bundles (vmb pack/unpack, libarchive): the
# static aarch64 vmb has no static libarchive. Default: bundle.c.
ifeq ($(VMB_BUNDLE),0)
SRCS     := $(filter-out src/cli/bundle.c,$(SRCS))
else
SRCS     := $(filter-out src/cli/bundle-none.c,$(SRCS))
endif
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
ifeq ($(VMB_EMU),0)
# calls into emu-replay.c directly
UNIT_SRCS := $(filter-out tests/unit/test_emu_replay.c,$(UNIT_SRCS))
endif
ifeq ($(VMB_BUNDLE),0)
UNIT_SRCS := $(filter-out tests/unit/test_bundle.c tests/unit/test_path_props.c,$(UNIT_SRCS))
endif
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

IMAGES   := $(BUILD)/images
UBOOT    := $(IMAGES)/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin

.PHONY: all run test check check-unit check-integration check-asan bench \
	deps images kernels install clean check-kvm-arm64 bench-kvm-arm64 \
	check-linux-x86 check-fresh check-schema check-kvm-x86 bench-kvm-x86

all: vmb

vmb: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

# --- set-up ---------------------------------------------------------------

deps:
	@sh tests/setup-deps.sh

images: deps
	@sh tests/fetch-images.sh $(IMAGES)

kernels:
	$(MAKE) -C kernels

# --- main job ---------------------------------------------------------------

run: deps images
	$(MAKE) vmb
	./vmb run machines/virt.yaml --firmware $(UBOOT)

# --- tests ----------------------------------------------------------------

$(BUILD)/tests/%: tests/unit/%.c tests/unit/fixture.c $(LIB_OBJS) tests/unit/unit.h \
		tests/unit/fixture.h $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests/unit -o $@ $< tests/unit/fixture.c \
		$(LIB_OBJS) $(LDLIBS) -lcmocka

check-unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

check-integration: vmb kernels
	@sh tests/integration/run.sh ./vmb $(IMAGES)

# The JSON Schema: equal to `vmb schema`, validated with python3-jsonschema
# against the shipped machines and fixtures (tests/check-schema.py).
check-schema: vmb
	@/usr/bin/python3 tests/check-schema.py ./vmb

check: check-unit check-schema check-integration

test: deps images
	$(MAKE) vmb kernels
	$(MAKE) check
	$(MAKE) check-kvm-arm64   # nested arm64 KVM, 1-2 min
ifeq ($(VMB_NESTED_X86),0)
	@echo "test: check-kvm-x86 left out (VMB_NESTED_X86=0)"
else
	$(MAKE) check-kvm-x86     # nested x86_64 KVM, 2-10 min
endif

check-asan: deps images
	$(MAKE) kernels   # the guest programs the integration tests boot
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		vmb-asan check-unit-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		sh tests/integration/run.sh ./build/asan/vmb $(IMAGES)

# A vmb under $(BUILD), for cross builds (tests/nested/build-arm64.sh).
$(BUILD)/vmb: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# arm64 KVM, nested: a static aarch64 vmb run inside an arm64 Linux guest of
# qemu-system-aarch64 (TCG, virtualization=on); see tests/nested/run.sh.
check-kvm-arm64:
	@sh tests/nested/run.sh check

bench-kvm-arm64:
	@sh tests/nested/run.sh bench

# x86_64 KVM, nested: a static vmb inside Debian's amd64 Linux in
# qemu-system-x86_64 (TCG, AMD SVM + nested paging); see tests/nested/run.sh.
check-kvm-x86: deps
	@sh tests/nested/run.sh x86_64 check

bench-kvm-x86: deps
	@sh tests/nested/run.sh x86_64 bench

# Debian's x86_64 cloud kernel through the 64-bit boot protocol on the
# microvm board (KVM); minutes on a software KVM. tests/integration/linux-x86.sh.
check-linux-x86: deps
	$(MAKE) vmb
	@sh tests/integration/linux-x86.sh ./vmb $(IMAGES)

# `make test` from a clean clone of HEAD in a fresh Debian 12 minbase root
# (cached under build/fresh); see tests/check-fresh.sh.
check-fresh:
	@bash tests/check-fresh.sh

vmb-asan: $(BUILD)/vmb

check-unit-asan: $(UNIT_BINS)
	@ASAN_OPTIONS=detect_leaks=1 sh tests/run-unit.sh $(UNIT_BINS)

bench: deps images
	$(MAKE) vmb kernels
	@sh bench/run.sh ./vmb $(IMAGES)
	$(MAKE) bench-kvm-arm64   # nested arm64 KVM: vmb against QEMU -accel kvm
	$(MAKE) bench-kvm-x86     # nested x86_64 KVM: vmb against QEMU microvm

# The man page, generated from the binary's --help and per-command help.
$(BUILD)/vmb.1: vmb src/cli/manpage.sh
	@mkdir -p $(BUILD)
	sh src/cli/manpage.sh ./vmb $@

# vmb, the machines and what they name (src/cli/install-machines.sh),
# the schema, the man page and bash completion. The installed vmb finds
# its machines by name from $(PREFIX)/bin/../share/vmb/machines.
install: vmb kernels $(BUILD)/vmb.1
	install -D -m 0755 vmb $(DESTDIR)$(PREFIX)/bin/vmb
	sh src/cli/install-machines.sh $(DESTDIR)$(PREFIX)/share/vmb
	install -D -m 0644 schemas/machine.schema.json \
		$(DESTDIR)$(PREFIX)/share/vmb/schemas/machine.schema.json
	install -D -m 0644 $(BUILD)/vmb.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmb.1
	install -D -m 0644 src/cli/completion.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vmb

# --- fuzzing: targets, replay and `make fuzz` (tests/fuzz/README.md) -------
include tests/fuzz/fuzz.mk

clean:
	rm -rf $(BUILD) vmb
	$(MAKE) -C kernels clean
