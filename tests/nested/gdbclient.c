/* SPDX-License-Identifier: MIT */
/*
 * A minimal GDB remote-protocol client for the nested KVM tests of vmb's gdb
 * stub (tests/nested/gdb-tests.sh, test_gdb, for arm64 and x86_64): L1 has
 * no gdb, so this static program, built for L1's architecture, speaks the
 * packets gdb would (GDB manual, "Remote Protocol": $data#checksum with +
 * acks, run-length replies) over vmb's --gdb unix socket and prints what
 * it saw, one "key: value" line each, for the shell script to check. It
 * asserts nothing itself.
 *
 *   gdbclient SOCKET SYMBOLS FUNCTION FILENAME [notrap|noswbp]
 *
 * notrap: the test bed cannot trap on breakpoints or watchpoints (the x86
 * one under QEMU 7.2, see gdb-tests.sh): steps 3 to 6 are skipped; the
 * checks that need no trap still run. noswbp: it traps on debug-register
 * hits but not on INT3 (QEMU 10's TCG SVM): step 4 is skipped.
 * SYMBOLS is in System.map's format ("ffff8000... T name" lines; the test
 * takes them from the guest's /proc/kallsyms).
 *
 * 1. attach (the stub stops the machine), list the threads, read every
 *    vCPU's PC (all-stop: each answers); with GDBC_DEVICE set, `monitor
 *    device $GDBC_DEVICE` ("device: " lines);
 * 2. continue, then interrupt with Ctrl-C (0x03) a second later: the stop
 *    packet and the PC, a vector and an FP control register (arm64 v0,
 *    fpcr; x86 xmm0, mxcsr),
 *    then one single step of that vCPU; on x86, a fifth
 *    Z1 (four debug registers) and a Z3 (no read-only watchpoints) must
 *    be refused at the Z packet;
 * 3. Z1 (hardware breakpoint) at FUNCTION, continue; "ready: hwbreak"
 *    tells the script to run `cat FILENAME` in the guest; stops whose
 *    second argument (x1 / rsi, the user's path for do_sys_openat2) is not
 *    FILENAME are stepped over (z1, s, Z1, c); at the right one: the stop
 *    packet, the PC and the return address (lr / [rsp] at the entry)
 *    symbolised through SYMBOLS, the path, then one single step;
 * 4. the same with Z0 (BRK / INT3 written into the kernel's text), once
 *    the call of step 3 has returned (Z1 at its return address);
 * 5. a read watchpoint (Z3; on x86, which cannot watch reads alone, Z3 is
 *    tried and must be refused, then Z4, an access watchpoint) on the
 *    aligned doubleword holding the start of the path the last stop found
 *    (the kernel copies it in next, getname), continue until the stop;
 * 6. Z2 (write watchpoint): x86 on `jiffies`, which the timer tick
 *    writes; arm64 on the 4 KiB page of kernel stack the vCPU is on;
 * 7. with GDBC_GO set: `monitor reset` while stopped, continue; once the
 *    file GDBC_GO names exists (the guest is back at its shell), Ctrl-C:
 *    the debugger still holds the machine after its reset;
 * 8. D (detach: the guest runs on).
 */
#include <ctype.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fd;
static char pkt[65536];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("error: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static int getbyte(int timeout_s)
{
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned char c;

	if (poll(&p, 1, timeout_s * 1000) <= 0)
		die("timed out after %d s waiting for the stub", timeout_s);
	if (read(fd, &c, 1) != 1)
		die("the stub closed the connection");
	return c;
}

static void send_pkt(const char *fmt, ...)
{
	char body[1024], out[1100];
	unsigned sum = 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	n = snprintf(out, sizeof(out), "$%s#%02x", body, sum & 0xff);
	if (write(fd, out, (size_t)n) != n)
		die("write to the stub failed");
}

/* Next packet (acks skipped), run-length decoded, into pkt. */
static const char *recv_pkt(int timeout_s)
{
	size_t n = 0;
	int c;

	while ((c = getbyte(timeout_s)) != '$')
		;
	while ((c = getbyte(timeout_s)) != '#') {
		if (c == '*' && n) {
			int rep = getbyte(timeout_s) - 29;

			while (rep-- > 0 && n < sizeof(pkt) - 1)
				pkt[n] = pkt[n - 1], n++;
		} else if (n < sizeof(pkt) - 1) {
			pkt[n++] = (char)c;
		}
	}
	getbyte(timeout_s);
	getbyte(timeout_s);
	pkt[n] = 0;
	/* after D the stub has closed: the ack may find no reader */
	if (write(fd, "+", 1) != 1 && pkt[0] != 'O')
		die("write to the stub failed");
	return pkt;
}

static const char *cmd(const char *fmt, const char *arg)
{
	send_pkt(fmt, arg);
	return recv_pkt(30);
}

/* `monitor CMD` (qRcmd, CMD in hex): its output, sent as "O" packets of
 * hex text before the final OK, printed as "TAG: line" lines. */
static void monitor(const char *tag, const char *cmdline)
{
	char hex[256], line[512];
	size_t n = 0;

	for (size_t i = 0; cmdline[i] && 2 * i + 2 < sizeof(hex); i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)cmdline[i]);
	send_pkt("qRcmd,%s", hex);
	while (recv_pkt(30)[0] == 'O' && strcmp(pkt, "OK")) {
		for (const char *p = pkt + 1; p[0] && p[1]; p += 2) {
			unsigned b;

			sscanf(p, "%2x", &b);
			if (b == '\n' || n == sizeof(line) - 1) {
				line[n] = 0;
				printf("%s: %s\n", tag, line);
				n = 0;
			} else {
				line[n++] = (char)b;
			}
		}
	}
	if (n) {
		line[n] = 0;
		printf("%s: %s\n", tag, line);
	}
	printf("%s-reply: %s\n", tag, pkt);
}

/* ---- System.map ---------------------------------------------------------- */

static struct sym { uint64_t a; char name[64]; } *syms;
static size_t nsyms;

static void load_map(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], type, name[64];
	unsigned long long a;
	size_t cap = 0;

	if (!f)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %63s", &a, &type, name) != 3)
			continue;
		if (nsyms == cap) {
			cap = cap ? 2 * cap : 4096;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				die("out of memory");
		}
		syms[nsyms].a = a;
		strcpy(syms[nsyms++].name, name);
	}
	fclose(f);
}

static uint64_t sym_addr(const char *name)
{
	for (size_t i = 0; i < nsyms; i++)
		if (!strcmp(syms[i].name, name))
			return syms[i].a;
	die("no symbol %s in the symbol file", name);
	return 0;
}

/* "name+0xoff" of the closest symbol at or below a (text symbols). */
static const char *symbolise(uint64_t a)
{
	static char out[96];
	const struct sym *best = NULL;

	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].a <= a && (!best || syms[i].a > best->a))
			best = &syms[i];
	if (!best)
		return "?";
	snprintf(out, sizeof(out), "%s+0x%" PRIx64, best->name, a - best->a);
	return out;
}

/* ---- registers and memory ------------------------------------------------ */

static uint64_t le64(const char *hex)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		unsigned b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			die("bad register value '%s'", hex);
		v = v << 8 | b;
	}
	return v;
}

/* Register n of the current Hg thread (gdb's numbering: aarch64 x0-x30,
 * sp 31, pc 32; x86_64 rax rbx rcx rdx rsi rdi rbp rsp r8-r15, rip 16). */
static uint64_t reg(unsigned n)
{
	char r[8];

	snprintf(r, sizeof(r), "%x", n);
	return le64(cmd("p%s", r));
}

#if defined(__x86_64__)
#define REG_PC   16
#define REG_ARG1 4      /* rsi, the second argument (SysV ABI) */
#define REG_SP   7
#define READ_WATCH 4    /* no read-only watchpoints on x86 */
#define BP_KIND  1      /* Z0/Z1 kind: the instruction's size (INT3) */
#elif defined(__aarch64__)
#define REG_PC   32
#define REG_ARG1 1      /* x1 (AAPCS64) */
#define REG_LR   30
#define REG_SP   31
#define READ_WATCH 3
#define BP_KIND  4
#else
#error "gdbclient is built for an arm64 or x86_64 L1"
#endif

static void select_thread(const char *tid)
{
	if (strcmp(cmd("Hg%s", tid), "OK"))
		die("Hg%s: %s", tid, pkt);
}

/* The NUL-terminated string at guest virtual address va (at most 63). */
static const char *guest_string(uint64_t va)
{
	static char s[64];
	char a[40];
	const char *p;
	size_t n = 0;

	snprintf(a, sizeof(a), "%" PRIx64 ",3f", va);
	p = cmd("m%s", a);
	if (p[0] == 'E')
		return "(unreadable)";
	for (; p[0] && p[1] && n < sizeof(s) - 1; p += 2) {
		unsigned b;

		sscanf(p, "%2x", &b);
		if (!b)
			break;
		s[n++] = isprint((int)b) ? (char)b : '?';
	}
	s[n] = 0;
	return s;
}

/* The return address at a function's first instruction. */
static uint64_t return_address(void)
{
#if defined(__x86_64__)
	char a[40];
	const char *p;

	snprintf(a, sizeof(a), "%" PRIx64 ",8", reg(REG_SP));
	p = cmd("m%s", a);
	return p[0] == 'E' ? 0 : le64(p);
#else
	return reg(REG_LR);
#endif
}

/* Thread id ("1") named by a T stop packet. */
static const char *stop_thread(const char *t)
{
	static char tid[16];
	const char *p = strstr(t, "thread:");

	if (!p)
		die("stop packet without a thread: %s", t);
	snprintf(tid, sizeof(tid), "%.*s", (int)strcspn(p + 7, ";"), p + 7);
	return tid;
}

/* Insert (Z) or remove (z) a breakpoint / watchpoint. */
static void zpoint(char op, int type, uint64_t addr, unsigned len)
{
	char a[64];

	snprintf(a, sizeof(a), "%c%d,%" PRIx64 ",%x", op, type, addr, len);
	if (strcmp(cmd("%s", a), "OK"))
		die("%s: %s", a, pkt);
}

static const char *cont(int timeout_s)
{
	send_pkt("c");
	return recv_pkt(timeout_s);
}

/* One single step of the stopped thread; prints the new PC. */
static void step(const char *tag, const char *tid)
{
	char vc[32];
	char stop[256];

	snprintf(vc, sizeof(vc), "vCont;s:%s", tid);
	send_pkt("%s", vc);
	snprintf(stop, sizeof(stop), "%s", recv_pkt(30));
	printf("%s-step-stop: %s\n", tag, stop);
	select_thread(stop_thread(stop));
	printf("%s-step-pc: 0x%" PRIx64 " %s\n", tag, reg(REG_PC), symbolise(reg(REG_PC)));
}

/* Return address of the last stop break_on accepted. */
static uint64_t stop_ret;

/* Break at func with breakpoint type (0 or 1) until the path in x1 is
 * want; print the stop, then single-step once. */
static uint64_t break_on(const char *tag, int type, uint64_t func, const char *want)
{
	uint64_t x1 = 0;
	char stop[256];
	char tid[16];
	const char *t;

	zpoint('Z', type, func, BP_KIND);
	send_pkt("c");
	printf("ready: %s\n", tag);
	fflush(stdout);
	for (int tries = 0;; tries++) {
		uint64_t pc;
		const char *path;

		t = recv_pkt(120);
		snprintf(stop, sizeof(stop), "%s", t);
		snprintf(tid, sizeof(tid), "%s", stop_thread(t));
		select_thread(tid);
		pc = reg(REG_PC);
		x1 = reg(REG_ARG1);
		path = guest_string(x1);
		if (!strcmp(path, want) || tries == 50) {
			printf("%s-stop: %s\n", tag, stop);
			printf("%s-pc: 0x%" PRIx64 " %s\n", tag, pc, symbolise(pc));
			printf("%s-lr: 0x%" PRIx64 " %s\n", tag, return_address(),
			       symbolise(return_address()));
			printf("%s-x1: %s\n", tag, path);
			printf("%s-skipped: %d\n", tag, tries);
			stop_ret = return_address();
			break;
		}
		/* someone else's openat: step over the breakpoint, go on */
		zpoint('z', type, func, BP_KIND);
		send_pkt("vCont;s:%s", tid);
		recv_pkt(30);
		zpoint('Z', type, func, BP_KIND);
		send_pkt("c");
	}
	zpoint('z', type, func, BP_KIND);
	step(tag, tid);
	return x1;
}

/*
 * Let the call break_on stopped in return (a hardware breakpoint on its
 * return address), so that the next breakpoint on the same function
 * needs a new call. On arm64 the step usually entered the IRQ vector
 * with the interrupted function entry as the return point: without this,
 * a breakpoint inserted there next is hit by the same call as soon as
 * the interrupt returns, before the script has typed its command.
 */
static void finish_call(const char *tag)
{
	char t[256];

	zpoint('Z', 1, stop_ret, BP_KIND);
	snprintf(t, sizeof(t), "%s", cont(60));
	printf("%s-finish-stop: %s\n", tag, t);
	select_thread(stop_thread(t));
	printf("%s-finish-pc: 0x%" PRIx64 " %s\n", tag, reg(REG_PC), symbolise(reg(REG_PC)));
	zpoint('z', 1, stop_ret, BP_KIND);
}

	/* monitor reset while stopped: the machine starts over when
	 * continued, the debugger still attached; the script creates the
	 * file GDBC_GO names once the guest's shell is back */
/* Ctrl-C (0x03) to the running machine; prints TAG-stop and TAG-pc, selects
 * the stopped thread and leaves the stop packet in stop (STOP_LEN). */
#define STOP_LEN 256
static void interrupt(const char *tag, char *stop)
{
	if (write(fd, "\x03", 1) != 1)
		die("write to the stub failed");
	snprintf(stop, STOP_LEN, "%s", recv_pkt(30));
	printf("%s-stop: %s\n", tag, stop);
	select_thread(stop_thread(stop));
	printf("%s-pc: 0x%" PRIx64 " %s\n", tag, reg(REG_PC), symbolise(reg(REG_PC)));
}

static void reset_test(void)
{
	char t[STOP_LEN];

	if (getenv("GDBC_GO") && *getenv("GDBC_GO")) {
		send_pkt("qRcmd,%s", "7265736574");     /* "reset" */
		while (recv_pkt(30)[0] == 'O' && strcmp(pkt, "OK"))
			;                                /* console output */
		printf("reset: %s\n", pkt);
		send_pkt("c");
		printf("ready: reset\n");
		for (int i = 0; i < 3000 && access(getenv("GDBC_GO"), F_OK); i++)
			usleep(200000);
		interrupt("reset", t);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t func, path, watch, wlen;
	char t[STOP_LEN], list[256], tid[16], *tok, *save;
	bool trap, swbp;

	if (argc != 5 && !(argc == 6 && (!strcmp(argv[5], "notrap") ||
					 !strcmp(argv[5], "noswbp")))) {
		fprintf(stderr, "usage: gdbclient SOCKET SYMBOLS FUNCTION FILENAME "
			"[notrap|noswbp]\n");
		return 64;
	}
	trap = argc == 5 || !strcmp(argv[5], "noswbp");
	swbp = argc == 5;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	load_map(argv[2]);
	func = sym_addr(argv[3]);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot connect to %s", argv[1]);

	printf("supported: %s\n", cmd("qSupported:swbreak+;hwbreak+", ""));
	printf("attach-stop: %s\n", cmd("?", ""));
	snprintf(list, sizeof(list), "%s", cmd("qfThreadInfo", ""));
	printf("threads: %s\n", list);
	/* all-stop: every vCPU is parked, its registers readable */
	for (tok = strtok_r(list + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		select_thread(tok);
		printf("thread-%s-pc: 0x%" PRIx64 "\n", tok, reg(REG_PC));
	}

	/* a device's registers, as the stub dumps them (GDBC_DEVICE: arm64's
	 * GIC, whose SPI state comes from the in-kernel vGIC) */
	if (getenv("GDBC_DEVICE") && *getenv("GDBC_DEVICE")) {
		char m[128];

		snprintf(m, sizeof(m), "device %s", getenv("GDBC_DEVICE"));
		monitor("device", m);
	}

	/* Ctrl-C while the guest runs */
	send_pkt("c");
	sleep(1);
	interrupt("interrupt", t);

	snprintf(tid, sizeof(tid), "%s", stop_thread(t));
	/* FP/SIMD under KVM, x's if unavailable: a vector register and a
	 * control register (arm64 v0 and fpcr, gdb's 34 and 67; x86 xmm0 and
	 * mxcsr, 40 and 56) */
#if defined(__aarch64__)
	printf("fp-vec: %s\n", cmd("p22", ""));
	printf("fp-ctl: %s\n", cmd("p43", ""));
#else
	printf("fp-vec: %s\n", cmd("p28", ""));
	printf("fp-ctl: %s\n", cmd("p38", ""));
	printf("fp-fctrl: %s\n", cmd("p20", ""));
	printf("fp-ftag: %s\n", cmd("p22", ""));
#endif
	step("interrupt", tid);
#if defined(__x86_64__)
	for (int i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "Z1,%" PRIx64 ",1", func + i);
		printf("hw-insert-%d: %s\n", i + 1, cmd("%s", t));
	}
	for (int i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "z1,%" PRIx64 ",1", func + i);
		cmd("%s", t);
	}
	snprintf(t, sizeof(t), "Z3,%" PRIx64 ",8", sym_addr("jiffies"));
	printf("rwatch-insert: %s\n", cmd("%s", t));
#endif
	if (!trap) {
		snprintf(list, sizeof(list), "%s", cmd("qfThreadInfo", ""));
		for (tok = strtok_r(list + 1, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			select_thread(tok);
			printf("stopped-thread-%s-pc: 0x%" PRIx64 "\n", tok, reg(REG_PC));
		}
		goto detach;
	}

	path = break_on("hwbreak", 1, func, argv[4]);
	if (swbp) {
		finish_call("hwbreak");
		path = break_on("swbreak", 0, func, argv[4]);
	}
	/* with every vCPU stopped, read the others too */
	snprintf(list, sizeof(list), "%s", cmd("qfThreadInfo", ""));
	for (tok = strtok_r(list + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		select_thread(tok);
		printf("stopped-thread-%s-pc: 0x%" PRIx64 " %s\n", tok, reg(REG_PC),
		       symbolise(reg(REG_PC)));
	}

	watch = path & ~7ull;
	zpoint('Z', READ_WATCH, watch, 8);
	snprintf(t, sizeof(t), "%s", cont(60));
	printf("watch-stop: %s\n", t);
	if (strstr(t, "watch:"))
		printf("watch-offset: %lld\n", (long long)(strtoull(strstr(t, "watch:") + 6,
							       NULL, 16) - watch));
	select_thread(stop_thread(t));
	printf("watch-pc: 0x%" PRIx64 " %s\n", reg(REG_PC), symbolise(reg(REG_PC)));
	zpoint('z', READ_WATCH, watch, 8);

	/* A write watchpoint. x86: on jiffies, which the timer tick writes
	 * (8 bytes: one debug register). arm64: Debian's kernel has no data
	 * symbols in kallsyms (no KALLSYMS_ALL), so the 4 KiB page of the
	 * kernel stack this vCPU is on, which its next store to the stack
	 * hits (one MASK watchpoint). */
#if defined(__x86_64__)
	watch = sym_addr("jiffies");
	wlen = 8;
#else
	watch = reg(REG_SP) & ~4095ull;
	wlen = 4096;
#endif
	printf("wwatch-addr: 0x%" PRIx64 "\n", watch);
	zpoint('Z', 2, watch, wlen);
	snprintf(t, sizeof(t), "%s", cont(60));
	printf("wwatch-stop: %s\n", t);
	if (strstr(t, "watch:")) {
		uint64_t a = strtoull(strstr(t, "watch:") + 6, NULL, 16);

		printf("wwatch-inside: %s\n", a >= watch && a < watch + wlen ? "yes" : "no");
	}
	select_thread(stop_thread(t));
	printf("wwatch-pc: 0x%" PRIx64 " %s\n", reg(REG_PC), symbolise(reg(REG_PC)));
	zpoint('z', 2, watch, wlen);

detach:
	reset_test();
	printf("detach: %s\n", cmd("D", ""));
	printf("done\n");
	return 0;
}
