/* SPDX-License-Identifier: MIT */
/*
 * The floor for bench/x86-exits.sh: the cheapest possible VMM around the
 * same guest loops as kernels/x86_64/exits.c — one vCPU, the same
 * in-kernel irqchip and PIT, a KVM_RUN loop that completes each exit with
 * no dispatch at all. The guest times each loop with RDTSC, exactly as
 * exits.c does, so both sides are measured the same way:
 *   N x { out %al,(%dx) ; dec %rcx ; jnz }   to port 0x3ff
 *   N x { mov (%rbx),%eax ; dec %rcx ; jnz } from GPA 0xd0000000 (no memslot)
 *
 *   x86_exit_floor N
 * prints "pio CYCLES mmio CYCLES tsc-hz HZ" (TSC cycles per exit; the TSC
 * rate is measured against CLOCK_MONOTONIC over the run).
 * Linux KVM API: Documentation/virt/kvm/api.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MEM_SIZE  0x400000ul
#define CODE      0x100000ul
#define PML4      0x9000ul

extern const uint8_t guest_code[], guest_code_end[];

/* Guest: r12 = N; leaves its three RDTSC readings in r8, r9, r10. */
__asm__(".section .rodata\n"
	".globl guest_code, guest_code_end\n"
	"guest_code:\n"
	"	rdtsc\n	shl $32, %rdx\n	or %rdx, %rax\n	mov %rax, %r8\n"
	"	mov %r12, %rcx\n	mov $0x3ff, %edx\n	mov $0x5a, %al\n"
	"1:	out %al, (%dx)\n	dec %rcx\n	jnz 1b\n"
	"	rdtsc\n	shl $32, %rdx\n	or %rdx, %rax\n	mov %rax, %r9\n"
	"	mov %r12, %rcx\n	mov $0xd0000000, %ebx\n"
	"2:	movl (%rbx), %eax\n	dec %rcx\n	jnz 2b\n"
	"	rdtsc\n	shl $32, %rdx\n	or %rdx, %rax\n	mov %rax, %r10\n"
	"	mov $0x501, %edx\n	out %al, (%dx)\n"
	"3:	jmp 3b\n"
	"guest_code_end:\n"
	".text\n");

static void die(const char *what)
{
	fprintf(stderr, "x86_exit_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void segment(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int kvm, vm, vcpu, nent = 256;
	struct kvm_userspace_memory_region slot;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint64_t *pt, tsc0;
	uint8_t *mem;
	double t0;

	if (n == 0)
		n = 1;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) || ioctl(vm, KVM_CREATE_IRQCHIP, 0) ||
	    ioctl(vm, KVM_CREATE_PIT2, &pit))
		die("irqchip");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	slot = (struct kvm_userspace_memory_region){ 0, 0, 0, MEM_SIZE, (uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot))
		die("memslot");
	/* GDT at 0x500 as vmb's, 4 GiB identity map with 2 MiB pages. */
	((uint64_t *)(mem + 0x500))[2] = 0x00af9b000000ffffull;
	((uint64_t *)(mem + 0x500))[3] = 0x00cf93000000ffffull;
	pt = (uint64_t *)(mem + PML4);
	pt[0] = (PML4 + 0x1000) | 3;
	for (int i = 0; i < 4; i++) {
		pt[512 + i] = (PML4 + 0x2000 + i * 0x1000ul) | 3;
		for (int j = 0; j < 512; j++)
			pt[1024 + i * 512 + j] = ((uint64_t)(i * 512 + j) << 21) | 0x83;
	}
	memcpy(mem + CODE, guest_code, (size_t)(guest_code_end - guest_code));

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
	cpuid->nent = nent;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) || ioctl(vcpu, KVM_SET_CPUID2, cpuid))
		die("cpuid");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("sregs");
	segment(&sregs.cs, 0x10, 1);
	segment(&sregs.ds, 0x18, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = 0x500;
	sregs.gdt.limit = 31;
	sregs.cr0 = 0x80050033;
	sregs.cr3 = PML4;
	sregs.cr4 = 0x620;
	sregs.efer = 0x500;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = CODE;
	regs.rsp = 0x8000;
	regs.r12 = n;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs))
		die("set regs");

	t0 = now();
	tsc0 = rdtsc();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			if (run->io.port == 0x501)
				break;
			continue;               /* the floor: nothing to dispatch */
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			memcpy(run->mmio.data, "virt", 4);
			continue;
		}
		fprintf(stderr, "x86_exit_floor: unexpected exit %u\n", run->exit_reason);
		return 1;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &regs))
		die("get regs");
	printf("pio %llu mmio %llu tsc-hz %.0f\n",
	       (unsigned long long)((regs.r9 - regs.r8) / n),
	       (unsigned long long)((regs.r10 - regs.r9) / n),
	       (double)(rdtsc() - tsc0) / (now() - t0));
	return 0;
}
