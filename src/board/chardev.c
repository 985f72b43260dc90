/* SPDX-License-Identifier: MIT */
/*
 * Character-device backends for serial ports: stdio, null, file, pty (here)
 * and sockets (chardev-socket.c). See chardev.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "board/chardev.h"

/* ---- shared fd helpers --------------------------------------------------- */

ssize_t vmb_chardev_read_fd(int fd, void *buf, size_t len, int wake_fd)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = wake_fd, .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents)
			return 0;
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n > 0 ? n : -1;
	}
}

bool vmb_chardev_write_fd(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Wait for wake_fd only: a backend without input. */
static ssize_t read_none(struct vmb_chardev *c, void *buf, size_t len, int wake_fd)
{
	struct pollfd pfd = { .fd = wake_fd, .events = POLLIN };

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	return 0;
}

static ssize_t read_in_fd(struct vmb_chardev *c, void *buf, size_t len, int wake_fd)
{
	return vmb_chardev_read_fd(c->in_fd, buf, len, wake_fd);
}

static void write_out_fd(struct vmb_chardev *c, const void *buf, size_t n)
{
	/* Output that cannot be delivered (stdout closed, nobody on the
	 * pty) is dropped; the guest keeps running. */
	(void)vmb_chardev_write_fd(c->out_fd, buf, n);
}

static void close_fds(struct vmb_chardev *c)
{
	if (c->in_fd > 2)
		close(c->in_fd);
	if (c->out_fd > 2 && c->out_fd != c->in_fd)
		close(c->out_fd);
}

static struct vmb_chardev *new_chardev(const struct vmb_chardev_ops *ops,
				       const char *spec)
{
	struct vmb_chardev *c = vmb_zalloc(sizeof(*c));

	c->ops = ops;
	c->spec = vmb_strdup(spec);
	c->in_fd = c->out_fd = -1;
	return c;
}

/* ---- stdio: this terminal ---------------------------------------------- */

static const struct vmb_chardev_ops stdio_ops = {
	"stdio", read_in_fd, write_out_fd, NULL,
};

/* ---- null ------------------------------------------------------------------ */

static void write_none(struct vmb_chardev *c, const void *buf, size_t n)
{
}

static const struct vmb_chardev_ops null_ops = {
	"null", read_none, write_none, NULL,
};

/* ---- file:PATH: output only, as QEMU's file backend ------------------------ */

static const struct vmb_chardev_ops file_ops = {
	"file", read_none, write_out_fd, close_fds,
};

/* ---- pty: a pseudo-terminal for screen, minicom, socat ... ----------------- */

static void write_pty(struct vmb_chardev *c, const void *buf, size_t n)
{
	/* Non-blocking: with nobody reading the slave the buffer fills, and
	 * the guest must not stall on it (QEMU drops output then too). */
	(void)vmb_chardev_write_fd(c->out_fd, buf, n);
}

/*
 * Until a program opens the slave side, and after the last one closes it,
 * the master reports a hang-up (POLLHUP, read() EIO). That is not the end
 * of input: screen or socat may attach at any time, so look again every
 * 100 ms, as QEMU's pty backend polls for a connected slave.
 */
static ssize_t read_pty(struct vmb_chardev *c, void *buf, size_t len, int wake_fd)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->in_fd, .events = POLLIN },
			{ .fd = wake_fd, .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, 100) < 0 && errno != EINTR)
			return -1;
		if (pfd[1].revents)
			return 0;
		if (!(pfd[0].revents & POLLIN)) {
			if (pfd[0].revents & (POLLHUP | POLLERR))
				poll(&pfd[1], 1, 100); /* no slave: wait, then retry */
			continue;
		}
		n = read(c->in_fd, buf, len);
		if (n > 0)
			return n;
		if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EIO)
			return -1;
	}
}

static const struct vmb_chardev_ops pty_ops = {
	"pty", read_pty, write_pty, close_fds,
};

static struct vmb_chardev *open_pty(const char *spec, unsigned index,
				    struct vmb_err *err)
{
	struct vmb_chardev *c;
	struct termios tio;
	const char *name;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || grantpt(fd) || unlockpt(fd) || !(name = ptsname(fd))) {
		if (fd >= 0)
			close(fd);
		vmb_errf(err, NULL, "--serial %s: cannot create a pseudo-terminal: "
			 "%s", spec, strerror(errno));
		return NULL;
	}
	/* Raw, as a serial line: no echo or line editing on vmb's side. */
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c = new_chardev(&pty_ops, spec);
	c->in_fd = c->out_fd = fd;
	fprintf(stderr, "vmb: serial %u is %s\n", index, name);
	return c;
}

/* ---- parsing --------------------------------------------------------------- */

struct vmb_chardev *vmb_chardev_open(const char *spec, unsigned index,
				     struct vmb_err *err)
{
	struct vmb_chardev *c;

	if (!strcmp(spec, "stdio")) {
		c = new_chardev(&stdio_ops, spec);
		c->is_stdio = true;
		c->in_fd = STDIN_FILENO;
		c->out_fd = STDOUT_FILENO;
		return c;
	}
	if (!strcmp(spec, "null") || !strcmp(spec, "none"))
		return new_chardev(&null_ops, spec);
	if (!strcmp(spec, "pty"))
		return open_pty(spec, index, err);
	if (!strncmp(spec, "file:", 5)) {
		int fd;

		if (!spec[5]) {
			vmb_errf(err, NULL, "--serial %s: expected file:PATH", spec);
			return NULL;
		}
		fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			vmb_errf(err, NULL, "--serial %s: cannot create '%s': %s",
				 spec, spec + 5, strerror(errno));
			return NULL;
		}
		c = new_chardev(&file_ops, spec);
		c->out_fd = fd;
		return c;
	}
	if (!strncmp(spec, "unix:", 5))
		return vmb_chardev_socket(spec, false, spec + 5, index, err);
	if (!strncmp(spec, "tcp:", 4))
		return vmb_chardev_socket(spec, true, spec + 4, index, err);
	vmb_errf(err, NULL, "--serial %s: unknown serial backend, expected one of: "
		 "stdio, pty, null, file:PATH, unix:PATH[,server][,nowait], "
		 "tcp:HOST:PORT[,server][,nowait]", spec);
	return NULL;
}

ssize_t vmb_chardev_read(struct vmb_chardev *c, void *buf, size_t len, int wake_fd)
{
	return c->ops->read(c, buf, len, wake_fd);
}

void vmb_chardev_write(struct vmb_chardev *c, const void *buf, size_t n)
{
	c->ops->write(c, buf, n);
}

void vmb_chardev_close(struct vmb_chardev *c)
{
	if (!c)
		return;
	if (c->ops->close)
		c->ops->close(c);
	free(c->spec);
	free(c);
}
