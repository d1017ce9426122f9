/*
 * The scenario schema: one const table of keys, with each key's section,
 * type, default, bounds, allowed values and one-sentence documentation.
 * The same table drives reading a file and --set (load.c), `portsim keys`
 * (ps_scenario_key_doc), defaults and writing back (format.c), so a key is
 * described in exactly one place. Adding a key is one row here.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portsim/nat.h"
#include "portsim/profile.h"

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
static const char *const syn_backoff_values[] = { "doubling", "bsd", NULL };
static const char *const tw_collision_values[] = { "count", "refuse", NULL };
static const char *const nat_kernel_values[] = { "current", "pre-5.0", NULL };
static const char *const port_choice_values[] = { "kernel", "socket-range", "narrow-range", "bind-retry", NULL };
static const char *const mode_values[] = { "connect", "bind0", "bind-no-port", "udp", NULL };

#define STR(x) STR_(x)
#define STR_(x) #x
#define SC(f) offsetof(struct ps_scenario, f)
#define POP(f) offsetof(struct ps_population, f)
#define NAT(f) offsetof(struct ps_nat_settings, f)

const struct key ps_sc_keys[] = {
	{ SEC_RUN, "duration_s", T_NUMBER, "seconds", "120", "0.001", "31536000", NULL,
	  "Simulated time the run covers.", SC(duration_s) },
	{ SEC_RUN, "seed", T_U64, NULL, "1", "0", "18446744073709551615", NULL,
	  "Seed of every random stream; the same seed gives the same run.", SC(seed) },
	{ SEC_RUN, "sample_interval_s", T_NUMBER, "seconds", "1", "0.001", "86400", NULL,
	  "Simulated time between two rows of timeseries.csv.", SC(sample_interval_s) },
	{ SEC_RUN, "name", T_NAME, NULL, "default", NULL, NULL, NULL,
	  "The scenario's name in summary.csv and in messages; a file that does not set it is named after its stem (time-wait-storm.ini: time-wait-storm).",
	  SC(name) },

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
	{ SEC_HOST, "hz", T_U32, "ticks per second", "0", "0", "10000", NULL,
	  "Linux's CONFIG_HZ: a TIME_WAIT ends on the kernel's timer wheel, rounded up to the wheel's bucket (2.048 s for 60 s at 250); 0 = exactly time_wait_s.",
	  SC(hz) },
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

	{ SEC_HOST, "syn_rto_s", T_NUMBER, "seconds", "1", "0.001", "60", NULL,
	  "How long a client waits for an answer to its first SYN before sending it again (Linux: 1 s, TCP_TIMEOUT_INIT).",
	  SC(syn_rto_s) },
	{ SEC_HOST, "syn_retries", T_U32, "retransmissions", "6", "0", "100", NULL,
	  "SYN retransmissions before connect() fails with ETIMEDOUT (Linux net.ipv4.tcp_syn_retries).",
	  SC(syn_retries) },
	{ SEC_HOST, "syn_backoff", T_ENUM, NULL, "doubling", NULL, NULL, syn_backoff_values,
	  "How the wait between SYNs grows: doubling up to 120 s, or the BSD tcp_syn_backoff table (1,1,1,1,1,2,4,8,16,32,64 times syn_rto_s).",
	  SC(syn_backoff) },
	{ SEC_HOST, "syn_timeout_s", T_NUMBER, "seconds", "0", "0", "3600", NULL,
	  "Connection-establishment timer (BSD net.inet.tcp.keepinit: 75 s): connect() gives up then at the latest; 0 = none.",
	  SC(syn_timeout_s) },
	{ SEC_HOST, "tw_collision", T_ENUM, NULL, "count", NULL, NULL, tw_collision_values,
	  "A SYN on a 4-tuple the server holds in TIME_WAIT: count (accepted, counted as a collision, as Linux does) or refuse (dropped, retransmitted, as ns-3 does).",
	  SC(tw_collision) },
	{ SEC_HOST, "probe_ns", T_NUMBER, "nanoseconds", "58", "0", "1000000000", NULL,
	  "What one candidate port of a connect() search costs; the connect delay counts it (58 ns: Linux 6.18, between the 50 and 65 ns portsim kernel --search-time measures on 4,096 and 8,192 ports).",
	  SC(probe_ns) },

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
	{ SEC_NAT, "ports_per_instance", T_U32, "ports", "0", "0", "64000", NULL,
	  "Azure outbound rule: SNAT ports per VM (allocatedOutboundPorts), a multiple of 8 with ports x VMs <= 64,000 x addresses; 0 = the default share by pool size, once per address, at most 1,024. Read when block_size = 0.",
	  NAT(ports_per_instance) },
	{ SEC_NAT, "per_destination_limit", T_U32, "connections", "0", "0", "16777216", NULL,
	  "Simultaneous mappings per external address to one destination; 0 = only the port range limits them.",
	  NAT(per_destination_limit) },
	{ SEC_NAT, "drop_error", T_ENUM, NULL, "NAT_DROP", NULL, NULL, drop_values,
	  "The name a NAT drop is reported by in events.csv.", NAT(drop_error) },
	{ SEC_NAT, "cpus", T_U32, "CPUs", "1", "1", "4096", NULL,
	  "CPUs that handle new flows, each taken at random (RSS); two CPUs can race between nf_nat's port choice and the conntrack confirm.",
	  NAT(cpus) },
	{ SEC_NAT, "confirm_window_us", T_NUMBER, "microseconds", "10", "0", "1000000", NULL,
	  "How long a new flow's choice stays unconfirmed and invisible to other CPUs (from nf_nat's choice to __nf_conntrack_confirm).",
	  NAT(confirm_window_us) },
	{ SEC_NAT, "kernel", T_ENUM, NULL, "current", NULL, NULL, nat_kernel_values,
	  "nf-nat's search: current (5.0 and later: a fresh random offset per choice) or pre-5.0 (a port rover shared by all flows; --random a hash of the addresses and destination port).",
	  NAT(kernel) },
	{ SEC_NAT, "retransmit", T_BOOL, NULL, "false", NULL, NULL, NULL,
	  "A SYN the NAT drops is retransmitted on the host's SYN schedule while the inside socket holds its port; false = the attempt fails at once.",
	  NAT(retransmit) },
	{ SEC_WORKLOAD, "arrival", T_ENUM, NULL, "poisson", NULL, NULL, arrival_values,
	  "How attempts are spaced: evenly, Poisson, Poisson in on/off periods, Poisson with a ramping or daily-cycling rate, bursts, or replayed from a trace.",
	  POP(arrival) },
	{ SEC_WORKLOAD, "rate_per_s", T_NUMBER, "attempts per second", "100", "0.000001", STR(PS_MAX_RATE_PER_S),
	  NULL, "Mean attempts per second (the starting rate of a ramp, the rate while on for onoff).",
	  POP(rate_per_s) },
	{ SEC_WORKLOAD, "rate_end_per_s", T_NUMBER, "attempts per second", "0", "0", STR(PS_MAX_RATE_PER_S), NULL,
	  "ramp: the rate reached at the end of the run.", POP(rate_end_per_s) },
	{ SEC_WORKLOAD, "on_s", T_NUMBER, "seconds", "1", "0.000001", "31536000", NULL,
	  "onoff: mean length of an on period (exponential).", POP(on_s) },
	{ SEC_WORKLOAD, "off_s", T_NUMBER, "seconds", "1", "0", "31536000", NULL,
	  "onoff: mean length of an off period (exponential).", POP(off_s) },
	{ SEC_WORKLOAD, "period_s", T_NUMBER, "seconds", "86400", "0.001", "31536000", NULL,
	  "diurnal: period of the sinusoidal rate.", POP(period_s) },
	{ SEC_WORKLOAD, "amplitude", T_NUMBER, NULL, "0.5", "0", "1", NULL,
	  "diurnal: relative swing of the rate around rate_per_s.", POP(amplitude) },
	{ SEC_WORKLOAD, "burst_size", T_U32, "attempts", "100", "1", STR(PS_MAX_RATE_PER_S), NULL,
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
	{ SEC_WORKLOAD, "max_connections", T_U32, "connections", "0", "0", "16777216", NULL,
	  "Most connections open at once on each of the population's hosts (behind a NAT each inside host; App Service: 1920 per B1/S1/P1 instance); one more fails at once with CONN_LIMIT, counted in summary.csv's cap_failures. 0 = no cap.",
	  POP(max_connections) },
	{ SEC_WORKLOAD, "port_choice", T_ENUM, NULL, "kernel", NULL, NULL, port_choice_values,
	  "linux: how connect() gets its port: the kernel's search, IP_LOCAL_PORT_RANGE set to socket_port_range (6.3+: no even/odd split), a random narrow_width window per socket, or bind() to random ports retried on EADDRINUSE.",
	  POP(port_choice) },
	{ SEC_WORKLOAD, "socket_port_range", T_RANGE, NULL, "1-65535", NULL, NULL, NULL,
	  "socket-range: the IP_LOCAL_PORT_RANGE value; each end inside the host's range narrows it, as the kernel does.",
	  POP(sock_lo) },
	{ SEC_WORKLOAD, "narrow_width", T_U32, "ports", "1024", "1", "65535", NULL,
	  "narrow-range: ports in the window each socket sets with IP_LOCAL_PORT_RANGE at a random place in the host's range.",
	  POP(narrow_width) },
	{ SEC_WORKLOAD, "bind_tries", T_U32, "tries", "16", "1", "65535", NULL,
	  "bind-retry: random ports bind() tries before connect() gives up (EADDRNOTAVAIL).",
	  POP(bind_tries) },
};

const size_t ps_sc_nkeys = sizeof(ps_sc_keys) / sizeof(ps_sc_keys[0]);
_Static_assert(sizeof(ps_sc_keys) / sizeof(ps_sc_keys[0]) <= PS_SC_KEYS_MAX,
	       "explicit_keys needs one bit per key");
_Static_assert(PS_SC_KEYS_MAX <= sizeof(((struct ps_scenario *)0)->key_line) / sizeof(uint32_t),
	       "key_line needs one line per key");

const char *const ps_sc_section_names[] = { "run", "host", "nat", "workload" };

const struct key *ps_sc_find_key(enum section sec, const char *name)
{
	for (size_t i = 0; i < ps_sc_nkeys; i++)
		if (ps_sc_keys[i].section == sec && !strcmp(ps_sc_keys[i].name, name))
			return &ps_sc_keys[i];
	return NULL;
}

static void join(char *buf, size_t size, const char *const *values)
{
	struct out o = { buf, size, 0 };
	for (size_t i = 0; values[i]; i++)
		ps_sc_outf(&o, "%s%s", i ? ", " : "", values[i]);
}

void ps_sc_describe_allowed(const struct key *k, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	switch (k->type) {
	case T_NUMBER:
	case T_U64:
	case T_U32:
		ps_sc_outf(&o, "%s to %s", k->min, k->max);
		if (k->unit)
			ps_sc_outf(&o, " (%s)", k->unit);
		break;
	case T_ENUM:
		join(buf, size, k->values);
		break;
	case T_BOOL:
		ps_sc_outf(&o, "true, false, yes, no, on, off, 1, 0");
		break;
	case T_STRATEGY:
		ps_alloc_names(buf, size, ", ");
		break;
	case T_STRATEGY_OR_SAME:
		ps_sc_outf(&o, "same, ");
		ps_alloc_names(buf + o.len, size > o.len ? size - o.len : 0, ", ");
		break;
	case T_PROFILE:
		ps_sc_outf(&o, "none");
		for (size_t i = 0; i < ps_profiles_len; i++)
			ps_sc_outf(&o, ", %s", ps_profiles[i].name);
		break;
	case T_PRESET:
		ps_sc_outf(&o, "none");
		for (size_t i = 0; i < ps_nat_presets_len; i++)
			ps_sc_outf(&o, ", %s", ps_nat_presets[i].name);
		break;
	case T_NATALLOC:
		ps_sc_outf(&o, "none, ");
		ps_nat_names(buf + o.len, size > o.len ? size - o.len : 0, ", ");
		break;
	case T_RANGE:
		ps_sc_outf(&o, "LO-HI with 1 <= LO <= HI <= 65535, e.g. 49152-65535");
		break;
	case T_PORTS:
		ps_sc_outf(&o, "ports and LO-HI ranges from 1 to 65535, comma-separated, "
			 "e.g. 50000,50010-50020; or nothing");
		break;
	case T_CLOSER:
		ps_sc_outf(&o, "client, server, or a probability from 0 to 1 that the client closes first");
		break;
	case T_PATH:
		ps_sc_outf(&o, "a file name (relative to the scenario's directory), or nothing");
		break;
	case T_ENDPOINTS:
		ps_sc_outf(&o, "address:port pairs, comma-separated, e.g. 10.0.0.1:80,127.0.0.1:8080; or nothing");
		break;
	case T_NAME:
		ps_sc_outf(&o, "1 to %d letters, digits, '.', '_', '+' or '-'", PS_NAME_MAX - 1);
		break;
	}
}

size_t ps_scenario_nkeys(void)
{
	return ps_sc_nkeys;
}

void ps_scenario_key_doc(size_t i, struct ps_key_doc *out)
{
	const struct key *k = &ps_sc_keys[i];
	out->section = k->section == SEC_WORKLOAD ? "workload.NAME" : ps_sc_section_names[k->section];
	out->name = k->name;
	out->def = k->def;
	out->doc = k->doc;
	ps_sc_describe_allowed(k, out->allowed, sizeof(out->allowed));
}

