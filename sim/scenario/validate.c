/*
 * Whole-scenario checks: what no single key's bounds can catch, such as a
 * scenario without a population, a reserved list that covers the whole
 * range, or a NAT too small for its inside hosts. Run after every file and
 * override is applied, so the order of keys never matters.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portsim/input.h"
#include "portsim/nat.h"
#include "portsim/profile.h"

/*
 * Every arrival process is held to rate_per_s's cap on attempts per second:
 * a burst's size over its interval, and a diurnal cycle at its peak.
 * NULL, or what breaks it (with the offending rate in *rate).
 */
static const char *over_rate_cap(const struct ps_population *p, double cap, double *rate)
{
	if (p->arrival == PS_ARRIVAL_BURST && p->burst_interval_s > 0) {
		*rate = p->burst_size / p->burst_interval_s;
		if (*rate > cap)
			return "burst_size / burst_interval_s";
	}
	if (p->arrival == PS_ARRIVAL_DIURNAL) {
		*rate = p->rate_per_s * (1 + p->amplitude);
		if (*rate > cap)
			return "the diurnal peak rate_per_s x (1 + amplitude)";
	}
	return NULL;
}

/*
 * Where a [nat] key's refused value was set: "FILE:LINE:" when the
 * scenario's file set it, else "NAME:" (a default, a preset or --set).
 */
static void nat_key_where(const struct ps_scenario *sc, const char *key, char *buf, size_t size)
{
	const struct key *k = ps_sc_find_key(SEC_NAT, key);
	uint32_t line = k ? sc->key_line[k - ps_sc_keys] : 0;
	char shown[PS_EXCERPT_NAME_SIZE];
	if (line && sc->origin[0])
		snprintf(buf, size, "%s:%u:", ps_excerpt_name(shown, sizeof(shown), sc->origin), line);
	else
		snprintf(buf, size, "%s:", sc->name);
}

/* The NAT checks: what its allocator needs of the addresses, the range and the inside hosts. */
static int validate_nat(const struct ps_scenario *sc, char *err, size_t size)
{
	const char *n = sc->name;
	const struct ps_nat_settings *nt = &sc->nat;
	uint32_t inside = ps_scenario_source_count(sc);
	uint32_t max_addrs = ps_nat_preset_max_addresses(nt->preset);
	uint32_t range = (uint32_t)(nt->hi - nt->lo + 1);
	if (nt->addresses > max_addrs) {
		snprintf(err, size, "%s: [nat] addresses = %u: %s allows at most %u external addresses", n,
			 nt->addresses, nt->preset, max_addrs);
		return -1;
	}
	if (inside > 65535) {
		snprintf(err, size, "%s: %u inside hosts in all; at most 65535", n, inside);
		return -1;
	}
	if (!strcmp(nt->allocator, "deterministic") &&
	    (uint64_t)inside > (uint64_t)nt->sharing_ratio * nt->addresses) {
		snprintf(err, size,
			 "%s: [nat] deterministic: %u inside hosts need sharing_ratio x addresses >= %u "
			 "(now %u x %u); raise one of them",
			 n, inside, inside, nt->sharing_ratio, nt->addresses);
		return -1;
	}
	if (!strcmp(nt->allocator, "deterministic") && range / nt->sharing_ratio == 0) {
		snprintf(err, size, "%s: [nat] sharing_ratio = %u leaves no port per host in port_range %u-%u", n,
			 nt->sharing_ratio, nt->lo, nt->hi);
		return -1;
	}
	if (!strcmp(nt->allocator, "pba")) {
		uint32_t vms = nt->pool_size ? nt->pool_size : inside;
		char why[PS_ERR_MAX / 2];
		if (nt->block_size == 0 && ps_preset_azure_check(nt->ports_per_instance, vms, nt->addresses, range, why,
								 sizeof(why)) != 0) {
			char where[PS_EXCERPT_NAME_SIZE + 32];
			nat_key_where(sc, "ports_per_instance", where, sizeof(where));
			snprintf(err, size, "%s [nat] ports_per_instance = \"%u\": %s", where, nt->ports_per_instance, why);
			return -1;
		}
		uint32_t block = nt->block_size ? nt->block_size
						: ps_preset_azure_snat_ports(vms, nt->addresses, nt->ports_per_instance);
		if (block > range) {
			snprintf(err, size,
				 "%s: [nat] pba: blocks of %u ports%s do not fit port_range %u-%u (%u ports); "
				 "lower block_size or widen port_range",
				 n, block, nt->block_size ? "" : " (block_size = 0: Azure's preallocation)", nt->lo,
				 nt->hi, range);
			return -1;
		}
	}
	return 0;
}

static bool all_reserved(const struct ps_scenario *sc)
{
	for (unsigned p = sc->lo; p <= sc->hi; p++)
		if (!ps_sc_port_in(sc->reserved, p))
			return false;
	return true;
}

int ps_scenario_validate(const struct ps_scenario *sc, char *err, size_t size)
{
	const char *n = sc->name;
	char a[40], b[40];

	if (sc->npop == 0) {
		snprintf(err, size,
			 "%s: no [workload.NAME] section: a scenario needs at least one population of "
			 "clients; add one, e.g. [workload.client] with rate_per_s = 100",
			 n);
		return -1;
	}
	if (sc->npop > PS_MAX_POPULATIONS) {
		snprintf(err, size, "%s: %u populations; allowed: at most %d", n, sc->npop,
			 PS_MAX_POPULATIONS);
		return -1;
	}
	if (!ps_alloc_find(sc->strategy)) {
		char names[PS_ERR_MAX / 2];
		ps_alloc_names(names, sizeof(names), ", ");
		snprintf(err, size, "%s: [host] strategy = \"%s\": unknown strategy; allowed: %s", n,
			 sc->strategy, names);
		return -1;
	}
	for (enum ps_mode m = 0; m < PS_MODE_COUNT; m++) {
		if (!ps_alloc_find(ps_scenario_strategy_for(sc, m))) {
			snprintf(err, size, "%s: no strategy \"%s\" for %s sockets; see portsim strategies", n,
				 ps_scenario_strategy_for(sc, m), ps_mode_name(m));
			return -1;
		}
	}
	const struct { const char *key; uint32_t v; } pow2[] = {
		{ "perturb_table_size", sc->params.table_size },
		{ "udp_hash_size", sc->params.udp_hash_size },
	};
	for (size_t i = 0; i < sizeof(pow2) / sizeof(pow2[0]); i++) {
		if (pow2[i].v == 0 || (pow2[i].v & (pow2[i].v - 1))) {
			snprintf(err, size, "%s: [host] %s = %u: not a power of two; use e.g. 256 or 65536", n,
				 pow2[i].key, pow2[i].v);
			return -1;
		}
	}
	if (sc->lo < 1 || sc->lo > sc->hi) {
		snprintf(err, size,
			 "%s: [host] port_range = \"%u-%u\": not a range of ports; "
			 "set it to LO-HI with 1 <= LO <= HI <= 65535",
			 n, sc->lo, sc->hi);
		return -1;
	}
	if (all_reserved(sc)) {
		snprintf(err, size,
			 "%s: [host] reserved_ports reserves every port of port_range %u-%u, leaving "
			 "nothing to allocate; reserve fewer ports or widen port_range",
			 n, sc->lo, sc->hi);
		return -1;
	}
	if (sc->sample_interval_s > sc->duration_s) {
		ps_sc_format_double(a, sizeof(a), sc->sample_interval_s);
		ps_sc_format_double(b, sizeof(b), sc->duration_s);
		snprintf(err, size,
			 "%s: [run] sample_interval_s = %s is longer than duration_s = %s, so the run "
			 "would record no sample; shorten sample_interval_s or lengthen duration_s",
			 n, a, b);
		return -1;
	}
	if (ps_scenario_has_nat(sc) && validate_nat(sc, err, size) != 0)
		return -1;
	double cap = PS_MAX_RATE_PER_S;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		const char *why = NULL;
		if (p->hosts > 1 && !ps_scenario_has_nat(sc))
			why = "hosts > 1 needs a [nat] section (allocator = ...); for one host with several "
			      "source addresses set [host] addresses";
		else if (p->arrival == PS_ARRIVAL_REPLAY && !p->trace_file[0])
			why = "arrival = replay needs trace_file, a CSV of t_s,dst[,duration_s]";
		else if (p->duration == PS_DURATION_EMPIRICAL && !p->duration_file[0])
			why = "duration = empirical needs duration_file, one duration in seconds per line";
		else if (p->duration == PS_DURATION_UNIFORM && p->duration_min_s > p->duration_max_s)
			why = "duration = uniform needs duration_min_s <= duration_max_s";
		else if (p->duration == PS_DURATION_PARETO && p->duration_min_s <= 0)
			why = "duration = pareto needs duration_min_s above 0 (the scale)";
		else if (p->keepalive && p->mode == PS_MODE_UDP)
			why = "keepalive pools TCP connections; use mode = connect, bind0 or bind-no-port";
		if (why) {
			snprintf(err, size, "%s: [workload.%s] %s", n, p->name, why);
			return -1;
		}
		double rate;
		const char *what = over_rate_cap(p, cap, &rate);
		if (what) {
			snprintf(err, size,
				 "%s: [workload.%s] %s = %.0f attempts per second; allowed: at most %d, the cap of "
				 "rate_per_s",
				 n, p->name, what, rate, PS_MAX_RATE_PER_S);
			return -1;
		}
		if (p->start_s >= sc->duration_s) {
			ps_sc_format_double(a, sizeof(a), p->start_s);
			ps_sc_format_double(b, sizeof(b), sc->duration_s);
			snprintf(err, size,
				 "%s: [workload.%s] start_s = %s is not before [run] duration_s = %s, so "
				 "the population would never connect; lower start_s or raise duration_s",
				 n, p->name, a, b);
			return -1;
		}
	}
	return 0;
}
