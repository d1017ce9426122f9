#include "portsim/workload.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define TWO_PI 6.283185307179586476925286766559
/* Durations beyond a year are a unit slip or a heavy tail run wild; no run lasts that long. */
#define MAX_DURATION_S 31536000.0
/* ns values from here on do not fit a ps_time. */
#define TIME_LIMIT_NS 1.8e19

/* ---- errors ---- */

static void say(char *err, size_t size, const char *fmt, ...)
{
	if (!err || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* ---- time ---- */

static ps_time to_time(double ns)
{
	if (!(ns < TIME_LIMIT_NS))
		return PS_TIME_MAX;
	if (ns <= 0)
		return 0;
	return (ps_time)floor(ns + 0.5);
}

static ps_time duration_from_s(double s)
{
	if (!(s >= 0))
		return 0;
	return ps_time_from_s(s > MAX_DURATION_S ? MAX_DURATION_S : s);
}

/* ---- a hash from 64-bit keys to 32-bit values, for endpoints and index maps ---- */

struct index_slot {
	uint64_t key; /* key + 1; 0 marks a free slot */
	uint32_t val; /* beside its key: one cache miss per probe, not two */
};

struct index {
	struct index_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

static size_t slot_of(uint64_t key, size_t cap)
{
	/* A full finaliser: keys differ only in the address bits, above a port that is often constant. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static bool index_find(const struct index *ix, uint64_t key, uint32_t *val)
{
	if (!ix->cap)
		return false;
	for (size_t i = slot_of(key, ix->cap);; i = (i + 1) & (ix->cap - 1)) {
		if (ix->slots[i].key == 0)
			return false;
		if (ix->slots[i].key == key + 1) {
			*val = ix->slots[i].val;
			return true;
		}
	}
}

static void index_place(struct index *ix, uint64_t key, uint32_t val)
{
	size_t i = slot_of(key, ix->cap);
	while (ix->slots[i].key != 0)
		i = (i + 1) & (ix->cap - 1);
	ix->slots[i] = (struct index_slot){ .key = key + 1, .val = val };
	ix->n++;
}

static int index_reserve(struct index *ix, size_t want)
{
	/* At most half full keeps linear probing short. */
	if (2 * want <= ix->cap)
		return 0;
	size_t cap = 64;
	while (cap < 2 * want)
		cap *= 2;
	struct index grown = { .slots = calloc(cap, sizeof(struct index_slot)), .cap = cap };
	if (!grown.slots)
		return -1;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].key)
			index_place(&grown, ix->slots[i].key - 1, ix->slots[i].val);
	free(ix->slots);
	*ix = grown;
	return 0;
}

static int index_put(struct index *ix, uint64_t key, uint32_t val)
{
	if (index_reserve(ix, ix->n + 1) != 0)
		return -1;
	index_place(ix, key, val);
	return 0;
}

static void index_free(struct index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

static uint64_t endpoint_key(uint32_t ip, uint16_t port)
{
	return ((uint64_t)ip << 16) | port;
}

/* ---- building the shared destination table ---- */

struct builder {
	struct ps_workload *w;
	struct index shared; /* (ip, port) -> index in w->dsts */
	size_t cap;          /* of w->dsts */
};

static int shared_add(struct builder *b, struct ps_endpoint ep, uint32_t *out)
{
	struct ps_workload *w = b->w;
	uint64_t key = endpoint_key(ep.ip, ep.port);
	uint32_t at;
	if (index_find(&b->shared, key, &at)) {
		/* One population calling a server local is enough: the host sees one peer. */
		w->dsts[at].loopback |= ep.loopback;
		*out = at;
		return 0;
	}
	if (w->ndsts == UINT32_MAX)
		return -1;
	if (w->ndsts == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct ps_endpoint *d = realloc(w->dsts, cap * sizeof(*d));
		if (!d)
			return -1;
		w->dsts = d;
		b->cap = cap;
	}
	if (index_put(&b->shared, key, w->ndsts) != 0)
		return -1;
	w->dsts[w->ndsts] = ep;
	*out = w->ndsts++;
	return 0;
}

/* ---- files ---- */

static void resolve(char *out, size_t size, const struct ps_scenario *sc, const char *path)
{
	if (path[0] == '/' || !sc->dir[0] || !strcmp(sc->dir, "."))
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%s/%s", sc->dir, path);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* A finite number of seconds >= 0 filling all of s. */
static bool parse_seconds(const char *s, double *out)
{
	char *end;
	if (!*s || !((*s >= '0' && *s <= '9') || *s == '.' || *s == '+'))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno == ERANGE || !isfinite(v) || v < 0)
		return false;
	*out = v;
	return true;
}

/* "a.b.c.d:port", written out in full; strict and quick because traces can hold millions of rows. */
static bool parse_endpoint(const char *s, struct ps_endpoint *ep)
{
	uint32_t ip = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255 || *s != (i < 3 ? '.' : ':'))
			return false;
		s++;
		ip = (ip << 8) | v;
	}
	unsigned port = 0, digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 6) {
		port = port * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (*s || !digits || port < 1 || port > 65535)
		return false;
	*ep = (struct ps_endpoint){ .ip = ip, .port = (uint16_t)port, .loopback = (ip >> 24) == 127 };
	return true;
}

/* A destination number, all digits, below n. */
static bool parse_dst_number(const char *s, uint32_t n, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v >= n)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Splits line at commas into at most max trimmed fields; returns how many there were (may exceed max). */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	for (char *p = line;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (n < max)
			fields[n] = trim(p);
		n++;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

/* Blank lines and lines whose first non-blank character is '#' carry nothing. */
static bool is_blank(const char *s)
{
	s += strspn(s, " \t\r\n");
	return !*s || *s == '#';
}

/* ---- empirical durations ---- */

static int load_durations(struct ps_pop_state *ps, const struct ps_scenario *sc,
			  const struct ps_population *p, char *err, size_t size)
{
	char path[2 * PS_PATH_MAX + 2];
	resolve(path, sizeof(path), sc, p->duration_file);
	FILE *f = fopen(path, "r");
	if (!f) {
		say(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	unsigned long lineno = 0;
	int rc = -1;
	while (getline(&line, &linecap, f) != -1) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		double v;
		if (!parse_seconds(s, &v)) {
			say(err, size,
			    "%s:%lu: \"%.40s\" is not a number of seconds; expected one duration >= 0 "
			    "per line",
			    path, lineno, s);
			goto out;
		}
		if (ps->nempirical == cap) {
			cap = cap ? 2 * cap : 1024;
			double *e = realloc(ps->empirical, cap * sizeof(*e));
			if (!e) {
				say(err, size, "%s: out of memory", path);
				goto out;
			}
			ps->empirical = e;
		}
		ps->empirical[ps->nempirical++] = v > MAX_DURATION_S ? MAX_DURATION_S : v;
	}
	if (ferror(f)) {
		say(err, size, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (!ps->nempirical) {
		say(err, size, "%s: holds no duration; expected one number of seconds per line", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- replayed traces ---- */

struct pop_build {
	struct ps_pop_state *ps;
	const struct ps_population *p;
	size_t map_cap;   /* of ps->dst_map */
	uint32_t *local;  /* shared index -> population destination or UINT32_MAX; made on first use */
	size_t local_cap;
};

/* Covers shared indices below want; a plain array because a hash here costs a cache miss per row. */
static int local_reserve(struct pop_build *pb, size_t want)
{
	if (want <= pb->local_cap)
		return 0;
	size_t cap = pb->local_cap ? pb->local_cap : 64;
	while (cap < want)
		cap *= 2;
	uint32_t *l = realloc(pb->local, cap * sizeof(*l));
	if (!l)
		return -1;
	memset(l + pb->local_cap, 0xff, (cap - pb->local_cap) * sizeof(*l));
	pb->local = l;
	pb->local_cap = cap;
	return 0;
}

/* The population's number for an endpoint, adding it to the population (and the shared table) if new. */
static int pop_endpoint(struct builder *b, struct pop_build *pb, struct ps_endpoint ep, uint32_t *out)
{
	struct ps_pop_state *ps = pb->ps;
	if (!pb->local) {
		if (local_reserve(pb, b->w->ndsts + 1) != 0)
			return -1;
		for (uint32_t k = 0; k < ps->ndst; k++)
			pb->local[ps->dst_map[k]] = k;
	}
	ep.loopback |= pb->p->loopback;
	uint32_t shared;
	if (shared_add(b, ep, &shared) != 0 || local_reserve(pb, (size_t)shared + 1) != 0)
		return -1;
	if (pb->local[shared] != UINT32_MAX) {
		*out = pb->local[shared];
		return 0;
	}
	if (ps->ndst == pb->map_cap) {
		size_t cap = 2 * pb->map_cap;
		uint32_t *m = realloc(ps->dst_map, cap * sizeof(*m));
		if (!m)
			return -1;
		ps->dst_map = m;
		pb->map_cap = cap;
	}
	ps->dst_map[ps->ndst] = shared;
	pb->local[shared] = ps->ndst;
	*out = ps->ndst++;
	return 0;
}

static bool header_ok(char *line, bool *has_duration)
{
	char *f[4];
	size_t n = split(line, f, 4);
	if (n < 2 || n > 3 || strcmp(f[0], "t_s") || strcmp(f[1], "dst") ||
	    (n == 3 && strcmp(f[2], "duration_s")))
		return false;
	*has_duration = n == 3;
	return true;
}

static int load_trace(struct builder *b, struct pop_build *pb, const struct ps_scenario *sc,
		      char *err, size_t size)
{
	struct ps_pop_state *ps = pb->ps;
	const uint32_t base = ps->ndst; /* destination numbers address the configured ones only */
	char path[2 * PS_PATH_MAX + 2];
	resolve(path, sizeof(path), sc, pb->p->trace_file);
	FILE *f = fopen(path, "r");
	if (!f) {
		say(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL, copy[96];
	size_t linecap = 0, cap = 0;
	unsigned long lineno = 0;
	bool header = false, has_duration = false;
	int rc = -1;
	ssize_t len;
	while ((len = getline(&line, &linecap, f)) != -1) {
		lineno++;
		if (is_blank(line))
			continue;
		/* Keep the row as written for the message: split() cuts it up. */
		size_t keep = (size_t)len < sizeof(copy) ? (size_t)len : sizeof(copy) - 1;
		memcpy(copy, line, keep);
		copy[keep] = '\0';
		trim(copy);
		if (!header) {
			/* Spreadsheets often start their CSV with a UTF-8 byte order mark. */
			if (!strncmp(line, "\xef\xbb\xbf", 3))
				memmove(line, line + 3, (size_t)len - 2);
			if (!header_ok(line, &has_duration)) {
				say(err, size,
				    "%s:%lu: header \"%s\" is not t_s,dst or t_s,dst,duration_s; expected a "
				    "header line, then rows of a time in seconds and a destination",
				    path, lineno, copy);
				goto out;
			}
			header = true;
			continue;
		}
		char *fld[3];
		size_t n = split(line, fld, 3);
		if (n < 2 || n > (has_duration ? 3u : 2u)) {
			say(err, size, "%s:%lu: row \"%s\" has %zu fields; expected %s", path, lineno,
			    copy, n, has_duration ? "t_s,dst[,duration_s]" : "t_s,dst as the header says");
			goto out;
		}
		struct ps_replay_row row = { .duration = PS_TIME_MAX };
		double t;
		if (!parse_seconds(fld[0], &t)) {
			say(err, size, "%s:%lu: t_s \"%.40s\" in row \"%s\" is not a number of seconds >= 0",
			    path, lineno, fld[0], copy);
			goto out;
		}
		row.t = ps_time_from_s(t);
		if (ps->nrows && row.t < ps->rows[ps->nrows - 1].t) {
			char a[32], prev[32];
			ps_time_format(a, sizeof(a), row.t);
			ps_time_format(prev, sizeof(prev), ps->rows[ps->nrows - 1].t);
			say(err, size,
			    "%s:%lu: t_s %s goes back in time (previous %s); expected rows in "
			    "nondecreasing time",
			    path, lineno, a, prev);
			goto out;
		}
		struct ps_endpoint ep;
		if (parse_dst_number(fld[1], base, &row.dst)) {
			/* a number: row.dst is set */
		} else if (parse_endpoint(fld[1], &ep)) {
			if (pop_endpoint(b, pb, ep, &row.dst) != 0) {
				say(err, size, "%s: out of memory", path);
				goto out;
			}
		} else {
			say(err, size,
			    "%s:%lu: dst \"%.40s\" is not an address:port or a destination number below %u",
			    path, lineno, fld[1], base);
			goto out;
		}
		if (n == 3 && *fld[2]) {
			double d;
			if (!parse_seconds(fld[2], &d)) {
				say(err, size,
				    "%s:%lu: duration_s \"%.40s\" is not a number of seconds >= 0 (or empty, "
				    "to draw it)",
				    path, lineno, fld[2]);
				goto out;
			}
			row.duration = duration_from_s(d);
		}
		if (ps->nrows == cap) {
			cap = cap ? 2 * cap : 1024;
			struct ps_replay_row *r = realloc(ps->rows, cap * sizeof(*r));
			if (!r) {
				say(err, size, "%s: out of memory", path);
				goto out;
			}
			ps->rows = r;
		}
		ps->rows[ps->nrows++] = row;
	}
	if (ferror(f)) {
		say(err, size, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (!ps->nrows) {
		say(err, size, "%s: holds no rows; expected a header line t_s,dst[,duration_s], then rows",
		    path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- destinations of one population ---- */

static int pop_destinations(struct builder *b, struct pop_build *pb, char *err, size_t size)
{
	const struct ps_population *p = pb->p;
	struct ps_pop_state *ps = pb->ps;
	const char *bad = NULL;
	size_t n = ps_endpoints_parse(p->destination_list, NULL, 0, &bad);
	if (n == (size_t)-1) {
		say(err, size,
		    "[workload.%s] destination_list: bad entry \"%.*s\"; expected a.b.c.d:port, ...",
		    p->name, (int)strcspn(bad, ","), bad);
		return -1;
	}
	struct ps_endpoint *list = NULL;
	if (n) {
		list = malloc(n * sizeof(*list));
		if (!list)
			goto oom;
		ps_endpoints_parse(p->destination_list, list, n, &bad);
	} else {
		n = p->destinations ? p->destinations : 1;
	}
	pb->map_cap = n;
	ps->dst_map = malloc(n * sizeof(*ps->dst_map));
	if (!ps->dst_map)
		goto oom;
	/* Size the shared index once for the counted case, so a million destinations rehash never. */
	if (index_reserve(&b->shared, b->shared.n + n) != 0)
		goto oom;
	uint32_t first = p->loopback ? PS_LOOPBACK_FIRST_IP : PS_DST_FIRST_IP;
	for (size_t k = 0; k < n; k++) {
		struct ps_endpoint ep = list ? list[k]
					     : (struct ps_endpoint){ .ip = first + (uint32_t)k,
								     .port = PS_DST_PORT };
		ep.loopback |= p->loopback;
		if (shared_add(b, ep, &ps->dst_map[k]) != 0)
			goto oom;
	}
	ps->ndst = (uint32_t)n;
	free(list);
	return 0;
oom:
	free(list);
	say(err, size, "[workload.%s]: out of memory for %zu destinations", p->name, n);
	return -1;
}

static int zipf_table(struct ps_pop_state *ps, const struct ps_population *p)
{
	ps->zipf_cdf = malloc((size_t)ps->ndst * sizeof(double));
	if (!ps->zipf_cdf)
		return -1;
	double sum = 0;
	for (uint32_t k = 0; k < ps->ndst; k++) {
		sum += pow((double)k + 1, -p->zipf_s);
		ps->zipf_cdf[k] = sum;
	}
	for (uint32_t k = 0; k < ps->ndst; k++)
		ps->zipf_cdf[k] /= sum;
	/* A draw below 1 must always find a destination, whatever the rounding of the sum. */
	ps->zipf_cdf[ps->ndst - 1] = 1.0;
	return 0;
}

/* ---- init and fini ---- */

int ps_workload_init(struct ps_workload *w, const struct ps_scenario *sc, uint64_t seed, char *err,
		     size_t size)
{
	memset(w, 0, sizeof(*w));
	w->sc = sc;
	struct builder b = { .w = w };
	int rc = -1;
	uint32_t nat_base = 0;
	for (unsigned i = 0; i < sc->npop && i < PS_MAX_POPULATIONS; i++) {
		const struct ps_population *p = &sc->pop[i];
		struct ps_pop_state *ps = &w->pops[i];
		struct pop_build pb = { .ps = ps, .p = p };
		ps_rng_init(&ps->arrival_rng, seed, PS_STREAM_ARRIVALS, i);
		ps_rng_init(&ps->duration_rng, seed, PS_STREAM_DURATIONS, i);
		ps_rng_init(&ps->dst_rng, seed, PS_STREAM_DESTINATIONS, i);
		ps_rng_init(&ps->closer_rng, seed, PS_STREAM_CLOSER, i);
		ps->addr_base = nat_base;
		ps->naddr = ps_scenario_has_nat(sc) ? p->hosts : sc->addresses;
		if (ps_scenario_has_nat(sc))
			nat_base += p->hosts;
		/*
		 * A hash population never draws from source_rng, so its state is a
		 * fixed key. One stream shared by all of them (an index no
		 * population has) sends a destination through the same address
		 * whichever population talks to it, as a host-wide policy would.
		 */
		ps_rng_init(&ps->source_rng, seed, PS_STREAM_SOURCES,
			    p->source_choice == PS_SOURCE_HASH ? PS_MAX_POPULATIONS : i);
		if (pop_destinations(&b, &pb, err, size) != 0)
			goto out;
		if (p->arrival == PS_ARRIVAL_REPLAY) {
			int r = load_trace(&b, &pb, sc, err, size);
			free(pb.local);
			if (r != 0)
				goto out;
		}
		if (p->choice == PS_CHOICE_ZIPF && zipf_table(ps, p) != 0) {
			say(err, size, "[workload.%s]: out of memory for the Zipf table", p->name);
			goto out;
		}
		if (p->duration == PS_DURATION_EMPIRICAL && load_durations(ps, sc, p, err, size) != 0)
			goto out;
	}
	rc = 0;
out:
	index_free(&b.shared);
	if (rc != 0) {
		ps_workload_fini(w);
		w->sc = sc;
	}
	return rc;
}

void ps_workload_fini(struct ps_workload *w)
{
	for (unsigned i = 0; i < PS_MAX_POPULATIONS; i++) {
		struct ps_pop_state *ps = &w->pops[i];
		free(ps->dst_map);
		free(ps->zipf_cdf);
		free(ps->rows);
		free(ps->empirical);
	}
	free(w->dsts);
	memset(w, 0, sizeof(*w));
}

/* ---- arrivals ---- */

static double exp_gap_ns(struct ps_rng *r, double rate)
{
	return ps_rng_exponential(r, 1e9 / rate);
}

static ps_time arrive_onoff(struct ps_workload *w, const struct ps_population *p,
			    struct ps_pop_state *ps, ps_time now, bool first)
{
	struct ps_rng *r = &ps->arrival_rng;
	double end = (double)ps_time_from_s(w->sc->duration_s);
	if (first) {
		now = ps_time_from_s(p->start_s);
		ps->on_until = to_time((double)now + ps_rng_exponential(r, p->on_s * 1e9));
		ps->off_until = to_time((double)ps->on_until + ps_rng_exponential(r, p->off_s * 1e9));
	}
	double t = (double)now + exp_gap_ns(r, p->rate_per_s);
	while (t >= (double)ps->on_until) {
		/*
		 * Past the run's end the exact time no longer matters; stopping
		 * there keeps tiny on periods with a slow rate from looping long.
		 */
		if ((double)ps->off_until >= end || ps->off_until == PS_TIME_MAX)
			return PS_TIME_MAX;
		/* Memorylessness: the overshoot is a fresh exponential gap from the next on period. */
		t = (double)ps->off_until + (t - (double)ps->on_until);
		ps->on_until = to_time((double)ps->off_until + ps_rng_exponential(r, p->on_s * 1e9));
		ps->off_until = to_time((double)ps->on_until + ps_rng_exponential(r, p->off_s * 1e9));
	}
	return to_time(t);
}

/*
 * Inverts the integrated rate: one draw per arrival, exact. The rate runs
 * linearly from rate_per_s at start_s to rate_end_per_s at the run's end,
 * then stays there.
 */
static ps_time arrive_ramp(struct ps_workload *w, const struct ps_population *p,
			   struct ps_pop_state *ps, ps_time now)
{
	double t0 = (double)now / 1e9, start = p->start_s, end = w->sc->duration_s;
	double r0 = p->rate_per_s, r1 = p->rate_end_per_s;
	double slope = end > start ? (r1 - r0) / (end - start) : 0;
	double e = ps_rng_exponential(&ps->arrival_rng, 1.0);
	if (t0 < end) {
		double rate = r0 + slope * (t0 - start);
		if (rate < 0)
			rate = 0;
		double left = end - t0;
		double mass = rate * left + slope * left * left / 2;
		if (e <= mass) {
			/* The root of rate*x + slope*x^2/2 = e, in the form that does not cancel. */
			double disc = rate * rate + 2 * slope * e;
			double x = 2 * e / (rate + sqrt(disc > 0 ? disc : 0));
			if (x > left)
				x = left;
			return to_time((t0 + x) * 1e9);
		}
		e -= mass;
		t0 = end;
	}
	if (r1 <= 0)
		return PS_TIME_MAX;
	return to_time((t0 + e / r1) * 1e9);
}

/* Thinning (Lewis and Shedler) against the peak rate. */
static ps_time arrive_diurnal(const struct ps_population *p, struct ps_pop_state *ps, ps_time now)
{
	double peak = p->rate_per_s * (1 + p->amplitude);
	double t = (double)now;
	for (;;) {
		t += exp_gap_ns(&ps->arrival_rng, peak);
		if (!(t < TIME_LIMIT_NS))
			return PS_TIME_MAX;
		double rate = p->rate_per_s * (1 + p->amplitude * sin(TWO_PI * (t / 1e9) / p->period_s));
		if (ps_rng_uniform(&ps->arrival_rng) * peak < rate)
			return to_time(t);
	}
}

static ps_time arrive_burst(const struct ps_population *p, struct ps_pop_state *ps, uint64_t k)
{
	uint32_t size = p->burst_size ? p->burst_size : 1;
	uint64_t j = k / size;
	if (j > 0 && p->burst_interval_s <= 0)
		return PS_TIME_MAX;
	/* From the burst number, not by adding intervals: rounding never accumulates. */
	ps->burst_t = to_time((double)ps_time_from_s(p->start_s) + (double)j * p->burst_interval_s * 1e9);
	ps->burst_left = (uint32_t)(size - 1 - k % size);
	return ps->burst_t;
}

ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now)
{
	const struct ps_population *p = &w->sc->pop[pop];
	struct ps_pop_state *ps = &w->pops[pop];
	ps_time start = ps_time_from_s(p->start_s);
	uint64_t k = ps->arrivals++;
	if (k == 0)
		now = start;
	switch (p->arrival) {
	case PS_ARRIVAL_CONSTANT:
		/* From k, not from the previous time: rounding never accumulates. */
		return to_time((double)start + (double)k * 1e9 / p->rate_per_s);
	case PS_ARRIVAL_ONOFF:
		return arrive_onoff(w, p, ps, now, k == 0);
	case PS_ARRIVAL_RAMP:
		return arrive_ramp(w, p, ps, now);
	case PS_ARRIVAL_DIURNAL:
		return arrive_diurnal(p, ps, now);
	case PS_ARRIVAL_BURST:
		return arrive_burst(p, ps, k);
	case PS_ARRIVAL_REPLAY:
		return k < ps->nrows ? ps->rows[k].t : PS_TIME_MAX;
	case PS_ARRIVAL_POISSON:
	default:
		return to_time((double)now + exp_gap_ns(&ps->arrival_rng, p->rate_per_s));
	}
}

/* ---- one attempt ---- */

static ps_time draw_duration(const struct ps_population *p, struct ps_pop_state *ps)
{
	struct ps_rng *r = &ps->duration_rng;
	double mean = p->duration_s, s;
	switch (p->duration) {
	case PS_DURATION_EXPONENTIAL:
		s = ps_rng_exponential(r, mean);
		break;
	case PS_DURATION_LOGNORMAL: {
		double sigma = p->duration_sigma, mu;
		if (p->duration_median_s > 0)
			mu = log(p->duration_median_s);
		else if (mean > 0)
			/* so that the mean, not the median, is duration_s */
			mu = log(mean) - sigma * sigma / 2;
		else
			return 0;
		s = exp(mu + sigma * ps_rng_normal(r));
		break;
	}
	case PS_DURATION_PARETO:
		/* U in (0, 1], so the minimum itself is reachable and nothing divides by zero. */
		s = p->duration_min_s * pow(ps_rng_uniform_pos(r), -1.0 / p->duration_shape);
		break;
	case PS_DURATION_UNIFORM:
		s = p->duration_min_s + (p->duration_max_s - p->duration_min_s) * ps_rng_uniform(r);
		break;
	case PS_DURATION_EMPIRICAL:
		s = ps->nempirical ? ps->empirical[ps_rng_below(r, ps->nempirical)] : mean;
		break;
	case PS_DURATION_FIXED:
	default:
		s = mean;
		break;
	}
	return duration_from_s(s);
}

static uint32_t choose_dst(const struct ps_population *p, struct ps_pop_state *ps)
{
	if (ps->ndst <= 1)
		return 0;
	if (p->choice != PS_CHOICE_ZIPF || !ps->zipf_cdf)
		return (uint32_t)ps_rng_below(&ps->dst_rng, ps->ndst);
	double u = ps_rng_uniform(&ps->dst_rng);
	uint32_t lo = 0, hi = ps->ndst - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ps->zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a)
{
	const struct ps_population *p = &w->sc->pop[pop];
	struct ps_pop_state *ps = &w->pops[pop];
	/* Behind a NAT each population owns its own inside hosts; otherwise all share the host's addresses. */
	uint32_t naddr = ps->naddr ? ps->naddr : 1;
	uint64_t n = ps->drawn++;
	const struct ps_replay_row *row =
		p->arrival == PS_ARRIVAL_REPLAY && n < ps->nrows ? &ps->rows[n] : NULL;

	uint32_t k = row ? row->dst : choose_dst(p, ps);
	a->dst = ps->ndst ? ps->dst_map[k] : 0;
	switch (p->source_choice) {
	case PS_SOURCE_RANDOM:
		a->addr = (uint32_t)ps_rng_below(&ps->source_rng, naddr);
		break;
	case PS_SOURCE_HASH: {
		const struct ps_endpoint *d = w->ndsts ? &w->dsts[a->dst] : NULL;
		uint64_t h = ps_mix64(ps->source_rng.s[0], d ? d->ip : 0, d ? d->port : 0, 0);
		a->addr = (uint32_t)(h % naddr);
		break;
	}
	case PS_SOURCE_ROUND_ROBIN:
	default:
		a->addr = ps->next_addr % naddr;
		ps->next_addr = (a->addr + 1) % naddr;
		break;
	}
	a->addr += ps->addr_base;
	a->duration = row && row->duration != PS_TIME_MAX ? row->duration : draw_duration(p, ps);
	double c = p->client_closes;
	a->client_closes = c >= 1.0 ? true : c <= 0.0 ? false : ps_rng_uniform(&ps->closer_rng) < c;
	a->mode = p->mode;
}

/* ---- mean rate ---- */

/* Rows of a trace that fall within the run; 0 when the file cannot be read (init reports why). */
static double trace_rows_in_run(const struct ps_scenario *sc, const struct ps_population *p)
{
	char path[2 * PS_PATH_MAX + 2];
	resolve(path, sizeof(path), sc, p->trace_file);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	bool header = false;
	double rows = 0;
	while (getline(&line, &cap, f) != -1) {
		if (is_blank(line))
			continue;
		if (!header) {
			header = true;
			continue;
		}
		char *end;
		double t = strtod(line, &end);
		if (end != line && t >= 0 && t < sc->duration_s)
			rows++;
	}
	free(line);
	fclose(f);
	return rows;
}

double ps_workload_mean_rate(const struct ps_scenario *sc, unsigned pop)
{
	const struct ps_population *p = &sc->pop[pop];
	switch (p->arrival) {
	case PS_ARRIVAL_ONOFF:
		if (p->on_s + p->off_s <= 0)
			return p->rate_per_s;
		return p->rate_per_s * p->on_s / (p->on_s + p->off_s);
	case PS_ARRIVAL_RAMP:
		return (p->rate_per_s + p->rate_end_per_s) / 2;
	case PS_ARRIVAL_DIURNAL:
		/*
		 * The sine averages out over whole periods; over a run shorter
		 * than a period the true mean differs, which this ignores.
		 */
		return p->rate_per_s;
	case PS_ARRIVAL_BURST:
		if (p->burst_interval_s > 0)
			return p->burst_size / p->burst_interval_s;
		return sc->duration_s > 0 ? p->burst_size / sc->duration_s : 0;
	case PS_ARRIVAL_REPLAY:
		return sc->duration_s > 0 ? trace_rows_in_run(sc, p) / sc->duration_s : 0;
	case PS_ARRIVAL_CONSTANT:
	case PS_ARRIVAL_POISSON:
	default:
		return p->rate_per_s;
	}
}
