/*
 * SYN retransmission schedules and the table of connections waiting for a
 * SYN to get through (include/portsim/syn.h).
 */
#include "portsim/syn.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* Linux TCP_RTO_MAX (include/net/tcp.h): the doubling stops at 120 s. */
#define RTO_MAX (120 * PS_NS_PER_S)

/* tcp_syn_backoff[] of FreeBSD and XNU (sys/netinet/tcp_timer.c), TCP_MAXRXTSHIFT + 1 entries. */
static const uint32_t bsd_backoff[] = { 1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64 };
#define BSD_LEN (sizeof(bsd_backoff) / sizeof(bsd_backoff[0]))

/* The wait after SYN k before the next one (or before giving up, after the last). */
static ps_time gap(const struct ps_syn_schedule *s, uint32_t k)
{
	if (s->backoff == PS_SYN_BSD)
		return s->rto * bsd_backoff[k < BSD_LEN ? k : BSD_LEN - 1];
	ps_time g = s->rto;
	for (uint32_t i = 0; i < k && g < RTO_MAX; i++)
		g = 2 * g < RTO_MAX ? 2 * g : RTO_MAX;
	return g;
}

ps_time ps_syn_send_time(const struct ps_syn_schedule *s, uint32_t k)
{
	if (k > s->retries)
		return PS_TIME_MAX;
	ps_time t = 0;
	for (uint32_t i = 0; i < k; i++)
		t += gap(s, i);
	if (k > 0 && s->timeout && t >= s->timeout)
		return PS_TIME_MAX;
	return t;
}

ps_time ps_syn_give_up(const struct ps_syn_schedule *s)
{
	ps_time t = 0;
	for (uint32_t i = 0; i <= s->retries; i++)
		t += gap(s, i);
	return s->timeout && s->timeout < t ? s->timeout : t;
}

ps_time ps_syn_delay(ps_time wait, uint32_t probes, ps_time probe_cost)
{
	return wait + (ps_time)probes * probe_cost;
}

void ps_syn_table_init(struct ps_syn_table *t)
{
	memset(t, 0, sizeof(*t));
	t->free = NONE;
}

void ps_syn_table_fini(struct ps_syn_table *t)
{
	free(t->v);
	ps_syn_table_init(t);
}

uint32_t ps_syn_table_add(struct ps_syn_table *t)
{
	if (t->free != NONE) {
		uint32_t id = t->free;
		t->free = t->v[id].next_free;
		return id;
	}
	if (t->len == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		struct ps_syn_wait *v = realloc(t->v, (size_t)cap * sizeof(*v));
		if (!v)
			return NONE;
		t->v = v;
		t->cap = cap;
	}
	return t->len++;
}

void ps_syn_table_remove(struct ps_syn_table *t, uint32_t id)
{
	t->v[id].next_free = t->free;
	t->free = id;
}
