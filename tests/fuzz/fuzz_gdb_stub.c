/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the gdb stub's command handlers (src/debug/gdbstub.c,
 * gdb-monitor.c, gdb-target.c) behind the packet layer, as a hostile or
 * broken debugger drives them: every command with any arguments (g/G, p/P
 * with any register number, m/M/X with any address and length, Z/z of
 * every type and kind, vCont, H, q/Q packets, qXfer offsets, qRcmd with
 * any hex, D, k), Ctrl-C, bad checksums, oversized packets, in any order
 * and while the machine runs or is held.
 *
 * Input: byte 0 bit 0 picks the board (machines/virt.yaml, 2 arm64
 * vCPUs, or machines/microvm-x86_64.yaml, 2 x86_64 vCPUs), bit 1 starts
 * the machine held (--gdb-wait); the rest goes to the stub as the bytes of
 * one debugger connection over its unix socket. The backend is a stand-in
 * (registers and a 4 KiB window of guest-virtual memory at 0x1000 in this
 * file) with a run loop thread that holds the machine in the stub's gate
 * and reboots it on `monitor reset` as vm.c does. An input ends when the
 * stub has read all of it and closed the connection (EOF), or when the
 * machine reached a final stop (k) and the stub went quiet. A new stub
 * serves each input, so nothing carries over.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "debug/gdbstub.h"

#define VMEM_BASE 0x1000u
#define VMEM_SIZE 0x1000u

static struct {
	struct vmb_regs regs[2];
	uint8_t vmem[VMEM_SIZE];
} fake;

struct board_file {
	const char *file;
	struct vmb_override ov[3];
	struct vmb_board *b;
};

static struct board_file boards[] = {
	{ "machines/virt.yaml", { { "memory.ram.size", "1M" },
	  { "devices.flash.size", "1M" }, { "cpus.count", "2" } }, NULL },
	{ "machines/microvm-x86_64.yaml", { { "memory.ram.size", "1M" },
	  { "memory.high-ram.size", "1M" }, { "cpus.count", "2" } }, NULL },
};

static int f_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r)
{
	if (cpu >= vm->board->ncpus)
		return -1;
	*r = fake.regs[cpu];
	return 0;
}

static int f_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r)
{
	if (cpu >= vm->board->ncpus || r->arch != fake.regs[cpu].arch)
		abort();        /* the stub sends back what it read */
	fake.regs[cpu] = *r;
	return 0;
}

static bool in_vmem(uint64_t va, unsigned len)
{
	return va >= VMEM_BASE && va - VMEM_BASE <= VMEM_SIZE &&
	       len <= VMEM_SIZE - (va - VMEM_BASE);
}

static int f_read_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
		       unsigned len)
{
	if (cpu >= vm->board->ncpus || !in_vmem(va, len))
		return -1;
	memcpy(buf, fake.vmem + (va - VMEM_BASE), len);
	return 0;
}

static int f_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, const void *buf,
			unsigned len)
{
	if (cpu >= vm->board->ncpus || !in_vmem(va, len))
		return -1;
	memcpy(fake.vmem + (va - VMEM_BASE), buf, len);
	return 0;
}

static int f_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *c,
		       struct vmb_err *err)
{
	if (cpu >= vm->board->ncpus || c->nbp > VMB_DEBUG_MAX_BP || c->nwp > VMB_DEBUG_MAX_WP)
		abort();
	/* a backend limit, as KVM's debug registers have one */
	if (c->nwp > 4)
		return vmb_errf(err, NULL, "fake: 4 watchpoints at most");
	return 0;
}

static void f_pause(struct vmb_vm *vm) { (void)vm; }
static void f_resume(struct vmb_vm *vm) { (void)vm; }

static const struct vmb_hv_ops fake_ops = {
	.name = "fake",
	.pause = f_pause,
	.resume = f_resume,
	.get_regs = f_get_regs,
	.set_regs = f_set_regs,
	.read_virt = f_read_virt,
	.write_virt = f_write_virt,
	.set_debug = f_set_debug,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmb_err err;

	for (unsigned i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		struct vmb_spec *spec = vmb_spec_load(fuzz_src(boards[i].file), boards[i].ov,
						      3, &err);

		if (!spec || !(boards[i].b = vmb_board_create(spec, NULL, &err)))
			vmb_die("%s", err.msg);
		fuzz_board_hooks(boards[i].b);
	}
	return 0;
}

/* vm.c's run loop for a backend that never runs anything: the gate before
 * every run, a reboot on RESET, the end at any other stop. */
static struct vmb_vm vm;
static volatile int done, final_stop;

static void *run_loop(void *arg)
{
	struct vmb_board *b = vm.board;

	while (!done) {
		int st;

		vm.debug_gate(&vm);
		while (!done && !(st = __atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)))
			usleep(50);
		if (done)
			break;
		if (st != VMB_STOP_RESET) {
			final_stop = 1;
			break;
		}
		b->stop = VMB_STOP_NONE;
	}
	return arg;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Send data, drain the replies; returns when the stub closed the
 * connection or the machine stopped for good and the stub is quiet. */
static void converse(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;
	double quiet = now_s();

	if (!size)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { fd, POLLIN | (off < size ? POLLOUT : 0), 0 };
		uint8_t buf[4096];

		/* libFuzzer's timer signal (SIGALRM, -timeout) interrupts */
		if (poll(&p, 1, 5) < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				off += (size_t)n;
			else if (errno != EINTR && errno != EAGAIN)
				off = size;     /* the stub hung up */
			if (off == size)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return;
			quiet = now_s();
		}
		if (final_stop && now_s() - quiet > 0.05)
			return;
		if (now_s() - quiet > 8)
			abort();        /* the stub is stuck */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmb_err err;
	struct vmb_gdbstub *s;
	char spec[200];
	pthread_t t;
	int fd;

	if (size < 1)
		return 0;
	memset(&vm, 0, sizeof(vm));
	vm.board = boards[data[0] & 1].b;
	vm.ops = &fake_ops;
	vm.board->stop = VMB_STOP_NONE;
	memset(&fake, 0, sizeof(fake));
	/* registers pointing into the memory window, through the member of
	 * the board's arch only (the other's bools are not to be written) */
	for (unsigned c = 0; c < 2; c++) {
		fake.regs[c].arch = vm.board->spec->arch;
		if (fake.regs[c].arch == VMB_ARCH_ARM64) {
			for (unsigned i = 0; i < 31; i++)
				fake.regs[c].arm64.x[i] = VMEM_BASE + 8 * i;
			fake.regs[c].arm64.pc = VMEM_BASE;
		} else {
			fake.regs[c].x86_64.rsi = fake.regs[c].x86_64.rdi = VMEM_BASE;
			fake.regs[c].x86_64.rip = VMEM_BASE;
		}
	}
	for (unsigned i = 0; i < VMEM_SIZE; i++)
		fake.vmem[i] = (uint8_t)(i * 7);
	done = final_stop = 0;
	snprintf(spec, sizeof(spec), "unix:%s/gdb.sock", fuzz_dir());
	s = vmb_gdbstub_start(&vm, spec, data[0] & 2, &err);
	if (!s)
		vmb_die("%s", err.msg);
	if (pthread_create(&t, NULL, run_loop, NULL))
		abort();
	memcpy(sa.sun_path, spec + 5, strlen(spec + 5) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
	converse(fd, data + 1, size - 1);
	/* End the run loop: a final stop lets go of the gate within its
	 * 100 ms look at board->stop; then the stub. */
	done = 1;
	__sync_bool_compare_and_swap(&vm.board->stop, VMB_STOP_NONE, VMB_STOP_QUIT);
	pthread_join(t, NULL);
	vmb_gdbstub_stop(s);
	close(fd);
	vm.board->stop = VMB_STOP_NONE;
	return 0;
}
