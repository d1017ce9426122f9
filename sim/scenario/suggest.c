/*
 * "Did you mean": the nearest known word to a misspelt section, key or
 * value, offered only when it is close enough to be what was meant.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Levenshtein distance that also counts a swap of neighbours as one edit, the commonest typo. */
static unsigned distance(const char *a, size_t n, const char *b, size_t m)
{
	enum { W = PS_NAME_MAX + 1 };
	unsigned d[3][W];
	if (n >= W || m >= W)
		return ~0u;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		unsigned *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[n % 3][m];
}

void ps_sc_near_try(struct near *nr, const char *cand, size_t len)
{
	size_t n = strlen(nr->word);
	unsigned d = distance(nr->word, n, cand, len);
	size_t longer = n > len ? n : len;
	if (d == 0 || d > 3 || 3 * (size_t)d > longer)
		return;
	if (!nr->best || d < nr->d) {
		nr->best = cand;
		nr->best_len = len;
		nr->d = d;
	}
}

void ps_sc_near_put(const struct near *nr, char *buf, size_t size, const char *prefix,
		     const char *suffix)
{
	if (nr->best)
		snprintf(buf, size, "%s%.*s%s", prefix, (int)nr->best_len, nr->best, suffix);
}

void ps_sc_suggest_from_list(struct problem *pr, const char *word, const char *list)
{
	struct near nr = { .word = word };
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		ps_sc_near_try(&nr, p, len);
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	ps_sc_near_put(&nr, pr->suggest, sizeof(pr->suggest), "", "");
}
