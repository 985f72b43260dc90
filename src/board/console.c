/* SPDX-License-Identifier: MIT */
/*
 * Guest console on stdio (or in memory, for tests). See console.h.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "board/board.h"
#include "board/chardev.h"
#include "board/console.h"
#include "util/loop.h"

#define RING 4096
#define OUT_RING 65536 /* guest output waiting for the event loop */
#define ESCAPE_CHAR 0x01 /* Ctrl-A, as in QEMU's -nographic mux */

struct vmb_console {
	bool memory;          /* test console: no fds, no thread */
	pthread_mutex_t lock; /* ring */
	unsigned char ring[RING];
	size_t head, tail;    /* head: next write; tail: next read */
	bool claimed;
	void (*notify)(void *);
	void *opaque;
	struct vmb_board *board;
	pthread_t thread;
	bool thread_started;
	int wake[2];          /* pipe to stop the input thread */
	char *out;            /* memory console output */
	size_t outlen, outcap;
	struct vmb_chardev *cd;    /* host side (NULL: memory console) */
	struct vmb_console *next;  /* the next serial port, in UART order */

	/* stdio output, written to stdout by the event loop once started */
	struct vmb_loop *loop;
	int out_efd;          /* "output waiting", watched by the loop */
	struct vmb_loop_watch *out_w;
	pthread_mutex_t out_lock;
	pthread_cond_t out_cond; /* output drained */
	unsigned char obuf[OUT_RING];
	size_t ohead, olen;   /* oldest byte, bytes waiting */
	bool owriting;        /* the loop is writing a chunk it took */
};

static struct termios saved_tio;
static volatile sig_atomic_t tty_raw;

void vmb_console_restore_tty(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tty_raw = 0;
	}
}

static void on_fatal_signal(int sig)
{
	vmb_console_restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_raw(void)
{
	struct termios tio;
	static const int sigs[] = { SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGABRT,
				    SIGFPE, SIGILL, SIGQUIT };

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	/* Like cfmakeraw, but keep output post-processing so host-side
	 * messages still get their carriage returns. */
	tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	tio.c_cflag &= ~(CSIZE | PARENB);
	tio.c_cflag |= CS8;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio))
		return;
	tty_raw = 1;
	atexit(vmb_console_restore_tty);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal_signal);
}

static struct vmb_console *alloc_console(bool memory)
{
	struct vmb_console *c = vmb_zalloc(sizeof(*c));

	c->memory = memory;
	c->wake[0] = c->wake[1] = -1;
	c->out_efd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->out_lock, NULL);
	pthread_cond_init(&c->out_cond, NULL);
	return c;
}

struct vmb_console *vmb_console_open(const char *const *specs, unsigned n,
				     bool raw, struct vmb_err *err)
{
	static const char *const dflt[] = { "stdio" };
	struct vmb_console *first = NULL, **link = &first;
	bool stdio = false;

	if (!n) {
		specs = dflt;
		n = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct vmb_chardev *cd;

		if (!strcmp(specs[i], "stdio") && stdio) {
			vmb_errf(err, NULL, "--serial stdio: only one serial port "
				 "can use the terminal");
			vmb_console_destroy(first);
			return NULL;
		}
		cd = vmb_chardev_open(specs[i], i, err);
		if (!cd) {
			vmb_console_destroy(first);
			return NULL;
		}
		stdio |= cd->is_stdio;
		*link = alloc_console(false);
		(*link)->cd = cd;
		link = &(*link)->next;
	}
	/* Raw only once every port is open: a socket server waiting for its
	 * client can still be interrupted with C-c. */
	if (stdio && raw)
		set_raw();
	return first;
}

struct vmb_console *vmb_console_stdio(bool raw)
{
	return vmb_console_open(NULL, 0, raw, NULL);
}

struct vmb_console *vmb_console_memory(void)
{
	return alloc_console(true);
}

/* Queue input bytes and tell the UART (it takes its own device lock). */
static void push_input(struct vmb_console *c, const unsigned char *buf, size_t n)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		size_t next = (c->head + 1) % RING;

		if (next == c->tail)
			break; /* full: drop, as a UART overruns */
		c->ring[c->head] = buf[i];
		c->head = next;
	}
	pthread_mutex_unlock(&c->lock);
	if (c->notify)
		c->notify(c->opaque);
}

void vmb_console_inject(struct vmb_console *c, const void *buf, size_t n)
{
	push_input(c, buf, n);
}

static const char help_text[] =
	"\r\nC-a h    print this help\r\n"
	"C-a x    exit vmb\r\n"
	"C-a C-a  send C-a to the guest\r\n";

/* Interpret the escape prefix; returns bytes to forward in out[]. */
static size_t filter_escape(struct vmb_console *c, const unsigned char *in,
			    size_t n, unsigned char *out, bool *escaped)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = in[i];

		if (!*escaped) {
			if (ch == ESCAPE_CHAR && tty_raw)
				*escaped = true;
			else
				out[m++] = ch;
			continue;
		}
		*escaped = false;
		switch (ch) {
		case 'x':
		case 'X':
			vmb_board_request_stop(c->board, VMB_STOP_QUIT,
					       "terminated by the user (C-a x)");
			break;
		case 'h':
		case 'H':
		case '?':
			if (write(STDERR_FILENO, help_text, sizeof(help_text) - 1) < 0)
				break;
			break;
		case ESCAPE_CHAR:
			out[m++] = ch;
			break;
		default:
			break;
		}
	}
	return m;
}

static void *input_thread(void *arg)
{
	struct vmb_console *c = arg;
	bool escaped = false;
	unsigned char buf[256], fwd[256];

	for (;;) {
		/* 0: woken to stop; < 0: EOF, no more input (the guest runs
		 * on) */
		ssize_t n = vmb_chardev_read(c->cd, buf, sizeof(buf), c->wake[0]);

		if (n <= 0)
			break;
		if (c->cd->is_stdio)
			n = (ssize_t)filter_escape(c, buf, (size_t)n, fwd, &escaped);
		else
			memcpy(fwd, buf, (size_t)n);
		if (n > 0)
			push_input(c, fwd, (size_t)n);
	}
	return NULL;
}

/* Write out what is queued, a contiguous chunk at a time, without the
 * lock held during write(2). Caller holds out_lock. */
static void drain_locked(struct vmb_console *c)
{
	while (c->olen && !c->owriting) {
		size_t n = c->olen < OUT_RING - c->ohead ? c->olen : OUT_RING - c->ohead;
		const unsigned char *p = c->obuf + c->ohead;

		c->owriting = true;
		pthread_mutex_unlock(&c->out_lock);
		vmb_chardev_write(c->cd, p, n);
		pthread_mutex_lock(&c->out_lock);
		c->owriting = false;
		c->ohead = (c->ohead + n) % OUT_RING;
		c->olen -= n;
		pthread_cond_broadcast(&c->out_cond);
	}
}

/* Event loop: output is waiting. */
static void out_ready(void *opaque, int fd, uint32_t events)
{
	struct vmb_console *c = opaque;
	uint64_t cnt;

	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&c->out_lock);
	drain_locked(c);
	pthread_mutex_unlock(&c->out_lock);
}

void vmb_console_flush(struct vmb_console *c)
{
	if (!c || c->memory)
		return;
	pthread_mutex_lock(&c->out_lock);
	if (c->loop && vmb_loop_running(c->loop) && !vmb_loop_on_thread(c->loop)) {
		while (c->olen || c->owriting)
			pthread_cond_wait(&c->out_cond, &c->out_lock);
	} else {
		drain_locked(c);
	}
	pthread_mutex_unlock(&c->out_lock);
}

void vmb_console_start(struct vmb_console *c, struct vmb_board *b)
{
	struct vmb_err err;

	for (; c; c = c->next) {
		c->board = b;
		if (c->memory || c->thread_started)
			continue;
		c->out_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->out_efd >= 0) {
			c->out_w = vmb_loop_add(b->loop, c->out_efd, EPOLLIN, out_ready,
						c, &err);
			if (c->out_w)
				c->loop = b->loop;
		}
		if (pipe(c->wake))
			vmb_die("pipe: %s", strerror(errno));
		if (pthread_create(&c->thread, NULL, input_thread, c))
			vmb_die("cannot start the console input thread");
		c->thread_started = true;
	}
}

void vmb_console_destroy(struct vmb_console *c)
{
	if (!c)
		return;
	vmb_console_destroy(c->next);
	vmb_console_flush(c);
	if (c->out_w)
		vmb_loop_del(c->loop, c->out_w);
	if (c->out_efd >= 0)
		close(c->out_efd);
	if (c->thread_started) {
		if (write(c->wake[1], "x", 1) < 0)
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
	}
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->out_lock);
	pthread_cond_destroy(&c->out_cond);
	vmb_chardev_close(c->cd);
	free(c->out);
	free(c);
	vmb_console_restore_tty();
}

struct vmb_console *vmb_console_claim_port(struct vmb_console *c,
					   void (*notify)(void *opaque),
					   void *opaque)
{
	while (c && c->claimed)
		c = c->next;
	if (!c)
		return NULL;
	c->claimed = true;
	c->notify = notify;
	c->opaque = opaque;
	return c;
}

bool vmb_console_claim(struct vmb_console *c, void (*notify)(void *opaque),
		       void *opaque)
{
	return c && !c->claimed && vmb_console_claim_port(c, notify, opaque) == c;
}

void vmb_console_write(struct vmb_console *c, const void *buf, size_t n)
{
	const char *p = buf;

	if (c->memory) {
		if (c->outlen + n + 1 > c->outcap) {
			c->outcap = (c->outlen + n + 1) * 2;
			c->out = vmb_realloc(c->out, c->outcap);
		}
		memcpy(c->out + c->outlen, buf, n);
		c->outlen += n;
		c->out[c->outlen] = '\0';
		return;
	}
	pthread_mutex_lock(&c->out_lock);
	if (!c->loop || !vmb_loop_running(c->loop) || vmb_loop_on_thread(c->loop)) {
		/* No loop to hand it to (before start, after stop), or we are
		 * the loop: write here, after what is queued. */
		drain_locked(c);
		pthread_mutex_unlock(&c->out_lock);
		vmb_chardev_write(c->cd, p, n);
		return;
	}
	while (n) {
		size_t room = OUT_RING - c->olen, k = n < room ? n : room;
		bool was_empty = !c->olen;

		for (size_t i = 0; i < k; i++)
			c->obuf[(c->ohead + c->olen + i) % OUT_RING] = (unsigned char)p[i];
		c->olen += k;
		p += k;
		n -= k;
		if (was_empty && k) {
			uint64_t one = 1;

			if (write(c->out_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				break;
		}
		/* Full: wait for the loop (a slow terminal slows the guest's
		 * UART, as a real one would, but loses nothing). */
		while (n && c->olen == OUT_RING)
			pthread_cond_wait(&c->out_cond, &c->out_lock);
	}
	pthread_mutex_unlock(&c->out_lock);
}

int vmb_console_getc(struct vmb_console *c)
{
	int ch = -1;

	pthread_mutex_lock(&c->lock);
	if (c->tail != c->head) {
		ch = c->ring[c->tail];
		c->tail = (c->tail + 1) % RING;
	}
	pthread_mutex_unlock(&c->lock);
	return ch;
}

size_t vmb_console_pending(struct vmb_console *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = (c->head + RING - c->tail) % RING;
	pthread_mutex_unlock(&c->lock);
	return n;
}

const char *vmb_console_output(struct vmb_console *c, size_t *len)
{
	if (len)
		*len = c->outlen;
	return c->out ? c->out : "";
}
