/* SPDX-License-Identifier: MIT */
/*
 * The guest's own BRK under vmb's gdb stub (tests/nested/tests.sh,
 * test_gdb): a static aarch64 program for L2 that executes BRK #1 with a
 * SIGTRAP handler. While the debugger has software breakpoints, KVM hands
 * every BRK to vmb; one that is not the stub's must reach the guest as the
 * exception it would have taken (Linux turns an EL0 BRK into SIGTRAP,
 * TRAP_BRKPT). Prints "guest-brk: delivered" when the handler ran and the
 * program went on past the BRK.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile sig_atomic_t trapped;

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	trapped = si->si_code == TRAP_BRKPT ? 1 : 2;
	uc->uc_mcontext.pc += 4;   /* past the BRK */
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	__asm__ volatile("brk #1");
	if (trapped == 1)
		printf("guest-brk: delivered\n");
	else
		printf("guest-brk: %s\n", trapped ? "SIGTRAP with another si_code" :
		       "no SIGTRAP");
	return trapped == 1 ? 0 : 1;
}
