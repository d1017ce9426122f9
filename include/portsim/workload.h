/*
 * The offered load: for each population, when the next connection attempt
 * comes, where it goes, from which source address, how long it lives and
 * who closes it. Every draw comes from a stream of its own per population
 * and purpose, so the same seed offers the same load whatever the strategy
 * (common random numbers).
 *
 * The workload reads no file and knows no scenario: it is handed a
 * resolved configuration (see config.h) whose destinations are already an
 * endpoint table, whose replayed traces are rows and whose empirical
 * durations are numbers. All populations share one table of endpoints, so
 * two populations naming the same address and port talk to the same server;
 * each population maps its own destination numbers into that table.
 */
#ifndef PORTSIM_WORKLOAD_H
#define PORTSIM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/host.h"
#include "portsim/rng.h"
#include "portsim/types.h"

#define PS_MAX_POPULATIONS 32
#define PS_POP_NAME_MAX 64
/* Durations beyond a year are a unit slip or a heavy tail run wild; no run lasts that long. */
#define PS_MAX_DURATION_S 31536000.0
/*
 * Attempts per second no arrival process may exceed (rate_per_s, a ramp's
 * end, a diurnal peak, a burst's size over its interval, a trace's rows in
 * any second): beyond it a run is a mistake that would take days.
 */
#define PS_MAX_RATE_PER_S 10000000

enum ps_arrival {
	PS_ARRIVAL_CONSTANT, /* evenly spaced at rate_per_s */
	PS_ARRIVAL_POISSON,  /* exponential gaps at rate_per_s */
	PS_ARRIVAL_ONOFF,    /* Poisson at rate_per_s during exponential on periods, silent during off */
	PS_ARRIVAL_RAMP,     /* Poisson with rate rising linearly from rate_per_s to rate_end_per_s */
	PS_ARRIVAL_DIURNAL,  /* Poisson with rate rate_per_s * (1 + amplitude * sin(2 pi t / period_s)) */
	PS_ARRIVAL_BURST,    /* burst_size attempts at once, every burst_interval_s (0: once) */
	PS_ARRIVAL_REPLAY    /* the rows of trace_file: t_s,dst[,duration_s] */
};

enum ps_duration {
	PS_DURATION_FIXED,
	PS_DURATION_EXPONENTIAL,
	PS_DURATION_LOGNORMAL, /* mean duration_s, or median duration_median_s; sigma duration_sigma */
	PS_DURATION_PARETO,    /* shape duration_shape, minimum duration_min_s */
	PS_DURATION_UNIFORM,   /* between duration_min_s and duration_max_s */
	PS_DURATION_EMPIRICAL  /* values drawn from duration_file, one per line */
};

enum ps_choice { PS_CHOICE_UNIFORM, PS_CHOICE_ZIPF };
enum ps_source_choice { PS_SOURCE_ROUND_ROBIN, PS_SOURCE_RANDOM, PS_SOURCE_HASH };
enum ps_backoff { PS_BACKOFF_FIXED, PS_BACKOFF_EXPONENTIAL };

/* One row of a replayed trace. */
struct ps_replay_row {
	ps_time t;
	uint32_t dst;       /* index into the population's destinations */
	ps_time duration;   /* PS_TIME_MAX: draw it from the duration distribution */
};

/* When attempts come. Times in seconds, as the scenario gives them, so every rounding stays where it was. */
struct ps_arrival_config {
	enum ps_arrival kind;
	double start_s;                 /* first arrival */
	double rate_per_s;
	double rate_end_per_s;          /* ramp */
	double on_s, off_s;             /* onoff: mean on and off periods */
	double period_s, amplitude;     /* diurnal */
	uint32_t burst_size;            /* burst */
	double burst_interval_s;
	const struct ps_replay_row *rows; /* replay, in nondecreasing time */
	size_t nrows;
};

/* How long a connection (or a keepalive request) lives. */
struct ps_duration_config {
	enum ps_duration kind;
	double mean_s;
	double sigma;                   /* lognormal */
	double median_s;                /* lognormal: when > 0, the median instead of the mean */
	double shape;                   /* pareto */
	double min_s, max_s;            /* pareto minimum; uniform bounds */
	const double *empirical;        /* empirical: the values, seconds */
	size_t nempirical;
};

/* One population, resolved. */
struct ps_workload_pop {
	char name[PS_POP_NAME_MAX];     /* for messages and per-host outputs */
	struct ps_arrival_config arrival;
	struct ps_duration_config duration;
	/* destinations */
	const uint32_t *dst_map;        /* population destination k -> index in the shared table */
	uint32_t ndst;
	enum ps_choice choice;
	double zipf_s;
	/* sources: addresses addr_base .. addr_base + naddr - 1 of the host (inside hosts behind a NAT) */
	enum ps_source_choice source_choice;
	uint32_t addr_base, naddr;
	/* connections */
	double client_closes;           /* probability that the client closes first */
	enum ps_mode mode;
	bool keepalive;                 /* requests reuse idle connections to their destination */
	uint32_t max_requests;          /* per connection; 0 = unlimited */
	double idle_timeout_s;
	uint32_t retries;               /* extra tries after a failed connect */
	enum ps_backoff retry_backoff;
	double retry_delay_s;           /* fixed delay, or the first delay, doubling */
};

/* Everything the workload needs; the pointers are the resolver's (config.h) and must outlive the workload. */
struct ps_workload_config {
	uint64_t seed;
	double end_s;                   /* the run's length: on/off and ramp processes look at it */
	const struct ps_endpoint *dsts; /* the shared destination table */
	uint32_t ndsts;
	struct ps_workload_pop pop[PS_MAX_POPULATIONS];
	unsigned npop;
};

struct ps_pop_state {
	uint64_t arrivals;   /* arrival times handed out so far */
	uint64_t drawn;      /* attempts drawn so far */
	uint32_t next_addr;  /* round-robin over source addresses */
	uint32_t naddr;      /* source addresses to choose among, at least 1 */
	double *zipf_cdf;    /* [ndst], for choice = zipf */
	/* arrival process state */
	ps_time on_until, off_until; /* onoff: current period */
	ps_time burst_t;
	uint32_t burst_left;         /* burst: attempts left at burst_t */
	/*
	 * The population's constants, worked out once at init, so that the
	 * per-connection paths read this structure alone and neither divide
	 * nor reach through the configuration.
	 */
	bool poisson;                         /* the arrivals are Poisson */
	/*
	 * The common shape, drawn without asking how: no trace, uniform
	 * choice among several destinations, round-robin sources, a closer
	 * fixed without a draw (then client_closes says which) and
	 * exponential durations.
	 */
	bool plain, client_closes;
	const struct ps_workload_config *cfg; /* the workload's, for the shared destination table */
	const struct ps_workload_pop *pop;    /* the population's own */
	double gap_ns;                        /* poisson and on/off: the mean gap, 1e9 / rate_per_s */
	size_t replay_rows;                   /* replay: rows naming the attempts' destinations; 0 otherwise */
	struct ps_rng arrival_rng, duration_rng, dst_rng, closer_rng, source_rng;
};

struct ps_workload {
	struct ps_pop_state pops[PS_MAX_POPULATIONS]; /* first: a population's state is one index away */
	const struct ps_workload_config *cfg;
};

/* One connection attempt, fully drawn. */
struct ps_attempt {
	uint32_t dst;        /* index into the shared table */
	uint32_t addr;       /* source address index */
	ps_time duration;
	bool client_closes;
	enum ps_mode mode;
};

/* 0, or -1 with a message in err (out of memory). cfg must outlive w. */
int ps_workload_init(struct ps_workload *w, const struct ps_workload_config *cfg, char *err,
		     size_t size);
/* Safe after a failed init, and twice. */
void ps_workload_fini(struct ps_workload *w);

/*
 * Time of population pop's next arrival (its first, on the first call);
 * `now` is the time of the arrival being handled. PS_TIME_MAX when it
 * offers no more. Constant arrivals fall exactly on start + k/rate; a burst
 * returns the same time burst_size times in a row.
 */
ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now);

/* Draws destination, source address, duration and closer for pop's next attempt. */
void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a);

/* A duration of s seconds as a ps_time: 0 when not >= 0, at most PS_MAX_DURATION_S. */
ps_time ps_duration_from_s(double s);

#endif
