#include "portsim/metrics.h"

#include <stdlib.h>
#include <string.h>

int ps_metrics_init(struct ps_metrics *m, uint32_t max_probes)
{
	memset(m, 0, sizeof(*m));
	m->hist_len = max_probes + 2;
	m->probe_hist = calloc(m->hist_len, sizeof(*m->probe_hist));
	return m->probe_hist ? 0 : -1;
}

void ps_metrics_fini(struct ps_metrics *m)
{
	free(m->probe_hist);
	memset(m, 0, sizeof(*m));
}

void ps_metrics_attempt(struct ps_metrics *m, ps_time now, enum ps_err err, uint32_t probes)
{
	m->attempts++;
	m->iv_attempts++;
	m->probes_sum += probes;
	m->iv_probes += probes;
	if (probes > m->probes_max)
		m->probes_max = probes;
	m->probe_hist[probes < m->hist_len ? probes : m->hist_len - 1]++;
	if (err == PS_OK) {
		m->successes++;
		return;
	}
	m->failures++;
	m->iv_failures++;
	m->fail_by_err[err]++;
	if (!m->failed) {
		m->failed = true;
		m->first_failure = now;
		m->first_failure_attempt = m->attempts;
	}
}

void ps_metrics_occupancy(struct ps_metrics *m, uint64_t established, uint64_t time_wait,
			  uint64_t ports_in_use)
{
	if (established > m->peak_established)
		m->peak_established = established;
	if (time_wait > m->peak_time_wait)
		m->peak_time_wait = time_wait;
	if (ports_in_use > m->peak_ports_in_use)
		m->peak_ports_in_use = ports_in_use;
}

double ps_metrics_probes_mean(const struct ps_metrics *m)
{
	return m->attempts ? (double)m->probes_sum / (double)m->attempts : 0.0;
}

uint32_t ps_metrics_probes_quantile(const struct ps_metrics *m, double q)
{
	if (m->attempts == 0)
		return 0;
	/* The smallest value with at least ceil(q * attempts) observations at or below it. */
	uint64_t rank = (uint64_t)(q * (double)m->attempts);
	if ((double)rank < q * (double)m->attempts)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (uint32_t v = 0; v < m->hist_len; v++) {
		seen += m->probe_hist[v];
		if (seen >= rank)
			return v < m->hist_len - 1 ? v : m->probes_max;
	}
	return m->probes_max;
}
