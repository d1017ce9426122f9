/*
 * An open-addressed hash map from 64-bit keys to two 64-bit words, with
 * linear probing and backward-shift deletion (no tombstones, so probe
 * chains stay short however many entries come and go). Used for the
 * pool's 4-tuples, the NAT's inside endpoints and the observer's peer
 * TIME_WAIT entries. The key UINT64_MAX is reserved.
 */
#ifndef PORTSIM_MAP_H
#define PORTSIM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_MAP_EMPTY UINT64_MAX

struct ps_map_slot {
	uint64_t key;
	uint64_t v[2];
};

struct ps_map {
	struct ps_map_slot *slots;
	size_t cap, len; /* cap is a power of two */
};

/* 0 or -1 (memory); cap is rounded up to a power of two, at least 16. */
int ps_map_init(struct ps_map *m, size_t cap);
void ps_map_fini(struct ps_map *m);

/* The slot holding key, or NULL. */
struct ps_map_slot *ps_map_get(const struct ps_map *m, uint64_t key);

/* The slot for key, added (values zeroed) if absent; doubles the table past half full. NULL: memory. */
struct ps_map_slot *ps_map_put(struct ps_map *m, uint64_t key);

/* Removes the slot ps_map_get or ps_map_put returned. */
void ps_map_del(struct ps_map *m, struct ps_map_slot *slot);

/* Keeps the entries keep() accepts, in a table sized for four times their number. 0 or -1. */
int ps_map_filter(struct ps_map *m, bool (*keep)(const struct ps_map_slot *s, void *ctx), void *ctx);

#endif
