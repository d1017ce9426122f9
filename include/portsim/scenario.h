/*
 * A scenario: everything that defines a run, read from an INI file and
 * --set overrides, checked against one schema table. Errors are values:
 * each function returns 0, or -1 with a message in err naming the file,
 * line, key, bad value and the allowed values.
 *
 *   [run]            name, duration_s, seed, sample_interval_s
 *   [host]           profile, strategy, bind_strategy, udp_strategy, port_range,
 *                    reserved_ports, time_wait_s, addresses, unique, tw_reuse,
 *                    tw_reuse_delay_ms, local_time_wait, and strategy tunables
 *   [nat]            preset, allocator, addresses, port_range, mapping, timers, ...
 *   [workload.NAME]  arrival and its parameters, duration and its parameters,
 *                    destinations, destination_list, choice, closer, mode,
 *                    source_choice, keepalive, retries, ...
 *
 * The text follows the INI syntax of portsim/ini.h: '#' and ';' comments
 * (inline after a blank), values in double quotes when they hold " #".
 * Numbers follow the one grammar of portsim/input.h: decimal, an optional
 * '-', fraction and exponent for real numbers (2.5, 1e6), digits only for
 * whole ones; no '+', hexadecimal, inf or nan. Files a scenario names, and
 * the scenario file itself, are regular files of bounded size (input.h).
 * An empty value ("key =", or "key = # comment") is the value "" like any
 * other and never more: the keys whose allowed values include nothing
 * (reserved_ports, destination_list, trace_file, duration_file) take it,
 * which is also their default; every other key rejects it with the usual
 * error naming the file, line and key. A key set twice in one section is
 * an error naming both lines.
 */
#ifndef PORTSIM_SCENARIO_H
#define PORTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/alloc.h"
#include "portsim/host.h"
#include "portsim/types.h"
#include "portsim/workload.h"

#define PS_NAME_MAX 64
#define PS_ERR_MAX 1024

/* The arrival, duration, choice and backoff kinds are the workload's: see workload.h. */

#define PS_PATH_MAX 256
#define PS_LIST_MAX 4096

struct ps_population {
	char name[PS_NAME_MAX];
	/* arrivals */
	enum ps_arrival arrival;
	double rate_per_s;
	double rate_end_per_s;  /* ramp */
	double on_s, off_s;     /* onoff: mean on and off periods */
	double period_s, amplitude; /* diurnal */
	uint32_t burst_size;    /* burst */
	double burst_interval_s;
	char trace_file[PS_PATH_MAX]; /* replay; relative to the scenario's directory */
	double start_s;         /* first arrival */
	/* durations */
	enum ps_duration duration;
	double duration_s;      /* mean */
	double duration_sigma;  /* lognormal */
	double duration_median_s; /* lognormal: when > 0, the median instead of the mean */
	double duration_shape;  /* pareto */
	double duration_min_s, duration_max_s; /* pareto minimum; uniform bounds */
	char duration_file[PS_PATH_MAX]; /* empirical */
	/* destinations */
	uint32_t destinations;  /* K, when destination_list is empty */
	char destination_list[PS_LIST_MAX]; /* "10.0.0.1:80,127.0.0.1:8080" */
	enum ps_choice choice;
	double zipf_s;
	bool loopback;          /* generated destinations are 127.0.0.1+k */
	/* connections */
	double client_closes;   /* probability that the client closes first */
	enum ps_mode mode;
	enum ps_source_choice source_choice;
	bool keepalive;         /* requests reuse idle connections to their destination */
	uint32_t max_requests;  /* per connection; 0 = unlimited */
	double idle_timeout_s;
	uint32_t hosts;         /* with [nat]: inside hosts this population stands for */
	uint32_t retries;       /* extra tries after a failed connect */
	enum ps_backoff retry_backoff;
	double retry_delay_s;   /* fixed delay, or the first delay, doubling */
	uint32_t max_connections; /* open at once per host; 0 = no cap */
	/* how the program has its ports chosen (enum ps_port_choice) */
	int port_choice;
	uint16_t sock_lo, sock_hi; /* socket-range: IP_LOCAL_PORT_RANGE */
	uint32_t narrow_width;     /* narrow-range: ports in each socket's window */
	uint32_t bind_tries;       /* bind-retry: random binds before giving up */
};

/* The [nat] section: a NAT between the inside hosts and the destinations. */
struct ps_nat_settings {
	char preset[PS_NAME_MAX];    /* "none" or a cloud preset */
	char allocator[PS_NAME_MAX]; /* "none" (no NAT) or a NAT allocator */
	uint32_t addresses;          /* external addresses */
	uint16_t lo, hi;             /* external port range */
	int mapping;                 /* enum ps_nat_mapping */
	double time_wait_s, udp_timeout_s, hold_s, idle_timeout_s;
	int random;                  /* enum ps_nat_random */
	bool persistent;
	uint32_t block_size;         /* 0: Azure's default for the backend pool size */
	uint32_t max_blocks;
	bool block_random, dynamic;
	uint32_t sharing_ratio;
	uint32_t pool_size;          /* azure: VMs in the backend pool; 0 = the inside hosts */
	uint32_t ports_per_instance; /* azure: allocatedOutboundPorts; 0 = the default allocation */
	uint32_t per_destination_limit; /* mappings per (external address, destination); 0 = none */
	int drop_error;              /* index into the drop error names */
	/* the conntrack race */
	uint32_t cpus;               /* CPUs that handle new flows */
	double confirm_window_us;    /* from nf_nat's port choice to the conntrack confirm */
	int kernel;                  /* enum ps_nat_kernel */
	bool retransmit;             /* a dropped SYN is retransmitted rather than failed at once */
};

struct ps_scenario {
	char name[PS_NAME_MAX];   /* file stem, or "default" */
	char dir[PS_PATH_MAX];    /* the scenario file's directory: relative paths start here */
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
	double peer_time_wait_s;          /* the server's TIME_WAIT when it closes first */
	uint32_t hz;                      /* the kernel's timer frequency TIME_WAIT ends on; 0 = exactly */
	enum ps_unique unique;
	enum ps_tw_reuse tw_reuse;
	double tw_reuse_delay_ms;
	bool local_time_wait;             /* false: no TIME_WAIT toward loopback (FreeBSD) */
	double resalt_s;                  /* linux: becomes params.resalt_ns */
	struct ps_alloc_params params;
	/* connect delay (syn.h) */
	double syn_rto_s;                 /* the wait after the first SYN */
	uint32_t syn_retries;             /* SYN retransmissions before ETIMEDOUT */
	int syn_backoff;                  /* enum ps_syn_backoff */
	double syn_timeout_s;             /* connection-establishment timer; 0 = none */
	int tw_collision;                 /* enum ps_tw_collision */
	double probe_ns;                  /* what one candidate port of a search costs */
	uint64_t explicit_keys[2];        /* bit per schema key set by the user, which a profile leaves alone */
	/* Where a whole-scenario check finds the value it refuses: the file read last, and the line of it
	 * that set each [run], [host] and [nat] key (by schema index; 0: a default, a profile or --set). */
	char origin[PS_PATH_MAX];
	uint32_t key_line[128];
	/* [nat] */
	struct ps_nat_settings nat;
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

/*
 * Applies one "section.key=value" override (e.g. workload.web.rate_per_s=100),
 * creating a population the first time its name is seen, as a section
 * header in a file does.
 */
int ps_scenario_set(struct ps_scenario *sc, const char *assignment, char *err, size_t size);

/*
 * Applies one override as a user types it on the command line (--set):
 * like ps_scenario_set, but an assignment to a population the scenario
 * does not have is an error naming the closest one ("did you mean"), and
 * "+workload.NAME.KEY=VALUE" adds population NAME (an error if it exists).
 */
int ps_scenario_override(struct ps_scenario *sc, const char *assignment, char *err, size_t size);

/* Whether a key can change a run of the scenario (ps_scenario_key_effect). */
enum ps_key_effect {
	PS_KEY_ACTS,    /* it can */
	PS_KEY_IDLE,    /* not as the scenario stands, but a count or the strategy could change that
			   (retry_delay_s with retries = 0, a strategy's tunable under another strategy):
			   --set allows it, --solve does not */
	PS_KEY_INERT,   /* not unless another arrival, duration, mode, NAT allocator or a NAT at all
			   is chosen (nat.* without [nat], burst_size under arrival = poisson) */
	PS_KEY_UNKNOWN  /* no such section, key or population */
};

/*
 * Whether key ("nat.addresses", "workload.web.burst_size", ...) can change
 * a run of sc; anything but PS_KEY_ACTS comes with the reason in why, one
 * sentence naming the setting that makes the key dead.
 */
enum ps_key_effect ps_scenario_key_effect(const struct ps_scenario *sc, const char *key, char *why,
					  size_t size);

/* Whether key names a key that takes a whole number in a range (what capacity --solve searches). */
bool ps_scenario_key_is_whole(const char *key);

/*
 * Parses "a.b.c.d:port, ..." into out (at most max entries; out may be NULL
 * to only check); returns the number of entries, or (size_t)-1 with *bad at
 * the malformed entry. 127.0.0.0/8 addresses are marked loopback.
 */
size_t ps_endpoints_parse(const char *list, struct ps_endpoint *out, size_t max, const char **bad);

/*
 * Reads one "a.b.c.d:port" at the start of s (each part 1 to 3 digits up
 * to 255, the port 1 to 65535 in at most 5 digits) into *ep (may be NULL);
 * returns the characters it took, or 0 when s does not start with one.
 */
size_t ps_endpoint_scan(const char *s, struct ps_endpoint *ep);

/* One key of the schema, for documentation. */
struct ps_key_doc {
	const char *section; /* "run", "host" or "workload.NAME" */
	const char *name;
	const char *def;     /* default, as written in a file ("" for none) */
	const char *doc;     /* one sentence */
	char allowed[PS_ERR_MAX]; /* allowed values, as error messages spell them */
};

/* Number of keys in the schema. */
size_t ps_scenario_nkeys(void);

/* Describes key i (0 <= i < ps_scenario_nkeys()), in schema order. */
void ps_scenario_key_doc(size_t i, struct ps_key_doc *out);

/* Whether the scenario puts a NAT in front of its hosts. */
bool ps_scenario_has_nat(const struct ps_scenario *sc);

/* Inside hosts (with a NAT) or source addresses (without) of the host model. */
uint32_t ps_scenario_source_count(const struct ps_scenario *sc);

/* The error a NAT drop is reported with. */
enum ps_err ps_scenario_nat_drop_error(const struct ps_scenario *sc);

/* The strategy serving socket mode m, resolving "same". */
const char *ps_scenario_strategy_for(const struct ps_scenario *sc, enum ps_mode m);

/* Checks what no single key can: at least one population, lo <= hi, ... */
int ps_scenario_validate(const struct ps_scenario *sc, char *err, size_t size);

/* Writes the fully resolved scenario as INI text; returns the length it needed (snprintf-like). */
size_t ps_scenario_format(const struct ps_scenario *sc, char *buf, size_t size);

#endif
