/*
 * macOS: in_pcbbind() in XNU's bsd/netinet/in_pcb.c, the implicit bind
 * (lport == 0) that connect() and bind(port 0) both reach
 * (docs/allocators.md#xnu).
 *
 * The random start is taken when the socket has SOF_BINDRANDOMPORT or the
 * protocol's sysctl says so: net.inet.tcp.randomize_ports
 * (tcp_use_randomport, 0 by default, tcp_subr.c) for SOCK_STREAM and
 * net.inet.udp.randomize_ports (udp_use_randomport, 1, udp_usrreq.c)
 * otherwise; first == last turns it off. For first < last (the default
 * 49152-65535) the "counting up" branch runs: the draw is 16 bits from
 * read_frandom() and lastport = first + rand_port % (first - last). That
 * divisor is negative, but rand_port is promoted to a non-negative int and C
 * takes the remainder's sign from the dividend, so it acts as
 * rand_port % (last - first), a value in [0, last - first - 1] that the
 * model reproduces, including the small modulo bias of a 16-bit draw. The
 * loop then checks "count-- < 0" with count = last - first, pre-increments
 * lastport and wraps it to first past last: ascending, first candidate
 * lastport + 1, and N candidates in all before EADDRNOTAVAIL. Without the
 * draw the global lastport of the pcbinfo simply continues, so TCP hands
 * out ports in one sequence shared by every destination. TCP and UDP have
 * separate pcbinfos (tcbinfo, udbinfo), hence separate lastport values.
 *
 * Restricted ports (IS_RESTRICTED_IN_PORT) are skipped but would count as
 * candidates; on macOS the list in restricted_in_port.c is empty outside
 * CONFIG_EMBEDDED (iOS reserves 61314, 61315, 62742, 62743), so the model
 * skips nothing.
 *
 * The UDP guard "do not allow reserving a UDP port if remaining UDP port
 * count is below 4096" (UDP_RANDOM_PORT_RESERVE, SKYWALK builds, overridden
 * by net.inet.ip.portrange.ipport_allow_udp_port_exhaustion) is not
 * modelled: it sits in the nam != NULL branch, i.e. an explicit bind(), and
 * in_pcbconnect() calls in_pcbbind(inp, NULL, ...), so a connected UDP
 * socket never reaches it; and it compares the address's UDP reservations
 * over the whole 16-bit space against USHRT_MAX - 4096, which the 16384
 * ports of the default range cannot reach.
 */
#include "portsim/alloc.h"
#include "portsim/narrate.h"

enum { XNU_TCP, XNU_UDP, XNU_PROTOS };

struct xnu {
	struct ps_rng rng;
	uint32_t n;
	uint32_t cursor[XNU_PROTOS]; /* lastport + 1 as an index: the next candidate */
	bool randomize[XNU_PROTOS];
};

static int xnu_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct xnu *s = state;
	s->n = ctx->n;
	s->randomize[XNU_TCP] = ctx->params->tcp_randomize;
	s->randomize[XNU_UDP] = true;
	/* The pcbinfo starts zeroed: lastport 0 wraps to first on the first increment. */
	s->cursor[XNU_TCP] = s->cursor[XNU_UDP] = 0;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static struct ps_pick xnu_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct xnu *s = state;
	int proto = req->mode == PS_MODE_UDP ? XNU_UDP : XNU_TCP;
	uint32_t n = s->n;
	uint32_t start = s->cursor[proto];
	if (s->randomize[proto] && n > 1) {
		uint32_t rand_port = (uint32_t)(ps_rng_next(&s->rng) & 0xffff);
		uint32_t lastport = rand_port % (n - 1);
		start = lastport + 1;
	}
	uint32_t idx;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "in_pcbbind: %s; the search tries port %u, then +1 with wrap",
			   s->randomize[proto] && n > 1 ? "lastport is drawn from a 16-bit random number"
						       : "one global lastport, the last port chosen, for every destination",
			   pool->lo + start);
	int64_t k = ps_pool_scan(pool, req, start, n, 1, n, &idx);
	if (k < 0) {
		/* N increments leave lastport where the walk began. */
		s->cursor[proto] = start;
		return (struct ps_pick){ .idx = -1, .probes = n };
	}
	s->cursor[proto] = idx + 1 == n ? 0 : idx + 1;
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

const struct ps_alloc_ops ps_alloc_xnu = {
	.name = "xnu",
	.summary = "TCP: one global lastport, +1 with wrap (random start if tcp_randomize); "
		   "UDP: 16-bit random start in [first, last-1] then +1; separate TCP/UDP counters",
	.source = "XNU bsd/netinet/in_pcb.c in_pcbbind (implicit bind); tcp_subr.c / udp_usrreq.c "
		  "randomize_ports",
	.state_size = sizeof(struct xnu),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_EADDRNOTAVAIL,
	.init = xnu_init,
	.pick = xnu_pick,
};
