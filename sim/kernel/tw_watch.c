/*
 * Which TIME_WAIT entries ended, from successive readings of a socket
 * table (tw_watch.h): an entry missing from one reading is only suspected
 * gone, and reported ended when the next reading lacks it too.
 */
#include "portsim/tw_watch.h"

#include <stdlib.h>
#include <string.h>

int ps_tw_key_cmp(const void *a, const void *b)
{
	const struct ps_tw_key *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Room for cap entries in both arrays; the watch unchanged on failure. */
static int reserve(struct ps_tw_watch *w, size_t cap)
{
	if (cap <= w->cap)
		return 0;
	size_t c = w->cap ? 2 * w->cap : 1024;
	while (c < cap)
		c *= 2;
	struct ps_tw_seen *s = realloc(w->seen, c * sizeof(*s));
	if (!s)
		return -1;
	w->seen = s;
	struct ps_tw_seen *x = realloc(w->next, c * sizeof(*x));
	if (!x)
		return -1;
	w->next = x;
	w->cap = c;
	return 0;
}

int ps_tw_watch_update(struct ps_tw_watch *w, const struct ps_tw_key *keys, size_t n, ps_time now,
		       void (*ended)(void *ctx, const struct ps_tw_key *k, ps_time t), void *ctx)
{
	if (reserve(w, w->nseen + n) != 0)
		return -1;
	/* One merge of two sorted lists: kept, newly seen, first missed, or gone. */
	size_t i = 0, j = 0, m = 0;
	while (i < w->nseen || j < n) {
		int c = i == w->nseen ? 1 : j == n ? -1 : ps_tw_key_cmp(&w->seen[i].k, &keys[j]);
		if (c < 0) {
			/* Seen before, not in this reading. */
			if (w->seen[i].missed_at)
				ended(ctx, &w->seen[i].k, w->seen[i].missed_at);
			else
				w->next[m++] = (struct ps_tw_seen){ w->seen[i].k, now };
			i++;
			continue;
		}
		w->next[m++] = (struct ps_tw_seen){ keys[j], 0 };
		if (c == 0)
			i++;
		/* A key the reading lists twice is one entry. */
		for (struct ps_tw_key k = keys[j]; j < n && !ps_tw_key_cmp(&keys[j], &k); j++)
			;
	}
	struct ps_tw_seen *t = w->seen;
	w->seen = w->next;
	w->next = t;
	w->nseen = m;
	return 0;
}

void ps_tw_watch_fini(struct ps_tw_watch *w)
{
	free(w->seen);
	free(w->next);
	memset(w, 0, sizeof(*w));
}
