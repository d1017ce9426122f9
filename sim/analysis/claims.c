#include "portsim/claims.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/scenario.h"
#include "portsim/search.h"
#include "portsim/workers.h"

enum metric {
	M_ATTEMPTS,
	M_SUCCESSES,
	M_FAILURES,
	M_FAILURE_RATIO,
	M_FIRST_FAILURE_S,
	M_FIRST_FAILURE_ATTEMPT,
	M_PEAK_ESTABLISHED,
	M_PEAK_TIME_WAIT,
	M_PEAK_PORTS_IN_USE,
	M_PROBES_MEAN,
	M_PROBES_P99,
	M_PROBES_MAX,
	M_TW_TAKEOVERS,
	M_REQUESTS,
	M_REUSED,
	M_RETRIES,
	M_ABANDONED,
	M_NAT_FAILURES,
	M_PEAK_NAT_MAPPINGS,
	M_DELAY_P50_S,
	M_DELAY_P99_S,
	M_DELAY_P999_S,
	M_DELAY_MAX_S,
	M_SYN_RETRANSMITS,
	M_SYN_TIMEOUTS,
	M_RACE_DROPS,
	M_TW_REFUSALS,
	M_EVENTS,
	M_PEAK_NAT_LIVE,
	M_PEAK_NAT_LINGERING,
	M_NAT_MIN_FREE_TIGHTEST,
	M_NAT_POOL_PORTS,
	M_NAT_FIRST_DROP_S,
	M_CAP_FAILURES,
	M_COUNT
};

/* In summary.csv's column order, so the "allowed" list reads like its header. */
static const char *const metric_names[M_COUNT] = {
	[M_ATTEMPTS] = "attempts",
	[M_SUCCESSES] = "successes",
	[M_FAILURES] = "failures",
	[M_FAILURE_RATIO] = "failure_ratio",
	[M_FIRST_FAILURE_S] = "first_failure_s",
	[M_FIRST_FAILURE_ATTEMPT] = "first_failure_attempt",
	[M_PEAK_ESTABLISHED] = "peak_established",
	[M_PEAK_TIME_WAIT] = "peak_time_wait",
	[M_PEAK_PORTS_IN_USE] = "peak_ports_in_use",
	[M_PROBES_MEAN] = "probes_mean",
	[M_PROBES_P99] = "probes_p99",
	[M_PROBES_MAX] = "probes_max",
	[M_TW_TAKEOVERS] = "tw_takeovers",
	[M_REQUESTS] = "requests",
	[M_REUSED] = "reused",
	[M_RETRIES] = "retries",
	[M_ABANDONED] = "abandoned",
	[M_NAT_FAILURES] = "nat_failures",
	[M_PEAK_NAT_MAPPINGS] = "peak_nat_mappings",
	[M_DELAY_P50_S] = "delay_p50_s",
	[M_DELAY_P99_S] = "delay_p99_s",
	[M_DELAY_P999_S] = "delay_p999_s",
	[M_DELAY_MAX_S] = "delay_max_s",
	[M_SYN_RETRANSMITS] = "syn_retransmits",
	[M_SYN_TIMEOUTS] = "syn_timeouts",
	[M_RACE_DROPS] = "race_drops",
	[M_TW_REFUSALS] = "tw_refusals",
	[M_EVENTS] = "events",
	[M_PEAK_NAT_LIVE] = "peak_nat_live",
	[M_PEAK_NAT_LINGERING] = "peak_nat_lingering",
	[M_NAT_MIN_FREE_TIGHTEST] = "nat_min_free_tightest",
	[M_NAT_POOL_PORTS] = "nat_pool_ports",
	[M_NAT_FIRST_DROP_S] = "nat_first_drop_s",
	[M_CAP_FAILURES] = "cap_failures",
};

static const char *const op_names[] = {
	[PS_CLAIM_EQ] = "==", [PS_CLAIM_NE] = "!=", [PS_CLAIM_LT] = "<",
	[PS_CLAIM_LE] = "<=", [PS_CLAIM_GT] = ">",  [PS_CLAIM_GE] = ">=",
	[PS_CLAIM_BETWEEN] = "between",
};

#define SYNTAX "want \"# expect: METRIC OP VALUE\", \"# expect: METRIC between A and B\" or \"# expect [KEY=VALUE, ...]: ...\""

static int find_metric(const char *name)
{
	for (int i = 0; i < M_COUNT; i++) {
		if (strcmp(name, metric_names[i]) == 0)
			return i;
	}
	return -1;
}

static bool absent_when_no_failure(int m)
{
	return m == M_FIRST_FAILURE_S || m == M_FIRST_FAILURE_ATTEMPT || m == M_NAT_FIRST_DROP_S;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

static bool is_key_char(char ch)
{
	return is_word_char(ch) || ch == '.' || ch == '-';
}

/*
 * An override item ends at a comma that starts another KEY=, so values keep
 * their own commas ("host.reserved_ports=1,2, host.tw_reuse=1" is two items).
 */
static const char *item_end(const char *s, const char *end)
{
	for (const char *p = s; p < end; p++) {
		if (*p != ',')
			continue;
		const char *k = skip_blank(p + 1);
		const char *q = k;
		while (q < end && is_key_char(*q))
			q++;
		if (q > k && memchr(k, '.', (size_t)(q - k)) && *skip_blank(q) == '=')
			return p;
	}
	return end;
}

static const char *trim_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* Normalises the text between the brackets into out: "k=v, k=v". */
static int parse_overrides(const char *s, const char *end, char *out, size_t outsize, char *err,
			   size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	if (skip_blank(s) >= trim_end(s, end)) {
		snprintf(err, size, "empty override list \"[]\"; %s", SYNTAX);
		return -1;
	}
	while (s < end) {
		const char *e = item_end(s, end);
		const char *k = skip_blank(s), *eq = memchr(k, '=', (size_t)(e - k));
		const char *kend = eq ? trim_end(k, eq) : k;
		if (!eq || kend == k || !memchr(k, '.', (size_t)(kend - k))) {
			snprintf(err, size, "override \"%.*s\": want SECTION.KEY=VALUE",
				 (int)(trim_end(k, e) - k), k);
			return -1;
		}
		const char *v = skip_blank(eq + 1), *vend = trim_end(v, e);
		int n = snprintf(out + len, outsize - len, "%s%.*s=%.*s", len ? ", " : "", (int)(kend - k),
				 k, (int)(vend - v), v);
		if (n < 0 || (size_t)n >= outsize - len) {
			snprintf(err, size, "overrides too long; allowed: at most %d characters",
				 PS_CLAIM_OVERRIDES_MAX - 1);
			return -1;
		}
		len += (size_t)n;
		s = e < end ? e + 1 : end;
	}
	return 0;
}

/* A number or "none"; *p advances past it. */
static int parse_value(const char **p, double *v, bool *none, char *err, size_t size)
{
	const char *s = skip_blank(*p);
	if (strncmp(s, "none", 4) == 0 && !is_word_char(s[4])) {
		*none = true;
		*p = s + 4;
		return 0;
	}
	char *e;
	errno = 0;
	*v = strtod(s, &e);
	if (e == s || errno == ERANGE || !isfinite(*v)) {
		const char *w = s;
		while (*w && *w != ' ' && *w != '\t' && *w != '\n' && *w != '\r')
			w++;
		snprintf(err, size, "value \"%.*s\": want a number or none", (int)(w - s), s);
		return -1;
	}
	*none = false;
	*p = e;
	return 0;
}

int ps_claim_parse(const char *line, struct ps_claim *c, char *err, size_t size)
{
	const char *s = skip_blank(line);
	if (*s != '#' && *s != ';')
		return 0;
	while (*s == '#' || *s == ';')
		s++;
	s = skip_blank(s);
	if (strncmp(s, "expect", 6) != 0 || is_word_char(s[6]))
		return 0;
	memset(c, 0, sizeof(*c));
	s = skip_blank(s + 6);
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			snprintf(err, size, "no \"]\" closes the overrides; %s", SYNTAX);
			return -1;
		}
		if (parse_overrides(s + 1, close, c->overrides, sizeof(c->overrides), err, size) != 0)
			return -1;
		s = skip_blank(close + 1);
	}
	if (*s != ':') {
		snprintf(err, size, "no \":\" after \"expect\"; %s", SYNTAX);
		return -1;
	}
	s = skip_blank(s + 1);

	const char *m = s;
	while (is_word_char(*s))
		s++;
	size_t mlen = (size_t)(s - m);
	if (mlen == 0 || mlen >= sizeof(c->metric)) {
		snprintf(err, size, "no metric after \"expect:\"; %s", SYNTAX);
		return -1;
	}
	memcpy(c->metric, m, mlen);
	c->metric[mlen] = '\0';
	int metric = find_metric(c->metric);
	if (metric < 0) {
		int n = snprintf(err, size, "unknown metric \"%s\"; allowed:", c->metric);
		for (int i = 0; i < M_COUNT && n >= 0 && (size_t)n < size; i++)
			n += snprintf(err + n, size - (size_t)n, "%s %s", i ? "," : "", metric_names[i]);
		return -1;
	}

	s = skip_blank(s);
	static const struct {
		const char *text;
		enum ps_claim_op op;
	} ops[] = {
		/* Two-character operators first, so "<=" is not read as "<". */
		{ "==", PS_CLAIM_EQ }, { "!=", PS_CLAIM_NE }, { "<=", PS_CLAIM_LE }, { ">=", PS_CLAIM_GE },
		{ "<", PS_CLAIM_LT },  { ">", PS_CLAIM_GT },
	};
	bool found = false;
	if (strncmp(s, "between", 7) == 0 && !is_word_char(s[7])) {
		c->op = PS_CLAIM_BETWEEN;
		s += 7;
		found = true;
	}
	for (size_t i = 0; !found && i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s, ops[i].text, n) == 0) {
			c->op = ops[i].op;
			s += n;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, size, "no operator after \"%s\"; allowed: ==, !=, <, <=, >, >=, between",
			 c->metric);
		return -1;
	}

	if (parse_value(&s, &c->a, &c->none, err, size) != 0)
		return -1;
	if (c->op == PS_CLAIM_BETWEEN) {
		bool none_b;
		s = skip_blank(s);
		if (c->none || strncmp(s, "and", 3) != 0 || is_word_char(s[3])) {
			snprintf(err, size, "want \"%s between A and B\" with two numbers", c->metric);
			return -1;
		}
		s += 3;
		if (parse_value(&s, &c->b, &none_b, err, size) != 0)
			return -1;
		if (none_b) {
			snprintf(err, size, "want \"%s between A and B\" with two numbers", c->metric);
			return -1;
		}
		if (c->a > c->b) {
			snprintf(err, size, "\"between %g and %g\": the first bound is above the second",
				 c->a, c->b);
			return -1;
		}
	}
	if (c->none && (c->op != PS_CLAIM_EQ && c->op != PS_CLAIM_NE)) {
		snprintf(err, size, "\"none\" only goes with == and !=");
		return -1;
	}
	if (c->none && !absent_when_no_failure(metric)) {
		snprintf(err, size, "\"%s\" is never none; only first_failure_s, first_failure_attempt and nat_first_drop_s are",
			 c->metric);
		return -1;
	}
	s = skip_blank(s);
	if (*s && *s != '\n' && *s != '\r') {
		snprintf(err, size, "unexpected \"%.*s\" after the claim; %s", (int)strcspn(s, "\r\n"), s,
			 SYNTAX);
		return -1;
	}
	return 1;
}

int ps_claim_metric(const struct ps_run_result *res, const char *metric, double *value)
{
	const struct ps_metrics *m = &res->m;
	int id = find_metric(metric);
	if (id < 0)
		return -1;
	if (absent_when_no_failure(id) && (id == M_NAT_FIRST_DROP_S ? !m->nat_dropped : !m->failed))
		return 0;
	switch ((enum metric)id) {
	case M_ATTEMPTS: *value = (double)m->attempts; break;
	case M_SUCCESSES: *value = (double)m->successes; break;
	case M_FAILURES: *value = (double)m->failures; break;
	case M_FAILURE_RATIO: *value = ps_failure_ratio(m); break;
	case M_FIRST_FAILURE_S: *value = (double)m->first_failure / (double)PS_NS_PER_S; break;
	case M_FIRST_FAILURE_ATTEMPT: *value = (double)m->first_failure_attempt; break;
	case M_PEAK_ESTABLISHED: *value = (double)m->peak_established; break;
	case M_PEAK_TIME_WAIT: *value = (double)m->peak_time_wait; break;
	case M_PEAK_PORTS_IN_USE: *value = (double)m->peak_ports_in_use; break;
	case M_PROBES_MEAN: *value = ps_metrics_probes_mean(m); break;
	case M_PROBES_P99: *value = (double)ps_metrics_probes_quantile(m, 0.99); break;
	case M_PROBES_MAX: *value = (double)m->probes_max; break;
	case M_TW_TAKEOVERS: *value = (double)m->tw_takeovers; break;
	case M_REQUESTS: *value = (double)m->requests; break;
	case M_REUSED: *value = (double)m->reused; break;
	case M_RETRIES: *value = (double)m->retries; break;
	case M_ABANDONED: *value = (double)m->abandoned; break;
	case M_NAT_FAILURES: *value = (double)m->nat_failures; break;
	case M_PEAK_NAT_MAPPINGS: *value = (double)m->peak_nat_mappings; break;
	case M_DELAY_P50_S: *value = (double)ps_delays_quantile(&m->delay, 0.5) / (double)PS_NS_PER_S; break;
	case M_DELAY_P99_S: *value = (double)ps_delays_quantile(&m->delay, 0.99) / (double)PS_NS_PER_S; break;
	case M_DELAY_P999_S: *value = (double)ps_delays_quantile(&m->delay, 0.999) / (double)PS_NS_PER_S; break;
	case M_DELAY_MAX_S: *value = (double)m->delay.max / (double)PS_NS_PER_S; break;
	case M_SYN_RETRANSMITS: *value = (double)m->syn_retransmits; break;
	case M_SYN_TIMEOUTS: *value = (double)m->syn_timeouts; break;
	case M_RACE_DROPS: *value = (double)m->race_drops; break;
	case M_TW_REFUSALS: *value = (double)m->tw_refusals; break;
	case M_EVENTS: *value = (double)res->events; break;
	case M_PEAK_NAT_LIVE: *value = (double)m->peak_nat_live; break;
	case M_PEAK_NAT_LINGERING: *value = (double)m->peak_nat_lingering; break;
	case M_NAT_MIN_FREE_TIGHTEST: *value = (double)m->nat_min_free; break;
	case M_NAT_POOL_PORTS: *value = (double)m->nat_pool_ports; break;
	case M_NAT_FIRST_DROP_S: *value = (double)m->nat_first_drop / (double)PS_NS_PER_S; break;
	case M_CAP_FAILURES: *value = (double)m->cap_failures; break;
	case M_COUNT: return -1;
	}
	return 1;
}

/* Equal up to the rounding of a decimal claim against a computed ratio or mean. */
static bool same(double x, double y)
{
	return fabs(x - y) <= 1e-9 * fmax(1.0, fmax(fabs(x), fabs(y)));
}

bool ps_claim_holds(const struct ps_claim *c, const struct ps_run_result *res)
{
	double v = 0;
	int have = ps_claim_metric(res, c->metric, &v);
	return ps_claim_holds_value(c, have, v);
}

bool ps_claim_holds_value(const struct ps_claim *c, int have, double v)
{
	if (have < 0)
		return false;
	if (c->none)
		return c->op == PS_CLAIM_EQ ? have == 0 : have == 1;
	if (have == 0)
		return false;
	switch (c->op) {
	case PS_CLAIM_EQ: return same(v, c->a);
	case PS_CLAIM_NE: return !same(v, c->a);
	case PS_CLAIM_LT: return v < c->a && !same(v, c->a);
	case PS_CLAIM_LE: return v <= c->a || same(v, c->a);
	case PS_CLAIM_GT: return v > c->a && !same(v, c->a);
	case PS_CLAIM_GE: return v >= c->a || same(v, c->a);
	case PS_CLAIM_BETWEEN: return (v >= c->a || same(v, c->a)) && (v <= c->b || same(v, c->b));
	}
	return false;
}

int ps_claim_format(char *buf, size_t size, const struct ps_claim *c, const struct ps_run_result *res)
{
	char value[32] = "none", rhs[80];
	double v = 0;
	int have = ps_claim_metric(res, c->metric, &v);
	if (have > 0)
		snprintf(value, sizeof(value), "%.10g", v);
	else if (have < 0)
		snprintf(value, sizeof(value), "?");
	if (c->op == PS_CLAIM_BETWEEN)
		snprintf(rhs, sizeof(rhs), "between %.10g and %.10g", c->a, c->b);
	else if (c->none)
		snprintf(rhs, sizeof(rhs), "%s none", op_names[c->op]);
	else
		snprintf(rhs, sizeof(rhs), "%s %.10g", op_names[c->op], c->a);
	return snprintf(buf, size, "%s %s = %s %s%s%s%s", ps_claim_holds(c, res) ? "ok  " : "FAIL",
			c->metric, value, rhs, c->overrides[0] ? " [" : "", c->overrides,
			c->overrides[0] ? "]" : "");
}

/* Every claim of the file; -1 with err naming path:line. */
static int read_claims(const char *path, struct ps_claim **out, size_t *count, char *err, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL, msg[PS_ERR_MAX];
	size_t cap = 0, n = 0, have = 0;
	struct ps_claim *claims = NULL;
	int rc = 0;
	unsigned lineno = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct ps_claim c;
		lineno++;
		int r = ps_claim_parse(line, &c, msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, size, "%s:%u: %s", path, lineno, msg);
			rc = -1;
			break;
		}
		if (r == 0)
			continue;
		c.line = lineno;
		if (n == have) {
			size_t grow = have ? 2 * have : 8;
			struct ps_claim *p = realloc(claims, grow * sizeof(*p));
			if (!p) {
				snprintf(err, size, "%s: out of memory", path);
				rc = -1;
				break;
			}
			claims = p;
			have = grow;
		}
		claims[n++] = c;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	if (rc != 0) {
		free(claims);
		return -1;
	}
	*out = claims;
	*count = n;
	return 0;
}

/* Loads path, applies the normalised overrides and runs it; -1 with err naming path:line. */
static int run_once(const char *path, const struct ps_claim *first, struct ps_run_result *res,
		    char *err, size_t size)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char msg[PS_ERR_MAX];
	if (!sc) {
		snprintf(err, size, "%s: out of memory", path);
		return -1;
	}
	ps_scenario_defaults(sc);
	int rc = ps_scenario_load(sc, path, err, size);
	const char *o = first->overrides, *end = o + strlen(o);
	while (rc == 0 && o < end) {
		const char *e = item_end(o, end);
		char assignment[PS_CLAIM_OVERRIDES_MAX];
		snprintf(assignment, sizeof(assignment), "%.*s", (int)(e - o), o);
		if (ps_scenario_set(sc, assignment, msg, sizeof(msg)) != 0) {
			snprintf(err, size, "%s:%u: in the claim's overrides: %s", path, first->line, msg);
			rc = -1;
		}
		o = e < end ? skip_blank(e + 1) : end;
	}
	if (rc == 0) {
		struct ps_run_options opt = { .out_dir = NULL };
		if (ps_run(sc, &opt, res, msg, sizeof(msg)) != PS_DONE) {
			snprintf(err, size, "%s:%u: run%s%s%s: %s", path, first->line,
				 first->overrides[0] ? " [" : "", first->overrides,
				 first->overrides[0] ? "]" : "", msg);
			rc = -1;
		}
	}
	free(sc);
	return rc;
}

/* The runs of a file's claims: one per distinct override set, each into its own result. */
struct claims_job {
	const char *path;
	const struct ps_claim *claims;
	const size_t *first;         /* [runs] the claim whose overrides run i plays */
	struct ps_run_result *res;   /* [claims], at the index of that claim */
	bool *ran;
};

static int claims_one(void *arg, size_t i, char *err, size_t size)
{
	struct claims_job *j = arg;
	size_t c = j->first[i];
	if (run_once(j->path, &j->claims[c], &j->res[c], err, size) != 0)
		return -1;
	j->ran[c] = true;
	return 0;
}

int ps_claims_check(const char *path, FILE *report, int *failed, char *err, size_t size)
{
	struct ps_claim *claims;
	size_t n, nruns = 0;
	unsigned jobs;
	*failed = 0;
	if (ps_workers_jobs(0, &jobs, err, size) != 0 || read_claims(path, &claims, &n, err, size) != 0)
		return -1;
	/* run_of[i]: the index of the first claim with claim i's overrides, whose run serves both. */
	size_t *run_of = malloc((n ? n : 1) * sizeof(*run_of));
	size_t *first = malloc((n ? n : 1) * sizeof(*first));
	struct ps_run_result *res = calloc(n ? n : 1, sizeof(*res));
	bool *ran = calloc(n ? n : 1, sizeof(*ran));
	int rc = 0;
	if (!run_of || !first || !res || !ran) {
		snprintf(err, size, "%s: out of memory", path);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		run_of[i] = i;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(claims[i].overrides, claims[j].overrides) == 0) {
				run_of[i] = run_of[j];
				break;
			}
		}
		if (run_of[i] == i)
			first[nruns++] = i;
	}
	/* The runs do not depend on each other: all of them at once. */
	struct claims_job job = { path, claims, first, res, ran };
	if (rc == 0)
		rc = ps_workers_map(jobs, nruns, claims_one, &job, err, size);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct ps_run_result *r = &res[run_of[i]];
		if (!ps_claim_holds(&claims[i], r))
			++*failed;
		if (report) {
			char buf[PS_CLAIM_OVERRIDES_MAX + 256];
			ps_claim_format(buf, sizeof(buf), &claims[i], r);
			fprintf(report, "%s\n", buf);
		}
	}
	for (size_t i = 0; ran && i < n; i++) {
		if (ran[i])
			ps_run_result_fini(&res[i]);
	}
	free(ran);
	free(res);
	free(first);
	free(run_of);
	free(claims);
	return rc;
}
