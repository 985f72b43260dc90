/* SPDX-License-Identifier: MIT */
/*
 * x86_64 machine constants shared by the boot protocol (arch/x86_64) and the
 * x86 backends: where vmb puts its boot-time structures in low RAM, the GDT
 * it enters the guest with, and the fixed PC interrupt controller addresses.
 *
 * Low-memory layout (as Firecracker's, in conventional memory below 640 KiB;
 * Linux reserves the whole first MiB, so none of it is ever reused):
 *   0x00500  GDT: null, null, __BOOT_CS (0x10), __BOOT_DS (0x18)
 *            (Linux Documentation/arch/x86/boot.rst, "64-bit BOOT PROTOCOL")
 *   0x07000  zero page (struct boot_params, 4 KiB)
 *   0x09000  PML4, 0x0a000 PDPT, 0x0b000-0x0efff four page directories:
 *            identity map of the first 4 GiB with 2 MiB pages
 *   0x0f000-0x1f000  stack of ELF/raw guests (RSP = 0x1f000)
 *   0x20000  kernel command line (up to 64 KiB)
 *   below 0xa0000  MP floating pointer and configuration table (Intel MP
 *            spec 1.4 §4: Linux scans the last KiB of base memory)
 *   0xe0000  ACPI tables (boot.c, acpi.c) if the board has memory there,
 *            else in low RAM below the MP table
 */
#ifndef VMB_ARCH_X86_64_X86_H
#define VMB_ARCH_X86_64_X86_H

#define VMB_X86_GDT           0x500ull
#define VMB_X86_GDT_ENTRIES   4
#define VMB_X86_BOOT_CS       0x10
#define VMB_X86_BOOT_DS       0x18
/* Flat 4 GiB descriptors: 64-bit code (L=1, execute/read) and data
 * (read/write), both DPL 0, present, 4 KiB granularity. */
#define VMB_X86_GDT_CODE64    0x00af9b000000ffffull
#define VMB_X86_GDT_DATA      0x00cf93000000ffffull

#define VMB_X86_ZERO_PAGE     0x7000ull
#define VMB_X86_PML4          0x9000ull
#define VMB_X86_PDPT          0xa000ull
#define VMB_X86_PD            0xb000ull   /* 4 pages */
#define VMB_X86_STACK_TOP     0x1f000ull
#define VMB_X86_CMDLINE       0x20000ull
#define VMB_X86_CMDLINE_MAX   0x10000ull  /* bytes, with the NUL */
#define VMB_X86_BASE_MEM_END  0xa0000ull  /* 640 KiB */
#define VMB_X86_HIGH_START    0x100000ull /* 1 MiB: lowest kernel address */
/* ACPI tables, RSDP first: the start of the range an OS scans for the
 * RSDP (0xe0000-0xfffff, ACPI 6.4 §5.2.5.1), in the BIOS area. */
#define VMB_X86_ACPI          0xe0000ull

/* Control registers for the 64-bit entry. */
#define VMB_X86_CR0_PE  (1ull << 0)
#define VMB_X86_CR0_MP  (1ull << 1)
#define VMB_X86_CR0_ET  (1ull << 4)
#define VMB_X86_CR0_NE  (1ull << 5)
#define VMB_X86_CR0_WP  (1ull << 16)
#define VMB_X86_CR0_PG  (1ull << 31)
#define VMB_X86_CR4_PAE (1ull << 5)
#define VMB_X86_CR4_OSFXSR (1ull << 9)
#define VMB_X86_CR4_OSXMMEXCPT (1ull << 10)
#define VMB_X86_EFER_LME (1ull << 8)
#define VMB_X86_EFER_LMA (1ull << 10)
#define VMB_X86_RFLAGS_IF (1ull << 9)

/* PC interrupt controllers (in-kernel on KVM). */
#define VMB_X86_IOAPIC_BASE   0xfec00000ull
#define VMB_X86_LAPIC_BASE    0xfee00000ull
#define VMB_X86_APIC_SIZE     0x1000ull
#define VMB_X86_IOAPIC_PINS   24
#define VMB_X86_MAX_CPUS      254 /* xAPIC IDs 0..253; the IOAPIC takes one */

#endif
