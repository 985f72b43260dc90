# arm64 guest programs (included by kernels/Makefile).
#
# hello.bin is linked at 0 and hello.elf at the hello board's RAM base; the
# rule checks that both contain the same bytes, i.e. that the program is
# position-independent and so runs at any (4 KiB aligned) load address.

ARM64_CROSS  ?= aarch64-linux-gnu-
ARM64_CC     := $(ARM64_CROSS)gcc
ARM64_LD     := $(ARM64_CROSS)ld
ARM64_OBJCOPY := $(ARM64_CROSS)objcopy
ARM64_CFLAGS := -std=c11 -O2 -Wall -Wextra -ffreestanding -nostdlib -fno-builtin \
	-fno-pic -fno-pie -mcmodel=small -mgeneral-regs-only -mstrict-align \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns
ARM64_OUT    := $(OUT)/arm64
ARM64_OBJS   := $(ARM64_OUT)/start.o $(ARM64_OUT)/hello.o
ARM64_ELF_ADDR := 0x80000000

arm64: $(ARM64_OUT)/hello.bin $(ARM64_OUT)/hello.elf $(ARM64_OUT)/serial2.bin \
	$(ARM64_OUT)/hostile.bin

# serial2.bin: two-UART echo program for the serial backend tests
$(ARM64_OUT)/serial2.elf: $(ARM64_OUT)/serial2.o arm64/hello.ld
	$(ARM64_LD) -nostdlib -static --no-warn-rwx-segments -T arm64/hello.ld \
		--defsym=LOAD_ADDR=0 -o $@ $<

$(ARM64_OUT)/serial2.bin: $(ARM64_OUT)/serial2.elf
	$(ARM64_OBJCOPY) -O binary $< $@

$(ARM64_OUT)/%.o: arm64/%.c
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(ARM64_CFLAGS) -c -o $@ $<

$(ARM64_OUT)/%.o: arm64/%.S
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(ARM64_CFLAGS) -c -o $@ $<

$(ARM64_OUT)/hello-0.elf: $(ARM64_OBJS) arm64/hello.ld
	$(ARM64_LD) -nostdlib -static --no-warn-rwx-segments -T arm64/hello.ld --defsym=LOAD_ADDR=0 \
		-o $@ $(ARM64_OBJS)

$(ARM64_OUT)/hello.elf: $(ARM64_OBJS) arm64/hello.ld
	$(ARM64_LD) -nostdlib -static --no-warn-rwx-segments -T arm64/hello.ld \
		--defsym=LOAD_ADDR=$(ARM64_ELF_ADDR) -o $@ $(ARM64_OBJS)

$(ARM64_OUT)/hello.bin: $(ARM64_OUT)/hello-0.elf $(ARM64_OUT)/hello.elf
	$(ARM64_OBJCOPY) -O binary $(ARM64_OUT)/hello-0.elf $@
	$(ARM64_OBJCOPY) -O binary $(ARM64_OUT)/hello.elf $@.check
	@cmp -s $@ $@.check || { rm -f $@ $@.check; \
		echo "hello.bin is not position-independent: its bytes depend" \
		     "on the link address" >&2; exit 1; }
	@rm -f $@.check

# hostile.bin: the hostile-guest suite for machines/virt.yaml
# (tests/integration/hostile-arm64.sh), linked where vmb loads a raw
# kernel on that board: the start of RAM.
ARM64_HOSTILE_ADDR := 0x40000000

$(ARM64_OUT)/start-hostile.o: arm64/start.S
	@mkdir -p $(dir $@)
	$(ARM64_CC) $(ARM64_CFLAGS) -DENTRY_MAIN=hostile_main -c -o $@ $<

$(ARM64_OUT)/hostile.elf: $(ARM64_OUT)/start-hostile.o $(ARM64_OUT)/hostile.o arm64/hello.ld
	$(ARM64_LD) -nostdlib -static --no-warn-rwx-segments -T arm64/hello.ld \
		--defsym=LOAD_ADDR=$(ARM64_HOSTILE_ADDR) -o $@ \
		$(ARM64_OUT)/start-hostile.o $(ARM64_OUT)/hostile.o

$(ARM64_OUT)/hostile.bin: $(ARM64_OUT)/hostile.elf
	$(ARM64_OBJCOPY) -O binary $< $@
