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
	free(m->delay.val);
	free(m->delay.cnt);
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

/* ceil(q n), at least 1: how many observations the q-quantile has at or below it. */
static uint64_t quantile_rank(double q, uint64_t n)
{
	uint64_t rank = (uint64_t)(q * (double)n);
	if ((double)rank < q * (double)n)
		rank++;
	return rank ? rank : 1;
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
	uint64_t rank = quantile_rank(q, m->attempts);
	uint64_t seen = 0;
	for (uint32_t v = 0; v < m->hist_len; v++) {
		seen += m->probe_hist[v];
		if (seen >= rank)
			return v < m->hist_len - 1 ? v : m->probes_max;
	}
	return m->probes_max;
}

/* ---- connect delays ---- */

static uint32_t delay_slot(const struct ps_delays *d, ps_time v)
{
	uint64_t h = v * 0x9E3779B97F4A7C15ULL;
	uint32_t mask = d->cap - 1, i = (uint32_t)(h >> 32) & mask;
	while (d->cnt[i] && d->val[i] != v)
		i = (i + 1) & mask;
	return i;
}

static int delay_grow(struct ps_delays *d)
{
	struct ps_delays g = *d;
	g.cap = d->cap ? d->cap * 2 : 64;
	g.val = calloc(g.cap, sizeof(*g.val));
	g.cnt = calloc(g.cap, sizeof(*g.cnt));
	if (!g.val || !g.cnt) {
		free(g.val);
		free(g.cnt);
		return -1;
	}
	for (uint32_t i = 0; i < d->cap; i++) {
		if (!d->cnt[i])
			continue;
		uint32_t j = delay_slot(&g, d->val[i]);
		g.val[j] = d->val[i];
		g.cnt[j] = d->cnt[i];
	}
	free(d->val);
	free(d->cnt);
	*d = g;
	return 0;
}

int ps_metrics_delay(struct ps_metrics *m, ps_time delay)
{
	struct ps_delays *d = &m->delay;
	uint32_t i = d->last;
	/* The value just counted again (a grow moves slots, so it checks the slot, not an index alone). */
	if (!(d->cap && d->cnt[i] && d->val[i] == delay)) {
		if (2 * (d->len + 1) > d->cap && delay_grow(d) != 0)
			return -1;
		i = d->last = delay_slot(d, delay);
	}
	if (!d->cnt[i]) {
		d->val[i] = delay;
		d->len++;
	}
	d->cnt[i]++;
	d->n++;
	if (delay > d->max)
		d->max = delay;
	return 0;
}

static int by_value(const void *a, const void *b)
{
	ps_time x = ((const ps_time *)a)[0], y = ((const ps_time *)b)[0];
	return x < y ? -1 : x > y;
}

ps_time ps_delays_quantile(const struct ps_delays *d, double q)
{
	if (d->n == 0)
		return 0;
	uint64_t rank = quantile_rank(q, d->n);
	/* Pairs (value, count), sorted by value; on no memory, the maximum is the safe answer. */
	ps_time *pairs = malloc((size_t)d->len * 2 * sizeof(*pairs));
	if (!pairs)
		return d->max;
	uint32_t k = 0;
	for (uint32_t i = 0; i < d->cap; i++)
		if (d->cnt[i]) {
			pairs[2 * k] = d->val[i];
			pairs[2 * k + 1] = d->cnt[i];
			k++;
		}
	qsort(pairs, k, 2 * sizeof(*pairs), by_value);
	ps_time v = d->max;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < k; i++) {
		seen += pairs[2 * i + 1];
		if (seen >= rank) {
			v = pairs[2 * i];
			break;
		}
	}
	free(pairs);
	return v;
}
