/*
 * Snapshots of a real host: how full its ephemeral pool is, toward which
 * destination, how long until connect() fails at today's rate, and a
 * scenario that reproduces what was seen. `portsim snapshot` is its user.
 *
 * A *reading* is the host's socket table at one moment, taken live from
 * Linux's /proc/net/{tcp,tcp6,udp,udp6} (ps_snapshot_live_read) or parsed
 * from a saved dump (ps_snapshot_parse_dump): `ss -tan`, `netstat -an`
 * (Linux, macOS/BSD), Windows `netstat -ano`, Get-NetTCPConnection exported
 * as CSV, or a copy of /proc/net/tcp. The *host* facts are what the
 * sysctls say (range, reserved ports, tcp_tw_reuse, ...), or what the user
 * gives when a dump does not hold them. ps_snapshot_analyze turns one or
 * two readings into a report: pools per source address and per
 * destination, tightest first, with rates, holding times, time to
 * exhaustion and the steady-state bounds. The report prints as text,
 * writes snapshot.csv and becomes a scenario.
 *
 * Addresses are kept as 16 IPv6 bytes, IPv4 as ::ffff:a.b.c.d, so an IPv4
 * socket and an IPv6 socket on an IPv4-mapped address (which share the
 * kernel's port space) fall in the same pool.
 *
 * Errors are values: functions return a ps_status and a one-line message
 * in err naming the file, the line, the bad value and what is allowed.
 * Control bytes read from a file are shown escaped, and only a short
 * excerpt of a line is ever quoted.
 */
#ifndef PORTSIM_SNAPSHOT_H
#define PORTSIM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "portsim/run.h" /* enum ps_status */

/* ---- sockets (sim/snapshot/sockets.c) ---- */

enum ps_sock_proto { PS_SOCK_TCP, PS_SOCK_UDP };

enum ps_sock_state {
	PS_SOCK_ESTABLISHED,
	PS_SOCK_SYN_SENT,
	PS_SOCK_SYN_RECV,
	PS_SOCK_FIN_WAIT1,
	PS_SOCK_FIN_WAIT2,
	PS_SOCK_TIME_WAIT,
	PS_SOCK_CLOSED,     /* CLOSED, Windows DeleteTCB */
	PS_SOCK_CLOSE_WAIT,
	PS_SOCK_LAST_ACK,
	PS_SOCK_LISTEN,
	PS_SOCK_CLOSING,
	PS_SOCK_BOUND,      /* bound, not connected: TCP CLOSE in /proc, ss UNCONN, UDP, Windows Bound */
	PS_SOCK_STATE_COUNT
};

struct ps_sock_addr {
	uint8_t b[16]; /* IPv6 bytes; IPv4 as ::ffff:a.b.c.d; all zero: unspecified (* or ::) */
};

struct ps_sock {
	struct ps_sock_addr local, remote;
	uint16_t lport, rport; /* rport 0: not connected */
	uint8_t proto;         /* enum ps_sock_proto */
	uint8_t state;         /* enum ps_sock_state */
	uint32_t pid;          /* owning process when the source shows it; 0 unknown */
	uint64_t inode;        /* live: the socket's inode (0 for TIME_WAIT); 0 unknown */
	char comm[16];         /* owning program's name when known, else "" */
};

struct ps_sock_list {
	struct ps_sock *v;
	size_t n, cap;
};

/* Appends a copy of s; 0, or -1 when out of memory. */
int ps_sock_list_add(struct ps_sock_list *l, const struct ps_sock *s);
void ps_sock_list_fini(struct ps_sock_list *l);

/* "ESTABLISHED", "TIME_WAIT", ...: the Linux netstat spelling. */
const char *ps_sock_state_name(enum ps_sock_state s);

/*
 * The state spelled as ss, netstat (Linux, BSD, Windows) or PowerShell do
 * (ESTAB, TIME-WAIT, TIME_WAIT, SYN_RCVD, LISTENING, TimeWait, Bound, ...;
 * case, '-' and '_' ignored); -1 when none of them spells it so.
 */
int ps_sock_state_parse(const char *text, size_t len);

/* Parses an IPv4 or IPv6 address of len bytes ("*" is unspecified; a %zone suffix is dropped). */
bool ps_sock_addr_parse(const char *text, size_t len, struct ps_sock_addr *out);

/* Whether a holds an IPv4 address (IPv4-mapped). */
bool ps_sock_addr_is_v4(const struct ps_sock_addr *a);

/* Whether a is 127.0.0.0/8 or ::1. */
bool ps_sock_addr_is_loopback(const struct ps_sock_addr *a);

/* a as text: dotted quad for IPv4, RFC 5952 for IPv6, "*" when unspecified. */
void ps_sock_addr_format(char *buf, size_t size, const struct ps_sock_addr *a);

/* "addr:port", IPv6 in brackets. */
void ps_sock_endpoint_format(char *buf, size_t size, const struct ps_sock_addr *a, uint16_t port);

/* Orders addresses bytewise; for qsort comparators. */
int ps_sock_addr_cmp(const struct ps_sock_addr *a, const struct ps_sock_addr *b);

/*
 * Up to max bytes of text as a quotable excerpt: control and non-ASCII
 * bytes as \xNN, '"' and '\' escaped, "..." when cut. Returns out.
 */
char *ps_snapshot_excerpt(char *out, size_t size, const char *text, size_t len, size_t max);

/* ---- readings and host facts ---- */

#define PS_SNAPSHOT_NOTES 8
#define PS_SNAPSHOT_ORIGIN_MAX 256
#define PS_SNAPSHOT_OS_MAX 32
#define PS_SNAPSHOT_NOTE_MAX 200

/* What one reading of the socket table holds. */
struct ps_snapshot_reading {
	struct ps_sock_list socks;
	double t_s;             /* live: CLOCK_MONOTONIC seconds when read */
	int64_t active_opens;   /* /proc/net/snmp Tcp ActiveOpens; -1 unknown */
};

void ps_snapshot_reading_fini(struct ps_snapshot_reading *r);

/* Dump formats; AUTO detects from the text. */
enum ps_dump_format {
	PS_DUMP_AUTO,
	PS_DUMP_PROC,       /* a copy of /proc/net/tcp (or tcp6, udp, udp6) */
	PS_DUMP_SS,         /* ss -tan, ss -tanH, ss -tuanp, ... */
	PS_DUMP_NETSTAT,    /* netstat -an on Linux, macOS or a BSD */
	PS_DUMP_WINDOWS,    /* Windows netstat -an / -ano */
	PS_DUMP_POWERSHELL, /* Get-NetTCPConnection (or Get-NetUDPEndpoint) | Export-Csv */
	PS_DUMP_FORMAT_COUNT
};

/* "auto", "proc", "ss", "netstat", "windows", "powershell". */
const char *ps_dump_format_name(enum ps_dump_format f);

/* The format called name, or -1. */
int ps_dump_format_find(const char *name);

/* The facts about the host: from its sysctls, or what a dump tells (its format, its OS). */
struct ps_snapshot_host {
	char origin[PS_SNAPSHOT_ORIGIN_MAX]; /* "live" or the dump's name */
	enum ps_dump_format format; /* the format read (PS_DUMP_AUTO for live) */
	char os[PS_SNAPSHOT_OS_MAX]; /* a profile name: "linux", "macos", "windows"; "" unknown */
	char system[96];          /* "Linux 6.18.44 on host", or "" */
	char when[40];            /* UTC time of the first reading, ISO 8601, or "" */
	bool have_range;
	uint16_t lo, hi;          /* ip_local_port_range */
	bool have_reserved;
	uint64_t reserved[1024];  /* ip_local_reserved_ports, a bitmap over 65536 ports */
	int tw_reuse;             /* tcp_tw_reuse; -1 unknown */
	int fin_timeout_s;        /* tcp_fin_timeout; -1 unknown */
	int64_t conntrack_count, conntrack_max; /* -1 unknown */
	char notes[PS_SNAPSHOT_NOTES][PS_SNAPSHOT_NOTE_MAX]; /* what could not be read, and why */
	unsigned nnotes;
};

/* Resets h: nothing known. */
void ps_snapshot_host_init(struct ps_snapshot_host *h);

/* Adds a note to h (dropped beyond PS_SNAPSHOT_NOTES). */
void ps_snapshot_host_note(struct ps_snapshot_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- live reading (sim/snapshot/live.c) ---- */

/* "LO-HI" or the sysctl's "LO\tHI" with 1 <= LO <= HI <= 65535. */
bool ps_snapshot_parse_range(const char *text, uint16_t *lo, uint16_t *hi);

/* "a,b-c,..." (ip_local_reserved_ports' syntax; empty: none) into a 65536-bit bitmap. */
bool ps_snapshot_parse_ports(const char *text, uint64_t bitmap[1024]);

/* Whether this host's socket table can be read live (Linux with /proc/net/tcp); else why not. */
bool ps_snapshot_live_available(char *why, size_t size);

/*
 * Reads the sysctls that matter into h (range, reserved ports, tcp_tw_reuse,
 * tcp_fin_timeout, conntrack count and max), the kernel's release and the
 * time; what cannot be read is noted in h, never an error.
 */
void ps_snapshot_live_host(struct ps_snapshot_host *h);

/*
 * Reads /proc/net/{tcp,tcp6,udp,udp6} and /proc/net/snmp of the calling
 * process's network namespace into r (which it initialises). A missing
 * IPv6 or UDP table is noted in h; PS_FAILED only when /proc/net/tcp
 * itself cannot be read or memory runs out.
 */
enum ps_status ps_snapshot_live_read(struct ps_snapshot_reading *r, struct ps_snapshot_host *h,
				     char *err, size_t size);

/*
 * Fills pid and comm of the sockets of r that some process holds, by
 * matching socket inodes under /proc/PID/fd; only sockets with local or
 * remote port `port` (any when 0) are looked up. Returns the processes whose
 * descriptors could not be read (another user's, without root).
 */
size_t ps_snapshot_live_owners(struct ps_snapshot_reading *r, uint16_t port);

/* ---- saved dumps (sim/snapshot/dump*.c) ---- */

/*
 * Parses the whole dump text (len bytes; UTF-8 or UTF-16 with a byte-order
 * mark, CRLF or LF) named origin into r, in format fmt (AUTO: detected).
 * Fills h->origin, h->format and h->os (the OS the format implies: linux
 * for ss and /proc, macos for BSD netstat, windows for Windows formats).
 * Headers, blank lines and other protocols' sections are skipped; a line
 * that should be a socket and is not is PS_BAD_INPUT, naming the line.
 */
enum ps_status ps_snapshot_parse_dump(const char *origin, const char *text, size_t len,
				      enum ps_dump_format fmt, struct ps_snapshot_reading *r,
				      struct ps_snapshot_host *h, char *err, size_t size);

/* Reads path ("-": standard input) and parses it as ps_snapshot_parse_dump does. */
enum ps_status ps_snapshot_read_dump(const char *path, enum ps_dump_format fmt,
				     struct ps_snapshot_reading *r, struct ps_snapshot_host *h,
				     char *err, size_t size);

/* ---- estimators (sim/snapshot/headroom.c) ---- */

enum ps_rate_from {
	PS_RATE_NONE,      /* no rate: one reading without TIME_WAIT, or nothing new */
	PS_RATE_MEASURED,  /* connections new in the second reading / interval */
	PS_RATE_TIME_WAIT  /* one reading: TIME_WAIT / time_wait_s (steady state, client closes) */
};

/* A pool's counts and what follows from them. NAN: unknown; INFINITY: never. */
struct ps_snapshot_stats {
	uint32_t in_use, established, time_wait, other; /* at the (last) reading */
	uint32_t in_use_before;   /* at the first reading (== in_use with one) */
	uint32_t time_wait_before;
	uint32_t new_conns;       /* connections that appeared between the readings */
	uint32_t closed_client, closed_server; /* closes seen between the readings, by who closed */
	uint32_t capacity;        /* usable ports of the pool */
	uint32_t free;            /* capacity - ports in use in the pool, at least 0 */
	double share;             /* ports in use in the pool / capacity */
	enum ps_rate_from rate_from;
	double rate_per_s;        /* new connections per second */
	double growth_per_s;      /* (in_use - in_use_before) / interval */
	double exhaust_s;         /* free / growth when growing; INFINITY when not; NAN: one reading */
	double lifetime_s;        /* mean life before TIME_WAIT: mean in use outside TIME_WAIT / rate (Little) */
	double client_close;      /* share of closes that leave TIME_WAIT here */
	double holding_s;         /* lifetime + client_close * time_wait_s */
	double holding_now_s;     /* mean in use / rate (Little, on the whole occupancy) */
	double steady_in_use;     /* rate * holding */
	double bound_per_s;       /* deterministic: capacity / holding */
	double erlang_per_s;      /* Erlang-B: the rate with blocking == target on capacity ports */
};


/*
 * Fills the derived fields of st from its counts: capacity, interval_s (0
 * for one reading), the OS's time_wait_s, pool_in_use (the ports in use in
 * the pool it draws from: its own under the 4-tuple rule, its source
 * address's under the port rule) and erlang_load, the load in Erlangs at
 * which capacity ports block the target share (ps_erlang_b_load).
 */
void ps_snapshot_headroom(struct ps_snapshot_stats *st, uint32_t capacity, uint32_t pool_in_use,
			  double interval_s, double time_wait_s, double erlang_load);

/* ---- the report (sim/snapshot/aggregate.c) ---- */

struct ps_snapshot_options {
	const char *os;           /* profile for defaults and rules; NULL: the host's, else linux */
	bool range_set;           /* --range overrides the host's */
	uint16_t lo, hi;
	bool reserved_set;        /* --reserved overrides the host's */
	uint64_t reserved[1024];
	double interval_s;        /* between the two readings; 0 with one */
	double target;            /* Erlang-B blocking target; 0 means 0.001 */
};

/* Ports in use by one source address. */
struct ps_snapshot_source {
	struct ps_sock_addr addr;
	struct ps_snapshot_stats st; /* TCP, outgoing, in the range */
	uint32_t outside_range;      /* outgoing TCP connections on ports outside the range */
	uint32_t udp_in_use;         /* UDP ports in the range */
};

/* One destination as seen from one source address. */
struct ps_snapshot_dest {
	struct ps_sock_addr src, dst;
	uint16_t dport;
	struct ps_snapshot_stats st;
};

struct ps_snapshot_report {
	char os[PS_SNAPSHOT_OS_MAX]; /* the profile the rules and defaults come from */
	const char *os_from;      /* "--os", "the dump's format", "the live host" */
	uint16_t lo, hi;
	const char *range_from;   /* "--range", "ip_local_port_range", "the profile's default" */
	const char *reserved_from; /* "--reserved", "ip_local_reserved_ports", "none known" */
	uint64_t reserved[1024];
	uint32_t reserved_in_range;
	uint32_t held_in_range;   /* unreserved ports in the range a listener or a bound, unconnected socket holds */
	uint32_t usable;          /* range - reserved; the pools' capacity is usable - held_in_range */
	bool port_rule;           /* a port serves one connection at a time (not per destination) */
	double time_wait_s, target, erlang_load;
	int tw_reuse;             /* the host's, else the profile's */
	unsigned readings;        /* 1 or 2 */
	double interval_s;
	size_t sockets, listening, accepted, outgoing, outside_range, udp;
	double active_opens_per_s; /* host-wide from /proc/net/snmp; NAN unknown */
	struct ps_snapshot_source *src; /* busiest first */
	size_t nsrc;
	struct ps_snapshot_dest *dst; /* tightest first: fewest free, soonest full, most in use */
	size_t ndst;
};

/*
 * Builds the report of `now` (and `before`, taken interval_s earlier, or
 * NULL). A TCP socket is *accepted* when its local port is one a TCP
 * listener holds, *outgoing* otherwise; outgoing ones in the range fill the
 * pools. The rules and defaults come from opt->os, else the host's OS,
 * else linux; the range and reserved ports from opt, else the host, else
 * the profile (none reserved). PS_BAD_INPUT for an OS no profile names, or
 * two readings without an interval; PS_FAILED when out of memory.
 */
enum ps_status ps_snapshot_analyze(const struct ps_snapshot_host *h,
				   const struct ps_snapshot_reading *before,
				   const struct ps_snapshot_reading *now,
				   const struct ps_snapshot_options *opt, struct ps_snapshot_report *rep,
				   char *err, size_t size);

void ps_snapshot_report_fini(struct ps_snapshot_report *rep);

/* ---- output (sim/snapshot/report.c) ---- */

/* Sockets with local (or else remote) port `port`, for --port: indices into r->socks. */
struct ps_snapshot_port_hits {
	size_t *idx;
	size_t n;
	size_t unreadable; /* processes whose descriptors could not be read (live) */
	bool live;
};

/* Finds the sockets of r on port; 0, or -1 when out of memory. */
int ps_snapshot_find_port(const struct ps_snapshot_reading *r, uint16_t port,
			  struct ps_snapshot_port_hits *hits);
void ps_snapshot_port_hits_fini(struct ps_snapshot_port_hits *hits);

/* Prints the report as text; at most `top` destinations (all when 0). */
void ps_snapshot_print(FILE *f, const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep,
		       size_t top);

/* Prints who holds `port` now. */
void ps_snapshot_print_port(FILE *f, const struct ps_snapshot_reading *r, uint16_t port,
			    const struct ps_snapshot_port_hits *hits);

/* Writes dir/snapshot.csv (scope,source,destination,metric,value); hits may be NULL. 0 or -1 (errno). */
int ps_snapshot_write_csv(const char *dir, const struct ps_snapshot_host *h,
			  const struct ps_snapshot_report *rep, const struct ps_snapshot_reading *r,
			  const struct ps_snapshot_port_hits *hits);

/* ---- the scenario (sim/snapshot/scenario_out.c) ---- */

/*
 * A scenario reproducing the report, as INI text (malloc'd; NULL when out
 * of memory): a header saying what was measured and when; [host] with the
 * profile, range, reserved ports and tcp_tw_reuse; one [workload] per busy
 * destination (the busiest, as many as a scenario holds): Poisson arrivals
 * at the observed rate, exponential lifetimes of the observed mean, the
 * observed share of client closes; a destination without turnover becomes
 * a burst of its connections lasting the whole run. NULL with err when
 * nothing is busy enough to reproduce.
 */
char *ps_snapshot_scenario(const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep,
			   char *err, size_t size);

#endif
