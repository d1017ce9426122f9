/* capacity.h's solve: the smallest value of an integer key meeting the target at the scenario's rates. */
#include "portsim/capacity.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/csv.h"

void ps_solve_result_fini(struct ps_solve_result *res)
{
	for (size_t i = 0; i < res->ntried; i++)
		free(res->tried[i].why);
	free(res->tried);
	memset(res, 0, sizeof(*res));
}

const struct ps_solve_point *ps_solve_find(const struct ps_solve_result *res, uint64_t v)
{
	for (size_t i = 0; i < res->ntried; i++)
		if (res->tried[i].value == v)
			return &res->tried[i];
	return NULL;
}

/* A whole number of decimal digits at text, into *v; *end past it. No sign: strtoull takes "-1". */
static bool whole(const char *text, uint64_t *v, const char **end)
{
	char *e;
	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	unsigned long long u = strtoull(text, &e, 10);
	if (errno)
		return false;
	*v = u;
	*end = e;
	return true;
}

/*
 * Checks that key names an integer key with a range in sc's schema and
 * finds that range. The schema is private to the parser, so this reads its
 * documentation ("MIN to MAX" or "MIN to MAX (unit)") and then asks the
 * parser itself: a key that takes MIN.5 holds a real number, whatever its
 * bounds look like (time_wait_s is "0 to 3600").
 */
static enum ps_status solve_key(const struct ps_scenario *sc, const char *key, uint64_t *min,
				uint64_t *max, char *err, size_t size)
{
	const char *dot = strrchr(key, '.');
	size_t len = strlen(key);
	if (len >= PS_SOLVE_KEY_MAX || !dot || dot == key || !dot[1] || strpbrk(key, "= \t")) {
		snprintf(err, size, "solve \"%.60s\": expected SECTION.KEY, e.g. nat.addresses, "
			 "host.addresses or workload.NAME.hosts", key);
		return PS_BAD_INPUT;
	}
	char section[PS_SOLVE_KEY_MAX];
	memcpy(section, key, (size_t)(dot - key));
	section[dot - key] = '\0';
	const char *name = dot + 1;
	bool workload = !strncmp(section, "workload.", 9);
	if (workload) {
		/* ps_scenario_set would create a population that is not there. */
		unsigned i = 0;
		while (i < sc->npop && strcmp(sc->pop[i].name, section + 9))
			i++;
		if (i == sc->npop) {
			int n = snprintf(err, size, "solve %s: the scenario has no population \"%s\"; it has",
					 key, section + 9);
			for (unsigned j = 0; j < sc->npop && n >= 0 && (size_t)n < size; j++)
				n += snprintf(err + n, size - (size_t)n, "%s [workload.%s]", j ? "," : "",
					      sc->pop[j].name);
			return PS_BAD_INPUT;
		}
	}
	if (!strcmp(key, "run.seed")) {
		snprintf(err, size, "solve run.seed: every replication sets its own seed; "
			 "the seed is not a quantity to solve for");
		return PS_BAD_INPUT;
	}
	struct ps_key_doc doc;
	size_t i = 0, n = ps_scenario_nkeys();
	for (; i < n; i++) {
		ps_scenario_key_doc(i, &doc);
		if (!strcmp(doc.name, name) && !strcmp(doc.section, workload ? "workload.NAME" : section))
			break;
	}
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	enum ps_status st = PS_BAD_INPUT;
	char assignment[PS_SOLVE_KEY_MAX + 48], perr[PS_ERR_MAX];
	*tmp = *sc;
	if (i == n) {
		/* The parser's own message, with its "did you mean". */
		snprintf(assignment, sizeof(assignment), "%s=1", key);
		if (ps_scenario_set(tmp, assignment, perr, sizeof(perr)) != 0) {
			/* Less the "--set KEY=1: " it starts with: the user typed no such thing. */
			const char *why = strstr(perr, ": ");
			why = !strncmp(perr, "--set ", 6) && why ? why + 2 : perr;
			snprintf(err, size, "solve %s: %s", key, why);
		} else {
			snprintf(err, size, "solve %s: unknown key", key);
		}
		goto out;
	}
	const char *e;
	if (!whole(doc.allowed, min, &e) || strncmp(e, " to ", 4) || !whole(e + 4, max, &e) ||
	    (*e && strncmp(e, " (", 2)) || *min > *max)
		goto not_integer;
	snprintf(assignment, sizeof(assignment), "%s=%" PRIu64 ".5", key, *min);
	if (ps_scenario_set(tmp, assignment, perr, sizeof(perr)) == 0)
		goto not_integer;
	st = PS_DONE;
	goto out;
not_integer:
	snprintf(err, size, "solve %s: not an integer key with a range (allowed: %s); --solve needs "
		 "one such as nat.addresses, host.addresses or workload.NAME.hosts", key, doc.allowed);
out:
	free(tmp);
	return st;
}

/*
 * The scenario's own value of key, read from the resolved scenario as
 * ps_scenario_format writes it (every key there, defaults filled in): the
 * schema is the parser's, and this asks nothing it does not print. 0 or -1.
 */
static int own_value(const struct ps_scenario *sc, const char *key, uint64_t *v)
{
	const char *dot = strrchr(key, '.');
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *text = malloc(need), header[PS_SOLVE_KEY_MAX + 3];
	if (!text)
		return -1;
	ps_scenario_format(sc, text, need);
	snprintf(header, sizeof(header), "\n[%.*s]\n", (int)(dot - key), key);
	const char *sec = strstr(text, header), *e;
	int rc = -1;
	size_t n = strlen(dot + 1);
	for (const char *line = sec ? sec + strlen(header) : NULL; line && *line && *line != '['; ) {
		if (!strncmp(line, dot + 1, n) && !strncmp(line + n, " = ", 3)) {
			rc = whole(line + n + 3, v, &e) ? 0 : -1;
			break;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	free(text);
	return rc;
}

/* The search's points are the key's values. */
static int at_value(void *arg, double x, struct ps_scenario *sc, char *err, size_t size)
{
	char assignment[PS_SOLVE_KEY_MAX + 32];
	snprintf(assignment, sizeof(assignment), "%s=%" PRIu64, (const char *)arg, (uint64_t)x);
	/* A value the checks refuse is no error: a preset's limit or a NAT's needs bound the values. */
	if (ps_scenario_set(sc, assignment, err, size) != 0 || ps_scenario_validate(sc, err, size) != 0)
		return -1;
	return 0;
}

static void value_label(void *arg, double x, char *buf, size_t size)
{
	snprintf(buf, size, "%s = %" PRIu64, (const char *)arg, (uint64_t)x);
}

/* Moves the search's points into res->tried, the messages with them. */
static enum ps_status keep_points(struct ps_search *s, struct ps_solve_result *res, char *err,
				  size_t size)
{
	res->tried = calloc(s->npoints ? s->npoints : 1, sizeof(*res->tried));
	if (!res->tried) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	for (size_t i = 0; i < s->npoints; i++) {
		struct ps_search_point *p = &s->points[i];
		res->tried[i] = (struct ps_solve_point){ .value = (uint64_t)p->x, .valid = p->valid,
							 .pass = p->pass, .failure_ratio = p->failure_ratio,
							 .worst = p->worst, .why = p->why };
		p->why = NULL;
	}
	res->ntried = s->npoints;
	return PS_DONE;
}

static int cmp_solve_point(const void *a, const void *b)
{
	const struct ps_solve_point *x = a, *y = b;
	return (x->value > y->value) - (x->value < y->value);
}

static int write_solve_csv(const struct ps_solve_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "capacity_solve.csv", "value,failure_ratio,ci95_low,ci95_high,n") != 0)
		return -1;
	/* Only the values simulated: a refused value has no failure ratio to plot. */
	for (size_t i = 0; i < res->ntried; i++) {
		const struct ps_solve_point *p = &res->tried[i];
		if (!p->valid)
			continue;
		fprintf(c.f, "%" PRIu64, p->value);
		ps_ci_write_csv(c.f, &p->failure_ratio);
	}
	return ps_csv_commit(&c);
}

/* The message for a search in which no value met the target. */
static void explain_no_answer(const struct ps_solve_result *res, char *err, size_t size)
{
	const struct ps_solve_point *best = NULL, *refused = NULL;
	if (res->largest) {
		/* Only the scenario's own value was tried, and it failed. */
		const struct ps_solve_point *p = ps_solve_find(res, res->start);
		const struct ps_ci *c = &p->failure_ratio;
		snprintf(err, size, "at the scenario's own %s = %" PRIu64 " the failure ratio is already %.4g "
			 "(worst replication %.4g), above the target %g: --solve-max searches upward from a value "
			 "that meets it (set one with --set %s=VALUE, or ask --solve for the smallest)", res->key,
			 p->value, c->mean, p->worst, res->target, res->key);
		return;
	}
	for (size_t i = 0; i < res->ntried; i++)
		if (res->tried[i].valid)
			best = &res->tried[i];
	/* tried[] is sorted: the first refused value above the largest one simulated. */
	for (size_t i = 0; i < res->ntried; i++)
		if (!res->tried[i].valid && (!best || res->tried[i].value > best->value)) {
			refused = &res->tried[i];
			break;
		}
	if (!best) {
		snprintf(err, size, "no value of %s from %" PRIu64 " to %" PRIu64 " is accepted by the "
			 "scenario: %s = %" PRIu64 ": %s", res->key, res->min, res->max, res->key,
			 refused->value, refused->why);
		return;
	}
	const struct ps_ci *c = &best->failure_ratio;
	int n = snprintf(err, size, "even %s = %" PRIu64 " leaves a failure ratio of %.4g", res->key,
			 best->value, c->mean);
	if (n >= 0 && (size_t)n < size && res->replications > 1)
		n += snprintf(err + n, size - (size_t)n, " (95 %% CI %.4g to %.4g, worst replication %.4g)",
			      c->low, c->high, best->worst);
	if (n >= 0 && (size_t)n < size)
		n += snprintf(err + n, size - (size_t)n, ", above the target %g", res->target);
	if (n >= 0 && (size_t)n < size && refused)
		snprintf(err + n, size - (size_t)n, "; %s = %" PRIu64 " is refused: %s", res->key,
			 refused->value, refused->why);
}

static enum ps_status solve(const struct ps_scenario *sc, const char *key, bool largest,
			    const struct ps_capacity_options *opt, struct ps_solve_result *res, char *err,
			    size_t size)
{
	memset(res, 0, sizeof(*res));
	enum ps_status st = ps_capacity_check_options(opt, err, size);
	if (st != PS_DONE)
		return st;
	if ((st = solve_key(sc, key, &res->min, &res->max, err, size)) != PS_DONE)
		return st;
	memcpy(res->key, key, strlen(key) + 1);
	res->largest = largest;
	res->target = opt->max_failure;
	res->replications = opt->replications;
	struct ps_search s = { .base = sc, .replications = opt->replications, .target = opt->max_failure,
			       .apply = at_value, .label = value_label, .arg = res->key,
			       .progress = opt->progress, .progress_arg = opt->progress_arg, .jobs = opt->jobs };
	bool found = false;
	st = ps_search_init(&s, err, size);
	if (st == PS_DONE && largest && own_value(sc, key, &res->start) != 0) {
		snprintf(err, size, "solve-max %s: cannot read the scenario's own value of the key", key);
		st = PS_FAILED;
	}
	if (st == PS_DONE && largest)
		st = ps_search_largest_int(&s, res->start, res->max, &res->answer, &found, err, size);
	else if (st == PS_DONE)
		st = ps_search_smallest(&s, res->min, res->max, &res->answer, &found, err, size);
	if (st == PS_DONE)
		st = keep_points(&s, res, err, size);
	ps_search_fini(&s);
	if (st != PS_DONE)
		goto out;
	qsort(res->tried, res->ntried, sizeof(*res->tried), cmp_solve_point);
	if (opt->out_dir && write_solve_csv(res, opt->out_dir) != 0) {
		snprintf(err, size, "cannot write into \"%s\": %s", opt->out_dir, strerror(errno));
		st = PS_FAILED;
		goto out;
	}
	if (!found) {
		explain_no_answer(res, err, size);
		st = PS_BAD_INPUT;
	}
out:
	if (st != PS_DONE)
		ps_solve_result_fini(res);
	return st;
}

enum ps_status ps_capacity_solve(const struct ps_scenario *sc, const char *key,
				 const struct ps_capacity_options *opt, struct ps_solve_result *res,
				 char *err, size_t size)
{
	return solve(sc, key, false, opt, res, err, size);
}

enum ps_status ps_capacity_solve_max(const struct ps_scenario *sc, const char *key,
				     const struct ps_capacity_options *opt, struct ps_solve_result *res,
				     char *err, size_t size)
{
	return solve(sc, key, true, opt, res, err, size);
}
