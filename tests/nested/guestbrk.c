/* SPDX-License-Identifier: MIT */
/*
 * The guest's own trap instruction under vmb's gdb stub
 * (tests/nested/gdb-tests.sh, test_gdb): a static program for L2 that
 * executes BRK #1 (arm64) or INT3 (x86_64) with a SIGTRAP handler. While
 * the debugger has software breakpoints, KVM hands every such trap to
 * vmb; one that is not the stub's must reach the guest as the exception
 * it would have taken: Linux turns an EL0 BRK into SIGTRAP with
 * TRAP_BRKPT, an INT3 into SIGTRAP with SI_KERNEL and RIP past the INT3
 * (a trap, SDM Vol. 3A §6.5). Prints "guest-brk: delivered" when the
 * handler ran with those and the program went on past the instruction.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile sig_atomic_t trapped;

#if defined(__x86_64__)
extern const char after_int3[];

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	/* delivered once, as a trap: RIP already past the INT3 */
	trapped = si->si_code == SI_KERNEL &&
		  uc->uc_mcontext.gregs[REG_RIP] == (greg_t)after_int3 ? 1 : 2;
}
#define TRAP() __asm__ volatile("int3\n\t.globl after_int3\nafter_int3:")
#else
static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	trapped = si->si_code == TRAP_BRKPT ? 1 : 2;
	uc->uc_mcontext.pc += 4;   /* past the BRK */
}
#define TRAP() __asm__ volatile("brk #1")
#endif

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	TRAP();
	if (trapped == 1)
		printf("guest-brk: delivered\n");
	else
		printf("guest-brk: %s\n", trapped ? "SIGTRAP with another si_code or PC" :
		       "no SIGTRAP");
	return trapped == 1 ? 0 : 1;
}
