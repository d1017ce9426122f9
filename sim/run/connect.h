/*
 * One SYN of a connection on its way out (connect.c): through the NAT, if
 * there is one, and to the server, either of which may drop it. The run
 * (run.c) calls it for a connection's first SYN and for each
 * retransmission, and keeps the connections that wait (syn.h).
 */
#ifndef PORTSIM_RUN_CONNECT_H
#define PORTSIM_RUN_CONNECT_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/config.h"
#include "portsim/host.h"
#include "portsim/metrics.h"
#include "portsim/nat.h"
#include "portsim/peer_tw.h"
#include "portsim/syn.h"
#include "wiring.h"

/* What a SYN's trip comes to. */
enum ps_run_syn {
	PS_RUN_SYN_THROUGH, /* it reached the server: the connection is established */
	PS_RUN_SYN_DROPPED, /* dropped; the client retransmits it on its schedule, holding its port */
	PS_RUN_SYN_FAILED   /* the attempt fails at once (a NAT drop without retransmission): port freed */
};

/* The parts of a run one SYN touches. */
struct ps_run_syn_ctx {
	const struct ps_run_config *cfg;
	struct ps_host *host;
	struct ps_nat *nat;           /* NULL without a NAT */
	const struct ps_peer_tw *peer; /* the server's TIME_WAIT 4-tuples */
	struct ps_metrics *m;
	struct ps_host_stats *hosts;  /* with a NAT */
};

/*
 * Sends the SYN of connection conn (port port, attempt a) at now. Returns
 * a ps_run_syn value, or -1 when out of memory. THROUGH sets *map (the NAT
 * mapping, or UINT32_MAX); DROPPED sets *why; FAILED sets *err to the
 * NAT's drop error after closing the connection, as a NAT drop did before
 * retransmission was modelled.
 */
int ps_run_syn_send(const struct ps_run_syn_ctx *x, const struct ps_attempt *a, uint32_t conn,
		    uint16_t port, ps_time now, uint32_t *map, enum ps_err *err, enum ps_syn_drop *why);

/*
 * Can anything on a SYN's way drop it? Without a NAT, and with a server
 * that takes a 4-tuple it holds in TIME_WAIT, every SYN goes through and
 * the run skips ps_run_syn_send (the map stays UINT32_MAX).
 */
static inline bool ps_run_syn_may_drop(const struct ps_run_syn_ctx *x)
{
	return x->nat || x->cfg->tw_collision == PS_TW_REFUSE;
}

/* The error an events.csv row of a dropped SYN names. */
enum ps_err ps_run_syn_drop_err(const struct ps_run_syn_ctx *x, enum ps_syn_drop why);

#endif
