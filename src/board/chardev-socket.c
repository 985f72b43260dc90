/* SPDX-License-Identifier: MIT */
/*
 * Stream-socket serial backends: unix:PATH and tcp:HOST:PORT, as clients or
 * (",server") listening, with QEMU's semantics (chardev.h): a server waits
 * for its first client before the guest starts unless ",nowait", and takes
 * the next client after one disconnects; output with no client connected is
 * dropped. The accepted fd changes under the console's input thread and the
 * vCPU that writes, so it is guarded by a mutex.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "board/chardev.h"

struct sock {
	int listen_fd;          /* server: listening socket; else -1 */
	int conn_fd;            /* connected peer, or -1 */
	pthread_mutex_t lock;   /* conn_fd */
	char *unlink_path;      /* unix server: removed at close */
};

static struct sock *sock_of(struct vmb_chardev *c)
{
	return c->priv;
}

static void set_conn(struct sock *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	if (s->conn_fd >= 0)
		close(s->conn_fd);
	s->conn_fd = fd;
	pthread_mutex_unlock(&s->lock);
}

static ssize_t sock_read(struct vmb_chardev *c, void *buf, size_t len, int wake_fd)
{
	struct sock *s = sock_of(c);

	for (;;) {
		int fd, listening;
		ssize_t n;

		pthread_mutex_lock(&s->lock);
		fd = s->conn_fd;
		pthread_mutex_unlock(&s->lock);
		listening = fd < 0 && s->listen_fd >= 0;
		if (fd < 0 && !listening)
			return -1; /* a client whose server went away */
		if (listening) {
			struct pollfd pfd[2] = {
				{ .fd = s->listen_fd, .events = POLLIN },
				{ .fd = wake_fd, .events = POLLIN },
			};

			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return -1;
			if (pfd[1].revents)
				return 0;
			if (pfd[0].revents & POLLIN) {
				fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0)
					set_conn(s, fd);
			}
			continue;
		}
		n = vmb_chardev_read_fd(fd, buf, len, wake_fd);
		if (n >= 0)
			return n;
		/* the peer hung up: a server waits for the next one */
		set_conn(s, -1);
		if (s->listen_fd < 0)
			return -1;
	}
}

static void sock_write(struct vmb_chardev *c, const void *buf, size_t n)
{
	struct sock *s = sock_of(c);
	const char *p = buf;

	pthread_mutex_lock(&s->lock);
	while (s->conn_fd >= 0 && n) {
		ssize_t w = send(s->conn_fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the reader sees the hang-up and resets conn */
		p += w;
		n -= (size_t)w;
	}
	pthread_mutex_unlock(&s->lock);
}

static void sock_close(struct vmb_chardev *c)
{
	struct sock *s = sock_of(c);

	if (s->conn_fd >= 0)
		close(s->conn_fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->unlink_path) {
		unlink(s->unlink_path);
		free(s->unlink_path);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct vmb_chardev_ops sock_ops = {
	"socket", sock_read, sock_write, sock_close,
};

/* "ADDR[,server][,nowait]" (also QEMU's server=on, wait=off): the address
 * part into addr (malloc'd). Returns -1 on an unknown option. */
static int parse_opts(const char *arg, char **addr, bool *server, bool *wait,
		      const char **bad)
{
	const char *comma = strchr(arg, ',');
	char *opts, *tok, *save = NULL;
	int rc = 0;

	*addr = comma ? strndup(arg, (size_t)(comma - arg)) : vmb_strdup(arg);
	*server = false;
	*wait = true;
	if (!comma)
		return 0;
	opts = vmb_strdup(comma + 1);
	for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "server") || !strcmp(tok, "server=on")) {
			*server = true;
		} else if (!strcmp(tok, "nowait") || !strcmp(tok, "wait=off")) {
			*wait = false;
		} else if (!strcmp(tok, "wait") || !strcmp(tok, "wait=on")) {
			*wait = true;
		} else {
			*bad = arg + (comma + 1 - arg) + (tok - opts);
			rc = -1;
			break;
		}
	}
	free(opts);
	return rc;
}

/* A socket for addr, bound and listening (server) or connected (chardev.h). */
int vmb_socket_unix(const char *path, bool server, const char *opt,
		    const char *spec, struct vmb_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path))
		return vmb_errf(err, NULL, "%s %s: expected a socket path of "
				"1 to %zu bytes", opt, spec, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vmb_errf(err, NULL, "%s %s: socket: %s", opt, spec,
				strerror(errno));
	if (server) {
		unlink(path); /* a stale socket from an earlier run */
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
			goto fail;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		goto fail;
	}
	return fd;
fail:
	vmb_errf(err, NULL, "%s %s: cannot %s '%s': %s", opt, spec,
		 server ? "listen on" : "connect to", path, strerror(errno));
	close(fd);
	return -1;
}

int vmb_socket_tcp(const char *hostport, bool server, const char *opt,
		   const char *spec, struct vmb_err *err)
{
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = server ? AI_PASSIVE : 0 }, *res, *ai;
	char *host;
	int fd = -1, rc, one = 1, saved = 0;

	if (!colon || !colon[1])
		return vmb_errf(err, NULL, "%s %s: expected tcp:HOST:PORT", opt, spec);
	host = strndup(hostport, (size_t)(colon - hostport));
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
	free(host);
	if (rc)
		return vmb_errf(err, NULL, "%s %s: %s", opt, spec, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (server) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1))
				break;
		} else if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			break;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return vmb_errf(err, NULL, "%s %s: cannot %s %s: %s", opt, spec,
				server ? "listen on" : "connect to", hostport,
				strerror(saved));
	return fd;
}

struct vmb_chardev *vmb_chardev_socket(const char *spec, bool tcp, const char *arg,
				       unsigned index, struct vmb_err *err)
{
	const char *bad = NULL;
	struct vmb_chardev *c;
	struct sock *s;
	bool server, wait;
	char *addr;
	int fd;

	if (parse_opts(arg, &addr, &server, &wait, &bad)) {
		vmb_errf(err, NULL, "--serial %s: unknown option '%s', expected "
			 "server, nowait", spec, bad);
		free(addr);
		return NULL;
	}
	fd = tcp ? vmb_socket_tcp(addr, server, "--serial", spec, err) :
		   vmb_socket_unix(addr, server, "--serial", spec, err);
	if (fd < 0) {
		free(addr);
		return NULL;
	}
	s = vmb_zalloc(sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->listen_fd = server ? fd : -1;
	s->conn_fd = server ? -1 : fd;
	if (server && !tcp)
		s->unlink_path = vmb_strdup(addr);
	c = vmb_zalloc(sizeof(*c));
	c->ops = &sock_ops;
	c->spec = vmb_strdup(spec);
	c->in_fd = c->out_fd = -1;
	c->priv = s;
	if (server && wait) {
		fprintf(stderr, "vmb: serial %u: waiting for a connection on %s\n",
			index, spec);
		do
			fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			vmb_errf(err, NULL, "--serial %s: accept: %s", spec,
				 strerror(errno));
			vmb_chardev_close(c);
			free(addr);
			return NULL;
		}
		s->conn_fd = fd;
	}
	free(addr);
	return c;
}
