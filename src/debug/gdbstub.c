/* SPDX-License-Identifier: MIT */
/*
 * gdb remote stub (gdbstub.h). One thread serves the listening socket and
 * the connection; vCPU threads only post debug events to it (a pipe), so
 * no vCPU ever blocks on the network.
 *
 * States: "running" (vCPUs run) and "stopped" (every vCPU parked: the
 * backend's pause(), or the run loop held in vm->debug_gate before run()
 * after --gdb-wait or a reset while stopped). A debug event or Ctrl-C
 * while running stops every vCPU and sends a T stop reply; c/s/vCont
 * install each vCPU's struct vmb_debug_cfg (breakpoints and watchpoints
 * are machine-wide, stepping per vCPU) and resume them all.
 *
 * Every address and length from the debugger is checked: lengths are
 * bounded by the packet size, ranges must not wrap, memory goes through
 * the backend's read_virt / write_virt, which refuse what is not RAM, ROM
 * or flash (device registers are never touched by m/M/X).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "board/board.h"
#include "board/chardev.h"
#include "debug/gdb-monitor.h"
#include "debug/gdb-packet.h"
#include "debug/gdb-target.h"
#include "debug/gdbstub.h"
#include "util/deadline.h"

#define MAX_CPUS 512
/* Largest m/M/X transfer: its hex fits in a packet with room to spare. */
#define MAX_MEM ((VMB_GDB_PACKET_MAX - 64) / 2)

struct vmb_gdbstub {
	struct vmb_vm *vm;
	const struct vmb_gdb_arch *arch;
	unsigned ncpus;
	char *spec, *unix_path;
	int lfd, cfd;
	int pipe[2];                 /* vCPU events and quit -> stub thread */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;        /* the fields below */
	pthread_cond_t cond;
	bool stopped;                /* the debugger holds the machine */
	bool in_gate;                /* the run loop waits in debug_gate */
	unsigned gate_entries;       /* times it came there */
	bool quit;
	bool waited;                 /* started with --gdb-wait */
	bool pending;                /* an event to report */
	unsigned ev_cpu;
	struct vmb_debug_event ev;

	/* Stub thread only. */
	struct vmb_gdb_rx rx;
	bool noack;
	bool trace;                  /* $VMB_GDB_TRACE: packets on stderr */
	char last[2 * VMB_GDB_PACKET_MAX + 8]; /* for a resend on '-' */
	size_t last_len;
	unsigned g_cpu;              /* Hg: registers and memory */
	char stop_reply[128];        /* for '?' */
	struct vmb_debug_cfg cfg;    /* breakpoints and watchpoints */
	char out[VMB_GDB_PACKET_MAX + 1];
};

/* ---- output -------------------------------------------------------------- */

/* MSG_NOSIGNAL: a debugger that went away must not kill vmb (SIGPIPE). */
static void send_raw(struct vmb_gdbstub *s, const char *p, size_t n)
{
	while (s->cfd >= 0 && n) {
		ssize_t w = send(s->cfd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(s->cfd);
			s->cfd = -1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void send_packet_n(struct vmb_gdbstub *s, const char *payload, size_t len)
{
	size_t n = vmb_gdb_frame(s->last, sizeof(s->last), payload, len, true);

	if (s->trace)
		fprintf(stderr, "gdb: <- %.*s\n", (int)(n < 200 ? n : 200), s->last);
	s->last_len = n;
	send_raw(s, s->last, n);
}

static void send_packet(struct vmb_gdbstub *s, const char *payload)
{
	send_packet_n(s, payload, strlen(payload));
}

static void reply_error(struct vmb_gdbstub *s, int code)
{
	char e[8];

	snprintf(e, sizeof(e), "E%02x", code & 0xff);
	send_packet(s, e);
}

/* ---- machine control ----------------------------------------------------- */

/* No breakpoints, watchpoints or stepping; "attached" stays on for as long
 * as the stub serves, so that a stop request is always exact. */
static void clear_cfg(struct vmb_gdbstub *s)
{
	memset(&s->cfg, 0, sizeof(s->cfg));
	s->cfg.attached = true;
}

static void stop_machine(struct vmb_gdbstub *s)
{
	bool gate;

	pthread_mutex_lock(&s->lock);
	if (s->stopped) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->stopped = true;
	gate = s->in_gate;
	pthread_mutex_unlock(&s->lock);
	/* Not under the lock: a vCPU may be posting an event meanwhile. */
	if (!gate && s->vm->ops->pause)
		s->vm->ops->pause(s->vm);
}

/* Install the configuration (step_cpu steps, -1 none) and resume. */
static int resume_machine(struct vmb_gdbstub *s, int step_cpu)
{
	struct vmb_err err = { "" };
	bool gate;

	for (unsigned i = 0; i < s->ncpus; i++) {
		s->cfg.step = (int)i == step_cpu;
		if (s->vm->ops->set_debug(s->vm, i, &s->cfg, &err)) {
			vmb_warn("gdb: %s", err.msg);
			return -1;
		}
	}
	s->cfg.step = false;
	pthread_mutex_lock(&s->lock);
	s->stopped = false;
	s->pending = false;
	gate = s->in_gate;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (!gate && s->vm->ops->resume)
		s->vm->ops->resume(s->vm);
	return 0;
}

static void on_debug_event(struct vmb_vm *vm, unsigned cpu,
			   const struct vmb_debug_event *ev)
{
	struct vmb_gdbstub *s = vm->debugger;
	char c = 'e';

	pthread_mutex_lock(&s->lock);
	if (!s->stopped && !s->pending) {
		s->pending = true;
		s->ev_cpu = cpu;
		s->ev = *ev;
		if (write(s->pipe[1], &c, 1) < 0) {
			/* the pipe is never full: one byte per stop */
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* With s->lock held: wait on s->cond for at most 100 ms, for conditions
 * nothing signals (a stop request from C-a x or a signal). */
static void wait_tick(struct vmb_gdbstub *s)
{
	struct timespec ts = vmb_deadline_ms(100);

	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void on_gate(struct vmb_vm *vm)
{
	struct vmb_gdbstub *s = vm->debugger;

	pthread_mutex_lock(&s->lock);
	s->in_gate = true;
	s->gate_entries++;
	pthread_cond_broadcast(&s->cond);
	/* A stop request (C-a x, a signal) signals no condition of ours:
	 * look at it every 100 ms. */
	while (s->stopped && !s->quit && !vm->board->stop)
		wait_tick(s);
	s->in_gate = false;
	pthread_mutex_unlock(&s->lock);
}

/*
 * `monitor reset`. Running: the run loop reboots the machine and it runs
 * on. Stopped: the run loop reboots it and then holds it in the gate;
 * wait for that before replying, or the debugger's next packets would race
 * the reboot (seen: a continue sent at once resumed the vCPUs on the old
 * kernel while the reboot loaded the images over it, and both
 * triple-faulted). Gives up when the stub is told to quit (the run loop
 * ended instead, e.g. the reboot failed).
 */
static void reset_machine(struct vmb_gdbstub *s)
{
	unsigned seen;

	pthread_mutex_lock(&s->lock);
	seen = s->gate_entries;
	pthread_mutex_unlock(&s->lock);
	vmb_board_request_stop(s->vm->board, VMB_STOP_RESET, NULL);
	if (!s->stopped)
		return;
	pthread_mutex_lock(&s->lock);
	/* a run loop held in the gate sees the request now, not at its next
	 * look (wait_tick) */
	pthread_cond_broadcast(&s->cond);
	while (s->gate_entries == seen && !s->quit)
		wait_tick(s);
	pthread_mutex_unlock(&s->lock);
}

static void set_stop_reply(struct vmb_gdbstub *s, unsigned cpu,
			   const struct vmb_debug_event *ev)
{
	static const char *const watch[] = {
		[VMB_WP_WRITE] = "watch", [VMB_WP_READ] = "rwatch",
		[VMB_WP_ACCESS] = "awatch",
	};
	int n = snprintf(s->stop_reply, sizeof(s->stop_reply), "T%02xthread:%x;",
			 ev ? 5 : 2, cpu + 1);

	if (!ev)
		return;
	switch (ev->reason) {
	case VMB_DEBUG_SWBREAK:
		snprintf(s->stop_reply + n, sizeof(s->stop_reply) - n, "swbreak:;");
		break;
	case VMB_DEBUG_HWBREAK:
		snprintf(s->stop_reply + n, sizeof(s->stop_reply) - n, "hwbreak:;");
		break;
	case VMB_DEBUG_WATCH:
		snprintf(s->stop_reply + n, sizeof(s->stop_reply) - n, "%s:%llx;",
			 watch[ev->kind], (unsigned long long)ev->addr);
		break;
	case VMB_DEBUG_STEP:
		break;
	}
	s->g_cpu = cpu;
}

/* ---- registers and memory ------------------------------------------------- */

static int get_regs(struct vmb_gdbstub *s, struct vmb_regs *r)
{
	memset(r, 0, sizeof(*r));
	return s->vm->ops->get_regs(s->vm, s->g_cpu, r);
}

static size_t put_reg(struct vmb_gdbstub *s, const struct vmb_regs *r, unsigned n,
		      char *out)
{
	uint8_t v[16];
	bool avail;
	unsigned size = vmb_gdb_reg_get(s->arch, r, n, v, &avail);

	if (avail)
		vmb_gdb_to_hex(out, v, size);
	else
		memset(out, 'x', 2 * size);
	return 2 * size;
}

static void cmd_g(struct vmb_gdbstub *s, const char *p)
{
	struct vmb_regs r;
	size_t o = 0;

	if (get_regs(s, &r))
		return reply_error(s, 14);
	for (unsigned i = 0; i < s->arch->nregs; i++)
		o += put_reg(s, &r, i, s->out + o);
	s->out[o] = '\0';
	send_packet(s, s->out);
}

static void cmd_G(struct vmb_gdbstub *s, const char *p)
{
	struct vmb_regs r;

	if (get_regs(s, &r))
		return reply_error(s, 14);
	for (unsigned i = 0; i < s->arch->nregs && *p; i++) {
		unsigned size = vmb_gdb_reg_size(s->arch, i);
		uint8_t v[16];

		if (strlen(p) < 2 * size)
			return reply_error(s, 22);
		/* "xx...": unavailable, left as it is; read-only ones too */
		if (!vmb_gdb_hex_bytes(p, v, size))
			vmb_gdb_reg_set(s->arch, &r, i, v);
		p += 2 * size;
	}
	if (s->vm->ops->set_regs(s->vm, s->g_cpu, &r))
		return reply_error(s, 22);
	send_packet(s, "OK");
}

static void cmd_p(struct vmb_gdbstub *s, const char *p)
{
	struct vmb_regs r;
	uint64_t n;
	size_t len;

	if (vmb_gdb_hex_u64(&p, &n) || *p || n >= s->arch->nregs)
		return reply_error(s, 22);
	if (get_regs(s, &r))
		return reply_error(s, 14);
	len = put_reg(s, &r, (unsigned)n, s->out);
	s->out[len] = '\0';
	send_packet(s, s->out);
}

static void cmd_P(struct vmb_gdbstub *s, const char *p)
{
	struct vmb_regs r;
	uint8_t v[16];
	uint64_t n;
	unsigned size;

	if (vmb_gdb_hex_u64(&p, &n) || *p++ != '=' || n >= s->arch->nregs)
		return reply_error(s, 22);
	size = vmb_gdb_reg_size(s->arch, (unsigned)n);
	if (strlen(p) != 2 * size || vmb_gdb_hex_bytes(p, v, size))
		return reply_error(s, 22);
	if (get_regs(s, &r))
		return reply_error(s, 14);
	if (vmb_gdb_reg_set(s->arch, &r, (unsigned)n, v) ||
	    s->vm->ops->set_regs(s->vm, s->g_cpu, &r))
		return reply_error(s, 22);
	send_packet(s, "OK");
}

/* "ADDR,LEN" then sep: checked against MAX_MEM and wrap-around. */
static int parse_range(const char **p, char sep, uint64_t *addr, uint64_t *len)
{
	if (vmb_gdb_hex_u64(p, addr) || *(*p)++ != ',' || vmb_gdb_hex_u64(p, len))
		return -1;
	if (**p != sep || *len > MAX_MEM || *addr + *len < *addr)
		return -1;
	if (sep)
		(*p)++;
	return 0;
}

static int read_mem(struct vmb_gdbstub *s, uint64_t addr, void *buf, unsigned len)
{
	if (s->vm->ops->read_virt)
		return s->vm->ops->read_virt(s->vm, s->g_cpu, addr, buf, len);
	return -1;
}

static void cmd_m(struct vmb_gdbstub *s, const char *p)
{
	static uint8_t buf[MAX_MEM];
	uint64_t addr, len, n = 0;

	if (parse_range(&p, '\0', &addr, &len))
		return reply_error(s, 22);
	if (read_mem(s, addr, buf, (unsigned)len)) {
		/* Short read up to the end of what is mapped (gdb allows it). */
		while (n < len && !read_mem(s, addr + n, buf + n, 1))
			n++;
		if (!n && len)
			return reply_error(s, 14);
		len = n;
	}
	vmb_gdb_to_hex(s->out, buf, len);
	send_packet(s, s->out);
}

static void write_mem(struct vmb_gdbstub *s, uint64_t addr, const void *buf,
		      uint64_t len)
{
	if (!len)
		return send_packet(s, "OK");
	if (!s->vm->ops->write_virt ||
	    s->vm->ops->write_virt(s->vm, s->g_cpu, addr, buf, (unsigned)len))
		return reply_error(s, 14);
	send_packet(s, "OK");
}

static void cmd_M(struct vmb_gdbstub *s, const char *p)
{
	static uint8_t buf[MAX_MEM];
	uint64_t addr, len;

	if (parse_range(&p, ':', &addr, &len) || strlen(p) != 2 * len ||
	    vmb_gdb_hex_bytes(p, buf, len))
		return reply_error(s, 22);
	write_mem(s, addr, buf, len);
}

/* X: binary data; the packet layer has undone the escapes, so the payload
 * length (not strlen: data may hold NULs) says how much there is. */
static void cmd_X(struct vmb_gdbstub *s, const char *p)
{
	const char *start = p;
	uint64_t addr, len;

	if (parse_range(&p, ':', &addr, &len))
		return reply_error(s, 22);
	if ((size_t)(p - start) + len != s->rx.len - 1)
		return reply_error(s, 22);
	write_mem(s, addr, p, len);
}

/* ---- breakpoints and watchpoints ----------------------------------------- */

/* A Z/z changes the configuration the next resume installs. While the
 * machine is stopped the backend is asked at once, so that what it cannot
 * do (a fifth x86 debug register, a read watchpoint on x86, a breakpoint
 * outside guest memory under KVM) fails this packet, where gdb names the
 * breakpoint, rather than the next continue; the previous configuration
 * is put back. */
static void commit_Z(struct vmb_gdbstub *s, const struct vmb_debug_cfg *old)
{
	struct vmb_err err = { "" };

	for (unsigned i = 0; s->stopped && i < s->ncpus; i++)
		if (s->vm->ops->set_debug(s->vm, i, &s->cfg, &err)) {
			vmb_warn("gdb: %s", err.msg);
			s->cfg = *old;
			for (unsigned j = 0; j <= i; j++)
				s->vm->ops->set_debug(s->vm, j, &s->cfg, &err);
			return reply_error(s, 22);
		}
	send_packet(s, "OK");
}

static void cmd_Z(struct vmb_gdbstub *s, const char *p, bool insert)
{
	struct vmb_debug_cfg old = s->cfg;
	struct vmb_debug_cfg *c = &s->cfg;
	uint64_t type, addr, kind;
	unsigned i;

	if (vmb_gdb_hex_u64(&p, &type) || *p++ != ',' || vmb_gdb_hex_u64(&p, &addr) ||
	    *p++ != ',' || vmb_gdb_hex_u64(&p, &kind))
		return reply_error(s, 22);
	if (*p && *p != ';')
		return reply_error(s, 22);
	if (type > 4)
		return send_packet(s, ""); /* unsupported type: gdb tries another way */
	if (type <= 1) {
		if (kind != s->arch->bp_kind)
			return reply_error(s, 22);
		for (i = 0; i < c->nbp && c->bp[i].addr != addr; i++)
			;
		if (insert && i == c->nbp) {
			if (c->nbp == VMB_DEBUG_MAX_BP)
				return reply_error(s, 28); /* ENOSPC */
			c->bp[c->nbp].addr = addr;
			c->bp[c->nbp++].hw = type == 1;
		} else if (!insert && i < c->nbp) {
			c->bp[i] = c->bp[--c->nbp];
		}
		return commit_Z(s, &old);
	}
	if (!kind || kind > 4096 || addr + kind < addr)
		return reply_error(s, 22);
	for (i = 0; i < c->nwp; i++)
		if (c->wp[i].addr == addr && c->wp[i].len == kind &&
		    c->wp[i].kind == (enum vmb_wp_kind)type)
			break;
	if (insert && i == c->nwp) {
		if (c->nwp == VMB_DEBUG_MAX_WP)
			return reply_error(s, 28);
		c->wp[c->nwp].addr = addr;
		c->wp[c->nwp].len = kind;
		c->wp[c->nwp++].kind = (enum vmb_wp_kind)type;
	} else if (!insert && i < c->nwp) {
		c->wp[i] = c->wp[--c->nwp];
	}
	commit_Z(s, &old);
}

static void cmd_Zins(struct vmb_gdbstub *s, const char *p) { cmd_Z(s, p, true); }
static void cmd_zrem(struct vmb_gdbstub *s, const char *p) { cmd_Z(s, p, false); }

/* ---- threads and execution ------------------------------------------------ */

/* A thread id: -1 = all, 0 = any, else vCPU + 1. *cpu: -1 for all/any. */
static int parse_tid(struct vmb_gdbstub *s, const char **p, int *cpu)
{
	uint64_t t;

	if (**p == '-' && (*p)[1] == '1') {
		*p += 2;
		*cpu = -1;
		return 0;
	}
	if (vmb_gdb_hex_u64(p, &t) || t > s->ncpus)
		return -1;
	*cpu = (int)t - 1;
	return 0;
}

static void cmd_H(struct vmb_gdbstub *s, const char *p)
{
	char op = *p++;
	int cpu;

	if ((op != 'g' && op != 'c') || parse_tid(s, &p, &cpu) || *p)
		return reply_error(s, 22);
	if (op == 'g')
		s->g_cpu = cpu < 0 ? 0 : (unsigned)cpu;
	send_packet(s, "OK");
}

static void cmd_T(struct vmb_gdbstub *s, const char *p)
{
	int cpu;

	if (parse_tid(s, &p, &cpu) || *p || cpu < 0)
		return reply_error(s, 22);
	send_packet(s, "OK");
}

/* "c ADDR" / "s ADDR" (GDB manual, "Packets"): resume at ADDR, set as the
 * PC of the current thread first. gdb itself no longer sends the address;
 * other clients may. */
static int resume_at(struct vmb_gdbstub *s, const char *p)
{
	struct vmb_regs r;
	uint64_t addr;

	if (!*p)
		return 0;
	if (vmb_gdb_hex_u64(&p, &addr) || *p || get_regs(s, &r))
		return -1;
	if (r.arch == VMB_ARCH_ARM64)
		r.arm64.pc = addr;
	else
		r.x86_64.rip = addr;
	return s->vm->ops->set_regs(s->vm, s->g_cpu, &r);
}

static void cmd_continue(struct vmb_gdbstub *s, const char *p)
{
	if (resume_at(s, p) || resume_machine(s, -1))
		reply_error(s, 22);
}

static void cmd_step(struct vmb_gdbstub *s, const char *p)
{
	if (resume_at(s, p) || resume_machine(s, (int)s->g_cpu))
		reply_error(s, 22);
}

/* vCont;ACTION[:TID]... All-stop: the whole machine resumes; the vCPU named
 * with 's' (or the default action 's') steps. 'r' (range step) is not
 * offered in vCont?, so gdb does not send it. */
static void cmd_vcont(struct vmb_gdbstub *s, const char *p)
{
	int step = -2;   /* -2: no step; -1: default action is step */
	bool any = false;

	while (*p == ';') {
		char a = *++p;
		int cpu = -1;

		p++;
		if (a != 'c' && a != 's' && a != 'C' && a != 'S')
			return reply_error(s, 22);
		if (a == 'C' || a == 'S') {  /* signal number: ignored */
			uint64_t sig;

			if (vmb_gdb_hex_u64(&p, &sig))
				return reply_error(s, 22);
		}
		if (*p == ':') {
			p++;
			if (parse_tid(s, &p, &cpu))
				return reply_error(s, 22);
		}
		if ((a == 's' || a == 'S') && step == -2)
			step = cpu;
		any = true;
	}
	if (*p || !any)
		return reply_error(s, 22);
	if (step == -1)
		step = (int)s->g_cpu;
	if (resume_machine(s, step < 0 ? -1 : step))
		reply_error(s, 22);
}

static void cmd_stop_reason(struct vmb_gdbstub *s, const char *p)
{
	send_packet(s, s->stop_reply);
}

static void cmd_thread_info(struct vmb_gdbstub *s, const char *p)
{
	size_t o = 1;

	s->out[0] = 'm';
	for (unsigned i = 0; i < s->ncpus && o < sizeof(s->out) - 20; i++)
		o += (size_t)snprintf(s->out + o, sizeof(s->out) - o, "%s%x",
				      i ? "," : "", i + 1);
	send_packet(s, s->out);
}

static void cmd_thread_info_more(struct vmb_gdbstub *s, const char *p)
{
	send_packet(s, "l");
}

static void cmd_qC(struct vmb_gdbstub *s, const char *p)
{
	char r[24];

	snprintf(r, sizeof(r), "QC%x", s->g_cpu + 1);
	send_packet(s, r);
}

static void cmd_thread_extra(struct vmb_gdbstub *s, const char *p)
{
	char name[32];
	int cpu;

	if (parse_tid(s, &p, &cpu) || cpu < 0)
		return reply_error(s, 22);
	snprintf(name, sizeof(name), "vCPU %d", cpu);
	vmb_gdb_to_hex(s->out, name, strlen(name));
	send_packet(s, s->out);
}

static void cmd_detach(struct vmb_gdbstub *s, const char *p)
{
	clear_cfg(s);
	send_packet(s, "OK");
	close(s->cfd);
	s->cfd = -1;
	resume_machine(s, -1);
}

static void cmd_kill(struct vmb_gdbstub *s, const char *p)
{
	vmb_board_request_stop(s->vm->board, VMB_STOP_QUIT, "killed by the debugger");
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->cond);  /* out of the gate, to the exit */
	pthread_mutex_unlock(&s->lock);
	close(s->cfd);
	s->cfd = -1;
}

/* ---- queries -------------------------------------------------------------- */

static void cmd_supported(struct vmb_gdbstub *s, const char *p)
{
	char r[160];

	snprintf(r, sizeof(r), "PacketSize=%x;qXfer:features:read+;"
		 "vContSupported+;QStartNoAckMode+;swbreak+;hwbreak+",
		 VMB_GDB_PACKET_MAX);
	send_packet(s, r);
}

static void cmd_noack(struct vmb_gdbstub *s, const char *p)
{
	send_packet(s, "OK");
	s->noack = true;  /* after the OK, which is still acknowledged */
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void cmd_xfer_features(struct vmb_gdbstub *s, const char *p)
{
	const char *xml = s->arch->xml;
	size_t total = strlen(xml);
	uint64_t off, len;

	if (strncmp(p, "target.xml:", 11))
		return reply_error(s, 0);  /* E00: no such annex */
	p += 11;
	if (vmb_gdb_hex_u64(&p, &off) || *p++ != ',' || vmb_gdb_hex_u64(&p, &len) || *p)
		return reply_error(s, 22);
	if (len > VMB_GDB_PACKET_MAX - 8)
		len = VMB_GDB_PACKET_MAX - 8;
	if (off >= total)
		return send_packet(s, "l");
	if (len > total - off)
		len = total - off;
	s->out[0] = off + len < total ? 'm' : 'l';
	memcpy(s->out + 1, xml + off, len);
	send_packet_n(s, s->out, len + 1);
}

static void cmd_attached(struct vmb_gdbstub *s, const char *p)
{
	send_packet(s, "1");  /* a running machine: detach, do not kill */
}

static void cmd_vcont_query(struct vmb_gdbstub *s, const char *p)
{
	send_packet(s, "vCont;c;C;s;S");
}

static void cmd_rcmd(struct vmb_gdbstub *s, const char *p)
{
	static char cmd[VMB_GDB_PACKET_MAX / 2 + 1];
	size_t n = strlen(p) / 2;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	bool reset;

	if (strlen(p) % 2 || vmb_gdb_hex_bytes(p, cmd, n))
		return reply_error(s, 22);
	cmd[n] = '\0';
	out = open_memstream(&text, &len);
	if (!out)
		return reply_error(s, 12);
	reset = vmb_gdb_monitor(s->vm, s->stopped, cmd, out);
	fclose(out);
	if (reset)
		reset_machine(s);
	/* console output packets ("O" + hex), then OK */
	for (size_t o = 0; o < len;) {
		size_t chunk = len - o < 4000 ? len - o : 4000;

		s->out[0] = 'O';
		vmb_gdb_to_hex(s->out + 1, text + o, chunk);
		send_packet(s, s->out);
		o += chunk;
	}
	free(text);
	send_packet(s, "OK");
}

/* ---- dispatch -------------------------------------------------------------- */

/* Longest prefixes first where one is a prefix of another. */
static const struct {
	const char *prefix;
	bool needs_stop;       /* only while the machine is stopped */
	void (*fn)(struct vmb_gdbstub *s, const char *args);
} commands[] = {
	{ "qSupported", false, cmd_supported },
	{ "qXfer:features:read:", false, cmd_xfer_features },
	{ "QStartNoAckMode", false, cmd_noack },
	{ "qAttached", false, cmd_attached },
	{ "qfThreadInfo", false, cmd_thread_info },
	{ "qsThreadInfo", false, cmd_thread_info_more },
	{ "qThreadExtraInfo,", false, cmd_thread_extra },
	{ "qC", false, cmd_qC },
	{ "qRcmd,", false, cmd_rcmd },
	{ "vCont?", false, cmd_vcont_query },
	{ "vCont", true, cmd_vcont },
	{ "?", false, cmd_stop_reason },
	{ "g", true, cmd_g },
	{ "G", true, cmd_G },
	{ "p", true, cmd_p },
	{ "P", true, cmd_P },
	{ "m", true, cmd_m },
	{ "M", true, cmd_M },
	{ "X", true, cmd_X },
	{ "Z", false, cmd_Zins },
	{ "z", false, cmd_zrem },
	{ "H", false, cmd_H },
	{ "T", false, cmd_T },
	{ "c", true, cmd_continue },
	{ "s", true, cmd_step },
	{ "D", false, cmd_detach },
	{ "k", false, cmd_kill },
};

static void dispatch(struct vmb_gdbstub *s)
{
	const char *p = s->rx.buf;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		size_t n = strlen(commands[i].prefix);

		if (strncmp(p, commands[i].prefix, n))
			continue;
		if (commands[i].needs_stop && !s->stopped)
			return reply_error(s, 16); /* EBUSY */
		commands[i].fn(s, p + n);
		return;
	}
	send_packet(s, "");  /* unsupported: the empty reply */
}

/* ---- connection ------------------------------------------------------------ */

static void on_connect(struct vmb_gdbstub *s, int fd)
{
	s->cfd = fd;
	vmb_gdb_rx_init(&s->rx);
	s->noack = false;
	s->last_len = 0;
	s->g_cpu = 0;
	clear_cfg(s);
	/* As QEMU does: a debugger that attaches finds the machine stopped. */
	stop_machine(s);
	if (!s->stop_reply[0]) {
		/* held at reset (--gdb-wait): a trap, as QEMU's -S reports it;
		 * else interrupted by the attach */
		static const struct vmb_debug_event reset = { VMB_DEBUG_STEP, 0, 0 };

		set_stop_reply(s, 0, s->waited ? &reset : NULL);
	}
	vmb_warn("gdb: debugger connected on %s", s->spec);
}

/* The debugger went away without detaching: forget its breakpoints and
 * let the guest run on. */
static void on_disconnect(struct vmb_gdbstub *s)
{
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
	clear_cfg(s);
	if (s->stopped && !s->vm->board->stop)
		resume_machine(s, -1);
	vmb_warn("gdb: debugger disconnected");
}

static void on_byte(struct vmb_gdbstub *s, uint8_t c)
{
	switch (vmb_gdb_rx_byte(&s->rx, c)) {
	case VMB_GDB_RX_NONE:
	case VMB_GDB_RX_ACK:
		break;
	case VMB_GDB_RX_NAK:
		if (!s->noack && s->last_len)
			send_raw(s, s->last, s->last_len);
		break;
	case VMB_GDB_RX_INTERRUPT:
		if (!s->stopped) {
			stop_machine(s);
			set_stop_reply(s, s->g_cpu, NULL);
			send_packet(s, s->stop_reply);
		}
		break;
	case VMB_GDB_RX_BAD_CHECKSUM:
		if (!s->noack)
			send_raw(s, "-", 1);
		vmb_warn("gdb: packet with a bad checksum %s", s->noack ?
			 "ignored" : "refused");
		break;
	case VMB_GDB_RX_OVERSIZE:
		if (!s->noack)
			send_raw(s, "+", 1);
		vmb_warn("gdb: packet longer than %u bytes refused", VMB_GDB_PACKET_MAX);
		reply_error(s, 7);  /* E2BIG */
		break;
	case VMB_GDB_RX_MALFORMED:
		if (!s->noack)
			send_raw(s, "-", 1);
		vmb_warn("gdb: malformed packet refused");
		break;
	case VMB_GDB_RX_PACKET:
		if (s->trace)
			fprintf(stderr, "gdb: -> %.*s\n", (int)(s->rx.len < 200 ? s->rx.len : 200),
				s->rx.buf);
		if (!s->noack)
			send_raw(s, "+", 1);
		dispatch(s);
		break;
	}
}

static void on_event(struct vmb_gdbstub *s)
{
	char buf[64];
	bool pending;
	unsigned cpu;
	struct vmb_debug_event ev;

	while (read(s->pipe[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		;
	pthread_mutex_lock(&s->lock);
	pending = s->pending && !s->stopped;
	cpu = s->ev_cpu;
	ev = s->ev;
	pthread_mutex_unlock(&s->lock);
	if (!pending)
		return;
	stop_machine(s);
	set_stop_reply(s, cpu, &ev);
	send_packet(s, s->stop_reply);
}

static void *stub_main(void *arg)
{
	struct vmb_gdbstub *s = arg;
	uint8_t buf[4096];

	while (!s->quit) {
		struct pollfd pf[2] = {
			{ s->pipe[0], POLLIN, 0 },
			{ s->cfd >= 0 ? s->cfd : s->lfd, POLLIN, 0 },
		};

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (s->quit)
			break;
		if (pf[0].revents)
			on_event(s);
		if (!pf[1].revents)
			continue;
		if (s->cfd < 0) {
			int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				on_connect(s, fd);
			continue;
		}
		{
			ssize_t n = read(s->cfd, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				on_disconnect(s);
				continue;
			}
			for (ssize_t i = 0; i < n && s->cfd >= 0; i++)
				on_byte(s, buf[i]);
			if (s->cfd < 0 && !s->vm->board->stop)
				vmb_warn("gdb: debugger detached, the guest runs on");
		}
	}
	return NULL;
}

struct vmb_gdbstub *vmb_gdbstub_start(struct vmb_vm *vm, const char *spec,
				      bool wait, struct vmb_err *err)
{
	struct vmb_gdbstub *s;
	const struct vmb_gdb_arch *arch = vmb_gdb_arch_of(vm->board->spec->arch);

	if (!vm->ops->set_debug || !vm->ops->get_regs || !vm->ops->set_regs ||
	    !vm->ops->pause || !arch)
		return vmb_errf(err, NULL, "--gdb: the %s backend does not support "
				"debugging", vm->ops->name), NULL;
	if (vm->board->ncpus > MAX_CPUS)
		return vmb_errf(err, NULL, "--gdb: at most %u vCPUs", MAX_CPUS), NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return vmb_errf(err, NULL, "out of memory"), NULL;
	s->vm = vm;
	s->arch = arch;
	s->ncpus = vm->board->ncpus;
	s->spec = strdup(spec);
	s->cfd = s->lfd = s->pipe[0] = s->pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (!strncmp(spec, "tcp:", 4)) {
		s->lfd = vmb_socket_tcp(spec + 4, true, "--gdb", spec, err);
	} else if (!strncmp(spec, "unix:", 5)) {
		s->lfd = vmb_socket_unix(spec + 5, true, "--gdb", spec, err);
		if (s->lfd >= 0)
			s->unix_path = strdup(spec + 5);
	} else {
		vmb_errf(err, NULL, "--gdb %s: expected tcp:HOST:PORT or unix:PATH", spec);
	}
	if (s->lfd < 0 || pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK)) {
		if (s->lfd >= 0)
			vmb_errf(err, NULL, "--gdb: pipe: %s", strerror(errno));
		vmb_gdbstub_stop(s);
		return NULL;
	}
	s->stopped = s->waited = wait;
	s->trace = getenv("VMB_GDB_TRACE") != NULL;
	/* The vCPUs are parked: set them up for exact stops now, before a
	 * debugger's first interrupt needs it. */
	clear_cfg(s);
	for (unsigned i = 0; i < s->ncpus; i++)
		if (vm->ops->set_debug(vm, i, &s->cfg, err)) {
			vmb_gdbstub_stop(s);
			return NULL;
		}
	vm->debugger = s;
	vm->debug_event = on_debug_event;
	vm->debug_gate = on_gate;
	if (pthread_create(&s->thread, NULL, stub_main, s)) {
		vmb_errf(err, NULL, "--gdb: cannot start a thread");
		vmb_gdbstub_stop(s);
		return NULL;
	}
	s->thread_started = true;
	if (wait)
		vmb_warn("gdb: waiting for a debugger on %s (target remote %s)", spec,
			 !strncmp(spec, "tcp:", 4) ? spec + 4 : spec);
	return s;
}

void vmb_gdbstub_stop(struct vmb_gdbstub *s)
{
	char c = 'q';

	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		if (write(s->pipe[1], &c, 1) < 0) {
			/* the thread also sees quit at its next wake-up */
		}
		pthread_join(s->thread, NULL);
	}
	if (s->cfd >= 0) {
		send_packet(s, "W00");  /* the machine is gone */
		close(s->cfd);
	}
	if (s->vm->debugger == s) {
		s->vm->debugger = NULL;
		s->vm->debug_event = NULL;
		s->vm->debug_gate = NULL;
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->unix_path)
		unlink(s->unix_path);
	for (int i = 0; i < 2; i++)
		if (s->pipe[i] >= 0)
			close(s->pipe[i]);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->unix_path);
	free(s->spec);
	free(s);
}
