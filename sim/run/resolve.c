/*
 * Resolving: the one place where a scenario becomes the configurations
 * its components take. Names become ops (strategies, the NAT allocator),
 * seconds become nanoseconds where a component counts in them, files
 * become rows and numbers, destinations become one endpoint table, and
 * each population gets its range of source addresses.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/input.h"
#include "portsim/profile.h"
#include "portsim/scenario.h"

_Static_assert(PS_RUN_LABEL_MAX >= PS_NAME_MAX, "labels hold a scenario's names");
_Static_assert(PS_POP_NAME_MAX >= PS_NAME_MAX, "a population's name fits");

static void resolve_population(struct ps_workload_pop *w, const struct ps_population *p)
{
	snprintf(w->name, sizeof(w->name), "%s", p->name);
	w->arrival = (struct ps_arrival_config){
		.kind = p->arrival, .start_s = p->start_s, .rate_per_s = p->rate_per_s,
		.rate_end_per_s = p->rate_end_per_s, .on_s = p->on_s, .off_s = p->off_s,
		.period_s = p->period_s, .amplitude = p->amplitude, .burst_size = p->burst_size,
		.burst_interval_s = p->burst_interval_s,
	};
	w->duration = (struct ps_duration_config){
		.kind = p->duration, .mean_s = p->duration_s, .sigma = p->duration_sigma,
		.median_s = p->duration_median_s, .shape = p->duration_shape,
		.min_s = p->duration_min_s, .max_s = p->duration_max_s,
	};
	w->choice = p->choice;
	w->zipf_s = p->zipf_s;
	w->source_choice = p->source_choice;
	w->client_closes = p->client_closes;
	w->mode = p->mode;
	w->keepalive = p->keepalive;
	w->max_requests = p->max_requests;
	w->idle_timeout_s = p->idle_timeout_s;
	w->retries = p->retries;
	w->retry_backoff = p->retry_backoff;
	w->retry_delay_s = p->retry_delay_s;
}

/* A data file's error, led by the key that named the file: "NAME: [workload.P] trace_file = "V": ...". */
static int name_the_key(const struct ps_scenario *sc, const struct ps_population *p, const char *key,
			const char *value, char *err, size_t size)
{
	char why[PS_ERR_MAX], shown[PS_EXCERPT_NAME_SIZE];
	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, size, "%s: [workload.%s] %s = \"%s\": %s", sc->name, p->name, key,
		 ps_excerpt_name(shown, sizeof(shown), value), why);
	return -1;
}

/* Population i's destinations and data files. 0, or -1 with err. */
static int load_population(const struct ps_scenario *sc, unsigned i, struct ps_dst_table *t,
			   struct ps_run_config *cfg, char *err, size_t size)
{
	const struct ps_population *p = &sc->pop[i];
	struct ps_workload_pop *w = &cfg->workload.pop[i];
	struct ps_run_data *d = &cfg->data;
	struct ps_pop_dsts pd = { .name = p->name, .loopback = p->loopback };
	char path[2 * PS_PATH_MAX + 2];
	int rc = ps_load_pop_destinations(t, &pd, p->destination_list, p->destinations, err, size);
	if (rc == 0 && p->arrival == PS_ARRIVAL_REPLAY) {
		ps_load_path(path, sizeof(path), sc->dir, p->trace_file);
		rc = ps_load_trace(t, &pd, path, &d->rows[i], &w->arrival.nrows, err, size);
		w->arrival.rows = d->rows[i];
		if (rc != 0)
			name_the_key(sc, p, "trace_file", p->trace_file, err, size);
	}
	ps_load_pop_done(&pd);
	/* The trace may have grown the map: take it only now. */
	d->dst_map[i] = pd.map;
	w->dst_map = pd.map;
	w->ndst = pd.n;
	if (rc == 0 && p->duration == PS_DURATION_EMPIRICAL) {
		ps_load_path(path, sizeof(path), sc->dir, p->duration_file);
		rc = ps_load_durations(path, &d->empirical[i], &w->duration.nempirical, err, size);
		w->duration.empirical = d->empirical[i];
		if (rc != 0)
			name_the_key(sc, p, "duration_file", p->duration_file, err, size);
	}
	return rc;
}

static int resolve_workload(const struct ps_scenario *sc, struct ps_run_config *cfg, char *err,
			    size_t size)
{
	struct ps_workload_config *wc = &cfg->workload;
	wc->seed = sc->seed;
	wc->end_s = sc->duration_s;
	wc->npop = sc->npop;
	struct ps_dst_table t = { 0 };
	uint32_t nat_base = 0;
	int rc = 0;
	for (unsigned i = 0; i < sc->npop && rc == 0; i++) {
		const struct ps_population *p = &sc->pop[i];
		struct ps_workload_pop *w = &wc->pop[i];
		resolve_population(w, p);
		cfg->max_connections[i] = p->max_connections;
		/* Behind a NAT each population has inside hosts of its own; otherwise all share the host's addresses. */
		w->addr_base = nat_base;
		w->naddr = cfg->has_nat ? p->hosts : sc->addresses;
		if (cfg->has_nat)
			nat_base += p->hosts;
		rc = load_population(sc, i, &t, cfg, err, size);
	}
	ps_load_table_done(&t);
	cfg->data.dsts = t.dsts;
	wc->dsts = t.dsts;
	wc->ndsts = t.ndsts;
	return rc;
}

static int resolve_host(const struct ps_scenario *sc, struct ps_run_config *cfg, char *err,
			size_t size)
{
	cfg->data.reserved = malloc(sizeof(sc->reserved));
	if (!cfg->data.reserved) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	memcpy(cfg->data.reserved, sc->reserved, sizeof(sc->reserved));
	struct ps_host_config *hc = &cfg->host;
	*hc = (struct ps_host_config){
		.lo = sc->lo, .hi = sc->hi, .reserved = cfg->data.reserved,
		.naddrs = ps_scenario_source_count(sc),
		.first_ip = cfg->has_nat ? PS_INSIDE_FIRST_IP : PS_SRC_FIRST_IP,
		.dsts = cfg->workload.dsts, .ndsts = cfg->workload.ndsts,
		.time_wait = ps_time_from_s(sc->time_wait_s), .tw_reuse = sc->tw_reuse,
		.tw_reuse_delay = ps_time_from_s(sc->tw_reuse_delay_ms / 1000.0), .unique = sc->unique,
		.no_local_time_wait = !sc->local_time_wait, .params = sc->params, .seed = sc->seed,
	};
	hc->params.resalt_ns = ps_time_from_s(sc->resalt_s);
	/* A table per population only when one of them does not leave the choice to the kernel. */
	for (unsigned i = 0; i < sc->npop && !cfg->data.choice; i++) {
		if (sc->pop[i].port_choice == PS_PORT_KERNEL)
			continue;
		cfg->data.choice = calloc(sc->npop, sizeof(*cfg->data.choice));
		if (!cfg->data.choice) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		for (unsigned k = 0; k < sc->npop; k++) {
			const struct ps_population *p = &sc->pop[k];
			cfg->data.choice[k] = (struct ps_port_choice_cfg){
				.how = (enum ps_port_choice)p->port_choice, .lo = p->sock_lo, .hi = p->sock_hi,
				.arg = p->port_choice == PS_PORT_BIND_RETRY ? p->bind_tries : p->narrow_width };
		}
	}
	hc->choice = cfg->data.choice;
	for (enum ps_mode m = 0; m < PS_MODE_COUNT; m++)
		hc->alloc[m] = ps_alloc_find(ps_scenario_strategy_for(sc, m));
	return 0;
}

static void resolve_nat(const struct ps_scenario *sc, struct ps_run_config *cfg)
{
	const struct ps_nat_settings *ns = &sc->nat;
	uint32_t inside = cfg->host.naddrs;
	cfg->nat = (struct ps_nat_config){
		.lo = ns->lo, .hi = ns->hi, .naddrs = ns->addresses, .first_ip = PS_NAT_FIRST_IP,
		.ninside = inside, .dsts = cfg->workload.dsts, .ndsts = cfg->workload.ndsts,
		.mapping = (enum ps_nat_mapping)ns->mapping, .tcp_linger = ps_time_from_s(ns->time_wait_s),
		.udp_linger = ps_time_from_s(ns->udp_timeout_s), .hold = ps_time_from_s(ns->hold_s),
		.idle_timeout = ps_time_from_s(ns->idle_timeout_s),
		.drop_err = ps_scenario_nat_drop_error(sc), .random = (enum ps_nat_random)ns->random,
		.persistent = ns->persistent, .block_size = ns->block_size, .max_blocks = ns->max_blocks,
		.block_random = ns->block_random, .block_grow_double = ns->dynamic,
		.sharing_ratio = ns->sharing_ratio, .per_address_limit = ns->per_destination_limit,
		.seed = sc->seed, .cpus = ns->cpus, .confirm_window = ps_time_from_s(ns->confirm_window_us / 1e6),
		.kernel = (enum ps_nat_kernel)ns->kernel, .retransmit = ns->retransmit,
	};
	if (cfg->nat.block_size == 0)
		cfg->nat.block_size = ps_preset_azure_snat_ports(ns->pool_size ? ns->pool_size : inside, ns->addresses,
								 ns->ports_per_instance);
	cfg->nat_ops = ps_nat_find(ns->allocator);
}

int ps_run_config_resolve(const struct ps_scenario *sc, struct ps_run_config *cfg, char *err,
			  size_t size)
{
	memset(cfg, 0, sizeof(*cfg));
	if (ps_scenario_validate(sc, err, size) != 0)
		return -1;
	snprintf(cfg->name, sizeof(cfg->name), "%s", sc->name);
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", sc->strategy);
	cfg->end = ps_time_from_s(sc->duration_s);
	cfg->sample_interval = ps_time_from_s(sc->sample_interval_s);
	cfg->seed = sc->seed;
	cfg->peer_time_wait = ps_time_from_s(sc->peer_time_wait_s);
	cfg->hz = sc->hz;
	cfg->syn = (struct ps_syn_schedule){ .rto = ps_time_from_s(sc->syn_rto_s), .retries = sc->syn_retries,
					     .backoff = (enum ps_syn_backoff)sc->syn_backoff,
					     .timeout = ps_time_from_s(sc->syn_timeout_s) };
	cfg->tw_collision = (enum ps_tw_collision)sc->tw_collision;
	cfg->probe_cost = ps_time_from_s(sc->probe_ns / 1e9);
	cfg->has_nat = ps_scenario_has_nat(sc);
	if (resolve_workload(sc, cfg, err, size) != 0 || resolve_host(sc, cfg, err, size) != 0) {
		ps_run_config_fini(cfg);
		return -1;
	}
	if (cfg->has_nat)
		resolve_nat(sc, cfg);
	return 0;
}

void ps_run_config_fini(struct ps_run_config *cfg)
{
	struct ps_run_data *d = &cfg->data;
	free(d->reserved);
	free(d->dsts);
	free(d->choice);
	for (unsigned i = 0; i < PS_MAX_POPULATIONS; i++) {
		free(d->dst_map[i]);
		free(d->rows[i]);
		free(d->empirical[i]);
	}
	memset(cfg, 0, sizeof(*cfg));
}

double ps_scenario_mean_rate(const struct ps_scenario *sc, unsigned pop)
{
	const struct ps_population *p = &sc->pop[pop];
	switch (p->arrival) {
	case PS_ARRIVAL_ONOFF:
		if (p->on_s + p->off_s <= 0)
			return p->rate_per_s;
		return p->rate_per_s * p->on_s / (p->on_s + p->off_s);
	case PS_ARRIVAL_RAMP:
		return (p->rate_per_s + p->rate_end_per_s) / 2;
	case PS_ARRIVAL_DIURNAL:
		/*
		 * The sine averages out over whole periods; over a run shorter
		 * than a period the true mean differs, which this ignores.
		 */
		return p->rate_per_s;
	case PS_ARRIVAL_BURST:
		if (p->burst_interval_s > 0)
			return p->burst_size / p->burst_interval_s;
		return sc->duration_s > 0 ? p->burst_size / sc->duration_s : 0;
	case PS_ARRIVAL_REPLAY: {
		if (!(sc->duration_s > 0))
			return 0;
		char path[2 * PS_PATH_MAX + 2];
		ps_load_path(path, sizeof(path), sc->dir, p->trace_file);
		return ps_load_trace_rows_before(path, sc->duration_s) / sc->duration_s;
	}
	case PS_ARRIVAL_CONSTANT:
	case PS_ARRIVAL_POISSON:
	default:
		return p->rate_per_s;
	}
}
