/* The narrator's plumbing below the pool: formatting, and where a walk went. */
#include "portsim/narrate.h"

#include <stdarg.h>
#include <stdio.h>

void ps_narrate(struct ps_narrator *n, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n->say)
		n->say(n, buf);
}

void ps_narrate_walk(struct ps_narrator *n, const struct ps_pool *pool, const struct ps_request *req,
		     const struct ps_walk *w)
{
	if (!n->muted && n->walk && w->count > 0)
		n->walk(n, pool, req, w);
}

void ps_ip_text(char *buf, unsigned long size, uint32_t ip)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

uint32_t ps_walk_at(const struct ps_walk *w, uint32_t k)
{
	return w->base + (uint32_t)(((uint64_t)w->start + (uint64_t)k * w->step) % w->m);
}

uint32_t ps_walk_examined(const struct ps_walk *w)
{
	return w->found < 0 ? w->count : (uint32_t)w->found + 1;
}

/* The inverse of a modulo m (a and m coprime), by Euclid's algorithm. */
static uint64_t inverse(uint64_t a, uint64_t m)
{
	int64_t t = 0, nt = 1;
	int64_t r = (int64_t)m, nr = (int64_t)(a % m);
	while (nr != 0) {
		int64_t q = r / nr, tmp = t - q * nt;
		t = nt;
		nt = tmp;
		tmp = r - q * nr;
		r = nr;
		nr = tmp;
	}
	return (uint64_t)(t < 0 ? t + (int64_t)m : t);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int64_t ps_walk_position(const struct ps_walk *w, uint32_t idx)
{
	if (w->m == 0 || idx < w->base || idx - w->base >= w->m)
		return -1;
	uint64_t m = w->m, rel = idx - w->base;
	uint64_t diff = (rel + m - w->start % m) % m; /* k * step = diff (mod m) */
	uint64_t d = gcd(w->step % m ? w->step % m : m, m);
	if (diff % d != 0)
		return -1;
	uint64_t md = m / d;
	uint64_t k = md == 1 ? 0 : (diff / d) * inverse((w->step / d) % md, md) % md;
	return k < ps_walk_examined(w) ? (int64_t)k : -1;
}

const char *ps_why_name(enum ps_why why)
{
	static const char *const names[] = {
		[PS_WHY_USABLE] = "usable",       [PS_WHY_RESERVED] = "reserved",
		[PS_WHY_EXCLUSIVE] = "exclusive", [PS_WHY_PORT_BUSY] = "port_in_use",
		[PS_WHY_TUPLE_BUSY] = "in_use",   [PS_WHY_TW_YOUNG] = "time_wait_too_young",
		[PS_WHY_OUTSIDE] = "outside",
	};
	return why <= PS_WHY_OUTSIDE ? names[why] : "?";
}
