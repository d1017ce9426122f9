/*
 * The server's TIME_WAIT 4-tuples (peer_tw.h): one hash map from the
 * 4-tuple (ps_tuple_key, as the pool's) to the time the server lets it go.
 */
#include "portsim/peer_tw.h"

#include <string.h>

static bool still_held(const struct ps_map_slot *s, void *now)
{
	return s->v[0] > *(const ps_time *)now;
}

int ps_peer_tw_init(struct ps_peer_tw *p, ps_time hold)
{
	memset(p, 0, sizeof(*p));
	p->hold = hold;
	return hold && ps_map_init(&p->held, 16) != 0 ? -1 : 0;
}

void ps_peer_tw_fini(struct ps_peer_tw *p)
{
	if (p->hold)
		ps_map_fini(&p->held);
	memset(p, 0, sizeof(*p));
}

int ps_peer_tw_close(struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now)
{
	if (!p->hold)
		return 0;
	ps_time until = now > PS_TIME_MAX - p->hold ? PS_TIME_MAX : now + p->hold;
	uint64_t key = ps_tuple_key(addr, idx, dst);
	/*
	 * Before the table would grow, drop what has expired, sized for four
	 * times what is left: memory follows what the last `hold` left alive,
	 * and the next clean-up is a quarter of the table away.
	 */
	if (!ps_map_get(&p->held, key) && 2 * (p->held.len + 1) > p->held.cap &&
	    ps_map_filter(&p->held, still_held, &now) != 0)
		return -1;
	struct ps_map_slot *s = ps_map_put(&p->held, key);
	if (!s)
		return -1;
	s->v[0] = until;
	return 0;
}

bool ps_peer_tw_holds(const struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now)
{
	const struct ps_map_slot *s = p->hold ? ps_map_get(&p->held, ps_tuple_key(addr, idx, dst)) : NULL;
	return s && now < s->v[0];
}

bool ps_peer_tw_take(struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now)
{
	struct ps_map_slot *s = p->hold ? ps_map_get(&p->held, ps_tuple_key(addr, idx, dst)) : NULL;
	if (!s)
		return false;
	bool held = now < s->v[0];
	ps_map_del(&p->held, s);
	return held;
}

size_t ps_peer_tw_slots(const struct ps_peer_tw *p)
{
	return p->hold ? p->held.cap : 0;
}
