/*
 * A scenario: everything that defines a run, read from an INI file and
 * --set overrides, checked against one schema table. Errors are values:
 * each function returns 0, or -1 with a message in err naming the file,
 * line, key, bad value and the allowed values.
 *
 *   [run]            duration_s, seed, sample_interval_s
 *   [host]           profile, strategy, bind_strategy, udp_strategy, port_range,
 *                    reserved_ports, time_wait_s, addresses, unique, tw_reuse,
 *                    tw_reuse_delay_ms, local_time_wait, and strategy tunables
 *   [workload.NAME]  arrival, rate_per_s, duration, duration_s,
 *                    duration_sigma, destinations, closer, mode, start_s
 */
#ifndef PORTSIM_SCENARIO_H
#define PORTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/alloc.h"
#include "portsim/host.h"
#include "portsim/types.h"

#define PS_MAX_POPULATIONS 32
#define PS_NAME_MAX 64
#define PS_ERR_MAX 1024

enum ps_arrival { PS_ARRIVAL_CONSTANT, PS_ARRIVAL_POISSON };
enum ps_duration { PS_DURATION_FIXED, PS_DURATION_EXPONENTIAL, PS_DURATION_LOGNORMAL };

struct ps_population {
	char name[PS_NAME_MAX];
	enum ps_arrival arrival;
	double rate_per_s;
	enum ps_duration duration;
	double duration_s;      /* mean */
	double duration_sigma;  /* lognormal: sigma of the underlying normal */
	uint32_t destinations;  /* K, chosen uniformly */
	double client_closes;   /* probability that the client closes first */
	enum ps_mode mode;
	double start_s;         /* first arrival */
};

struct ps_scenario {
	char name[PS_NAME_MAX];   /* file stem, or "default" */
	/* [run] */
	double duration_s;
	uint64_t seed;
	double sample_interval_s;
	/* [host] */
	char profile[PS_NAME_MAX];        /* "none" or a profile name */
	char strategy[PS_NAME_MAX];       /* connect() and bind-no-port */
	char bind_strategy[PS_NAME_MAX];  /* bind(0); "same" = strategy */
	char udp_strategy[PS_NAME_MAX];   /* UDP; "same" = strategy */
	uint16_t lo, hi;
	uint64_t reserved[1024];  /* bitmap over all 65536 ports */
	uint32_t addresses;
	double time_wait_s;
	enum ps_unique unique;
	enum ps_tw_reuse tw_reuse;
	double tw_reuse_delay_ms;
	bool local_time_wait;             /* false: no TIME_WAIT toward loopback (FreeBSD) */
	double resalt_s;                  /* linux: becomes params.resalt_ns */
	struct ps_alloc_params params;
	uint64_t explicit_keys;           /* schema keys set by the user, which a profile leaves alone */
	/* [workload.NAME] */
	struct ps_population pop[PS_MAX_POPULATIONS];
	unsigned npop;
};

/* The built-in default scenario, as INI text: a Linux client exhausting its pool toward one backend. */
extern const char ps_scenario_default_ini[];

/* Resets sc to the schema's defaults with no populations. */
void ps_scenario_defaults(struct ps_scenario *sc);

/* Parses INI text on top of sc; origin names it in errors (a path or "built-in"). */
int ps_scenario_parse(struct ps_scenario *sc, const char *origin, const char *text, char *err,
		      size_t size);

/* Reads and parses a file; the scenario's name becomes the file's stem. */
int ps_scenario_load(struct ps_scenario *sc, const char *path, char *err, size_t size);

/* Applies one "section.key=value" override (e.g. workload.web.rate_per_s=100). */
int ps_scenario_set(struct ps_scenario *sc, const char *assignment, char *err, size_t size);

/* The strategy serving socket mode m, resolving "same". */
const char *ps_scenario_strategy_for(const struct ps_scenario *sc, enum ps_mode m);

/* Checks what no single key can: at least one population, lo <= hi, ... */
int ps_scenario_validate(const struct ps_scenario *sc, char *err, size_t size);

/* Writes the fully resolved scenario as INI text; returns the length it needed (snprintf-like). */
size_t ps_scenario_format(const struct ps_scenario *sc, char *buf, size_t size);

#endif
