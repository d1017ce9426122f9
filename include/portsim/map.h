/*
 * An open-addressed hash map from 64-bit keys to two 64-bit words, with
 * linear probing and backward-shift deletion (no tombstones, so probe
 * chains stay short however many entries come and go). Used for the
 * pool's 4-tuples, the NAT's inside endpoints, the server's TIME_WAIT
 * 4-tuples (peer_tw.h) and the ports a run follows. The key UINT64_MAX is
 * reserved.
 */
#ifndef PORTSIM_MAP_H
#define PORTSIM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_MAP_EMPTY UINT64_MAX

/*
 * A host's 4-tuple as a key, the one layout every table of 4-tuples uses:
 * destination, then source address index, then port index (each of the
 * two below 65536, as a pool's are).
 */
static inline uint64_t ps_tuple_key(uint32_t addr, uint32_t idx, uint32_t dst)
{
	return ((uint64_t)dst << 32) | ((uint64_t)addr << 16) | idx;
}

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
