/*
 * NAT allocators: how a NAT picks the external (address, port) of a new
 * mapping (docs/allocators.md#nat-model). Whether a candidate is usable — the mapping
 * rule, lingering mappings, a per-destination limit — is ps_nat_usable's
 * business; these decide the order and when to give up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/nat.h"

#define NONE UINT32_MAX

/* ---- nf-nat: Linux netfilter SNAT/MASQUERADE ---- */

/*
 * get_unique_tuple() and nf_nat_l4proto_unique_tuple() in
 * net/netfilter/nf_nat_core.c: without --random, first reuse the inside
 * endpoint's existing mapping if its tuple is free toward this destination
 * (find_appropriate_src), then choose the address by a hash of source and
 * destination (of the source alone with --persistent), keep the inside port
 * if the reply tuple is free, and otherwise try runs of consecutive ports
 * from fresh random 16-bit offsets: 128, 64, 32, 16, then 8 more, since the
 * loop stops only once a run shorter than 16 would follow — 248 candidates.
 * Then it gives up and conntrack drops the packet (insert_failed), even with
 * free ports elsewhere in the range.
 */

static int nfnat_init(void *state, const struct ps_nat *nat)
{
	(void)state;
	(void)nat;
	return 0;
}

/*
 * One run: the candidates (off + i) % n for i < count, where off is a
 * 16-bit counter that wraps to 0. Up to that wrap the candidates are
 * consecutive modulo n, so the run is at most two bitmap scans. Returns i
 * of the first usable candidate, or -1.
 */
static int64_t nfnat_run(const struct ps_nat *nat, const struct ps_nat_request *req, uint32_t addr,
			 uint16_t off, uint32_t count, uint32_t *idx)
{
	uint32_t n = nat->n, first = 65536u - off;
	if (first > count)
		first = count;
	int64_t k = ps_nat_scan(nat, req, addr, 0, off % n, n, 1, first, idx);
	if (k >= 0 || first == count)
		return k;
	k = ps_nat_scan(nat, req, addr, 0, 0, n, 1, count - first, idx);
	return k < 0 ? -1 : k + first;
}

/*
 * Before Linux 5.0 the search was nf_nat_l4proto_unique_tuple() of
 * net/netfilter/nf_nat_proto_common.c: one pass over the whole range from
 * an offset that was, by default, a rover shared by every flow of the
 * protocol (left on the port last chosen), with --random a keyed hash of
 * the external address and the destination (secure_port), with
 * --random-fully a fresh random number. Two CPUs choosing at once thus
 * start from the same port by default and with --random; commit
 * 6ed5943f8735 ("netfilter: nat: remove l4 protocol port rovers", 5.0)
 * replaced all three by random offsets.
 */
struct nfnat {
	uint16_t rover;
};

static bool nfnat_pre50(struct nfnat *s, struct ps_nat *nat, const struct ps_nat_request *req,
			uint32_t addr, uint32_t *idx, uint32_t *probes)
{
	const struct ps_nat_config *c = &nat->cfg;
	uint16_t off;
	if (c->random == PS_NAT_RANDOM_FULLY) {
		off = (uint16_t)ps_rng_below(&nat->rng, 65536);
	} else if (c->random == PS_NAT_RANDOM) {
		const struct ps_endpoint *d = &c->dsts[req->dst];
		off = (uint16_t)ps_mix64(nat->key, c->first_ip + addr, d->ip, d->port);
	} else {
		off = s->rover;
	}
	int64_t k = nfnat_run(nat, req, addr, off, nat->n, idx);
	*probes += k < 0 ? nat->n : (uint32_t)k + 1;
	if (k < 0)
		return false;
	if (c->random == PS_NAT_RANDOM_NONE)
		s->rover = (uint16_t)(off + k);
	return true;
}

static bool nfnat_pick(void *state, struct ps_nat *nat, const struct ps_nat_request *req,
		       uint32_t *addr, uint32_t *idx, uint32_t *probes)
{
	const struct ps_nat_config *c = &nat->cfg;
	bool keep = c->random == PS_NAT_RANDOM_NONE;
	*probes = 0;
	/* The mapping this endpoint already has toward another destination, if its tuple is free here. */
	if (keep && ps_nat_endpoint_map(nat, req->inside_ip, req->inside_port, addr, idx)) {
		(*probes)++;
		if (ps_nat_usable(nat, req, *addr, *idx))
			return true;
	}
	*addr = ps_nat_hash_addr(nat, req, c->persistent);
	uint32_t n = nat->n;
	if (keep && req->inside_port >= c->lo && req->inside_port <= c->hi) {
		(*probes)++;
		if (ps_nat_usable(nat, req, *addr, req->inside_port - c->lo)) {
			*idx = req->inside_port - c->lo;
			return true;
		}
	}
	if (c->kernel == PS_NAT_KERNEL_PRE_5_0)
		return nfnat_pre50(state, nat, req, *addr, idx, probes);
	uint32_t attempts = n < 128 ? n : 128;
	for (;;) {
		uint16_t off = (uint16_t)ps_rng_below(&nat->rng, 65536);
		int64_t k = nfnat_run(nat, req, *addr, off, attempts, idx);
		if (k >= 0) {
			*probes += (uint32_t)k + 1;
			return true;
		}
		*probes += attempts;
		if (attempts >= n || attempts < 16)
			return false;
		attempts /= 2;
	}
}

static const struct ps_nat_ops nfnat_ops = {
	.name = "nf-nat",
	.summary = "Linux SNAT/MASQUERADE: keep the inside port if the reply tuple is free, else runs of "
		   "128/64/32/16/8 ports from random offsets; drop (insert_failed) after 248 tries",
	.source = "torvalds/linux net/netfilter/nf_nat_core.c get_unique_tuple, nf_nat_l4proto_unique_tuple",
	.state_size = sizeof(struct nfnat),
	.init = nfnat_init,
	.pick = nfnat_pick,
};

/* ---- preserve: keep the inside port, else the next free one ---- */

static bool preserve_pick(void *state, struct ps_nat *nat, const struct ps_nat_request *req,
			  uint32_t *addr, uint32_t *idx, uint32_t *probes)
{
	(void)state;
	const struct ps_nat_config *c = &nat->cfg;
	*addr = ps_nat_hash_addr(nat, req, false);
	uint32_t start = req->inside_port >= c->lo && req->inside_port <= c->hi ? req->inside_port - c->lo : 0;
	int64_t k = ps_nat_scan(nat, req, *addr, 0, start, nat->n, 1, nat->n, idx);
	*probes = k < 0 ? nat->n : (uint32_t)k + 1;
	return k >= 0;
}

static const struct ps_nat_ops preserve_ops = {
	.name = "preserve",
	.summary = "port preservation: the inside port when it is free, else the next free port above it",
	.source = "RFC 4787 §4.2.1 (port preservation)",
	.init = nfnat_init,
	.pick = preserve_pick,
};

/* ---- random: a random free port on any address ---- */

/*
 * For NATs that say only that they pick at random (Azure NAT Gateway) or
 * say nothing (AWS NAT Gateway): a random start on a random address, the
 * next usable port from there, and the other addresses when one has none
 * left for this destination.
 */
static bool random_pick(void *state, struct ps_nat *nat, const struct ps_nat_request *req,
			uint32_t *addr, uint32_t *idx, uint32_t *probes)
{
	(void)state;
	uint32_t A = nat->cfg.naddrs, n = nat->n;
	uint32_t first = (uint32_t)ps_rng_below(&nat->rng, A);
	*probes = 0;
	for (uint32_t j = 0; j < A; j++) {
		*addr = (first + j) % A;
		uint32_t start = (uint32_t)ps_rng_below(&nat->rng, n);
		int64_t k = ps_nat_scan(nat, req, *addr, 0, start, n, 1, n, idx);
		if (k >= 0) {
			*probes += (uint32_t)k + 1;
			return true;
		}
		*probes += n;
	}
	return false;
}

static const struct ps_nat_ops random_ops = {
	.name = "random",
	.summary = "a random start on a random external address, the next free port, then the other addresses",
	.source = "Azure NAT Gateway documentation (\"random\"); assumed for AWS NAT Gateway (undocumented)",
	.init = nfnat_init,
	.pick = random_pick,
};

/* ---- deterministic: RFC 7422 fixed slices ---- */

struct deterministic {
	uint32_t per_host; /* ports in a host's slice */
	uint32_t ratio;
	uint32_t *cursor;  /* [ninside] next candidate within the slice */
	uint32_t ninside;
};

static int det_init(void *state, const struct ps_nat *nat)
{
	struct deterministic *s = state;
	s->ratio = nat->cfg.sharing_ratio;
	if (s->ratio == 0 || nat->n / s->ratio == 0)
		return -1;
	s->per_host = nat->n / s->ratio;
	s->ninside = nat->cfg.ninside;
	s->cursor = calloc(s->ninside ? s->ninside : 1, sizeof(*s->cursor));
	return s->cursor ? 0 : -1;
}

static void det_fini(void *state)
{
	free(((struct deterministic *)state)->cursor);
}

static bool det_pick(void *state, struct ps_nat *nat, const struct ps_nat_request *req,
		     uint32_t *addr, uint32_t *idx, uint32_t *probes)
{
	struct deterministic *s = state;
	/* Host h owns slice h mod ratio of address h / ratio: nothing to log but the formula. */
	*addr = req->host / s->ratio;
	*probes = 0;
	if (*addr >= nat->cfg.naddrs)
		return false;
	uint32_t base = (req->host % s->ratio) * s->per_host;
	uint32_t *cur = &s->cursor[req->host];
	int64_t k = ps_nat_scan(nat, req, *addr, base, *cur, s->per_host, 1, s->per_host, idx);
	*probes = k < 0 ? s->per_host : (uint32_t)k + 1;
	if (k < 0)
		return false;
	*cur = (*idx - base + 1) % s->per_host;
	return true;
}

static const struct ps_nat_ops deterministic_ops = {
	.name = "deterministic",
	.summary = "RFC 7422: inside host h owns the fixed slice h mod ratio (range / ratio ports) of "
		   "external address h / ratio",
	.source = "RFC 7422; FDio/vpp src/plugins/nat/det44/det44.c",
	.state_size = sizeof(struct deterministic),
	.init = det_init,
	.pick = det_pick,
	.fini = det_fini,
};

/* ---- pba: port-block allocation ---- */

/*
 * A host gets blocks of block_size ports on one external address (paired
 * pooling), up to max_blocks; its mappings take ports from its blocks,
 * sequentially or at random; a block whose ports are all free again (their
 * linger and hold over) goes back to the pool. GCP Cloud NAT's per-VM
 * reservations and Azure's per-VM SNAT preallocation are this with one
 * block, or with blocks that double the VM's ports (dynamic allocation).
 */
struct pba {
	uint32_t bsize, nblocks, max_blocks; /* nblocks per address */
	uint32_t *owner;     /* [naddrs * nblocks] host + 1, or 0 when free */
	uint32_t *inuse;     /* [naddrs * nblocks] ports of the block carrying a mapping */
	uint32_t *cursor;    /* [naddrs * nblocks] next candidate inside the block */
	uint32_t *blocks;    /* [ninside * max_blocks] global block numbers of each host */
	uint32_t *nheld;     /* [ninside] */
	uint32_t *next_free; /* [naddrs] where the search for a free block starts */
	bool random, grow_double;
};

static int pba_init(void *state, const struct ps_nat *nat)
{
	struct pba *s = state;
	const struct ps_nat_config *c = &nat->cfg;
	s->bsize = c->block_size;
	s->max_blocks = c->max_blocks;
	s->random = c->block_random;
	s->grow_double = c->block_grow_double;
	if (s->bsize == 0 || s->bsize > nat->n || s->max_blocks == 0)
		return -1;
	s->nblocks = nat->n / s->bsize;
	size_t total = (size_t)c->naddrs * s->nblocks, ninside = c->ninside ? c->ninside : 1;
	s->owner = calloc(total, sizeof(uint32_t));
	s->inuse = calloc(total, sizeof(uint32_t));
	s->cursor = calloc(total, sizeof(uint32_t));
	s->blocks = calloc(ninside * s->max_blocks, sizeof(uint32_t));
	s->nheld = calloc(ninside, sizeof(uint32_t));
	s->next_free = calloc(c->naddrs, sizeof(uint32_t));
	return s->owner && s->inuse && s->cursor && s->blocks && s->nheld && s->next_free ? 0 : -1;
}

static void pba_fini(void *state)
{
	struct pba *s = state;
	free(s->owner);
	free(s->inuse);
	free(s->cursor);
	free(s->blocks);
	free(s->nheld);
	free(s->next_free);
}

/* Looks for a usable port in global block g; updates the block's cursor. */
static bool pba_in_block(struct pba *s, struct ps_nat *nat, const struct ps_nat_request *req,
			 uint32_t g, uint32_t *idx, uint32_t *probes)
{
	uint32_t addr = g / s->nblocks, base = (g % s->nblocks) * s->bsize;
	uint32_t start = s->random ? (uint32_t)ps_rng_below(&nat->rng, s->bsize) : s->cursor[g];
	int64_t k = ps_nat_scan(nat, req, addr, base, start, s->bsize, 1, s->bsize, idx);
	*probes += k < 0 ? s->bsize : (uint32_t)k + 1;
	if (k < 0)
		return false;
	s->cursor[g] = (*idx - base + 1) % s->bsize;
	return true;
}

/* A free block on addr for host, or NONE. */
static uint32_t pba_claim(struct pba *s, uint32_t addr, uint32_t host)
{
	for (uint32_t j = 0; j < s->nblocks; j++) {
		uint32_t b = (s->next_free[addr] + j) % s->nblocks;
		uint32_t g = addr * s->nblocks + b;
		if (s->owner[g] == 0) {
			s->owner[g] = host + 1;
			s->inuse[g] = 0;
			s->cursor[g] = 0;
			s->next_free[addr] = (b + 1) % s->nblocks;
			s->blocks[(size_t)host * s->max_blocks + s->nheld[host]++] = g;
			return g;
		}
	}
	return NONE;
}

/* Takes the port found in block g: note it in the block if it was unused. */
static bool pba_take(struct pba *s, struct ps_nat *nat, uint32_t g, uint32_t idx, uint32_t *addr)
{
	*addr = g / s->nblocks;
	if (ps_pool_users(&nat->pool, *addr, idx) == 0)
		s->inuse[g]++;
	return true;
}

static bool pba_pick(void *state, struct ps_nat *nat, const struct ps_nat_request *req,
		     uint32_t *addr, uint32_t *idx, uint32_t *probes)
{
	struct pba *s = state;
	uint32_t h = req->host;
	uint32_t *mine = &s->blocks[(size_t)h * s->max_blocks];
	*probes = 0;
	for (uint32_t j = 0; j < s->nheld[h]; j++)
		if (pba_in_block(s, nat, req, mine[j], idx, probes))
			return pba_take(s, nat, mine[j], *idx, addr);
	/*
	 * Paired pooling: every block of a host on the address of its first. A
	 * host without one starts at its own address and takes the next address
	 * with a free block.
	 */
	uint32_t A = nat->cfg.naddrs;
	uint32_t tries = s->nheld[h] ? 1 : A;
	uint32_t want = s->grow_double && s->nheld[h] ? s->nheld[h] : 1;
	uint32_t found = NONE;
	for (uint32_t t = 0; t < tries && found == NONE; t++) {
		uint32_t a = s->nheld[h] ? mine[0] / s->nblocks : (h + t) % A;
		for (uint32_t j = 0; j < want && s->nheld[h] < s->max_blocks; j++) {
			uint32_t g = pba_claim(s, a, h);
			if (g == NONE)
				break;
			if (found == NONE && pba_in_block(s, nat, req, g, idx, probes))
				found = g;
		}
	}
	return found != NONE && pba_take(s, nat, found, *idx, addr);
}

static void pba_release(void *state, struct ps_nat *nat, uint32_t addr, uint32_t idx)
{
	struct pba *s = state;
	(void)nat;
	uint32_t b = idx / s->bsize;
	if (b >= s->nblocks)
		return;
	uint32_t g = addr * s->nblocks + b;
	if (s->owner[g] == 0 || s->inuse[g] == 0 || --s->inuse[g] > 0)
		return;
	/* The block's last port is free again: the block goes back to the pool. */
	uint32_t h = s->owner[g] - 1;
	uint32_t *mine = &s->blocks[(size_t)h * s->max_blocks];
	for (uint32_t j = 0; j < s->nheld[h]; j++) {
		if (mine[j] == g) {
			mine[j] = mine[--s->nheld[h]];
			break;
		}
	}
	s->owner[g] = 0;
}

static const struct ps_nat_ops pba_ops = {
	.name = "pba",
	.summary = "port-block allocation: blocks of block_size ports per inside host on one external "
		   "address, up to max_blocks, sequential or random inside; a block idles back to the pool",
	.source = "RFC 6888 REQ-4; vendor CGN docs (Juniper, Nokia, Fortinet PBA); GCP Cloud NAT min/max "
		  "ports per VM; Azure LB outbound preallocation",
	.state_size = sizeof(struct pba),
	.init = pba_init,
	.pick = pba_pick,
	.release = pba_release,
	.fini = pba_fini,
};

const struct ps_nat_ops *const ps_nat_registry[] = {
	&nfnat_ops, &pba_ops, &deterministic_ops, &preserve_ops, &random_ops,
};
const size_t ps_nat_registry_len = sizeof(ps_nat_registry) / sizeof(ps_nat_registry[0]);

const struct ps_nat_ops *ps_nat_find(const char *name)
{
	for (size_t i = 0; i < ps_nat_registry_len; i++)
		if (!strcmp(ps_nat_registry[i]->name, name))
			return ps_nat_registry[i];
	return NULL;
}

void ps_nat_names(char *buf, size_t size, const char *sep)
{
	size_t used = 0;
	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ps_nat_registry_len && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? sep : "", ps_nat_registry[i]->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
