/*
 * The scenario schema and its INI reader and writer. One const table of
 * keys drives parsing, defaults, --set and ps_scenario_format (and, later,
 * the generated documentation), so a key is described in exactly one place.
 */
#include "portsim/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/nat.h"
#include "portsim/profile.h"

/* A scenario is a page of text; anything bigger is a mistake, not a scenario. */
#define FILE_MAX (1024 * 1024)

enum section { SEC_RUN, SEC_HOST, SEC_NAT, SEC_WORKLOAD };

enum type {
	T_NUMBER,   /* double in [min, max] */
	T_U64,      /* uint64_t in [min, max] */
	T_U32,      /* uint32_t in [min, max] */
	T_ENUM,     /* an int-sized enum whose value is the index in values */
	T_BOOL,     /* bool */
	T_STRATEGY, /* char[PS_NAME_MAX] holding a registry name */
	T_STRATEGY_OR_SAME, /* the same, or "same" (use [host] strategy) */
	T_PROFILE,  /* char[PS_NAME_MAX]: "none" or a profile name; applied when set */
	T_PRESET,   /* char[PS_NAME_MAX]: "none" or a NAT preset; applied when set */
	T_NATALLOC, /* char[PS_NAME_MAX]: "none" or a NAT allocator */
	T_RANGE,    /* "LO-HI" into the scenario's lo and hi */
	T_PORTS,    /* "P,LO-HI,..." into the scenario's reserved bitmap */
	T_CLOSER,   /* client | server | probability, into a double */
	T_PATH,     /* char[PS_PATH_MAX]: a file name, or nothing */
	T_ENDPOINTS /* char[PS_LIST_MAX]: "a.b.c.d:port,...", or nothing */
};

struct key {
	enum section section;
	const char *name;
	enum type type;
	const char *unit;          /* shown after ranges: "seconds"; NULL if none */
	const char *def;           /* default, spelled as in a file */
	const char *min, *max;     /* T_NUMBER, T_U64, T_U32, as in a file */
	const char *const *values; /* T_ENUM, NULL-terminated */
	const char *doc;           /* one sentence */
	size_t off;                /* into ps_scenario, or ps_population under [workload.NAME] */
};

/* T_ENUM stores through an int, which is only sound if every such enum is int-sized. */
_Static_assert(sizeof(enum ps_unique) == sizeof(int), "enum ps_unique must be int-sized");
_Static_assert(sizeof(enum ps_tw_reuse) == sizeof(int), "enum ps_tw_reuse must be int-sized");
_Static_assert(sizeof(enum ps_arrival) == sizeof(int), "enum ps_arrival must be int-sized");
_Static_assert(sizeof(enum ps_duration) == sizeof(int), "enum ps_duration must be int-sized");
_Static_assert(sizeof(enum ps_mode) == sizeof(int), "enum ps_mode must be int-sized");
_Static_assert(sizeof(enum ps_order) == sizeof(int), "enum ps_order must be int-sized");
_Static_assert(sizeof(enum ps_choice) == sizeof(int), "enum ps_choice must be int-sized");
_Static_assert(sizeof(enum ps_source_choice) == sizeof(int), "enum ps_source_choice must be int-sized");
_Static_assert(sizeof(enum ps_backoff) == sizeof(int), "enum ps_backoff must be int-sized");

/* Spelled in the order of their enums: the index is the value. */
static const char *const unique_values[] = { "4tuple", "port", NULL };
static const char *const tw_reuse_values[] = { "0", "1", "2", NULL };
static const char *const arrival_values[] = { "constant", "poisson", "onoff", "ramp", "diurnal",
					       "burst", "replay", NULL };
static const char *const duration_values[] = { "fixed", "exponential", "lognormal", "pareto",
						"uniform", "empirical", NULL };
static const char *const choice_values[] = { "uniform", "zipf", NULL };
static const char *const source_values[] = { "round-robin", "random", "hash", NULL };
static const char *const backoff_values[] = { "fixed", "exponential", NULL };
static const char *const mapping_values[] = { "endpoint-dependent", "endpoint-independent", NULL };
static const char *const nat_random_values[] = { "none", "random", "random-fully", NULL };
static const char *const drop_values[] = { "NAT_DROP", "insert_failed", "ErrorPortAllocation",
					   "OUT_OF_RESOURCES", NULL };
static const char *const order_values[] = { "sequential", "random", NULL };
static const char *const mode_values[] = { "connect", "bind0", "bind-no-port", "udp", NULL };
static const char *const bool_true[] = { "true", "yes", "on", "1", NULL };
static const char *const bool_false[] = { "false", "no", "off", "0", NULL };

#define SC(f) offsetof(struct ps_scenario, f)
#define POP(f) offsetof(struct ps_population, f)
#define NAT(f) offsetof(struct ps_nat_settings, f)

static const struct key keys[] = {
	{ SEC_RUN, "duration_s", T_NUMBER, "seconds", "120", "0.001", "31536000", NULL,
	  "Simulated time the run covers.", SC(duration_s) },
	{ SEC_RUN, "seed", T_U64, NULL, "1", "0", "18446744073709551615", NULL,
	  "Seed of every random stream; the same seed gives the same run.", SC(seed) },
	{ SEC_RUN, "sample_interval_s", T_NUMBER, "seconds", "1", "0.001", "86400", NULL,
	  "Simulated time between two rows of timeseries.csv.", SC(sample_interval_s) },

	{ SEC_HOST, "profile", T_PROFILE, NULL, "none", NULL, NULL, NULL,
	  "A whole system (`portsim profiles`): sets every [host] key below that the scenario does not set itself.",
	  SC(profile) },
	{ SEC_HOST, "strategy", T_STRATEGY, NULL, "linux", NULL, NULL, NULL,
	  "Port allocation strategy for connect() and IP_BIND_ADDRESS_NO_PORT, as `portsim strategies` lists them.",
	  SC(strategy) },
	{ SEC_HOST, "bind_strategy", T_STRATEGY_OR_SAME, NULL, "same", NULL, NULL, NULL,
	  "Strategy for bind(port 0); same = the connect() strategy.", SC(bind_strategy) },
	{ SEC_HOST, "udp_strategy", T_STRATEGY_OR_SAME, NULL, "same", NULL, NULL, NULL,
	  "Strategy for UDP autobind; same = the connect() strategy.", SC(udp_strategy) },
	{ SEC_HOST, "port_range", T_RANGE, NULL, "49152-65535", NULL, NULL, NULL,
	  "Ephemeral range LO-HI, both ends included.", SC(lo) },
	{ SEC_HOST, "reserved_ports", T_PORTS, NULL, "", NULL, NULL, NULL,
	  "Ports and LO-HI ranges the allocator must skip, comma-separated.", SC(reserved) },
	{ SEC_HOST, "time_wait_s", T_NUMBER, "seconds", "60", "0", "3600", NULL,
	  "How long a connection the host closed first keeps its 4-tuple in TIME_WAIT.",
	  SC(time_wait_s) },
	{ SEC_HOST, "peer_time_wait_s", T_NUMBER, "seconds", "60", "0", "3600", NULL,
	  "How long a server that closes first holds the 4-tuple in TIME_WAIT; reusing it meanwhile is counted as a collision, not refused.",
	  SC(peer_time_wait_s) },
	{ SEC_HOST, "addresses", T_U32, NULL, "1", "1", "256", NULL,
	  "Number of source addresses the host allocates ports on.", SC(addresses) },
	{ SEC_HOST, "unique", T_ENUM, NULL, "4tuple", NULL, NULL, unique_values,
	  "What a connect() must not collide with: another socket on the same 4-tuple, or any socket on the port.",
	  SC(unique) },
	{ SEC_HOST, "tw_reuse", T_ENUM, NULL, "2", NULL, NULL, tw_reuse_values,
	  "net.ipv4.tcp_tw_reuse: 0 never takes over TIME_WAIT, 1 always may, 2 only toward loopback.",
	  SC(tw_reuse) },
	{ SEC_HOST, "tw_reuse_delay_ms", T_NUMBER, "milliseconds", "1000", "1", "60000", NULL,
	  "How long a TIME_WAIT entry must have waited before tw_reuse may take it over.",
	  SC(tw_reuse_delay_ms) },
	{ SEC_HOST, "descending", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "Whether the sequential strategy walks the range downward, as NetBSD does.",
	  SC(params.descending) },
	{ SEC_HOST, "first_port", T_U32, NULL, "0", "0", "65535", NULL,
	  "Port the sequential cursor starts at; 0 = the range's low end.", SC(params.first_port) },
	{ SEC_HOST, "local_time_wait", T_BOOL, NULL, "true", NULL, NULL, NULL,
	  "Whether connections to loopback destinations keep TIME_WAIT; FreeBSD 14 skips it (net.inet.tcp.nolocaltimewait).",
	  SC(local_time_wait) },
	{ SEC_HOST, "resalt_s", T_NUMBER, "seconds", "10", "0.001", "86400", NULL,
	  "linux: how often the port-offset hash is re-keyed.", SC(resalt_s) },
	{ SEC_HOST, "perturb_table_size", T_U32, NULL, "65536", "1", "16777216", NULL,
	  "linux: entries of the perturbation table, a power of two (2^CONFIG_INET_TABLE_PERTURB_ORDER).",
	  SC(params.table_size) },
	{ SEC_HOST, "tries", T_U32, NULL, "0", "0", "100000000", NULL,
	  "rfc6056-2: random draws before giving up; 0 = the size of the range.", SC(params.tries) },
	{ SEC_HOST, "table_length", T_U32, NULL, "10", "1", "65536", NULL,
	  "rfc6056-4: TABLE_LENGTH, the number of counters destinations hash into.",
	  SC(params.table_length) },
	{ SEC_HOST, "increment_max", T_U32, NULL, "500", "1", "65535", NULL,
	  "rfc6056-5: N, the largest random increment between candidates.", SC(params.increment_max) },
	{ SEC_HOST, "randomcps", T_U32, NULL, "10", "0", "1000000", NULL,
	  "freebsd-legacy: allocations in one second above which randomization stops.",
	  SC(params.randomcps) },
	{ SEC_HOST, "randomtime_s", T_U32, "seconds", "45", "0", "86400", NULL,
	  "freebsd-legacy: how long randomization stays off after a burst.", SC(params.randomtime_s) },
	{ SEC_HOST, "udp_hash_size", T_U32, NULL, "256", "1", "65536", NULL,
	  "linux-udp: slots of the kernel's UDP hash table, a power of two.", SC(params.udp_hash_size) },
	{ SEC_HOST, "order", T_ENUM, NULL, "sequential", NULL, NULL, order_values,
	  "windows: allocation order, which Microsoft does not document.", SC(params.order) },
	{ SEC_HOST, "tcp_randomize", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "xnu: net.inet.tcp.randomize_ports, a random start for TCP too.", SC(params.tcp_randomize) },

	{ SEC_NAT, "preset", T_PRESET, NULL, "none", NULL, NULL, NULL,
	  "A cloud NAT (`portsim profiles` lists them): sets every [nat] key below that the scenario does not set itself.",
	  NAT(preset) },
	{ SEC_NAT, "allocator", T_NATALLOC, NULL, "none", NULL, NULL, NULL,
	  "How the NAT picks external ports (`portsim strategies`); none = no NAT.", NAT(allocator) },
	{ SEC_NAT, "addresses", T_U32, NULL, "1", "1", "256", NULL,
	  "External addresses of the NAT (203.0.113.1, ...).", NAT(addresses) },
	{ SEC_NAT, "port_range", T_RANGE, NULL, "1024-65535", NULL, NULL, NULL,
	  "External port range LO-HI on each address.", NAT(lo) },
	{ SEC_NAT, "mapping", T_ENUM, NULL, "endpoint-dependent", NULL, NULL, mapping_values,
	  "endpoint-dependent: an external port must be unique per destination (like connect); endpoint-independent: one external port per inside endpoint for every destination (like bind(0)).",
	  NAT(mapping) },
	{ SEC_NAT, "time_wait_s", T_NUMBER, "seconds", "120", "0", "86400", NULL,
	  "How long the NAT keeps a closed TCP connection's mapping (conntrack TIME_WAIT: 120 s).",
	  NAT(time_wait_s) },
	{ SEC_NAT, "udp_timeout_s", T_NUMBER, "seconds", "30", "0", "86400", NULL,
	  "How long the NAT keeps a UDP mapping after the flow's last packet.", NAT(udp_timeout_s) },
	{ SEC_NAT, "hold_s", T_NUMBER, "seconds", "120", "0", "86400", NULL,
	  "Then how long a released external port waits before a new mapping (RFC 6888 REQ-8).",
	  NAT(hold_s) },
	{ SEC_NAT, "idle_timeout_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "An idle pooled (keepalive) connection loses its mapping after this long; 0 = never.",
	  NAT(idle_timeout_s) },
	{ SEC_NAT, "random", T_ENUM, NULL, "none", NULL, NULL, nat_random_values,
	  "nf-nat: --random or --random-fully, which skip port preservation.", NAT(random) },
	{ SEC_NAT, "persistent", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "nf-nat: choose the external address by the inside address alone.", NAT(persistent) },
	{ SEC_NAT, "block_size", T_U32, "ports", "512", "0", "65536", NULL,
	  "pba: ports per block (GCP: minPortsPerVm); 0 = Azure's preallocation for the backend pool size.",
	  NAT(block_size) },
	{ SEC_NAT, "max_blocks", T_U32, "blocks", "4", "1", "65536", NULL,
	  "pba: blocks an inside host may hold (GCP: maxPortsPerVm / minPortsPerVm).", NAT(max_blocks) },
	{ SEC_NAT, "block_random", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "pba: random rather than sequential ports inside a block.", NAT(block_random) },
	{ SEC_NAT, "dynamic", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "pba: each new block doubles the host's ports (GCP dynamic port allocation).", NAT(dynamic) },
	{ SEC_NAT, "sharing_ratio", T_U32, NULL, "64", "1", "65536", NULL,
	  "deterministic: inside hosts per external address; each gets range / ratio ports.",
	  NAT(sharing_ratio) },
	{ SEC_NAT, "pool_size", T_U32, "VMs", "0", "0", "1000", NULL,
	  "Azure: VMs in the backend pool, which sets the ports per VM; 0 = the inside hosts.",
	  NAT(pool_size) },
	{ SEC_NAT, "per_destination_limit", T_U32, "connections", "0", "0", "16777216", NULL,
	  "Simultaneous mappings per external address to one destination; 0 = only the port range limits them.",
	  NAT(per_destination_limit) },
	{ SEC_NAT, "drop_error", T_ENUM, NULL, "NAT_DROP", NULL, NULL, drop_values,
	  "The name a NAT drop is reported by in events.csv.", NAT(drop_error) },
	{ SEC_WORKLOAD, "arrival", T_ENUM, NULL, "poisson", NULL, NULL, arrival_values,
	  "How attempts are spaced: evenly, Poisson, Poisson in on/off periods, Poisson with a ramping or daily-cycling rate, bursts, or replayed from a trace.",
	  POP(arrival) },
	{ SEC_WORKLOAD, "rate_per_s", T_NUMBER, "attempts per second", "100", "0.000001", "10000000",
	  NULL, "Mean attempts per second (the starting rate of a ramp, the rate while on for onoff).",
	  POP(rate_per_s) },
	{ SEC_WORKLOAD, "rate_end_per_s", T_NUMBER, "attempts per second", "0", "0", "10000000", NULL,
	  "ramp: the rate reached at the end of the run.", POP(rate_end_per_s) },
	{ SEC_WORKLOAD, "on_s", T_NUMBER, "seconds", "1", "0.000001", "31536000", NULL,
	  "onoff: mean length of an on period (exponential).", POP(on_s) },
	{ SEC_WORKLOAD, "off_s", T_NUMBER, "seconds", "1", "0", "31536000", NULL,
	  "onoff: mean length of an off period (exponential).", POP(off_s) },
	{ SEC_WORKLOAD, "period_s", T_NUMBER, "seconds", "86400", "0.001", "31536000", NULL,
	  "diurnal: period of the sinusoidal rate.", POP(period_s) },
	{ SEC_WORKLOAD, "amplitude", T_NUMBER, NULL, "0.5", "0", "1", NULL,
	  "diurnal: relative swing of the rate around rate_per_s.", POP(amplitude) },
	{ SEC_WORKLOAD, "burst_size", T_U32, "attempts", "100", "1", "10000000", NULL,
	  "burst: attempts that arrive at the same instant.", POP(burst_size) },
	{ SEC_WORKLOAD, "burst_interval_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "burst: time between bursts; 0 = a single burst.", POP(burst_interval_s) },
	{ SEC_WORKLOAD, "trace_file", T_PATH, NULL, "", NULL, NULL, NULL,
	  "replay: CSV with a header and rows t_s,dst[,duration_s]; dst is an address:port or a destination number from 0.",
	  POP(trace_file) },
	{ SEC_WORKLOAD, "start_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "Simulated time of the population's first connection attempt.", POP(start_s) },
	{ SEC_WORKLOAD, "duration", T_ENUM, NULL, "fixed", NULL, NULL, duration_values,
	  "Distribution of how long a connection (or, with keepalive, a request) lasts.", POP(duration) },
	{ SEC_WORKLOAD, "duration_s", T_NUMBER, "seconds", "1", "0", "31536000", NULL,
	  "Mean duration (fixed, exponential, lognormal unless duration_median_s is set).",
	  POP(duration_s) },
	{ SEC_WORKLOAD, "duration_sigma", T_NUMBER, NULL, "1", "0", "10", NULL,
	  "lognormal: sigma of the underlying normal distribution.", POP(duration_sigma) },
	{ SEC_WORKLOAD, "duration_median_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "lognormal: the median, used instead of duration_s when above 0.", POP(duration_median_s) },
	{ SEC_WORKLOAD, "duration_shape", T_NUMBER, NULL, "1.5", "0.01", "100", NULL,
	  "pareto: the shape (tail index); the mean is finite above 1.", POP(duration_shape) },
	{ SEC_WORKLOAD, "duration_min_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "pareto: the minimum; uniform: the lower bound.", POP(duration_min_s) },
	{ SEC_WORKLOAD, "duration_max_s", T_NUMBER, "seconds", "0", "0", "31536000", NULL,
	  "uniform: the upper bound.", POP(duration_max_s) },
	{ SEC_WORKLOAD, "duration_file", T_PATH, NULL, "", NULL, NULL, NULL,
	  "empirical: a file of durations in seconds, one per line, drawn uniformly.",
	  POP(duration_file) },
	{ SEC_WORKLOAD, "destinations", T_U32, NULL, "1", "1", "1000000", NULL,
	  "Number of destinations 10.0.0.1, 10.0.0.2, ... port 80, when destination_list is empty.",
	  POP(destinations) },
	{ SEC_WORKLOAD, "destination_list", T_ENDPOINTS, NULL, "", NULL, NULL, NULL,
	  "Explicit destinations address:port, comma-separated; 127.0.0.0/8 ones are on loopback.",
	  POP(destination_list) },
	{ SEC_WORKLOAD, "choice", T_ENUM, NULL, "uniform", NULL, NULL, choice_values,
	  "How an attempt picks its destination: uniformly, or by Zipf's law (destination k with weight 1/k^zipf_s).",
	  POP(choice) },
	{ SEC_WORKLOAD, "zipf_s", T_NUMBER, NULL, "1", "0", "10", NULL,
	  "zipf: the exponent s.", POP(zipf_s) },
	{ SEC_WORKLOAD, "loopback", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "Counted destinations are 127.0.0.1, 127.0.0.2, ... on loopback (for tw_reuse = 2).",
	  POP(loopback) },
	{ SEC_WORKLOAD, "closer", T_CLOSER, NULL, "client", NULL, NULL, NULL,
	  "Who closes first: the client (its port waits in TIME_WAIT), the server (the port is free at once), or the probability that the client does.",
	  POP(client_closes) },
	{ SEC_WORKLOAD, "mode", T_ENUM, NULL, "connect", NULL, NULL, mode_values,
	  "How the program opens its sockets: connect(), bind(0) then connect(), IP_BIND_ADDRESS_NO_PORT, or connected UDP.",
	  POP(mode) },
	{ SEC_WORKLOAD, "source_choice", T_ENUM, NULL, "round-robin", NULL, NULL, source_values,
	  "How attempts spread over the host's source addresses: in turn, at random, or by a hash of the destination.",
	  POP(source_choice) },
	{ SEC_WORKLOAD, "hosts", T_U32, "hosts", "1", "1", "65535", NULL,
	  "With a [nat] section: how many inside hosts the population stands for, each with its own address and kernel.",
	  POP(hosts) },
	{ SEC_WORKLOAD, "keepalive", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "Arrivals are requests that reuse an idle connection to their destination when there is one (a client-side pool).",
	  POP(keepalive) },
	{ SEC_WORKLOAD, "max_requests", T_U32, "requests", "0", "0", "1000000000", NULL,
	  "keepalive: requests a connection serves before it is closed; 0 = no limit.",
	  POP(max_requests) },
	{ SEC_WORKLOAD, "idle_timeout_s", T_NUMBER, "seconds", "60", "0", "86400", NULL,
	  "keepalive: an idle connection is closed after this long.", POP(idle_timeout_s) },
	{ SEC_WORKLOAD, "retries", T_U32, "tries", "0", "0", "100", NULL,
	  "Extra tries after a failed connect; 0 = a failure is counted and dropped.", POP(retries) },
	{ SEC_WORKLOAD, "retry_backoff", T_ENUM, NULL, "fixed", NULL, NULL, backoff_values,
	  "Delay between tries: always retry_delay_s, or doubling from it.", POP(retry_backoff) },
	{ SEC_WORKLOAD, "retry_delay_s", T_NUMBER, "seconds", "1", "0", "3600", NULL,
	  "The delay before the first retry.", POP(retry_delay_s) },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
/* explicit_keys has one bit per key. */
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= 128, "explicit_keys needs one bit per key");

static const char *const section_names[] = { "run", "host", "nat", "workload" };
#define SECTIONS_ALLOWED "[run], [host], [nat], [workload.NAME]"
#define POP_NAME_ALLOWED "[workload.NAME] with NAME of 1 to 63 letters, digits, '_' or '-'"

const char ps_scenario_default_ini[] =
	"# portsim's built-in scenario: a Linux client opening short connections to\n"
	"# one busy backend faster than TIME_WAIT gives its ports back.\n"
	"#\n"
	"# The client closes first, so each closed connection keeps its 4-tuple in\n"
	"# TIME_WAIT for 60 s. Toward a single destination the 16384 ports of\n"
	"# 49152-65535 then sustain 16384 / 60 s, about 273 connections per second.\n"
	"# This client opens 400 per second: no port has come back by the time the\n"
	"# pool runs dry, after 16384 / 400, about 41 s. From then on connect()\n"
	"# fails with EADDRNOTAVAIL except when TIME_WAIT hands a port back.\n"
	"\n"
	"[run]\n"
	"# Long enough to see the pool fill, run dry, and refill only as fast as\n"
	"# TIME_WAIT lets ports go.\n"
	"duration_s = 120\n"
	"seed = 1\n"
	"sample_interval_s = 1\n"
	"\n"
	"[host]\n"
	"strategy = linux\n"
	"# The IANA ephemeral range (RFC 6335): 16384 ports.\n"
	"port_range = 49152-65535\n"
	"# Linux's TCP_TIMEWAIT_LEN. tw_reuse stays at its default, 2 (loopback\n"
	"# only), and the backend is not on loopback: TIME_WAIT is never cut short.\n"
	"time_wait_s = 60\n"
	"\n"
	"[workload.client]\n"
	"arrival = poisson\n"
	"rate_per_s = 400             # above the 273/s that TIME_WAIT allows\n"
	"duration = exponential\n"
	"duration_s = 0.2             # a short request/response\n"
	"destinations = 1             # one backend address and port\n"
	"closer = client              # so the client's port waits in TIME_WAIT\n"
	"mode = connect\n";

/* An snprintf-like appender: len counts what was needed, buf gets what fits. */
struct out {
	char *buf;
	size_t size, len;
};

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* What went wrong with one value, before it is placed in a message. */
struct problem {
	char text[160];
	char suggest[PS_NAME_MAX + 32];
	char allowed[PS_ERR_MAX];
};

/* Where an error happened: a file line, or a --set assignment. */
struct where {
	const char *file;
	unsigned line;
	const char *assignment;
	const char *section, *key, *value;
};

static int report(char *err, size_t size, const struct where *w, const struct problem *pr)
{
	struct out o = { err, size, 0 };

	if (w->assignment) {
		outf(&o, "--set %s", w->assignment);
	} else {
		outf(&o, "%s:%u:", w->file, w->line);
		if (w->section)
			outf(&o, " [%s]", w->section);
		if (w->key)
			outf(&o, " %s", w->key);
		if (w->value)
			outf(&o, w->key ? " = \"%s\"" : " \"%s\"", w->value);
	}
	outf(&o, ": %s", pr->text);
	if (pr->suggest[0])
		outf(&o, "; did you mean \"%s\"?", pr->suggest);
	if (pr->allowed[0])
		outf(&o, "%s allowed: %s", pr->suggest[0] ? "" : ";", pr->allowed);
	return -1;
}

static void set_problem(struct problem *pr, const char *text)
{
	snprintf(pr->text, sizeof(pr->text), "%s", text);
}

/* Levenshtein distance that also counts a swap of neighbours as one edit, the commonest typo. */
static unsigned distance(const char *a, size_t n, const char *b, size_t m)
{
	enum { W = PS_NAME_MAX + 1 };
	unsigned d[3][W];
	if (n >= W || m >= W)
		return ~0u;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		unsigned *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[n % 3][m];
}

/* The closest candidate to a misspelt word, kept only if it is plausibly what was meant. */
struct near {
	const char *word;
	const char *best;
	size_t best_len;
	unsigned d;
};

static void near_try(struct near *nr, const char *cand, size_t len)
{
	size_t n = strlen(nr->word);
	unsigned d = distance(nr->word, n, cand, len);
	size_t longer = n > len ? n : len;
	if (d == 0 || d > 3 || 3 * (size_t)d > longer)
		return;
	if (!nr->best || d < nr->d) {
		nr->best = cand;
		nr->best_len = len;
		nr->d = d;
	}
}

static void near_put(const struct near *nr, char *buf, size_t size, const char *prefix,
		     const char *suffix)
{
	if (nr->best)
		snprintf(buf, size, "%s%.*s%s", prefix, (int)nr->best_len, nr->best, suffix);
}

/* Suggests the closest of a list joined by ", " (as the allowed text is). */
static void suggest_from_list(struct problem *pr, const char *word, const char *list)
{
	struct near nr = { .word = word };
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		near_try(&nr, p, len);
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	near_put(&nr, pr->suggest, sizeof(pr->suggest), "", "");
}

static void join(char *buf, size_t size, const char *const *values)
{
	struct out o = { buf, size, 0 };
	for (size_t i = 0; values[i]; i++)
		outf(&o, "%s%s", i ? ", " : "", values[i]);
}

/* The allowed values of a key, as errors and documentation show them. */
static void describe_allowed(const struct key *k, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	switch (k->type) {
	case T_NUMBER:
	case T_U64:
	case T_U32:
		outf(&o, "%s to %s", k->min, k->max);
		if (k->unit)
			outf(&o, " (%s)", k->unit);
		break;
	case T_ENUM:
		join(buf, size, k->values);
		break;
	case T_BOOL:
		outf(&o, "true, false, yes, no, on, off, 1, 0");
		break;
	case T_STRATEGY:
		ps_alloc_names(buf, size, ", ");
		break;
	case T_STRATEGY_OR_SAME:
		outf(&o, "same, ");
		ps_alloc_names(buf + o.len, size > o.len ? size - o.len : 0, ", ");
		break;
	case T_PROFILE:
		outf(&o, "none");
		for (size_t i = 0; i < ps_profiles_len; i++)
			outf(&o, ", %s", ps_profiles[i].name);
		break;
	case T_PRESET:
		outf(&o, "none");
		for (size_t i = 0; i < ps_nat_presets_len; i++)
			outf(&o, ", %s", ps_nat_presets[i].name);
		break;
	case T_NATALLOC:
		outf(&o, "none, ");
		ps_nat_names(buf + o.len, size > o.len ? size - o.len : 0, ", ");
		break;
	case T_RANGE:
		outf(&o, "LO-HI with 1 <= LO <= HI <= 65535, e.g. 49152-65535");
		break;
	case T_PORTS:
		outf(&o, "ports and LO-HI ranges from 1 to 65535, comma-separated, "
			 "e.g. 50000,50010-50020; or nothing");
		break;
	case T_CLOSER:
		outf(&o, "client, server, or a probability from 0 to 1 that the client closes first");
		break;
	case T_PATH:
		outf(&o, "a file name (relative to the scenario's directory), or nothing");
		break;
	case T_ENDPOINTS:
		outf(&o, "address:port pairs, comma-separated, e.g. 10.0.0.1:80,127.0.0.1:8080; or nothing");
		break;
	}
}

static bool is_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* strtod with every way a value can be not quite a number turned away. */
static int parse_double(const char *s, double *v, struct problem *pr)
{
	char *end;
	errno = 0;
	/* strtod would skip leading white space of any kind; a value has none. */
	if (!*s || !strchr("0123456789+-.", *s)) {
		set_problem(pr, "not a number");
		return -1;
	}
	double x = strtod(s, &end);
	if (end == s || *end) {
		set_problem(pr, "not a number");
		return -1;
	}
	/* Overflow also comes back as inf, but with ERANGE: that one is only too big. */
	if (errno == ERANGE) {
		set_problem(pr, "out of range");
		return -1;
	}
	if (isnan(x) || isinf(x)) {
		set_problem(pr, "not a number");
		return -1;
	}
	/* -0 would print back as "0" and break the round trip. */
	*v = x + 0.0;
	return 0;
}

/* The shortest decimal that reads back as exactly v. */
static void format_double(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static int parse_u64(const char *s, uint64_t *v, struct problem *pr)
{
	if (s[0] == '-' && is_digits(s + 1)) {
		set_problem(pr, "out of range");
		return -1;
	}
	if (!is_digits(s)) {
		set_problem(pr, "not a whole number");
		return -1;
	}
	errno = 0;
	unsigned long long x = strtoull(s, NULL, 10);
	if (errno == ERANGE) {
		set_problem(pr, "out of range");
		return -1;
	}
	*v = x;
	return 0;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	char buf[8];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!is_digits(buf))
		return -1;
	unsigned long x = strtoul(buf, NULL, 10);
	if (x < 1 || x > 65535)
		return -1;
	*port = (unsigned)x;
	return 0;
}

static size_t trim_len(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Parses "LO-HI" or "P" (spaces allowed around the parts). */
static int parse_span(const char *s, size_t len, unsigned *lo, unsigned *hi, bool need_dash)
{
	const char *dash = memchr(s, '-', len);
	if (!dash) {
		if (need_dash)
			return -1;
		const char *p = skip_blank(s);
		size_t n = trim_len(p, len - (size_t)(p - s));
		if (parse_port(p, n, lo))
			return -1;
		*hi = *lo;
		return 0;
	}
	const char *a = skip_blank(s);
	const char *b = skip_blank(dash + 1);
	if (parse_port(a, trim_len(a, (size_t)(dash - a)), lo) ||
	    parse_port(b, trim_len(b, len - (size_t)(b - s)), hi))
		return -1;
	return 0;
}

static void set_bit(uint64_t *map, unsigned p)
{
	map[p / 64] |= 1ULL << (p % 64);
}

static bool test_bit(const uint64_t *map, unsigned p)
{
	return map[p / 64] >> (p % 64) & 1;
}

static int set_ports(uint64_t *map, const char *v, struct problem *pr)
{
	uint64_t tmp[1024];
	memset(tmp, 0, sizeof(tmp));
	if (*v) {
		for (const char *p = v;; p++) {
			size_t len = strcspn(p, ",");
			unsigned lo, hi;
			if (parse_span(p, len, &lo, &hi, false)) {
				snprintf(pr->text, sizeof(pr->text), "bad entry \"%.*s\"",
					 (int)(len < 40 ? len : 40), p);
				return -1;
			}
			if (lo > hi) {
				snprintf(pr->text, sizeof(pr->text), "range %u-%u runs backwards",
					 lo, hi);
				return -1;
			}
			for (unsigned q = lo; q <= hi; q++)
				set_bit(tmp, q);
			p += len;
			if (!*p)
				break;
		}
	}
	memcpy(map, tmp, sizeof(tmp));
	return 0;
}

static int find_value(const char *const *values, const char *v)
{
	for (int i = 0; values[i]; i++)
		if (!strcmp(values[i], v))
			return i;
	return -1;
}

size_t ps_endpoints_parse(const char *list, struct ps_endpoint *out, size_t max, const char **bad)
{
	size_t n = 0;
	const char *p = skip_blank(list);
	while (*p) {
		const char *start = p;
		unsigned a[4], port;
		int used = 0;
		if (sscanf(p, "%3u.%3u.%3u.%3u:%5u%n", &a[0], &a[1], &a[2], &a[3], &port, &used) != 5 ||
		    a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || port < 1 || port > 65535 ||
		    !isdigit((unsigned char)*p)) {
			*bad = start;
			return (size_t)-1;
		}
		p = skip_blank(p + used);
		if (*p && *p != ',') {
			*bad = start;
			return (size_t)-1;
		}
		uint32_t ip = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
		if (out && n < max)
			out[n] = (struct ps_endpoint){ .ip = ip, .port = (uint16_t)port, .loopback = a[0] == 127 };
		n++;
		if (*p == ',') {
			p = skip_blank(p + 1);
			/* A trailing comma promises an entry that never comes. */
			if (!*p) {
				*bad = start;
				return (size_t)-1;
			}
		}
	}
	return n;
}

/* For a key naming a registry entry: NULL when v is one it accepts, else what is wrong. */
static const char *name_problem(enum type t, const char *v)
{
	/* A name too long for its field can be no entry's name. */
	bool fits = strlen(v) < PS_NAME_MAX, none = !strcmp(v, "none"), known;
	switch (t) {
	case T_STRATEGY:
		known = ps_alloc_find(v);
		return fits && known ? NULL : "unknown strategy";
	case T_STRATEGY_OR_SAME:
		known = ps_alloc_find(v) || !strcmp(v, "same");
		return fits && known ? NULL : "unknown strategy";
	case T_PROFILE:
		known = none || ps_profile_find(v);
		return fits && known ? NULL : "unknown profile";
	case T_PRESET:
		known = none || ps_nat_preset_find(v);
		return fits && known ? NULL : "unknown preset";
	case T_NATALLOC:
		known = none || ps_nat_find(v);
		return fits && known ? NULL : "unknown NAT allocator";
	default:
		return "not a name";
	}
}

/* Parses v into the key's field of base; on failure fills pr and leaves the field alone. */
static int set_value(const struct key *k, void *base, const char *v, struct problem *pr)
{
	char *field = (char *)base + k->off;
	double d;
	uint64_t u;
	int i;
	unsigned lo, hi;

	pr->text[0] = pr->suggest[0] = pr->allowed[0] = '\0';
	switch (k->type) {
	case T_NUMBER:
		if (parse_double(v, &d, pr))
			break;
		if (d < strtod(k->min, NULL) || d > strtod(k->max, NULL)) {
			set_problem(pr, "out of range");
			break;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_U64:
	case T_U32:
		if (parse_u64(v, &u, pr))
			break;
		if (u < strtoull(k->min, NULL, 10) || u > strtoull(k->max, NULL, 10)) {
			set_problem(pr, "out of range");
			break;
		}
		if (k->type == T_U64) {
			memcpy(field, &u, sizeof(u));
		} else {
			uint32_t u32 = (uint32_t)u;
			memcpy(field, &u32, sizeof(u32));
		}
		return 0;
	case T_ENUM:
		i = find_value(k->values, v);
		if (i < 0) {
			set_problem(pr, "unknown value");
			break;
		}
		memcpy(field, &i, sizeof(i));
		return 0;
	case T_BOOL:
		i = find_value(bool_true, v) >= 0 ? 1 : find_value(bool_false, v) >= 0 ? 0 : -1;
		if (i < 0) {
			set_problem(pr, "not a boolean");
			break;
		}
		*(bool *)field = i;
		return 0;
	case T_STRATEGY:
	case T_STRATEGY_OR_SAME:
	case T_PROFILE:
	case T_PRESET:
	case T_NATALLOC: {
		const char *what = name_problem(k->type, v);
		if (what) {
			set_problem(pr, what);
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	case T_RANGE:
		if (parse_span(v, strlen(v), &lo, &hi, true)) {
			set_problem(pr, "not a range of ports");
			break;
		}
		if (lo > hi) {
			set_problem(pr, "low end above high end");
			break;
		}
		{
			/* lo and hi are adjacent uint16_t fields, in ps_scenario as in ps_nat_settings. */
			uint16_t range[2] = { (uint16_t)lo, (uint16_t)hi };
			memcpy(field, range, sizeof(range));
		}
		return 0;
	case T_PORTS:
		if (set_ports((uint64_t *)(void *)field, v, pr))
			break;
		return 0;
	case T_CLOSER:
		if (!strcmp(v, "client")) {
			d = 1.0;
		} else if (!strcmp(v, "server")) {
			d = 0.0;
		} else if (parse_double(v, &d, pr)) {
			set_problem(pr, "neither client, server nor a probability");
			break;
		} else if (d < 0 || d > 1) {
			set_problem(pr, "out of range");
			break;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_PATH:
		if (strlen(v) >= PS_PATH_MAX) {
			set_problem(pr, "path too long");
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case T_ENDPOINTS: {
		const char *bad = NULL;
		if (strlen(v) >= PS_LIST_MAX) {
			set_problem(pr, "list too long");
			break;
		}
		if (ps_endpoints_parse(v, NULL, 0, &bad) == (size_t)-1) {
			snprintf(pr->text, sizeof(pr->text), "bad entry \"%.*s\"",
				 (int)strcspn(bad, ","), bad);
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	}
	describe_allowed(k, pr->allowed, sizeof(pr->allowed));
	if (k->type == T_ENUM || k->type == T_BOOL || k->type == T_STRATEGY ||
	    k->type == T_STRATEGY_OR_SAME || k->type == T_PROFILE || k->type == T_PRESET ||
	    k->type == T_NATALLOC)
		suggest_from_list(pr, v, pr->allowed);
	return -1;
}

static const struct key *find_key(enum section sec, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].section == sec && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void *section_base(struct ps_scenario *sc, enum section sec, int pop)
{
	return sec == SEC_WORKLOAD ? (void *)&sc->pop[pop] : sec == SEC_NAT ? (void *)&sc->nat : (void *)sc;
}

/* Gives every key of sec the profile names its value, unless the user set that key. */
static void apply_profile(struct ps_scenario *sc, const struct ps_profile *p, enum section sec)
{
	if (!p)
		return;
	for (const char *const *kv = p->settings; kv[0]; kv += 2) {
		const struct key *k = find_key(sec, kv[0]);
		struct problem pr;
		size_t i = k ? (size_t)(k - keys) : 0;
		if (k && !((sc->explicit_keys[i / 64] >> (i % 64)) & 1))
			(void)set_value(k, section_base(sc, sec, -1), kv[1], &pr);
	}
}

/* A value from the user: it outranks any profile, and a profile it names takes effect. */
static int assign(struct ps_scenario *sc, const struct key *k, enum section sec, int pop,
		  const char *v, struct problem *pr)
{
	if (set_value(k, section_base(sc, sec, pop), v, pr))
		return -1;
	if (sec == SEC_WORKLOAD)
		return 0;
	size_t i = (size_t)(k - keys);
	sc->explicit_keys[i / 64] |= 1ULL << (i % 64);
	if (k->type == T_PROFILE)
		apply_profile(sc, ps_profile_find(sc->profile), SEC_HOST);
	if (k->type == T_PRESET)
		apply_profile(sc, ps_nat_preset_find(sc->nat.preset), SEC_NAT);
	return 0;
}

static void unknown_key(struct problem *pr, enum section sec, const char *name)
{
	struct out o = { pr->allowed, sizeof(pr->allowed), 0 };
	struct near nr = { .word = name };

	set_problem(pr, "unknown key");
	pr->suggest[0] = pr->allowed[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section != sec)
			continue;
		outf(&o, "%s%s", o.len ? ", " : "", keys[i].name);
		near_try(&nr, keys[i].name, strlen(keys[i].name));
	}
	near_put(&nr, pr->suggest, sizeof(pr->suggest), "", "");
}

static void apply_defaults(enum section sec, void *base)
{
	struct problem pr;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].section == sec)
			(void)set_value(&keys[i], base, keys[i].def, &pr);
}

void ps_scenario_defaults(struct ps_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "default");
	snprintf(sc->dir, sizeof(sc->dir), ".");
	ps_alloc_params_default(&sc->params);
	apply_defaults(SEC_RUN, sc);
	apply_defaults(SEC_HOST, sc);
	apply_defaults(SEC_NAT, &sc->nat);
}

static bool valid_pop_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= PS_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/*
 * Resolves "run", "host" or "workload.NAME", creating the population on
 * first sight; pop gets the population's index, or -1.
 */
static int open_section(struct ps_scenario *sc, const char *name, enum section *sec, int *pop,
			struct problem *pr)
{
	pr->text[0] = pr->suggest[0] = pr->allowed[0] = '\0';
	*pop = -1;
	if (!strcmp(name, "run")) {
		*sec = SEC_RUN;
		return 0;
	}
	if (!strcmp(name, "nat")) {
		*sec = SEC_NAT;
		return 0;
	}
	if (!strcmp(name, "host")) {
		*sec = SEC_HOST;
		return 0;
	}
	if (!strncmp(name, "workload", 8) && (name[8] == '.' || !name[8])) {
		const char *pname = name[8] ? name + 9 : "";
		if (!valid_pop_name(pname)) {
			set_problem(pr, "bad population name");
			snprintf(pr->allowed, sizeof(pr->allowed), "%s", POP_NAME_ALLOWED);
			return -1;
		}
		*sec = SEC_WORKLOAD;
		for (unsigned i = 0; i < sc->npop; i++) {
			if (!strcmp(sc->pop[i].name, pname)) {
				*pop = (int)i;
				return 0;
			}
		}
		if (sc->npop >= PS_MAX_POPULATIONS) {
			set_problem(pr, "too many populations");
			snprintf(pr->allowed, sizeof(pr->allowed),
				 "at most %d [workload.NAME] sections", PS_MAX_POPULATIONS);
			return -1;
		}
		struct ps_population *p = &sc->pop[sc->npop];
		memset(p, 0, sizeof(*p));
		memcpy(p->name, pname, strlen(pname) + 1);
		apply_defaults(SEC_WORKLOAD, p);
		*pop = (int)sc->npop++;
		return 0;
	}

	/* Compare the part before any dot, so "workloads.web" still finds workload. */
	const char *rest = strchr(name, '.');
	size_t head = rest ? (size_t)(rest - name) : strlen(name);
	char word[PS_NAME_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)(head < sizeof(word) ? head : sizeof(word) - 1),
		 name);
	struct near nr = { .word = word };
	for (size_t i = 0; i < sizeof(section_names) / sizeof(section_names[0]); i++)
		near_try(&nr, section_names[i], strlen(section_names[i]));
	if (nr.best && !strcmp(nr.best, "workload"))
		snprintf(pr->suggest, sizeof(pr->suggest), "[workload.%.*s]", PS_NAME_MAX - 1,
			 rest && rest[1] ? rest + 1 : "NAME");
	else
		near_put(&nr, pr->suggest, sizeof(pr->suggest), "[", "]");
	set_problem(pr, "unknown section");
	snprintf(pr->allowed, sizeof(pr->allowed), "%s", SECTIONS_ALLOWED);
	return -1;
}

static char *trim(char *s)
{
	s = (char *)skip_blank(s);
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	s[n] = '\0';
	return s;
}

/* A '#' or ';' after whitespace starts a comment, so "a#b" stays a value. */
static void strip_comment(char *s)
{
	for (size_t i = 1; s[i]; i++) {
		if ((s[i] == '#' || s[i] == ';') && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			s[i] = '\0';
			return;
		}
	}
}

static int parse_lines(struct ps_scenario *sc, const char *origin, char *text, char *err,
		       size_t size)
{
	/* Line on which each key of each section was set, to name both lines of a duplicate. */
	unsigned first[3 + PS_MAX_POPULATIONS][NKEYS];
	struct problem pr;
	struct where w = { .file = origin };
	enum section sec = SEC_RUN;
	int pop = -1;
	bool in_section = false;
	char secname[PS_NAME_MAX + 16] = "";

	memset(first, 0, sizeof(first));
	memset(&pr, 0, sizeof(pr));
	for (char *line = text; line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *s = trim(line);
		line = nl ? nl + 1 : NULL;
		w.line++;
		w.section = w.key = w.value = NULL;

		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			char *after = close ? (char *)skip_blank(close + 1) : NULL;
			if (!close || (*after && *after != '#' && *after != ';')) {
				w.value = s;
				set_problem(&pr, "malformed section header");
				snprintf(pr.allowed, sizeof(pr.allowed), "%s", SECTIONS_ALLOWED);
				return report(err, size, &w, &pr);
			}
			*close = '\0';
			char *name = trim(s + 1);
			w.section = name;
			if (open_section(sc, name, &sec, &pop, &pr))
				return report(err, size, &w, &pr);
			snprintf(secname, sizeof(secname), "%s", name);
			in_section = true;
			continue;
		}

		char *eq = strchr(s, '=');
		if (!eq || eq == s) {
			w.value = s;
			set_problem(&pr, "malformed line");
			snprintf(pr.allowed, sizeof(pr.allowed),
				 "[section], key = value, # comment, or a blank line");
			return report(err, size, &w, &pr);
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = eq + 1;
		strip_comment(value);
		value = trim(value);
		w.key = key;
		w.value = value;

		if (!in_section) {
			set_problem(&pr, "key outside any section");
			const struct key *k = NULL;
			for (size_t i = 0; i < NKEYS && !k; i++)
				if (!strcmp(keys[i].name, key))
					k = &keys[i];
			if (k)
				snprintf(pr.allowed, sizeof(pr.allowed), "put it under [%s]",
					 k->section == SEC_WORKLOAD ? "workload.NAME"
								    : section_names[k->section]);
			else
				snprintf(pr.allowed, sizeof(pr.allowed), "put it under %s",
					 SECTIONS_ALLOWED);
			return report(err, size, &w, &pr);
		}
		w.section = secname;
		const struct key *k = find_key(sec, key);
		if (!k) {
			w.value = NULL;
			unknown_key(&pr, sec, key);
			return report(err, size, &w, &pr);
		}
		unsigned *seen = &first[sec == SEC_WORKLOAD ? 3 + pop : (int)sec][k - keys];
		if (*seen) {
			snprintf(pr.text, sizeof(pr.text), "set twice (first set on line %u)",
				 *seen);
			snprintf(pr.allowed, sizeof(pr.allowed), "one value per key in a section");
			pr.suggest[0] = '\0';
			return report(err, size, &w, &pr);
		}
		if (assign(sc, k, sec, pop, value, &pr))
			return report(err, size, &w, &pr);
		*seen = w.line;
	}
	return 0;
}

static int no_memory(char *err, size_t size, const char *origin)
{
	if (size)
		snprintf(err, size, "%s: out of memory", origin);
	return -1;
}

int ps_scenario_parse(struct ps_scenario *sc, const char *origin, const char *text, char *err,
		      size_t size)
{
	/* Parse into a copy so that a failure leaves sc as it was. */
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	char *copy = malloc(strlen(text) + 1);
	int rc;

	if (!tmp || !copy) {
		rc = no_memory(err, size, origin);
	} else {
		memcpy(tmp, sc, sizeof(*tmp));
		memcpy(copy, text, strlen(text) + 1);
		rc = parse_lines(tmp, origin, copy, err, size);
		if (rc == 0)
			memcpy(sc, tmp, sizeof(*sc));
	}
	free(copy);
	free(tmp);
	return rc;
}

static void set_dir_from_path(struct ps_scenario *sc, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (slash && n == 0)
		n = 1; /* "/x.ini": the root */
	if (!slash)
		snprintf(sc->dir, sizeof(sc->dir), ".");
	else
		snprintf(sc->dir, sizeof(sc->dir), "%.*s", (int)n, path);
}

static void set_name_from_path(struct ps_scenario *sc, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n >= sizeof(sc->name))
		n = sizeof(sc->name) - 1;
	memcpy(sc->name, base, n);
	sc->name[n] = '\0';
}

int ps_scenario_load(struct ps_scenario *sc, const char *path, char *err, size_t size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *text = malloc(FILE_MAX + 2);
	if (!text) {
		fclose(f);
		return no_memory(err, size, path);
	}
	size_t n = fread(text, 1, FILE_MAX + 1, f);
	int rc = 0;
	if (ferror(f)) {
		snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		rc = -1;
	} else if (n > FILE_MAX) {
		snprintf(err, size, "%s: too big for a scenario; allowed: at most %d bytes (1 MiB)",
			 path, FILE_MAX);
		rc = -1;
	} else if (memchr(text, '\0', n)) {
		snprintf(err, size, "%s: contains a NUL byte; allowed: a text file", path);
		rc = -1;
	}
	fclose(f);
	if (rc == 0) {
		text[n] = '\0';
		char name[PS_NAME_MAX], dir[PS_PATH_MAX];
		memcpy(name, sc->name, sizeof(name));
		memcpy(dir, sc->dir, sizeof(dir));
		set_name_from_path(sc, path);
		set_dir_from_path(sc, path);
		rc = ps_scenario_parse(sc, path, text, err, size);
		if (rc) {
			memcpy(sc->name, name, sizeof(name));
			memcpy(sc->dir, dir, sizeof(dir));
		}
	}
	free(text);
	return rc;
}

static void malformed_set(char *err, size_t size, const char *assignment)
{
	snprintf(err, size, "--set \"%s\": expected section.key=value (e.g. host.strategy=linux)",
		 assignment);
}

int ps_scenario_set(struct ps_scenario *sc, const char *assignment, char *err, size_t size)
{
	struct where w = { .assignment = assignment };
	struct problem pr;
	char *copy = malloc(strlen(assignment) + 1);
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	int rc = -1;

	if (!copy || !tmp) {
		rc = no_memory(err, size, "--set");
		goto out;
	}
	memcpy(copy, assignment, strlen(assignment) + 1);
	memcpy(tmp, sc, sizeof(*tmp));

	char *eq = strchr(copy, '=');
	char *dot = NULL;
	if (eq) {
		*eq = '\0';
		dot = strrchr(copy, '.');
	}
	if (!eq || !dot) {
		malformed_set(err, size, assignment);
		goto out;
	}
	*dot = '\0';
	char *secname = trim(copy);
	char *key = trim(dot + 1);
	char *value = trim(eq + 1);
	if (!*secname || !*key) {
		malformed_set(err, size, assignment);
		goto out;
	}

	enum section sec;
	int pop;
	if (open_section(tmp, secname, &sec, &pop, &pr)) {
		report(err, size, &w, &pr);
		goto out;
	}
	const struct key *k = find_key(sec, key);
	if (!k) {
		unknown_key(&pr, sec, key);
		report(err, size, &w, &pr);
		goto out;
	}
	if (assign(tmp, k, sec, pop, value, &pr)) {
		report(err, size, &w, &pr);
		goto out;
	}
	memcpy(sc, tmp, sizeof(*sc));
	rc = 0;
out:
	free(copy);
	free(tmp);
	return rc;
}

static bool all_reserved(const struct ps_scenario *sc)
{
	for (unsigned p = sc->lo; p <= sc->hi; p++)
		if (!test_bit(sc->reserved, p))
			return false;
	return true;
}

size_t ps_scenario_nkeys(void)
{
	return NKEYS;
}

void ps_scenario_key_doc(size_t i, struct ps_key_doc *out)
{
	const struct key *k = &keys[i];
	out->section = k->section == SEC_WORKLOAD ? "workload.NAME" : section_names[k->section];
	out->name = k->name;
	out->def = k->def;
	out->doc = k->doc;
	describe_allowed(k, out->allowed, sizeof(out->allowed));
}

bool ps_scenario_has_nat(const struct ps_scenario *sc)
{
	return strcmp(sc->nat.allocator, "none") != 0;
}

uint32_t ps_scenario_source_count(const struct ps_scenario *sc)
{
	if (!ps_scenario_has_nat(sc))
		return sc->addresses;
	uint32_t n = 0;
	for (unsigned i = 0; i < sc->npop; i++)
		n += sc->pop[i].hosts;
	return n;
}

enum ps_err ps_scenario_nat_drop_error(const struct ps_scenario *sc)
{
	static const enum ps_err errs[] = { PS_NAT_DROP, PS_NAT_INSERT_FAILED, PS_NAT_PORT_ALLOCATION,
					    PS_NAT_OUT_OF_RESOURCES };
	int i = sc->nat.drop_error;
	return i >= 0 && i < (int)(sizeof(errs) / sizeof(errs[0])) ? errs[i] : PS_NAT_DROP;
}

const char *ps_scenario_strategy_for(const struct ps_scenario *sc, enum ps_mode m)
{
	const char *s = m == PS_MODE_BIND0 ? sc->bind_strategy : m == PS_MODE_UDP ? sc->udp_strategy : "same";
	return strcmp(s, "same") ? s : sc->strategy;
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
		format_double(a, sizeof(a), sc->sample_interval_s);
		format_double(b, sizeof(b), sc->duration_s);
		snprintf(err, size,
			 "%s: [run] sample_interval_s = %s is longer than duration_s = %s, so the run "
			 "would record no sample; shorten sample_interval_s or lengthen duration_s",
			 n, a, b);
		return -1;
	}
	if (ps_scenario_has_nat(sc)) {
		const struct ps_nat_settings *nt = &sc->nat;
		uint32_t inside = ps_scenario_source_count(sc);
		uint32_t max_addrs = !strcmp(nt->preset, "aws-nat-gateway") ? 8
				     : !strcmp(nt->preset, "azure-nat-gateway") ? 16 : 256;
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
		if (!strcmp(nt->allocator, "deterministic") &&
		    (uint32_t)(nt->hi - nt->lo + 1) / nt->sharing_ratio == 0) {
			snprintf(err, size, "%s: [nat] sharing_ratio = %u leaves no port per host in port_range %u-%u", n,
				 nt->sharing_ratio, nt->lo, nt->hi);
			return -1;
		}
	}
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
		if (p->start_s >= sc->duration_s) {
			format_double(a, sizeof(a), p->start_s);
			format_double(b, sizeof(b), sc->duration_s);
			snprintf(err, size,
				 "%s: [workload.%s] start_s = %s is not before [run] duration_s = %s, so "
				 "the population would never connect; lower start_s or raise duration_s",
				 n, p->name, a, b);
			return -1;
		}
	}
	return 0;
}

static bool any_bit(const uint64_t *map)
{
	for (size_t i = 0; i < 1024; i++)
		if (map[i])
			return true;
	return false;
}

static void format_ports(struct out *o, const uint64_t *map)
{
	bool any = false;
	for (unsigned p = 1; p <= 65535; p++) {
		if (!test_bit(map, p))
			continue;
		unsigned q = p;
		while (q < 65535 && test_bit(map, q + 1))
			q++;
		outf(o, q > p ? "%s%u-%u" : "%s%u", any ? "," : "", p, q);
		any = true;
		p = q;
	}
}

static void format_value(struct out *o, const struct key *k, const void *base)
{
	const char *field = (const char *)base + k->off;
	char num[40];
	double d;
	uint64_t u;
	uint32_t u32;
	int i;

	switch (k->type) {
	case T_NUMBER:
		memcpy(&d, field, sizeof(d));
		format_double(num, sizeof(num), d);
		outf(o, "%s", num);
		break;
	case T_U64:
		memcpy(&u, field, sizeof(u));
		outf(o, "%llu", (unsigned long long)u);
		break;
	case T_U32:
		memcpy(&u32, field, sizeof(u32));
		outf(o, "%lu", (unsigned long)u32);
		break;
	case T_ENUM:
		memcpy(&i, field, sizeof(i));
		/* A struct filled by code, not by the parser, may hold anything. */
		for (int j = 0; j <= i; j++) {
			if (!k->values[j]) {
				i = -1;
				break;
			}
		}
		outf(o, "%s", i >= 0 ? k->values[i] : "?");
		break;
	case T_BOOL:
		outf(o, "%s", *(const bool *)field ? "true" : "false");
		break;
	case T_STRATEGY:
	case T_STRATEGY_OR_SAME:
	case T_PROFILE:
	case T_PRESET:
	case T_NATALLOC:
	case T_PATH:
	case T_ENDPOINTS:
		outf(o, "%s", field);
		break;
	case T_RANGE: {
		uint16_t range[2];
		memcpy(range, field, sizeof(range));
		outf(o, "%u-%u", range[0], range[1]);
		break;
	}
	case T_PORTS:
		format_ports(o, (const uint64_t *)(const void *)field);
		break;
	case T_CLOSER:
		memcpy(&d, field, sizeof(d));
		if (d == 1.0) {
			outf(o, "client");
		} else if (d == 0.0) {
			outf(o, "server");
		} else {
			format_double(num, sizeof(num), d);
			outf(o, "%s", num);
		}
		break;
	}
}

static void format_section(struct out *o, enum section sec, const void *base)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].section != sec)
			continue;
		const void *field = (const char *)base + keys[i].off;
		/* An empty list is written "key =", with no space trailing. */
		bool empty = (keys[i].type == T_PORTS && !any_bit(field)) ||
			     ((keys[i].type == T_PATH || keys[i].type == T_ENDPOINTS) && !*(const char *)field);
		outf(o, "%s =%s", keys[i].name, empty ? "" : " ");
		format_value(o, &keys[i], base);
		outf(o, "\n");
	}
}

size_t ps_scenario_format(const struct ps_scenario *sc, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	outf(&o, "# portsim scenario \"%s\", fully resolved\n", sc->name);
	outf(&o, "\n[run]\n");
	format_section(&o, SEC_RUN, sc);
	outf(&o, "\n[host]\n");
	format_section(&o, SEC_HOST, sc);
	outf(&o, "\n[nat]\n");
	format_section(&o, SEC_NAT, &sc->nat);
	for (unsigned i = 0; i < sc->npop && i < PS_MAX_POPULATIONS; i++) {
		outf(&o, "\n[workload.%s]\n", sc->pop[i].name);
		format_section(&o, SEC_WORKLOAD, &sc->pop[i]);
	}
	return o.len;
}
