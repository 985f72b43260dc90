/* SPDX-License-Identifier: MIT */
/*
 * gdb stub (src/debug/gdbstub.c) against a stand-in backend with two vCPUs,
 * over its unix socket, packet by packet: qSupported, the target
 * description read in pieces, threads, g/p/P with Hg, m/M/X with checked
 * ranges, Z/z, vCont with a per-thread step (which vCPU gets the step in
 * set_debug), a stop reply for a reported breakpoint, Ctrl-C, detach;
 * `monitor reset` while stopped answers only once the run loop, after the
 * reboot, holds the machine in the gate.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"
#include "fixture.h"

#include "debug/gdb-packet.h"
#include "debug/gdbstub.h"

#define MEM_BASE 0x1000u
#define MEM_SIZE 0x1000u

static struct {
	struct vmb_arm64_regs regs[2];
	uint8_t mem[MEM_SIZE];
	struct vmb_debug_cfg cfg[2];
	int pauses, resumes;
	unsigned max_wp;        /* a backend limit, 0: none */
} fake;

static int f_get_regs(struct vmb_vm *vm, unsigned cpu, struct vmb_regs *r)
{
	if (cpu > 1)
		return -1;
	r->arch = VMB_ARCH_ARM64;
	r->arm64 = fake.regs[cpu];
	return 0;
}

static int f_set_regs(struct vmb_vm *vm, unsigned cpu, const struct vmb_regs *r)
{
	if (cpu > 1)
		return -1;
	fake.regs[cpu] = r->arm64;
	return 0;
}

static int f_read_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, void *buf,
		       unsigned len)
{
	if (va < MEM_BASE || va - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (va - MEM_BASE))
		return -1;
	memcpy(buf, fake.mem + (va - MEM_BASE), len);
	return 0;
}

static int f_write_virt(struct vmb_vm *vm, unsigned cpu, uint64_t va, const void *buf,
			unsigned len)
{
	if (va < MEM_BASE || va - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (va - MEM_BASE))
		return -1;
	memcpy(fake.mem + (va - MEM_BASE), buf, len);
	return 0;
}

static int f_set_debug(struct vmb_vm *vm, unsigned cpu, const struct vmb_debug_cfg *c,
		       struct vmb_err *err)
{
	if (fake.max_wp && c->nwp > fake.max_wp)
		return vmb_errf(err, NULL, "fake: %u watchpoints at most", fake.max_wp);
	fake.cfg[cpu] = *c;
	return 0;
}

static void f_pause(struct vmb_vm *vm) { fake.pauses++; }
static void f_resume(struct vmb_vm *vm) { fake.resumes++; }

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

struct client {
	struct tb t;
	struct vmb_vm vm;
	struct vmb_gdbstub *stub;
	int fd;
	struct vmb_gdb_rx rx;
};

static struct client C;

static void send_pkt(const char *p, size_t len)
{
	char frame[4096];
	size_t n = vmb_gdb_frame(frame, sizeof(frame), p, len, false);

	assert_true(n > 0);
	assert_int_equal(write(C.fd, frame, n), (ssize_t)n);
}

/* The next packet from the stub (acks skipped), NUL-terminated. */
static const char *recv_pkt(void)
{
	for (;;) {
		uint8_t c;

		assert_int_equal(read(C.fd, &c, 1), 1);
		if (vmb_gdb_rx_byte(&C.rx, c) == VMB_GDB_RX_PACKET) {
			/* the stub may have closed already (D) */
			if (write(C.fd, "+", 1) != 1)
				C.rx.buf[C.rx.len] = '\0';
			return C.rx.buf;
		}
	}
}

static const char *cmd(const char *p)
{
	send_pkt(p, strlen(p));
	return recv_pkt();
}

static int setup(void **state)
{
	char spec[320];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmb_err err = { "" };

	memset(&fake, 0, sizeof(fake));
	for (unsigned i = 0; i < 2; i++)
		for (unsigned r = 0; r < 31; r++)
			fake.regs[i].x[r] = (uint64_t)(i + 1) << 32 | r;
	fake.regs[0].pc = 0x1000;
	for (unsigned i = 0; i < MEM_SIZE; i++)
		fake.mem[i] = (uint8_t)i;
	memset(&C, 0, sizeof(C));
	assert_int_equal(tb_make(&C.t, "arch: arm64\ncpus: {count: 2}\nmemory:\n"
				 "  - name: ram\n    type: ram\n    base: 0x40000000\n"
				 "    size: 16M\n"), 0);
	C.vm.board = C.t.b;
	C.vm.ops = &fake_ops;
	snprintf(spec, sizeof(spec), "unix:%s/gdb.sock", C.t.dir);
	C.stub = vmb_gdbstub_start(&C.vm, spec, true, &err);
	assert_non_null(C.stub);
	assert_non_null(C.vm.debug_event);
	/* every vCPU was set up for exact stops before anything ran */
	assert_true(fake.cfg[0].attached && fake.cfg[1].attached);
	assert_true(strlen(spec + 5) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, spec + 5, strlen(spec + 5) + 1);
	C.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(C.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	vmb_gdb_rx_init(&C.rx);
	*state = &C;
	return 0;
}

static int teardown(void **state)
{
	close(C.fd);
	vmb_gdbstub_stop(C.stub);
	assert_null(C.vm.debugger);
	tb_free(&C.t);
	return 0;
}

static void test_queries(void **state)
{
	char xml[16384] = "";
	size_t off = 0;

	assert_non_null(strstr(cmd("qSupported:multiprocess+;swbreak+"), "PacketSize=4000"));
	assert_non_null(strstr(C.rx.buf, "qXfer:features:read+"));
	assert_non_null(strstr(C.rx.buf, "vContSupported+"));
	assert_string_equal(cmd("?"), "T05thread:1;");  /* held at reset */
	/* target.xml in 100-byte pieces: 'm' until the last, 'l' */
	for (;;) {
		char q[64];
		const char *r;

		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,64", off);
		r = cmd(q);
		assert_true(r[0] == 'm' || r[0] == 'l');
		assert_true(C.rx.len - 1 <= 0x64);
		memcpy(xml + off, r + 1, C.rx.len - 1);
		off += C.rx.len - 1;
		if (r[0] == 'l')
			break;
	}
	assert_non_null(strstr(xml, "<architecture>aarch64</architecture>"));
	assert_non_null(strstr(xml, "org.gnu.gdb.aarch64.fpu"));
	assert_non_null(strstr(xml, "name=\"vbar_el1\""));
	assert_true(strstr(xml, "</target>") != NULL);
	assert_int_equal(cmd("qXfer:features:read:other.xml:0,10")[0], 'E');
	assert_string_equal(cmd("qfThreadInfo"), "m1,2");
	assert_string_equal(cmd("qsThreadInfo"), "l");
	assert_string_equal(cmd("qAttached"), "1");
	assert_string_equal(cmd("vCont?"), "vCont;c;C;s;S");
	assert_string_equal(cmd("qNoSuchThing"), "");
	assert_string_equal(cmd("T2"), "OK");
	assert_string_equal(cmd("T3")[0] == 'E' ? "E" : "?", "E");
}

static void test_registers(void **state)
{
	const char *r = cmd("g");

	/* x0 of vCPU 0: 0x100000000 little-endian; FP registers unavailable */
	assert_int_equal(strncmp(r, "0000000001000000", 16), 0);
	assert_non_null(strstr(r, "xxxxxxxx"));
	assert_string_equal(cmd("p20"), "0010000000000000");  /* pc */
	assert_string_equal(cmd("Hg2"), "OK");
	assert_string_equal(cmd("p1"), "0100000002000000");   /* vCPU 1's x1 */
	assert_string_equal(cmd("P1=efbeadde00000000"), "OK");
	assert_true(fake.regs[1].x[1] == 0xdeadbeef);
	assert_true(fake.regs[0].x[1] == ((1ull << 32) | 1));
	assert_int_equal(cmd("P1=12")[0], 'E');              /* short */
	assert_int_equal(cmd("p999")[0], 'E');
	assert_int_equal(cmd("Hg9")[0], 'E');
	assert_string_equal(cmd("Hg1"), "OK");
}

static void test_memory(void **state)
{
	static const char x[] = "X1010,4:#$}*";
	const uint8_t want[4] = { '#', '$', '}', '*' };

	assert_string_equal(cmd("m1000,4"), "00010203");
	assert_string_equal(cmd("m1ffe,8"), "feff");           /* short read */
	assert_string_equal(cmd("m0,4"), "E0e");                /* unmapped */
	assert_string_equal(cmd("mffffffffffffffff,10"), "E16"); /* wraps */
	assert_string_equal(cmd("m1000,100000"), "E16");        /* too long */
	assert_string_equal(cmd("M1004,2:aabb"), "OK");
	assert_int_equal(fake.mem[4], 0xaa);
	assert_string_equal(cmd("M1004,2:aa"), "E16");          /* short data */
	send_pkt(x, sizeof(x) - 1);
	assert_string_equal(recv_pkt(), "OK");
	assert_memory_equal(fake.mem + 0x10, want, 4);
	assert_string_equal(cmd("X1010,8:ab"), "E16");          /* length lies */
}

static void test_run_control(void **state)
{
	struct vmb_debug_event ev = { VMB_DEBUG_SWBREAK, 0, 0 };
	uint8_t c = 0x03;

	assert_string_equal(cmd("Z0,40001000,4"), "OK");
	assert_string_equal(cmd("Z0,40001000,2"), "E16");       /* A64 kind is 4 */
	assert_string_equal(cmd("Z1,40002000,4"), "OK");
	assert_string_equal(cmd("Z2,1000,8"), "OK");
	assert_string_equal(cmd("Z2,1000,0"), "E16");
	assert_string_equal(cmd("Z9,0,0"), "");
	assert_string_equal(cmd("z1,40002000,4"), "OK");
	/* what the backend cannot hold fails its Z packet at once, and the
	 * configuration stays as it was */
	fake.max_wp = 1;
	assert_string_equal(cmd("Z2,2000,8"), "E16");
	assert_int_equal(fake.cfg[0].nwp, 1);
	assert_int_equal(fake.cfg[1].nwp, 1);
	/* step vCPU 1, continue the other */
	send_pkt("vCont;s:2;c", 11);
	usleep(100000);
	assert_true(fake.cfg[1].step && !fake.cfg[0].step);
	assert_int_equal(fake.cfg[0].nbp, 1);
	assert_int_equal(fake.cfg[1].nwp, 1);
	assert_true(fake.cfg[0].attached);
	/* no run loop waits in the gate here: the backend's resume() */
	assert_int_equal(fake.resumes, 1);
	C.vm.debug_event(&C.vm, 1, &ev);
	assert_string_equal(recv_pkt(), "T05thread:2;swbreak:;");
	assert_int_equal(fake.pauses, 1);  /* all-stop: every vCPU parked */
	assert_string_equal(cmd("qC"), "QC2");
	/* while running, register access is refused; Ctrl-C stops */
	send_pkt("c", 1);
	usleep(100000);
	assert_int_equal(cmd("g")[0], 'E');
	assert_int_equal(write(C.fd, &c, 1), 1);
	assert_non_null(strstr(recv_pkt(), "T02thread:"));
	assert_int_equal(cmd("vCont;x")[0], 'E');
	/* "s ADDR": the current thread resumes at ADDR */
	assert_string_equal(cmd("Hg1"), "OK");
	send_pkt("s40003000", 9);
	usleep(100000);
	assert_int_equal(fake.regs[0].pc, 0x40003000);
	assert_true(fake.cfg[0].step);
	assert_int_equal(write(C.fd, &c, 1), 1);
	assert_non_null(strstr(recv_pkt(), "T02thread:"));
	assert_string_equal(cmd("cxyz"), "E16");
	assert_string_equal(cmd("D"), "OK");
	usleep(100000);
	assert_int_equal(fake.cfg[0].nbp, 0);
	assert_int_equal(fake.cfg[1].nwp, 0);
	assert_true(fake.cfg[0].attached);
}

/* A run loop: the reset request, a slow reboot, then the gate (vm.c). */
static volatile int rebooted;

static void *fake_run_loop(void *arg)
{
	struct vmb_board *b = C.vm.board;

	while (__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE) != VMB_STOP_RESET)
		usleep(1000);
	b->stop = VMB_STOP_NONE;
	usleep(200000);          /* images loaded again, vCPUs reset */
	rebooted = 1;
	C.vm.debug_gate(&C.vm);  /* held until the debugger continues */
	return arg;
}

static void test_reset_while_stopped(void **state)
{
	pthread_t t;
	const char *r;

	rebooted = 0;
	assert_int_equal(pthread_create(&t, NULL, fake_run_loop, NULL), 0);
	send_pkt("qRcmd,7265736574", 16);  /* "reset" */
	while ((r = recv_pkt())[0] == 'O' && strcmp(r, "OK"))
		;                            /* console output */
	/* a continue sent on this reply must not race the reboot */
	assert_string_equal(r, "OK");
	assert_int_equal(rebooted, 1);
	assert_int_equal(fake.resumes, 0);
	send_pkt("c", 1);
	assert_int_equal(pthread_join(t, NULL), 0);  /* the gate let go */
	assert_int_equal(fake.resumes, 0);           /* not through resume() */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_while_stopped, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);  /* our ack after the stub closed (D) */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
