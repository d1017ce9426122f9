/*
 * One machine that allocates ports: its configuration, its pool, its
 * connections and its strategy instances. The host turns requests into
 * connections and carries them through
 * established -> closed (server first: port free at once)
 *             -> TIME_WAIT (client first) -> gone, or taken over.
 * It knows nothing of the clock or the event queue: the caller passes the
 * time and schedules what the host's answers ask for.
 */
#ifndef PORTSIM_HOST_H
#define PORTSIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/alloc.h"
#include "portsim/pool.h"
#include "portsim/types.h"

/* net.ipv4.tcp_tw_reuse */
enum ps_tw_reuse {
	PS_TW_REUSE_NEVER = 0,
	PS_TW_REUSE_ANY = 1,
	PS_TW_REUSE_LOOPBACK = 2
};

struct ps_endpoint {
	uint32_t ip; /* IPv4, host byte order */
	uint16_t port;
	bool loopback;
};

struct ps_host_config {
	uint16_t lo, hi;
	const uint64_t *reserved;  /* bitmap over 65536 ports, or NULL */
	uint32_t naddrs;
	uint32_t first_ip;         /* source address k is first_ip + k */
	const struct ps_endpoint *dsts;
	uint32_t ndsts;
	ps_time time_wait;
	bool no_local_time_wait; /* FreeBSD's nolocaltimewait: no TIME_WAIT toward loopback peers */
	enum ps_tw_reuse tw_reuse;
	ps_time tw_reuse_delay;
	enum ps_unique unique;
	const struct ps_alloc_ops *alloc[PS_MODE_COUNT]; /* strategy serving each socket mode */
	struct ps_alloc_params params;
	uint64_t seed;
	const struct ps_port_choice_cfg *choice; /* [owner] per population, or NULL: the kernel's search */
};

enum ps_conn_state {
	PS_CONN_FREE,
	PS_CONN_ESTABLISHED,
	PS_CONN_TIME_WAIT
};

/* 32 bytes: a host may hold millions of them, most in TIME_WAIT. */
struct ps_conn {
	uint64_t serial;   /* the caller's connection number */
	uint32_t dst;
	uint32_t gen;      /* bumped on every reuse of the slot */
	uint32_t owner;    /* the caller's tag, e.g. the population */
	uint32_t next_free;
	uint16_t addr;     /* source address index (a pool has at most 65535) */
	uint16_t idx;      /* port index */
	uint8_t mode, state;
};

struct ps_alloc_inst {
	const struct ps_alloc_ops *ops;
	void *state;
};

struct ps_host {
	struct ps_host_config cfg;
	struct ps_pool pool;     /* TCP */
	struct ps_pool udp_pool; /* UDP has a port space of its own */
	struct ps_alloc_inst inst[PS_MODE_COUNT];
	uint8_t inst_of[PS_MODE_COUNT]; /* modes served by one strategy share its instance */
	bool takeover[PS_MODE_COUNT][2]; /* [mode][loopback]: may a request take over a TIME_WAIT 4-tuple (from cfg, at init) */
	struct ps_conn *conns;
	uint32_t nconns, conns_cap, free_conn;
	uint64_t established, time_wait;
};

struct ps_open_result {
	enum ps_err err;      /* PS_OK or the system's error */
	uint32_t conn;        /* new connection slot (when PS_OK) */
	uint16_t port;
	uint32_t probes;
	uint32_t taken_over;  /* TIME_WAIT connection replaced, or PS_NO_CONN */
	uint64_t taken_over_serial;
};

/* 0, or -1 with a reason in err (size bytes). */
int ps_host_init(struct ps_host *h, const struct ps_host_config *cfg, char *err, size_t size);
void ps_host_fini(struct ps_host *h);

/* Allocates a port for a connection from address addr to destination dst. -1 only when out of memory. */
int ps_host_open(struct ps_host *h, enum ps_mode mode, uint32_t addr, uint32_t dst, ps_time now,
		 uint64_t serial, uint32_t owner, struct ps_open_result *res);

/*
 * Asks the processor to fetch what a coming ps_host_open(mode, addr, dst)
 * will read, for strategies that can tell (ps_alloc_ops.ahead): near
 * false first, near true a few arrivals later. Changes nothing.
 */
void ps_host_open_ahead(const struct ps_host *h, enum ps_mode mode, uint32_t addr, uint32_t dst, bool near);

/* Whether any of the host's strategies uses ps_host_open_ahead: else a caller need not look ahead at all. */
bool ps_host_looks_ahead(const struct ps_host *h);

/*
 * Closes an established connection. When the host closes first (active)
 * and the mode keeps TIME_WAIT, the connection enters TIME_WAIT and the
 * function returns true: the caller must call ps_host_time_wait_end after
 * time_wait. Otherwise the port is released and false is returned.
 */
bool ps_host_close(struct ps_host *h, uint32_t conn, ps_time now, bool active);

/*
 * A TIME_WAIT entry that no later request can take over (tw_reuse cannot
 * reach it): everything its end needs, without a connection slot. The run
 * keeps millions of them, so they are 8 bytes where a slot is 32.
 */
struct ps_tw {
	uint32_t dst;
	uint16_t addr, idx;
};

/*
 * ps_host_close, except that a connection entering a TIME_WAIT that no
 * later request can take over gives its slot back at once and describes
 * the entry in *tw; the caller then ends it with ps_host_tw_end(tw, mode)
 * after time_wait (mode: the connection's, as *mode says). Returns 0 when
 * the port was released, 1 in TIME_WAIT with the slot kept (end it with
 * ps_host_time_wait_end), 2 in TIME_WAIT held by *tw.
 */
int ps_host_close_detach(struct ps_host *h, uint32_t conn, ps_time now, bool active, struct ps_tw *tw,
			 enum ps_mode *mode);

/* Ends a TIME_WAIT that ps_host_close_detach handed to the caller: the port goes back for good. */
void ps_host_tw_end(struct ps_host *h, const struct ps_tw *tw, enum ps_mode mode);

/* Asks the processor to fetch what ending tw will touch; changes nothing. */
void ps_host_tw_prefetch(const struct ps_host *h, const struct ps_tw *tw);

/* Ends TIME_WAIT of conn if gen still names it; returns whether it did. */
bool ps_host_time_wait_end(struct ps_host *h, uint32_t conn, uint32_t gen);

const struct ps_conn *ps_host_conn(const struct ps_host *h, uint32_t conn);

/* The pool a socket mode draws from: TCP modes share one, UDP has its own. */
struct ps_pool *ps_host_pool(struct ps_host *h, enum ps_mode mode);

/* (address, port) pairs carrying a socket, TCP and UDP together. */
uint64_t ps_host_ports_in_use(const struct ps_host *h);

/* The port number of a connection. */
uint16_t ps_host_port(const struct ps_host *h, uint32_t conn);

#endif
