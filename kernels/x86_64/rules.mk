# x86_64 guest programs (included by kernels/Makefile). Built with the host
# compiler when it targets x86_64, else with x86_64-linux-gnu-gcc.
#
# Each program is an ELF linked at 1 MiB (x86_64/kernel.ld) and a raw
# binary of the same bytes, which vmb loads at 1 MiB by default. They run
# in 64-bit mode at CPL 0 (see start.S); on a software KVM (kvm_pvm) that
# code is interpreted, so their loops stay short.

X86_64_CC      ?= $(shell if [ "$$(uname -m)" = x86_64 ]; then echo cc; \
			  else echo x86_64-linux-gnu-gcc; fi)
X86_64_LD      ?= $(shell if [ "$$(uname -m)" = x86_64 ]; then echo ld; \
			  else echo x86_64-linux-gnu-ld; fi)
X86_64_OBJCOPY ?= $(shell if [ "$$(uname -m)" = x86_64 ]; then echo objcopy; \
			  else echo x86_64-linux-gnu-objcopy; fi)
X86_64_CFLAGS  := -std=c11 -O2 -Wall -Wextra -m64 -ffreestanding -nostdlib \
	-fno-builtin -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none
X86_64_OUT     := $(OUT)/x86_64
X86_64_PROGS   := hello exits halt fault reboot echo

ifneq ($(shell command -v $(X86_64_CC) 2>/dev/null),)
x86_64: $(foreach p,$(X86_64_PROGS),$(X86_64_OUT)/$(p).elf $(X86_64_OUT)/$(p).bin)
else
x86_64:
	@echo "kernels: $(X86_64_CC) not found, x86_64 programs not built"
endif

$(X86_64_OUT)/%.o: x86_64/%.c x86_64/lib.h
	@mkdir -p $(dir $@)
	$(X86_64_CC) $(X86_64_CFLAGS) -c -o $@ $<

$(X86_64_OUT)/start.o: x86_64/start.S
	@mkdir -p $(dir $@)
	$(X86_64_CC) $(X86_64_CFLAGS) -c -o $@ $<

$(X86_64_OUT)/%.elf: $(X86_64_OUT)/start.o $(X86_64_OUT)/lib.o $(X86_64_OUT)/%.o x86_64/kernel.ld
	$(X86_64_LD) -nostdlib -static -no-pie --no-warn-rwx-segments -T x86_64/kernel.ld \
		-o $@ $(X86_64_OUT)/start.o $(X86_64_OUT)/lib.o $(X86_64_OUT)/$*.o

$(X86_64_OUT)/%.bin: $(X86_64_OUT)/%.elf
	$(X86_64_OBJCOPY) -O binary $< $@

.PRECIOUS: $(X86_64_OUT)/%.o
