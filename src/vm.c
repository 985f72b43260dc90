/* SPDX-License-Identifier: MIT */
/*
 * Machine life cycle: console -> board -> backend -> boot -> run loop, and
 * teardown in the reverse order. See vm.h.
 *
 * Teardown order matters: the backend goes first because its vCPUs touch
 * everything; then the board's event loop stops (after running the work
 * queued on it); the console input thread delivers into a device, so the
 * console is destroyed (thread joined) before the board.
 *
 * SIGINT, SIGTERM and SIGHUP are blocked in every thread and taken by a
 * sigwait() thread, which turns them into an ordinary stop request; the
 * run loop then shuts down as for C-a x (terminal restored, memory freed)
 * and the process exits with 128 + the signal number.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/boot.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/x86.h"
#include "board/board.h"
#include "board/console.h"
#include "debug/crash.h"
#include "debug/gdbstub.h"
#include "fdt/fdt.h"
#include "hv/hv.h"
#include "util/loop.h"
#include "vm.h"

struct sig_ctx {
	sigset_t set;
	pthread_t thread;
	bool started;
	volatile bool done;
	struct vmb_board *volatile board; /* NULL until it exists */
	volatile sig_atomic_t caught;
};

static void *sig_main(void *arg)
{
	struct sig_ctx *c = arg;
	int sig;

	for (;;) {
		if (sigwait(&c->set, &sig))
			continue;
		if (c->done)
			return NULL;
		if (!c->caught)
			c->caught = sig;
		if (c->board)
			vmb_board_request_stop(c->board, VMB_STOP_QUIT,
					       "stopped by signal %d (%s)", sig,
					       strsignal(sig));
	}
}

static void sig_start(struct sig_ctx *c, sigset_t *old)
{
	sigemptyset(&c->set);
	sigaddset(&c->set, SIGINT);
	sigaddset(&c->set, SIGTERM);
	sigaddset(&c->set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &c->set, old);
	c->started = !pthread_create(&c->thread, NULL, sig_main, c);
}

static void sig_stop(struct sig_ctx *c, const sigset_t *old)
{
	if (c->started) {
		c->done = true;
		pthread_kill(c->thread, SIGTERM);
		pthread_join(c->thread, NULL);
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int vmb_write_file(const char *path, const void *buf, size_t len,
		   struct vmb_err *err)
{
	const char *p = buf;
	int fd;

	if (!strcmp(path, "-"))
		fd = STDOUT_FILENO;
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vmb_errf(err, NULL, "cannot create '%s': %s", path,
				strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vmb_errf(err, NULL, "cannot write '%s': %s", path,
				 n ? strerror(errno) : "short write");
			if (fd != STDOUT_FILENO)
				close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fd != STDOUT_FILENO && close(fd))
		return vmb_errf(err, NULL, "cannot write '%s': %s", path,
				strerror(errno));
	return 0;
}

static int write_guest_dtb(struct vmb_vm *vm, const char *path, struct vmb_err *err)
{
	const uint8_t *p;

	if (!vm->boot.dtb_size)
		return vmb_errf(err, NULL, "--dtb-out: this boot placed no device "
				"tree (the board has no RAM)");
	p = vmb_board_gpa_ptr(vm->board, vm->boot.dtb, vm->boot.dtb_size);
	if (!p)
		return vmb_errf(err, NULL, "--dtb-out: device tree at 0x%llx is not "
				"in guest memory", (unsigned long long)vm->boot.dtb);
	return vmb_write_file(path, p, vm->boot.dtb_size, err);
}

/* Reset request: devices and images back to power-on, boot again. */
static int vm_reboot(struct vmb_vm *vm, struct vmb_err *err)
{
	struct vmb_board *b = vm->board;

	b->stop = VMB_STOP_NONE;
	b->stop_msg[0] = '\0';
	if (vmb_board_reset(b, err) || vmb_boot_prepare(b, &vm->boot, err))
		return -1;
	return vm->ops->reset(vm, err);
}

/* --trace: before the backend exists (it installs its hooks in create). */
static int trace_start(struct vmb_vm *vm, const struct vmb_trace_opts *t,
		       struct vmb_err *err)
{
	if (t->insn && !vm->ops->trace_insn)
		return vmb_errf(err, NULL, "--trace insn: the %s backend cannot "
				"record executed instructions: the guest runs on "
				"the host CPU and vmb sees only its exits (MMIO, "
				"hypercalls), not each instruction; use --accel emu "
				"(firmware and bare-metal arm64 guests)", vm->ops->name);
	if (t->insn)
		vm->insn_trace = vmb_insn_trace_new(vm->board->ncpus, t->insn);
	if (t->mmio_file) {
		vm->board->mmio_trace = vmb_mmio_trace_open(t->mmio_file, err);
		if (!vm->board->mmio_trace)
			return -1;
	}
	return 0;
}

/* After the backend and the event loop are gone: nothing logs now. */
static void trace_stop(struct vmb_vm *vm)
{
	if (vm->board) {
		vmb_mmio_trace_close(vm->board->mmio_trace);
		vm->board->mmio_trace = NULL;
	}
	vmb_insn_trace_free(vm->insn_trace);
	vm->insn_trace = NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run to a final stop reason; returns it (ERROR with err set on host
 * failure during a reboot). */
static enum vmb_stop_reason run_loop(struct vmb_vm *vm, unsigned *resets,
				     struct vmb_err *err)
{
	for (;;) {
		enum vmb_stop_reason r;

		/* a debugger holding the machine stopped (--gdb-wait, reset) */
		if (vm->debug_gate)
			vm->debug_gate(vm);
		r = vm->ops->run(vm);

		if (r != VMB_STOP_RESET)
			return r;
		++*resets;
		if (vm_reboot(vm, err))
			return VMB_STOP_ERROR;
	}
}

static int report_stop(struct vmb_vm *vm, enum vmb_stop_reason r,
		       const struct vmb_err *err, bool verbose)
{
	const char *msg = vm->board->stop_msg;

	switch (r) {
	case VMB_STOP_POWEROFF:
		if (verbose)
			vmb_warn("%s", msg[0] ? msg : "guest powered off");
		return VMB_EXIT_OK;
	case VMB_STOP_QUIT:
		/* The guest may have left the cursor mid-line. */
		fputs("\n", stderr);
		vmb_warn("%s", msg[0] ? msg : "terminated by the user");
		return VMB_EXIT_OK;
	case VMB_STOP_FAULT:
		fflush(stdout);
		vmb_mmio_trace_flush(vm->board->mmio_trace);
		if (msg[0])
			vmb_warn("guest fault: %s", msg);
		vmb_crash_report(vm, stderr);
		return VMB_EXIT_FAULT;
	case VMB_STOP_ERROR:
		vmb_warn("%s", err->msg[0] ? err->msg :
			 msg[0] ? msg : "backend error");
		return VMB_EXIT_ERROR;
	case VMB_STOP_NONE:
	case VMB_STOP_RESET:
		break;
	}
	vmb_warn("the %s backend stopped without a reason", vm->ops->name);
	return VMB_EXIT_ERROR;
}

int vmb_vm_run(const struct vmb_spec *spec, const struct vmb_run_opts *o)
{
	struct vmb_err err = { "" };
	struct vmb_vm vm = { 0 };
	struct vmb_console *con;
	struct sig_ctx sig = { 0 };
	struct vmb_gdbstub *gdb = NULL;
	sigset_t oldmask;
	unsigned resets = 0;
	int status = VMB_EXIT_ERROR;
	double t0 = now_ms();

	/* Before the signal thread: a socket server waiting for its first
	 * client can still be interrupted with C-c. */
	con = vmb_console_open(o->serial, o->nserial, isatty(STDIN_FILENO), &err);
	if (!con) {
		vmb_warn("%s", err.msg);
		return VMB_EXIT_ERROR;
	}
	sig_start(&sig, &oldmask);
	vm.board = vmb_board_create(spec, con, &err);
	if (!vm.board)
		goto out;
	sig.board = vm.board;
	if (vmb_loop_start(vm.board->loop, &err))
		goto out;
	vmb_console_start(con, vm.board);
	vm.stats = o->stats;
	vm.ops = vmb_hv_select(o->accel ? o->accel : "auto", vm.board, &err);
	if (!vm.ops || trace_start(&vm, &o->trace, &err))
		goto out;
	if (vm.ops->create(&vm, &err) ||
	    vmb_boot_prepare(vm.board, &vm.boot, &err) ||
	    (o->dtb_out && write_guest_dtb(&vm, o->dtb_out, &err)) ||
	    vm.ops->reset(&vm, &err))
		goto out;
	/* Only emu has a virtual clock (docs/backends.md). */
	if (spec->det.enabled && vm.board->hv.clock_ns == NULL)
		vmb_warn("deterministic machine on the %s backend: device tree "
			 "seeds, entropy and RTC start are fixed, guest timing is "
			 "not (use --accel emu for identical runs)", vm.ops->name);
	if (o->verbose) {
		vmb_warn("machine '%s' on the %s backend, %u vCPU%s", spec->name,
			 vm.ops->name, vm.board->ncpus, vm.board->ncpus == 1 ? "" : "s");
		if (spec->arch == VMB_ARCH_X86_64)
			vmb_warn("entry 0x%llx in 64-bit mode, zero page (RSI) 0x%llx",
				 (unsigned long long)vm.boot.pc,
				 (unsigned long long)vm.boot.rsi);
		else
			vmb_warn("entry 0x%llx, x0 0x%llx, device tree at 0x%llx "
				 "(%llu bytes)", (unsigned long long)vm.boot.pc,
				 (unsigned long long)vm.boot.x[0],
				 (unsigned long long)vm.boot.dtb,
				 (unsigned long long)vm.boot.dtb_size);
	}
	if (o->gdb && !(gdb = vmb_gdbstub_start(&vm, o->gdb, o->gdb_wait, &err)))
		goto out;
	{
		enum vmb_stop_reason r = run_loop(&vm, &resets, &err);

		vmb_gdbstub_stop(gdb);
		gdb = NULL;
		vmb_console_flush(con); /* guest output before vmb's messages */
		status = report_stop(&vm, r, &err, o->verbose);
	}
	err.msg[0] = '\0';
	if (o->stats) {
		fprintf(stderr, "vmb: %.1f ms, %u guest reset%s\n", now_ms() - t0,
			resets, resets == 1 ? "" : "s");
		if (vm.ops->print_stats)
			vm.ops->print_stats(&vm, stderr);
	}
out:
	vmb_gdbstub_stop(gdb);
	if (err.msg[0])
		vmb_warn("%s", err.msg);
	/* A backend whose create() failed midway frees what it made in
	 * destroy(), so call it whenever it left state behind. */
	if (vm.ops && vm.priv)
		vm.ops->destroy(&vm);
	/* No vCPU runs now: let the loop finish queued work (flash writes,
	 * console output) before anything it uses goes away. */
	if (vm.board)
		vmb_loop_stop(vm.board->loop);
	sig.board = NULL;
	vmb_console_destroy(con);
	trace_stop(&vm);
	vmb_board_destroy(vm.board);
	sig_stop(&sig, &oldmask);
	if (sig.caught)
		return 128 + sig.caught;
	return status;
}

int vmb_vm_write_dtb(const struct vmb_spec *spec, const char *path,
		     struct vmb_err *err)
{
	struct vmb_board *b = vmb_board_create(spec, NULL, err);
	void *blob;
	int rc = -1;

	if (!b)
		return -1;
	blob = vmb_fdt_build(b, 0, 0, err);
	if (blob) {
		rc = vmb_write_file(path, blob, fdt_totalsize(blob), err);
		free(blob);
	}
	vmb_board_destroy(b);
	return rc;
}

int vmb_vm_write_acpi(const struct vmb_spec *spec, const char *dir,
		      struct vmb_err *err)
{
	struct vmb_board *b;
	struct vmb_acpi t;
	int rc = 0;

	if (spec->arch != VMB_ARCH_X86_64)
		return vmb_errf(err, NULL, "'%s' is an %s machine: ACPI tables are "
				"generated for x86_64 machines", spec->name,
				vmb_arch_name(spec->arch));
	b = vmb_board_create(spec, NULL, err);
	if (!b)
		return -1;
	if (vmb_acpi_build(b, VMB_X86_ACPI, &t, err)) {
		vmb_board_destroy(b);
		return -1;
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		rc = vmb_errf(err, NULL, "cannot create '%s': %s", dir, strerror(errno));
	for (unsigned i = 0; i < t.n && !rc; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s.dat", dir, t.table[i].sig);
		rc = vmb_write_file(path, t.buf + t.table[i].off, t.table[i].len, err);
	}
	vmb_acpi_free(&t);
	vmb_board_destroy(b);
	return rc;
}

static void print_boot(const struct vmb_spec *spec, const struct vmb_boot_state *st,
		       FILE *out)
{
	const struct vmb_boot_spec *bs = &spec->boot;

	fprintf(out, "boot:\n");
	if (bs->firmware)
		fprintf(out, "  firmware     %s\n", bs->firmware);
	if (bs->kernel)
		fprintf(out, "  kernel       %s%s\n", bs->kernel,
			bs->firmware ? " (for the firmware, via fw_cfg)" : "");
	if (bs->initrd)
		fprintf(out, "  initrd       %s\n", bs->initrd);
	if (bs->dtb)
		fprintf(out, "  dtb          %s\n", bs->dtb);
	if (bs->cmdline && bs->cmdline[0])
		fprintf(out, "  cmdline      %s\n", bs->cmdline);
	fprintf(out, "  entry        0x%llx\n", (unsigned long long)st->pc);
	if (spec->arch == VMB_ARCH_ARM64)
		fprintf(out, "  x0           0x%llx\n", (unsigned long long)st->x[0]);
	if (st->dtb_size)
		fprintf(out, "  device tree  0x%llx (%llu bytes)\n",
			(unsigned long long)st->dtb,
			(unsigned long long)st->dtb_size);
}

int vmb_vm_check(const struct vmb_spec *spec, const char *accel, FILE *out,
		 struct vmb_err *err)
{
	struct vmb_board *b = vmb_board_create(spec, NULL, err);
	struct vmb_boot_state st;
	int rc;

	if (!b)
		return -1;
	rc = vmb_boot_prepare(b, &st, err);
	if (rc && !spec->boot.firmware && !spec->boot.kernel) {
		/* A board file need not name what it boots: "vmb run
		 * --kernel" may supply it. */
		vmb_board_print(b, out);
		fprintf(out, "boot:\n  nothing to boot yet: set boot.firmware or "
			"boot.kernel (--firmware, --kernel)\n");
		rc = 0;
	} else if (!rc) {
		vmb_board_print(b, out);
		print_boot(spec, &st, out);
	}
	if (!rc) {
		vmb_hv_print_board(b, out);
		/* "none": the machine alone, for files meant for other hosts */
		if (strcmp(accel ? accel : "auto", "none") &&
		    !vmb_hv_select(accel ? accel : "auto", b, err))
			rc = -1;
	}
	vmb_board_destroy(b);
	return rc;
}
