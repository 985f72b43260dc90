/* SPDX-License-Identifier: MIT */
/*
 * Character devices: where a serial port's bytes go on the host, chosen per
 * UART with --serial as QEMU users write it:
 *
 *   stdio                  this terminal (the default for the first UART)
 *   null                   output discarded, no input
 *   file:PATH              output written to PATH (created or truncated)
 *   pty                    a new pseudo-terminal; its name is printed on
 *                          stderr ("vmb: serial 1 is /dev/pts/N")
 *   unix:PATH[,server][,nowait]
 *   tcp:HOST:PORT[,server][,nowait]
 *                          a stream socket: connect to PATH / HOST:PORT, or
 *                          with ",server" listen there and, as QEMU's
 *                          server=on,wait=on, wait for the first client
 *                          before the guest starts (",nowait": start at
 *                          once; output before a client drops). A server
 *                          takes the next client when one disconnects.
 *
 * One backend kind per section of chardev.c (sockets in chardev-socket.c).
 * Input is read by the console's thread through vmb_chardev_read(), which
 * hides the fds it polls (listening sockets, accepted clients) so that the
 * layer can move onto an event loop without its users changing.
 */
#ifndef VMB_BOARD_CHARDEV_H
#define VMB_BOARD_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct vmb_chardev;

/* Backend operations; see chardev.c. */
struct vmb_chardev_ops {
	const char *kind;
	/* Block until input or wake_fd is readable: bytes read (> 0), 0 on
	 * wake_fd, -1 when no more input will come (EOF, no input side). */
	ssize_t (*read)(struct vmb_chardev *c, void *buf, size_t len, int wake_fd);
	/* Deliver guest output; may drop it (nobody connected). */
	void (*write)(struct vmb_chardev *c, const void *buf, size_t n);
	void (*close)(struct vmb_chardev *c);
};

struct vmb_chardev {
	const struct vmb_chardev_ops *ops;
	char *spec;          /* as given, for messages */
	bool is_stdio;       /* the terminal: C-a escapes apply */
	int in_fd, out_fd;   /* -1 when absent */
	void *priv;          /* backend state (sockets) */
};

/*
 * Open the backend described by spec for serial port index (0-based, for
 * messages). Returns NULL with err set ("--serial SPEC: ...") on a bad
 * spec or when the host resource cannot be had.
 */
struct vmb_chardev *vmb_chardev_open(const char *spec, unsigned index,
				     struct vmb_err *err);
ssize_t vmb_chardev_read(struct vmb_chardev *c, void *buf, size_t len, int wake_fd);
void vmb_chardev_write(struct vmb_chardev *c, const void *buf, size_t n);
void vmb_chardev_close(struct vmb_chardev *c);

/* Shared by the backends: poll fd and wake_fd, then read fd. */
ssize_t vmb_chardev_read_fd(int fd, void *buf, size_t len, int wake_fd);
/* Write all of buf to fd (EINTR retried); false if fd failed. */
bool vmb_chardev_write_fd(int fd, const void *buf, size_t n);

/* chardev-socket.c: "unix:..." and "tcp:..." (spec without the prefix). */
/* A stream socket listening (server) or connected to path / "HOST:PORT";
 * errors name the option and its argument as typed ("--gdb tcp:..."). The
 * fd, or -1 with err set. A unix server removes a stale socket first. */
int vmb_socket_unix(const char *path, bool server, const char *opt,
		    const char *spec, struct vmb_err *err);
int vmb_socket_tcp(const char *hostport, bool server, const char *opt,
		   const char *spec, struct vmb_err *err);

struct vmb_chardev *vmb_chardev_socket(const char *spec, bool tcp, const char *arg,
				       unsigned index, struct vmb_err *err);

#endif
