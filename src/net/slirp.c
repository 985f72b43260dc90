/* SPDX-License-Identifier: MIT */
/*
 * "net: user": user-mode networking through libslirp (Debian libslirp0),
 * the stack QEMU's -nic user and libkrun use. The guest sees a private
 * network (default 10.0.2.0/24) behind a NAT gateway:
 *
 *   10.0.2.2   gateway; connections to it reach the host's loopback
 *              (guest->host), unless restrict: true
 *   10.0.2.3   DNS: forwarded to the host's resolver only with dns: true
 *              (off by default: test machines have no network)
 *   10.0.2.15  the first address DHCP hands out
 *
 * plus a TFTP server rooted at "tftp:" (with "bootfile:" announced by
 * DHCP) and host->guest forwards ("hostfwd:", QEMU's syntax
 * [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT; an empty host
 * address is any, as in QEMU; an empty guest address is the first DHCP
 * address). IPv6 is off.
 *
 * Event loop: libslirp is poll()-shaped (fill a pollfd set, poll, report).
 * Its sockets are mirrored into an epoll set of our own, watched by the
 * board's loop as one fd; on any wake-up (a socket ready, a slirp timer,
 * a frame from the guest) pump() polls the last set without blocking,
 * lets slirp handle it, refills the set and re-syncs the epoll set. All
 * of it runs on the loop thread, which is the only thread that calls
 * libslirp (it is not thread-safe).
 *
 * Frames to the guest are delivered at once; while the guest has no
 * receive buffers they wait in a bounded queue (RXQ_FRAMES / RXQ_BYTES;
 * beyond it they are dropped and counted, as a full NIC drops; TCP
 * resends) and are flushed in order by rx_resume().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "config/node.h"
#include "net/net.h"
#include "util/loop.h"

#define RXQ_FRAMES	512
#define RXQ_BYTES	(2u << 20)

struct held {
	struct held *next;
	size_t len;
	uint8_t data[];
};

struct reg {
	int fd;
	uint32_t events;
	bool seen;
};

struct user {
	struct vmb_net_backend be;
	struct vmb_net_client c;
	struct vmb_loop *loop;
	Slirp *slirp;
	int epfd;
	struct vmb_loop_watch *watch;
	struct pollfd *pfd;		/* the set slirp last asked for */
	unsigned npfd, cappfd;
	struct reg *reg;		/* what epfd holds */
	unsigned nreg, capreg;
	/* slirp's poll timeout; armed for 1 ns it is also how work is
	 * queued for the loop (removed synchronously, unlike a call). */
	struct vmb_loop_timer *wake;
	/* Frames waiting for guest buffers. */
	struct held *qhead, **qtail;
	unsigned qframes;
	size_t qbytes;
	bool stalled;
	char *tftp;
};

struct utimer {
	struct user *u;
	SlirpTimerId id;
	void *cb_opaque;
	struct vmb_loop_timer *t;
};

static const uint8_t zero_hdr[VMB_NET_HDR_LEN];

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- frames to the guest ------------------------------------------------ */

static void hold(struct user *u, const void *buf, size_t len)
{
	struct held *h;

	if (u->qframes >= RXQ_FRAMES || u->qbytes + len > RXQ_BYTES) {
		u->be.rx_dropped++;
		return;
	}
	h = vmb_zalloc(sizeof(*h) + len);
	h->len = len;
	memcpy(h->data, buf, len);
	*u->qtail = h;
	u->qtail = &h->next;
	u->qframes++;
	u->qbytes += len;
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct user *u = opaque;

	if (u->stalled || u->qhead || !u->c.receive(u->c.opaque, zero_hdr, buf, len)) {
		u->stalled = true;
		hold(u, buf, len);
	}
	return (ssize_t)len;
}

/* Deliver held frames in order while the guest takes them. */
static void flush_held(struct user *u)
{
	struct held *h;

	while ((h = u->qhead)) {
		if (!u->c.receive(u->c.opaque, zero_hdr, h->data, h->len))
			return;
		u->qhead = h->next;
		if (!u->qhead)
			u->qtail = &u->qhead;
		u->qframes--;
		u->qbytes -= h->len;
		free(h);
	}
	u->stalled = false;
}

/* ---- the poll set -------------------------------------------------------- */

static int add_poll(int fd, int events, void *opaque)
{
	struct user *u = opaque;
	short ev = 0;

	if (u->npfd == u->cappfd) {
		u->cappfd = u->cappfd ? 2 * u->cappfd : 16;
		u->pfd = vmb_realloc(u->pfd, u->cappfd * sizeof(*u->pfd));
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	u->pfd[u->npfd] = (struct pollfd){ fd, ev, 0 };
	return (int)u->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct user *u = opaque;
	short re;
	int ev = 0;

	if (idx < 0 || (unsigned)idx >= u->npfd)
		return 0;
	re = u->pfd[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & (POLLERR | POLLNVAL))
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* Make epfd watch exactly the fds of u->pfd with their events. */
static void sync_epoll(struct user *u)
{
	for (unsigned i = 0; i < u->nreg; i++)
		u->reg[i].seen = false;
	for (unsigned i = 0; i < u->npfd; i++) {
		uint32_t ev = (u->pfd[i].events & POLLIN ? EPOLLIN : 0) |
			      (u->pfd[i].events & POLLOUT ? EPOLLOUT : 0) |
			      (u->pfd[i].events & POLLPRI ? EPOLLPRI : 0);
		struct epoll_event e = { .events = ev, .data.fd = u->pfd[i].fd };
		unsigned j;

		for (j = 0; j < u->nreg && u->reg[j].fd != u->pfd[i].fd; j++)
			;
		if (j == u->nreg) {
			if (u->nreg == u->capreg) {
				u->capreg = u->capreg ? 2 * u->capreg : 16;
				u->reg = vmb_realloc(u->reg, u->capreg * sizeof(*u->reg));
			}
			u->reg[u->nreg++] = (struct reg){ u->pfd[i].fd, ev, true };
			if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, e.data.fd, &e) && errno == EEXIST)
				epoll_ctl(u->epfd, EPOLL_CTL_MOD, e.data.fd, &e);
			continue;
		}
		u->reg[j].seen = true;
		if (u->reg[j].events == ev)
			continue;
		u->reg[j].events = ev;
		/* A closed fd left the set by itself; its number may be a new
		 * socket's now. */
		if (epoll_ctl(u->epfd, EPOLL_CTL_MOD, e.data.fd, &e) && errno == ENOENT)
			epoll_ctl(u->epfd, EPOLL_CTL_ADD, e.data.fd, &e);
	}
	for (unsigned j = 0; j < u->nreg;) {
		if (u->reg[j].seen) {
			j++;
			continue;
		}
		epoll_ctl(u->epfd, EPOLL_CTL_DEL, u->reg[j].fd, NULL); /* may be closed */
		u->reg[j] = u->reg[--u->nreg];
	}
}

/* Let slirp handle what is ready, then wait for what it wants next. */
static void pump(struct user *u)
{
	struct epoll_event drain[16];
	uint32_t timeout = UINT32_MAX;
	int r;

	while (epoll_wait(u->epfd, drain, 16, 0) == 16)
		;
	r = u->npfd ? poll(u->pfd, u->npfd, 0) : 0;
	slirp_pollfds_poll(u->slirp, r < 0, get_revents, u);
	u->npfd = 0;
	slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
	sync_epoll(u);
	if (timeout != UINT32_MAX)
		vmb_loop_timer_arm(u->wake, (uint64_t)(timeout ? timeout : 1) * 1000000, 0);
	else
		vmb_loop_timer_disarm(u->wake);
}

static void pump_fn(void *opaque)
{
	pump(opaque);
}

static void epfd_ready(void *opaque, int fd, uint32_t events)
{
	pump(opaque);
}

/* ---- slirp callbacks ------------------------------------------------------ */

static void guest_error(const char *msg, void *opaque)
{
	struct user *u = opaque;

	vmb_warn("virtio-net '%s': user network: guest error: %s", u->c.dev->name, msg);
}

static int64_t clock_get_ns(void *opaque)
{
	return now_ns();
}

static void utimer_fire(void *opaque)
{
	struct utimer *t = opaque;

	slirp_handle_timer(t->u->slirp, t->id, t->cb_opaque);
	pump(t->u);
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct user *u = opaque;
	struct utimer *t = vmb_zalloc(sizeof(*t));
	struct vmb_err err;

	*t = (struct utimer){ u, id, cb_opaque, NULL };
	t->t = vmb_loop_timer_new(u->loop, utimer_fire, t, &err);
	if (!t->t)
		vmb_die("virtio-net '%s': %s", u->c.dev->name, err.msg);
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	struct utimer *t = timer;

	vmb_loop_timer_free(t->t);
	free(t);
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct utimer *t = timer;
	int64_t delay = expire_ms * 1000000 - now_ns();

	vmb_loop_timer_arm(t->t, delay > 0 ? (uint64_t)delay : 1, 0);
}

static void poll_fd_noop(int fd, void *opaque)
{
}

/* slirp has room again (it may be called from inside slirp). */
static void notify(void *opaque)
{
	struct user *u = opaque;

	vmb_loop_timer_arm(u->wake, 1, 0);
}

static const SlirpCb callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_get_ns,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = poll_fd_noop,
	.unregister_poll_fd = poll_fd_noop,
	.notify = notify,
	.timer_new_opaque = timer_new_opaque,
};

/* ---- backend operations ---------------------------------------------------- */

static struct user *of(struct vmb_net_backend *be)
{
	return (struct user *)be;
}

static void user_send(struct vmb_net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct user *u = of(be);

	/* One linear frame from virtio-net; the header carries nothing
	 * here: no offload was offered. */
	if (iovcnt != 1 || iov[0].iov_len <= VMB_NET_HDR_LEN) {
		be->tx_dropped++;
		return;
	}
	slirp_input(u->slirp, (const uint8_t *)iov[0].iov_base + VMB_NET_HDR_LEN,
		    (int)(iov[0].iov_len - VMB_NET_HDR_LEN));
	pump(u);
}

static void user_rx_resume(struct vmb_net_backend *be)
{
	struct user *u = of(be);

	flush_held(u);
	if (!u->stalled)
		pump(u);
}

static void user_destroy(struct vmb_net_backend *be)
{
	struct user *u = of(be);
	struct held *h;

	vmb_loop_del(u->loop, u->watch);
	if (u->slirp)
		slirp_cleanup(u->slirp);
	vmb_loop_timer_free(u->wake);
	if (u->epfd >= 0)
		close(u->epfd);
	while ((h = u->qhead)) {
		u->qhead = h->next;
		free(h);
	}
	free(u->pfd);
	free(u->reg);
	free(u->tftp);
	free(u);
}

/* ---- configuration --------------------------------------------------------- */

/* "10.0.2.0/24" */
static int parse_network(const char *s, struct in_addr *net, struct in_addr *mask)
{
	char buf[32];
	char *slash;
	unsigned long prefix;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1 || prefix < 8 || prefix > 28 ||
	    inet_pton(AF_INET, buf, net) != 1)
		return -1;
	mask->s_addr = htonl(~0u << (32 - prefix));
	return (net->s_addr & ~mask->s_addr) ? -1 : 0;
}

static struct in_addr host_part(struct in_addr net, uint32_t n)
{
	return (struct in_addr){ htonl(ntohl(net.s_addr) | n) };
}

/* "ADDR:PORT" with ADDR possibly empty; 0 or -1. */
static int parse_endpoint(char *s, struct in_addr *addr, bool *any, int *port)
{
	char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (!colon)
		return -1;
	*colon = 0;
	p = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	*any = !*s;
	if (*any)
		addr->s_addr = INADDR_ANY;
	else if (inet_pton(AF_INET, s, addr) != 1)
		return -1;
	return 0;
}

/* One QEMU-style forward: [tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT. */
int vmb_net_parse_hostfwd(const char *spec, struct vmb_net_hostfwd *f)
{
	char buf[128];
	char *p = buf, *dash, *colon;
	bool any;

	if (strlen(spec) >= sizeof(buf))
		return -1;
	strcpy(buf, spec);
	colon = strchr(p, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (!strcmp(p, "udp"))
		f->udp = true;
	else if (!strcmp(p, "tcp") || !*p)
		f->udp = false;
	else
		return -1;
	p = colon + 1;
	dash = strchr(p, '-');
	if (!dash)
		return -1;
	*dash = 0;
	if (parse_endpoint(p, &f->host, &any, &f->host_port) ||
	    parse_endpoint(dash + 1, &f->guest, &f->guest_any, &f->guest_port))
		return -1;
	return 0;
}

static int add_forwards(struct user *u, struct in_addr dhcp, struct vmb_err *err)
{
	const struct vmb_node *list = vmb_dev_prop_node(u->c.dev, "hostfwd");
	const char *name = u->c.dev->name;

	if (!list)
		return 0;
	if (list->kind != VMB_NODE_SEQ)
		return vmb_errf(err, &list->loc, "virtio-net '%s': hostfwd must be a list "
				"such as [tcp:127.0.0.1:2222-:22]", name);
	for (size_t i = 0; i < list->n; i++) {
		const struct vmb_node *it = list->items[i];
		struct vmb_net_hostfwd f;

		if (it->kind != VMB_NODE_SCALAR ||
		    vmb_net_parse_hostfwd(it->scalar, &f))
			return vmb_errf(err, &it->loc, "virtio-net '%s': hostfwd '%s' is not "
					"[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
					"(e.g. tcp:127.0.0.1:2222-:22)", name,
					it->kind == VMB_NODE_SCALAR ? it->scalar : "...");
		if (f.guest_any)
			f.guest = dhcp;
		if (slirp_add_hostfwd(u->slirp, f.udp, f.host, f.host_port, f.guest,
				      f.guest_port) < 0)
			return vmb_errf(err, &it->loc, "virtio-net '%s': hostfwd '%s': cannot "
					"listen on host port %d: %s", name, it->scalar,
					f.host_port, strerror(errno));
	}
	return 0;
}

static struct vmb_net_backend *user_create(const struct vmb_net_client *c,
					   struct vmb_err *err)
{
	struct vmb_device *dev = c->dev;
	struct user *u = vmb_zalloc(sizeof(*u));
	const char *tftp = vmb_dev_prop_str(dev, "tftp");
	const char *netw = vmb_dev_prop_str(dev, "network");
	SlirpConfig cfg = { .version = 4 };
	struct stat st;

	u->be.ops = &vmb_net_user;
	u->c = *c;
	u->loop = dev->board->loop;
	u->epfd = -1;
	u->qtail = &u->qhead;
	if (parse_network(netw, &cfg.vnetwork, &cfg.vnetmask)) {
		vmb_errf(err, vmb_dev_prop_loc(dev, "network"), "virtio-net '%s': network "
			 "'%s' is not an IPv4 network ADDR/PREFIX with a prefix of 8 "
			 "to 28 and no host bits (e.g. 10.0.2.0/24)", dev->name, netw);
		goto fail;
	}
	if (tftp && (stat(tftp, &st) || !S_ISDIR(st.st_mode))) {
		vmb_errf(err, vmb_dev_prop_loc(dev, "tftp"), "virtio-net '%s': tftp '%s' "
			 "is not a directory", dev->name, tftp);
		goto fail;
	}
	if (vmb_dev_prop_str(dev, "bootfile") && !tftp) {
		vmb_errf(err, vmb_dev_prop_loc(dev, "bootfile"), "virtio-net '%s': "
			 "bootfile needs tftp: DIR to serve it from", dev->name);
		goto fail;
	}
	u->tftp = tftp ? strdup(tftp) : NULL;
	cfg.restricted = vmb_dev_prop_bool(dev, "restrict");
	cfg.in_enabled = true;
	cfg.vhost = host_part(cfg.vnetwork, 2);
	cfg.vnameserver = host_part(cfg.vnetwork, 3);
	cfg.vdhcp_start = host_part(cfg.vnetwork, 15);
	cfg.tftp_path = u->tftp;
	cfg.bootfile = vmb_dev_prop_str(dev, "bootfile");
	cfg.disable_dns = !vmb_dev_prop_bool(dev, "dns");
	u->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (u->epfd < 0) {
		vmb_errf(err, NULL, "virtio-net '%s': epoll_create1: %s", dev->name,
			 strerror(errno));
		goto fail;
	}
	u->wake = vmb_loop_timer_new(u->loop, pump_fn, u, err);
	if (!u->wake)
		goto fail;
	u->slirp = slirp_new(&cfg, &callbacks, u);
	if (!u->slirp) {
		vmb_errf(err, &dev->spec->loc, "virtio-net '%s': libslirp refused the "
			 "configuration", dev->name);
		goto fail;
	}
	if (add_forwards(u, cfg.vdhcp_start, err))
		goto fail;
	u->watch = vmb_loop_add(u->loop, u->epfd, EPOLLIN, epfd_ready, u, err);
	if (!u->watch)
		goto fail;
	notify(u); /* first fill, on the loop */
	return &u->be;
fail:
	user_destroy(&u->be);
	return NULL;
}

static const char *const user_props[] = {
	"network", "hostfwd", "tftp", "bootfile", "restrict", "dns", NULL,
};

const struct vmb_net_backend_ops vmb_net_user = {
	.name = "user",
	.props = user_props,
	.create = user_create,
	.send = user_send,
	.rx_resume = user_rx_resume,
	.destroy = user_destroy,
};
