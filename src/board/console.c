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
#include <termios.h>
#include <unistd.h>

#include "board/board.h"
#include "board/console.h"

#define RING 4096
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
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

struct vmb_console *vmb_console_stdio(bool raw)
{
	struct vmb_console *c = alloc_console(false);

	if (raw)
		set_raw();
	return c;
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
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = c->wake[0], .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* EOF: no more input, the guest runs on */
		n = (ssize_t)filter_escape(c, buf, (size_t)n, fwd, &escaped);
		if (n > 0)
			push_input(c, fwd, (size_t)n);
	}
	return NULL;
}

void vmb_console_start(struct vmb_console *c, struct vmb_board *b)
{
	c->board = b;
	if (c->memory || c->thread_started)
		return;
	if (pipe(c->wake))
		vmb_die("pipe: %s", strerror(errno));
	if (pthread_create(&c->thread, NULL, input_thread, c))
		vmb_die("cannot start the console input thread");
	c->thread_started = true;
}

void vmb_console_destroy(struct vmb_console *c)
{
	if (!c)
		return;
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
	free(c->out);
	free(c);
	vmb_console_restore_tty();
}

bool vmb_console_claim(struct vmb_console *c, void (*notify)(void *opaque),
		       void *opaque)
{
	if (!c || c->claimed)
		return false;
	c->claimed = true;
	c->notify = notify;
	c->opaque = opaque;
	return true;
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
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* stdout gone: drop output, keep running */
		p += w;
		n -= (size_t)w;
	}
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
