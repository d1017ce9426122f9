/*
 * What resolving loads, shared by resolve.c, destinations.c and
 * datafiles.c: the shared destination table as it is built, each
 * population's map into it, and the readers of the files a scenario names.
 */
#ifndef PORTSIM_RUN_LOAD_H
#define PORTSIM_RUN_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/config.h"

/* A hash from 64-bit keys to 32-bit values, open addressing, at most half full. */
struct ps_index_slot {
	uint64_t key; /* key + 1; 0 marks a free slot */
	uint32_t val; /* beside its key: one cache miss per probe, not two */
};

struct ps_index {
	struct ps_index_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* The destination table all populations share, while it is built. */
struct ps_dst_table {
	struct ps_endpoint *dsts;
	uint32_t ndsts;
	size_t cap;             /* of dsts */
	struct ps_index shared; /* (ip, port) -> index in dsts */
};

/* One population's destinations, while they are built. */
struct ps_pop_dsts {
	const char *name;  /* the population's, for messages */
	bool loopback;     /* every endpoint it names counts as loopback */
	uint32_t *map;     /* population destination k -> index in the shared table */
	uint32_t n;
	size_t map_cap;
	uint32_t *local;   /* shared index -> population destination or UINT32_MAX; made on first use */
	size_t local_cap;
};

/*
 * The population's configured destinations: those of list, or else count
 * generated ones (at least one). 0, or -1 with err.
 */
int ps_load_pop_destinations(struct ps_dst_table *t, struct ps_pop_dsts *pd, const char *list,
			     uint32_t count, char *err, size_t size);

/* The population's number for an endpoint, added to it (and to the table) if new. 0, or -1 out of memory. */
int ps_load_pop_endpoint(struct ps_dst_table *t, struct ps_pop_dsts *pd, struct ps_endpoint ep,
			 uint32_t *out);

/* Frees the table's index (its endpoints are the caller's now); and a population's scratch. */
void ps_load_table_done(struct ps_dst_table *t);
void ps_load_pop_done(struct ps_pop_dsts *pd);

/* path, taken from the scenario's directory dir unless absolute (or dir is empty or "."). */
void ps_load_path(char *out, size_t size, const char *dir, const char *path);

/*
 * Reads a trace (t_s,dst[,duration_s]) into *rows; destinations given as
 * address:port join the population. 0, or -1 with err (FILE:LINE: ...).
 */
int ps_load_trace(struct ps_dst_table *t, struct ps_pop_dsts *pd, const char *path,
		  struct ps_replay_row **rows, size_t *nrows, char *err, size_t size);

/* Reads one duration in seconds per line into *values. 0, or -1 with err. */
int ps_load_durations(const char *path, double **values, size_t *n, char *err, size_t size);

/* Rows of a trace whose time falls in [0, end_s); 0 when the file cannot be read. */
double ps_load_trace_rows_before(const char *path, double end_s);

#endif
