#include "wiring.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "portsim/csv.h"
#include "portsim/scenario.h"
#include "portsim/trace.h"

int ps_run_write_scenario(const char *dir, const struct ps_scenario *sc)
{
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *buf = malloc(need);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	ps_scenario_format(sc, buf, need);
	struct ps_csv c;
	/* Not a CSV, but the same write-then-rename keeps it all-or-nothing. */
	int rc = ps_csv_open(&c, dir, "scenario.ini", NULL);
	if (rc == 0) {
		fputs(buf, c.f);
		rc = ps_csv_commit(&c);
	}
	free(buf);
	return rc;
}

int ps_run_write_hosts(const char *dir, const struct ps_run_config *cfg,
		       const struct ps_host_stats *hosts)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "hosts.csv", PS_HOSTS_HEADER) != 0)
		return -1;
	for (unsigned p = 0; p < cfg->workload.npop; p++) {
		const struct ps_workload_pop *wp = &cfg->workload.pop[p];
		for (uint32_t h = wp->addr_base; h < wp->addr_base + wp->naddr; h++) {
			const struct ps_host_stats *hs = &hosts[h];
			char ip[16];
			ps_ip_format(ip, sizeof(ip), cfg->host.first_ip + h);
			fprintf(c.f, "%u,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u\n", h, ip, wp->name,
				hs->attempts, hs->failures, hs->nat_failures, hs->peak);
		}
	}
	return ps_csv_commit(&c);
}
