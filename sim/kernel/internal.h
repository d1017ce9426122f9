/*
 * What the live-kernel replay's files share: the replay's state, and the
 * namespace set-up (namespace.c) and socket operations (sockets.c) the
 * replay loop (replay.c) calls. Everything here takes a resolved
 * configuration; only the entry (entry.c) sees the scenario.
 */
#ifndef PORTSIM_KERNEL_INTERNAL_H
#define PORTSIM_KERNEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "portsim/config.h"
#include "portsim/engine.h"
#include "portsim/kernel.h"
#include "portsim/trace.h"
#include "portsim/tw_watch.h"
#include "portsim/workload.h"

/* A loopback connect() and its accept() complete within the call; a second is already a fault. */
#define PS_KERNEL_CONNECT_TIMEOUT_MS 2000

/* One replayed connection: the client's socket and, for TCP, the accepted server socket. */
struct ps_kconn {
	int cfd, sfd;       /* client socket; accepted server socket (-1 for UDP) */
	uint64_t serial;
	uint32_t dst, gen, next_free;
	uint16_t port;
	uint32_t src_ip;
	bool client_closes, live;
	uint8_t mode;
};

/* A client-closed 4-tuple counted as TIME_WAIT until time_wait after its close. */
struct ps_tw_rec {
	ps_time t;
	uint64_t serial;
	uint32_t dst, idx;
};

/* One reading of the namespace's TIME_WAIT sockets, sorted (tcp_table.c). */
struct ps_tcp_table {
	struct ps_tw_key *keys;
	size_t n, cap;
};

struct ps_replay {
	const struct ps_run_config *cfg;
	const struct ps_kernel_options *opt;
	struct ps_kernel_result *res;
	struct ps_workload wl;
	struct ps_engine engine;
	struct ps_trace trace;
	bool tracing;
	int *listeners;     /* per destination */
	uint32_t *kip;      /* per destination: its loopback address */
	struct ps_kconn *conns;
	uint32_t nconns, cap_conns, max_conns, free_conn;
	uint64_t serial;
	ps_time end, tw_len;
	struct timespec t0;
	/* inferred TIME_WAIT: a FIFO of records, and per (destination, port) the live record's seq */
	struct ps_tw_rec *ring;
	uint64_t ring_cap, head_seq, next_seq; /* records head_seq .. next_seq - 1 are in the ring */
	uint64_t **tw_seq;  /* [dst] lazily, [port index]: seq + 1 of its record, 0 for none */
	uint32_t *port_ref; /* [port index]: client sockets and inferred TIME_WAIT entries on it */
	uint64_t established, time_wait, ports_in_use;
	uint32_t n;
	struct ps_tw_watch watch; /* with tw_ends */
	struct ps_tcp_table table;
	ps_time next_poll; /* the next reading's time */
	uint64_t early_ends; /* tw_end rows sooner than time_wait after their close */
};

/* Formats into err (size bytes). */
void ps_kernel_say(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- namespace.c ---- */

/*
 * Moves the calling process into a new network namespace. 0, or -1 with
 * err when none can be made.
 */
int ps_kernel_unshare(char *err, size_t size);

/*
 * Brings lo up and writes the host's range, reserved ports and tw_reuse to
 * /proc/sys/net/ipv4 in the namespace just entered; remote: the
 * destinations are not loopback ones. 0, or -1 with err.
 */
int ps_kernel_setup_namespace(const struct ps_host_config *host, bool remote, char *err,
			      size_t size);

/*
 * Raises the descriptor limit toward need as far as the hard limit allows;
 * returns how many descriptors may be used.
 */
uint64_t ps_kernel_raise_nofile(uint64_t need);

/* ---- sockets.c ---- */

/* A listener on every destination when any population speaks TCP. 0, or -1 with err. */
int ps_kernel_listen(struct ps_replay *r, char *err, size_t size);

/*
 * Opens one socket toward destination dst as the mode says. Returns 0 with
 * *fd, *port and *src, or with *e set when the kernel refused a port; -1
 * with err on anything else.
 */
int ps_kernel_open(const struct ps_replay *r, enum ps_mode mode, uint32_t dst, int *fd,
		   uint16_t *port, uint32_t *src, enum ps_err *e, char *err, size_t size);

/* Accepts the connection whose client port is port from listener fd; the fd, or -1. */
int ps_kernel_accept(int fd, uint16_t port);

/* Closes both ends of a connection, the drawn side first, so the right side keeps TIME_WAIT. */
void ps_kernel_hang_up(const struct ps_kconn *c);

/* ---- tcp_table.c ---- */

/* Reads the namespace's TIME_WAIT sockets into t, sorted. 0, or -1 (cannot be read, or memory). */
int ps_kernel_tcp_time_wait(struct ps_tcp_table *t);
void ps_kernel_tcp_table_fini(struct ps_tcp_table *t);

/* ---- netstat.c ---- */

/*
 * The namespace's nonzero TcpExt counters that end a socket early, as
 * "TCPTimeWaitOverflow=3, TCPAbortOnMemory=1" into out; "" when none moved
 * or the file cannot be read.
 */
void ps_kernel_early_ends(char *out, size_t size);

/* ---- replay.c ---- */

/*
 * Replays cfg in a new network namespace entered by the calling process;
 * the caller has checked that cfg can be replayed. As ps_kernel_run.
 */
enum ps_status ps_kernel_replay(const struct ps_run_config *cfg, const struct ps_kernel_options *opt,
				struct ps_kernel_result *res, char *err, size_t size);

#endif
