/*
 * One SYN's trip (connect.h): the NAT's translation with its conntrack
 * race, and the server, which refuses a 4-tuple it holds in TIME_WAIT
 * when the profile says so (ns-3) and takes it otherwise (Linux).
 */
#include "connect.h"

int ps_run_syn_send(const struct ps_run_syn_ctx *x, const struct ps_attempt *a, uint32_t conn,
		    uint16_t port, ps_time now, uint32_t *map, enum ps_err *err, enum ps_syn_drop *why)
{
	*map = UINT32_MAX;
	bool udp = a->mode == PS_MODE_UDP;
	uint32_t src_ip = x->host->cfg.first_ip + a->addr;
	/*
	 * The server's refusal is decided first: the server's table knows the
	 * inside 4-tuple, and a refused SYN's conntrack entry, which would only
	 * wait out its SYN_SENT timeout, is not modelled.
	 */
	if (x->cfg->tw_collision == PS_TW_REFUSE && !udp) {
		const struct ps_conn *c = ps_host_conn(x->host, conn);
		if (ps_peer_tw_holds(x->peer, c->addr, c->idx, c->dst, now)) {
			x->m->tw_refusals++;
			*why = PS_SYN_DROP_PEER_TW;
			return PS_RUN_SYN_DROPPED;
		}
	}
	if (x->nat) {
		struct ps_nat_request nr = { .host = a->addr, .inside_ip = src_ip, .inside_port = port,
					     .dst = a->dst, .udp = udp, .now = now };
		enum ps_err e = ps_nat_open(x->nat, &nr, map);
		if (e == PS_ERR_COUNT)
			return -1;
		if (e != PS_OK) {
			bool raced = x->nat->raced;
			if (raced)
				x->m->race_drops++;
			/* UDP has no SYN to retransmit: the application's own timeout is not modelled. */
			if (x->cfg->nat.retransmit && !udp) {
				if (!raced) {
					x->m->nat_failures++;
					x->hosts[a->addr].nat_failures++;
				}
				*why = raced ? PS_SYN_DROP_RACE : PS_SYN_DROP_NAT;
				return PS_RUN_SYN_DROPPED;
			}
			/* The SYN dies at the NAT: the inside socket never connects and frees its port. */
			ps_host_close(x->host, conn, now, false);
			if (!raced) {
				x->m->nat_failures++;
				x->hosts[a->addr].nat_failures++;
			}
			*err = e;
			return PS_RUN_SYN_FAILED;
		}
	}
	return PS_RUN_SYN_THROUGH;
}

enum ps_err ps_run_syn_drop_err(const struct ps_run_syn_ctx *x, enum ps_syn_drop why)
{
	switch (why) {
	case PS_SYN_DROP_NAT:
		return x->nat ? x->nat->cfg.drop_err : PS_NAT_DROP;
	case PS_SYN_DROP_RACE:
		return PS_NAT_INSERT_FAILED;
	case PS_SYN_DROP_PEER_TW:
		return PS_PEER_TIME_WAIT;
	}
	return PS_NAT_DROP;
}
