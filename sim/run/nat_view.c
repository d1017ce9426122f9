/*
 * What a run with a NAT shows of it: the NAT's columns of timeseries.csv
 * (live and lingering mappings, free ports where it is fullest, drops in
 * the interval) and its figures in summary.csv, read from counts the NAT
 * keeps exactly as ports are taken and released.
 */
#include "wiring.h"

#include "portsim/nat.h"
#include "portsim/trace.h"

void ps_run_nat_start(struct ps_metrics *m, const struct ps_nat *nat)
{
	m->nat = true;
	m->nat_pool_ports = ps_nat_pool_ports(nat);
	m->nat_min_free = m->nat_pool_ports;
}

struct ps_trace_nat *ps_run_nat_sample(struct ps_metrics *m, const struct ps_nat *nat, struct ps_trace_nat *row)
{
	row->live = nat->live_maps - nat->lingering_maps;
	row->lingering = nat->lingering_maps;
	row->free_tightest = ps_nat_free_tightest(nat);
	/* The NAT's drops are the run's nat_failures: counted once, where the attempt fails. */
	row->drops = m->nat_failures - m->nat_failures_sampled;
	m->nat_failures_sampled = m->nat_failures;
	if (row->free_tightest < m->nat_min_free)
		m->nat_min_free = row->free_tightest;
	return row;
}

void ps_run_nat_finish(struct ps_metrics *m, const struct ps_nat *nat)
{
	m->nat_probes_max = nat->probes_max;
	m->peak_nat_live = nat->peak_live;
	m->peak_nat_lingering = nat->peak_lingering;
	m->nat_dropped = nat->drops > 0;
	m->nat_first_drop = nat->first_drop;
}
