/* The cap on connections per host (conn_cap.h). */
#include "conn_cap.h"

#include <stdlib.h>
#include <string.h>

int ps_conn_cap_init(struct ps_conn_cap *c, const struct ps_run_config *cfg)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < cfg->workload.npop; i++) {
		c->limit[i] = cfg->max_connections[i];
		c->on = c->on || c->limit[i] > 0;
	}
	if (!c->on)
		return 0;
	c->per_host = cfg->has_nat;
	size_t n = c->per_host ? cfg->host.naddrs : cfg->workload.npop;
	c->open = calloc(n ? n : 1, sizeof(uint32_t));
	return c->open ? 0 : -1;
}

void ps_conn_cap_fini(struct ps_conn_cap *c)
{
	free(c->open);
	c->open = NULL;
}

bool ps_conn_cap_full(const struct ps_conn_cap *c, unsigned pop, uint32_t addr)
{
	return c->on && c->limit[pop] && c->open[c->per_host ? addr : pop] >= c->limit[pop];
}

void ps_conn_cap_count(struct ps_conn_cap *c, unsigned pop, uint32_t addr, int delta)
{
	if (c->on)
		c->open[c->per_host ? addr : pop] += (uint32_t)delta;
}
