#include "portsim/compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/csv.h"
#include "portsim/workers.h"

static const char *const metric_names[PS_CMP_METRIC_COUNT] = {
	[PS_CMP_FAILURE_RATIO] = "failure_ratio",
	[PS_CMP_FIRST_FAILURE_S] = "first_failure_s",
	[PS_CMP_PROBES_MEAN] = "probes_mean",
	[PS_CMP_PROBES_P99] = "probes_p99",
	[PS_CMP_PROBES_MAX] = "probes_max",
	[PS_CMP_REUSE_MIN_S] = "reuse_min_s",
	[PS_CMP_REUSE_P1_S] = "reuse_p1_s",
	[PS_CMP_REUSE_MEDIAN_S] = "reuse_median_s",
	[PS_CMP_REUSE_MIN_ALLOCS] = "reuse_min_allocs",
	[PS_CMP_REUSE_P1_ALLOCS] = "reuse_p1_allocs",
	[PS_CMP_REUSE_MEDIAN_ALLOCS] = "reuse_median_allocs",
	[PS_CMP_TW_TAKEOVERS] = "tw_takeovers",
	[PS_CMP_PEER_TW_COLLISIONS] = "peer_tw_collisions",
	[PS_CMP_PREDICT_SAME_G1] = "predict_same_g1",
	[PS_CMP_PREDICT_SAME_G10] = "predict_same_g10",
	[PS_CMP_PREDICT_ANY_G1] = "predict_any_g1",
	[PS_CMP_PREDICT_ANY_G10] = "predict_any_g10",
	[PS_CMP_DELAY_P50_S] = "delay_p50_s",
	[PS_CMP_DELAY_P99_S] = "delay_p99_s",
	[PS_CMP_DELAY_P999_S] = "delay_p999_s",
	[PS_CMP_DELAY_MAX_S] = "delay_max_s",
};

const char *ps_cmp_metric_name(enum ps_cmp_metric m)
{
	return m < PS_CMP_METRIC_COUNT ? metric_names[m] : "";
}

int ps_compare_parse_strategies(const char *list, const char ***names, size_t *n, char **buf,
				char *err, size_t size)
{
	*names = NULL;
	*buf = NULL;
	*n = 0;
	bool all = !strcmp(list, "all");
	size_t cap = all ? ps_alloc_registry_len : 1;
	for (const char *p = list; *p; p++)
		cap += *p == ',';
	*buf = malloc(strlen(list) + 1);
	*names = calloc(cap, sizeof(**names));
	if (!*buf || !*names)
		goto nomem;
	if (all) {
		for (size_t i = 0; i < ps_alloc_registry_len; i++)
			(*names)[i] = ps_alloc_registry[i]->name;
		*n = ps_alloc_registry_len;
		return 0;
	}
	strcpy(*buf, list);
	for (char *tok = *buf, *next; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!ps_alloc_find(tok)) {
			char names_buf[PS_ERR_MAX];
			ps_alloc_names(names_buf, sizeof(names_buf), ", ");
			snprintf(err, size, "unknown strategy \"%s\"; allowed: all, or a comma-separated list of %s",
				 tok, names_buf);
			goto fail;
		}
		for (size_t i = 0; i < *n; i++) {
			if (!strcmp((*names)[i], tok)) {
				snprintf(err, size, "strategy \"%s\" is listed twice", tok);
				goto fail;
			}
		}
		(*names)[(*n)++] = tok;
	}
	return 0;
nomem:
	snprintf(err, size, "out of memory");
fail:
	free(*names);
	free(*buf);
	*names = NULL;
	*buf = NULL;
	*n = 0;
	return -1;
}

void ps_compare_result_fini(struct ps_compare_result *res)
{
	for (size_t i = 0; res->s && i < res->nstrategies; i++) {
		free(res->s[i].values);
		free(res->s[i].requests);
		ps_loghist_fini(&res->s[i].reuse_s);
	}
	free(res->s);
	memset(res, 0, sizeof(*res));
}

/* An empty histogram with the bins of h, so the replications' histograms merge bin by bin. */
static int loghist_like(struct ps_loghist *into, const struct ps_loghist *h)
{
	double hi = h->lo * pow(10.0, (double)h->nbins / h->per_decade);
	if (ps_loghist_init(into, h->lo, hi, h->per_decade) != 0)
		return -1;
	return into->nbins == h->nbins ? 0 : -1;
}

/* One replication's metrics into v[m * reps + k]. */
static void record(double *v, unsigned reps, unsigned k, const struct ps_run_result *r)
{
	const struct ps_metrics *m = &r->m;
	const struct ps_observe *o = &r->obs;
	double x[PS_CMP_METRIC_COUNT];
	for (int i = 0; i < PS_CMP_METRIC_COUNT; i++)
		x[i] = NAN;
	x[PS_CMP_FAILURE_RATIO] = ps_failure_ratio(m);
	if (m->failed)
		x[PS_CMP_FIRST_FAILURE_S] = (double)m->first_failure / 1e9;
	if (m->attempts) {
		x[PS_CMP_PROBES_MEAN] = ps_metrics_probes_mean(m);
		x[PS_CMP_PROBES_P99] = ps_metrics_probes_quantile(m, 0.99);
		x[PS_CMP_PROBES_MAX] = m->probes_max;
	}
	if (o->reuse_s.n) {
		x[PS_CMP_REUSE_MIN_S] = o->reuse_s.min;
		x[PS_CMP_REUSE_P1_S] = ps_loghist_quantile(&o->reuse_s, 0.01);
		x[PS_CMP_REUSE_MEDIAN_S] = ps_loghist_quantile(&o->reuse_s, 0.5);
	}
	if (o->reuse_allocs.n) {
		x[PS_CMP_REUSE_MIN_ALLOCS] = o->reuse_allocs.min;
		x[PS_CMP_REUSE_P1_ALLOCS] = ps_loghist_quantile(&o->reuse_allocs, 0.01);
		x[PS_CMP_REUSE_MEDIAN_ALLOCS] = ps_loghist_quantile(&o->reuse_allocs, 0.5);
	}
	x[PS_CMP_TW_TAKEOVERS] = (double)m->tw_takeovers;
	x[PS_CMP_PEER_TW_COLLISIONS] = (double)o->peer_tw_collisions;
	if (o->same_dst.trials) {
		x[PS_CMP_PREDICT_SAME_G1] = ps_observe_predictability(o, true, 1);
		x[PS_CMP_PREDICT_SAME_G10] = ps_observe_predictability(o, true, 10);
	}
	if (o->any_dst.trials) {
		x[PS_CMP_PREDICT_ANY_G1] = ps_observe_predictability(o, false, 1);
		x[PS_CMP_PREDICT_ANY_G10] = ps_observe_predictability(o, false, 10);
	}
	if (m->delay.n) {
		x[PS_CMP_DELAY_P50_S] = (double)ps_delays_quantile(&m->delay, 0.5) / 1e9;
		x[PS_CMP_DELAY_P99_S] = (double)ps_delays_quantile(&m->delay, 0.99) / 1e9;
		x[PS_CMP_DELAY_P999_S] = (double)ps_delays_quantile(&m->delay, 0.999) / 1e9;
		x[PS_CMP_DELAY_MAX_S] = (double)m->delay.max / 1e9;
	}
	for (int i = 0; i < PS_CMP_METRIC_COUNT; i++)
		v[(size_t)i * reps + k] = x[i];
}

static int write_compare_csv(const struct ps_compare_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "compare.csv", "strategy,metric,mean,ci95_low,ci95_high,n") != 0)
		return -1;
	for (size_t i = 0; i < res->nstrategies; i++) {
		const struct ps_compare_strategy *s = &res->s[i];
		for (int m = 0; m < PS_CMP_METRIC_COUNT; m++) {
			const struct ps_ci *ci = &s->ci[m];
			if (ci->n == 0)
				continue;
			fprintf(c.f, "%s,%s", s->name, metric_names[m]);
			ps_ci_write_csv(c.f, ci);
		}
	}
	return ps_csv_commit(&c);
}

static int write_cdf_csv(const struct ps_compare_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "reuse_cdf.csv", "strategy,reuse_s,cdf") != 0)
		return -1;
	for (size_t i = 0; i < res->nstrategies; i++) {
		const struct ps_loghist *h = &res->s[i].reuse_s;
		if (h->n == 0)
			continue;
		/* Zero distances (a port taken again at the instant it came back) have no logarithm:
		 * they show in the first point's CDF, which starts at a millionth of the largest. */
		double a = h->min > 0 ? h->min : fmax(h->lo, h->max * 1e-6), b = h->max;
		unsigned np = b > a ? PS_CMP_CDF_POINTS : 1;
		for (unsigned k = 0; k < np; k++) {
			double v = np == 1 ? b : a * pow(b / a, (double)k / (np - 1));
			if (k == np - 1)
				v = b;
			fprintf(c.f, "%s,%.10g,%.10g\n", res->s[i].name, v, ps_loghist_cdf(h, v));
		}
	}
	return ps_csv_commit(&c);
}

/* The runs of a comparison: run i is replication i % replications of strategy i / replications. */
struct compare_job {
	const struct ps_scenario *sc;
	const struct ps_compare_options *opt;
	struct ps_compare_result *res;
	unsigned done, total;
};

static int compare_one(void *arg, size_t i, char *err, size_t size)
{
	struct compare_job *j = arg;
	unsigned reps = j->res->replications, k = (unsigned)(i % reps);
	struct ps_compare_strategy *s = &j->res->s[i / reps];
	/* ~200 KB: not for the stack. */
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	*sc = *j->sc;
	snprintf(sc->strategy, sizeof(sc->strategy), "%s", s->name);
	struct ps_run_result rr;
	enum ps_status st = ps_replication_run(sc, j->sc->seed, k, s->name, true, &rr, err, size);
	free(sc);
	if (st != PS_DONE)
		return st;
	record(s->values, reps, k, &rr);
	s->requests[k] = rr.m.requests;
	ps_workers_lock();
	/* Merging adds integer counts and keeps extremes: exact in any order, so runs merge as they finish. */
	if (rr.obs.reuse_s.n) {
		if (s->reuse_s.bins == NULL && loghist_like(&s->reuse_s, &rr.obs.reuse_s) != 0) {
			snprintf(err, size, "out of memory");
			st = PS_FAILED;
		} else {
			ps_loghist_merge(&s->reuse_s, &rr.obs.reuse_s);
		}
	}
	j->done++;
	if (st == PS_DONE && j->opt->progress)
		j->opt->progress(j->opt->progress_arg, j->done, j->total, s->name, k);
	ps_workers_unlock();
	ps_run_result_fini(&rr);
	return st;
}

enum ps_status ps_compare(const struct ps_scenario *sc, const struct ps_compare_options *opt,
			  struct ps_compare_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	unsigned reps = opt->replications, jobs;
	if (ps_replications_check(reps, err, size) != PS_DONE || ps_workers_jobs(opt->jobs, &jobs, err, size) != 0)
		return PS_BAD_INPUT;
	if (opt->nstrategies == 0) {
		snprintf(err, size, "no strategy to compare");
		return PS_BAD_INPUT;
	}
	for (size_t i = 0; i < opt->nstrategies; i++) {
		if (!ps_alloc_find(opt->strategies[i]) || strlen(opt->strategies[i]) >= PS_NAME_MAX) {
			snprintf(err, size, "unknown strategy \"%s\" (see portsim strategies)",
				 opt->strategies[i]);
			return PS_BAD_INPUT;
		}
	}
	res->s = calloc(opt->nstrategies, sizeof(*res->s));
	if (!res->s) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	res->nstrategies = opt->nstrategies;
	res->replications = reps;
	enum ps_status st = PS_DONE;
	for (size_t i = 0; i < opt->nstrategies && st == PS_DONE; i++) {
		struct ps_compare_strategy *s = &res->s[i];
		snprintf(s->name, sizeof(s->name), "%s", opt->strategies[i]);
		s->values = malloc(sizeof(*s->values) * PS_CMP_METRIC_COUNT * reps);
		s->requests = calloc(reps, sizeof(*s->requests));
		if (!s->values || !s->requests) {
			snprintf(err, size, "out of memory");
			st = PS_FAILED;
		}
	}
	/* Every run is independent of every other: all of them at once, each into its own slots. */
	struct compare_job j = { sc, opt, res, 0, reps * (unsigned)opt->nstrategies };
	if (st == PS_DONE)
		st = ps_workers_map(jobs, j.total, compare_one, &j, err, size);
	for (size_t i = 0; st == PS_DONE && i < opt->nstrategies; i++)
		for (int m = 0; m < PS_CMP_METRIC_COUNT; m++)
			ps_stats_ci95(res->s[i].values + (size_t)m * reps, reps, &res->s[i].ci[m]);
	if (st == PS_DONE && opt->out_dir &&
	    (write_compare_csv(res, opt->out_dir) != 0 || write_cdf_csv(res, opt->out_dir) != 0)) {
		snprintf(err, size, "cannot write into \"%s\": %s", opt->out_dir, strerror(errno));
		st = PS_FAILED;
	}
	if (st != PS_DONE)
		ps_compare_result_fini(res);
	return st;
}
