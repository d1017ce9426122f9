/*
 * The cap on connections per host (workload.NAME.max_connections): how
 * many connections a population may hold open at once on each of its
 * hosts, as App Service caps outbound connections per instance (1,920 on
 * B1/S1/P1) and proxies cap theirs. Behind a NAT each inside host has its
 * own count; without one the population's connections on the host share
 * one. An attempt at the cap fails at once (CONN_LIMIT), without taking a
 * port: App Service refuses the socket ("An attempt was made to access a
 * socket in a way forbidden by its access permissions", WSAEACCES), it
 * does not queue it. Open means established, pooled idle connections
 * included; TIME_WAIT holds no socket and does not count.
 */
#ifndef PORTSIM_RUN_CONN_CAP_H
#define PORTSIM_RUN_CONN_CAP_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/config.h"

struct ps_conn_cap {
	bool on;                      /* some population has a cap */
	bool per_host;                /* behind a NAT: counted per inside host, else per population */
	uint32_t limit[PS_MAX_POPULATIONS];
	uint32_t *open;               /* [inside hosts] or [populations] */
};

/* 0, or -1 out of memory. A configuration without a cap costs nothing. */
int ps_conn_cap_init(struct ps_conn_cap *c, const struct ps_run_config *cfg);
void ps_conn_cap_fini(struct ps_conn_cap *c);

/* Whether population pop's next connection from host address addr is over its cap. */
bool ps_conn_cap_full(const struct ps_conn_cap *c, unsigned pop, uint32_t addr);

/* A connection of pop from addr opened (+1) or closed (-1). */
void ps_conn_cap_count(struct ps_conn_cap *c, unsigned pop, uint32_t addr, int delta);

#endif
