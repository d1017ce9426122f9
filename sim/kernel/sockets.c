/*
 * The socket operations of a replay: a listener per destination, one
 * client socket per attempt opened in the population's mode (connect(),
 * bind(0) or bind-no-port, or UDP), its server end accepted, and both ends
 * closed in the drawn order. Every blocking call has a timeout.
 */
/* accept4(), POLLRDHUP and IP_BIND_ADDRESS_NO_PORT are GNU/Linux extensions. */
#define _GNU_SOURCE
#include "internal.h"

#ifdef __linux__

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* Long enough for the peer's FIN to cross loopback on a loaded machine. */
#define FIN_WAIT_MS 200

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons(port);
	return a;
}

int ps_kernel_listen(struct ps_replay *r, char *err, size_t size)
{
	const struct ps_workload_config *w = &r->cfg->workload;
	bool tcp = false;
	for (unsigned i = 0; i < w->npop; i++)
		tcp |= w->pop[i].mode != PS_MODE_UDP;
	for (uint32_t d = 0; d < w->ndsts; d++)
		r->listeners[d] = -1;
	if (!tcp)
		return 0;
	for (uint32_t d = 0; d < w->ndsts; d++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ps_kernel_say(err, size, "kernel: socket: %s", strerror(errno));
			return -1;
		}
		r->listeners[d] = fd;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in a = sin_of(r->kip[d], w->dsts[d].port);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
			char ip[16];
			ps_ip_format(ip, sizeof(ip), r->kip[d]);
			ps_kernel_say(err, size, "kernel: cannot listen on %s:%u: %s", ip, w->dsts[d].port,
				      strerror(errno));
			return -1;
		}
	}
	return 0;
}

static enum ps_err err_of(int e)
{
	switch (e) {
	case EADDRNOTAVAIL:
		return PS_EADDRNOTAVAIL;
	case EADDRINUSE:
		return PS_EADDRINUSE;
	case EAGAIN:
		return PS_EAGAIN;
	default:
		return PS_OK;
	}
}

int ps_kernel_accept(int fd, uint16_t port)
{
	/* One accept per connect, serially: the queue's head is ours; a few more tries cover strays. */
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, PS_KERNEL_CONNECT_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int s = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return -1;
		}
		if (ntohs(peer.sin_port) == port)
			return s;
		close(s);
	}
	return -1;
}

int ps_kernel_open(const struct ps_replay *r, enum ps_mode mode, uint32_t dst, int *fd,
		   uint16_t *port, uint32_t *src, enum ps_err *e, char *err, size_t size)
{
	const struct ps_endpoint *d = &r->cfg->workload.dsts[dst];
	*fd = -1;
	*e = PS_OK;
	int s = socket(AF_INET, (mode == PS_MODE_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (s < 0) {
		ps_kernel_say(err, size, "kernel: socket: %s", strerror(errno));
		return -1;
	}
	struct timeval tv = { PS_KERNEL_CONNECT_TIMEOUT_MS / 1000, (PS_KERNEL_CONNECT_TIMEOUT_MS % 1000) * 1000 };
	/* On Linux SO_SNDTIMEO bounds a blocking connect(). */
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	const char *what = "connect";
	int rc = 0;
	if (mode == PS_MODE_BIND0) {
		struct sockaddr_in any = sin_of(INADDR_ANY, 0);
		what = "bind";
		rc = bind(s, (struct sockaddr *)&any, sizeof(any));
	} else if (mode == PS_MODE_BIND_NO_PORT) {
		int one = 1;
		struct sockaddr_in a = sin_of(INADDR_LOOPBACK, 0);
		what = "bind";
		rc = setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (rc == 0)
			rc = bind(s, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc == 0) {
		struct sockaddr_in a = sin_of(r->kip[dst], d->port);
		what = "connect";
		rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc != 0) {
		int en = errno;
		close(s);
		*e = err_of(en);
		if (*e != PS_OK)
			return 0;
		char ip[16];
		ps_ip_format(ip, sizeof(ip), r->kip[dst]);
		ps_kernel_say(err, size, "kernel: %s toward %s:%u (%s): %s", what, ip, d->port,
			      ps_mode_name(mode), en == EINPROGRESS ? "timed out" : strerror(en));
		return -1;
	}
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (getsockname(s, (struct sockaddr *)&me, &len) != 0) {
		ps_kernel_say(err, size, "kernel: getsockname: %s", strerror(errno));
		close(s);
		return -1;
	}
	*fd = s;
	*port = ntohs(me.sin_port);
	*src = ntohl(me.sin_addr.s_addr);
	return 0;
}

/* Waits (bounded) until fd has seen its peer's FIN, so that closing it is the passive close. */
static void await_fin(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	for (int i = 0; i < 4; i++)
		if (poll(&p, 1, FIN_WAIT_MS) >= 0 || errno != EINTR)
			return;
}

void ps_kernel_hang_up(const struct ps_kconn *c)
{
	if (c->sfd < 0) {
		close(c->cfd);
	} else if (c->client_closes) {
		/* The client's FIN first; then the server's, so the client reaches TIME_WAIT, not FIN_WAIT2. */
		close(c->cfd);
		await_fin(c->sfd);
		close(c->sfd);
	} else {
		close(c->sfd);
		await_fin(c->cfd);
		close(c->cfd);
	}
}

#else
typedef int ps_kernel_sockets_need_linux;
#endif
