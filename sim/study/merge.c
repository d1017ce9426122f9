/*
 * Merging a study: every finished run's summary.csv into one tidy table,
 * study.csv, one row per run in run order, whatever order and wherever the
 * runs ran; its wall-clock time apart, in study-wall.csv, so study.csv is
 * the same bytes every time. Then study-points.csv: per point and numeric
 * summary column, the mean over the finished replications with its 95 %
 * interval, in the long form of compare.csv.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "portsim/csv.h"
#include "portsim/stats.h"
#include "portsim/trace.h"

/* summary.csv columns that say what ran rather than what happened: not averaged. */
static const char *const not_metrics[] = { "scenario", "strategy", "seed", "duration_s", "wall_s", NULL };

#define MAX_COLS 64

struct columns {
	char names[MAX_COLS][32];
	size_t n;
	size_t wall;              /* index of wall_s */
	size_t metric[MAX_COLS];  /* indices of the averaged columns */
	size_t nmetrics;
};

static void columns_of_summary(struct columns *c)
{
	memset(c, 0, sizeof(*c));
	const char *p = PS_SUMMARY_HEADER;
	for (;;) {
		size_t k = strcspn(p, ",");
		snprintf(c->names[c->n], sizeof(c->names[0]), "%.*s", (int)k, p);
		bool metric = true;
		for (size_t i = 0; not_metrics[i]; i++)
			metric = metric && strcmp(not_metrics[i], c->names[c->n]) != 0;
		if (!strcmp(c->names[c->n], "wall_s"))
			c->wall = c->n;
		if (metric)
			c->metric[c->nmetrics++] = c->n;
		c->n++;
		if (!p[k])
			break;
		p += k + 1;
	}
}

/* A CSV field: as it is, or in double quotes with quotes doubled when it holds , " or a line break. */
static void field(FILE *f, const char *v)
{
	if (!v[strcspn(v, ",\"\r\n")]) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void put_values(FILE *f, const struct ps_study *s, size_t point)
{
	for (size_t v = 0; v < s->nvars; v++) {
		fputc(',', f);
		field(f, ps_study_value(s, point, v));
	}
}

static void put_names(FILE *f, const struct ps_study *s)
{
	for (size_t v = 0; v < s->nvars; v++) {
		fputc(',', f);
		field(f, s->vars[v].name);
	}
}

/* What the merge holds open. */
struct merge {
	const struct ps_study *s;
	const char *dir;
	struct columns cols;
	struct ps_csv table, points, wall;
	double *x;    /* [replications][nmetrics] of the point being merged */
	bool *missing;
	char *err;
	size_t size;
};

/* Splits a summary's data row in place; the number of fields, or 0 when not one row of cols->n. */
static size_t split(char *row, char **f, const struct columns *c)
{
	size_t n = 0;
	row[strcspn(row, "\r\n")] = '\0';
	for (char *p = row;; p++) {
		if (n == c->n)
			return 0;
		f[n++] = p;
		p += strcspn(p, ",");
		if (!*p)
			break;
		*p = '\0';
	}
	return n == c->n ? n : 0;
}

/* Columns in the text up to its end or a newline. */
static size_t count_columns(const char *s, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += s[i] == ',';
	return n;
}

/*
 * Cuts `extra` columns out of a summary row that has them between its
 * first ncols - 1 columns and wall_s (a NAT run's columns, cap_failures);
 * a row of another shape is left for split() to refuse.
 */
static void drop_columns(char *row, size_t ncols, size_t extra)
{
	char *from = row;
	for (size_t k = 0; from && k + 1 < ncols; k++)
		from = strchr(from, ',') ? strchr(from, ',') + 1 : NULL;
	char *to = from;
	for (size_t k = 0; to && k < extra; k++)
		to = strchr(to, ',') ? strchr(to, ',') + 1 : NULL;
	if (to)
		memmove(from, to, strlen(to) + 1);
}

/*
 * How many optional columns a summary header has between the columns every
 * run writes and wall_s: 0 for a plain run, or SIZE_MAX when the header is
 * not one this version writes.
 */
static size_t optional_columns(const char *text, size_t len)
{
	static const char head[] = PS_SUMMARY_COLUMNS ",", tail[] = ",wall_s";
	size_t hl = strlen(head), tl = strlen(tail);
	if (len == strlen(PS_SUMMARY_HEADER))
		return strncmp(text, PS_SUMMARY_HEADER, len) ? SIZE_MAX : 0;
	if (len < hl + tl || strncmp(text, head, hl) || strncmp(text + len - tl, tail, tl))
		return SIZE_MAX;
	return count_columns(text, len) - count_columns(PS_SUMMARY_HEADER, strlen(PS_SUMMARY_HEADER));
}

/* Reads run K's summary into its study.csv and study-wall.csv rows and x; -1 with err on a bad one. */
static int merge_run(struct merge *g, size_t run, double *x)
{
	char *d = ps_st_run_dir(g->dir, run), *path = d ? ps_path_join(d, "summary.csv") : NULL;
	free(d);
	if (!path) {
		snprintf(g->err, g->size, "%s: out of memory", g->dir);
		return -1;
	}
	char *text = ps_st_read(path, 1 << 20, NULL);
	for (size_t i = 0; i < g->cols.nmetrics; i++)
		x[i] = NAN;
	int rc = 0;
	if (!text) {
		g->missing[run] = errno == ENOENT;
		if (errno != ENOENT) {
			snprintf(g->err, g->size, "%s: cannot read: %s", path, strerror(errno));
			rc = -1;
		}
		free(path);
		return rc;
	}
	char *row = strchr(text, '\n'), *f[MAX_COLS];
	/*
	 * A NAT run's summary has its columns before wall_s, and so has a run
	 * with max_connections: the study keeps the columns every run has.
	 */
	size_t extra = row ? optional_columns(text, (size_t)(row - text)) : SIZE_MAX;
	if (extra != SIZE_MAX && extra > 0)
		drop_columns(row + 1, g->cols.n, extra);
	if (extra == SIZE_MAX ||
	    !split(row + 1, f, &g->cols)) {
		snprintf(g->err, g->size,
			 "%s: not a summary.csv of this portsim (other columns, or not one row); allowed: the runs of "
			 "this version (remove the folder to run it again)",
			 path);
		rc = -1;
	} else {
		FILE *t = g->table.f;
		fprintf(t, "%zu,%zu,%u", run, ps_study_point(g->s, run), ps_study_replication(g->s, run));
		put_values(t, g->s, ps_study_point(g->s, run));
		for (size_t i = 0; i < g->cols.n; i++)
			if (i != g->cols.wall)
				fprintf(t, ",%s", f[i]);
		fputc('\n', t);
		fprintf(g->wall.f, "%zu,%s\n", run, f[g->cols.wall]);
		for (size_t i = 0; i < g->cols.nmetrics; i++) {
			char *end;
			const char *v = f[g->cols.metric[i]];
			double y = strtod(v, &end);
			x[i] = *v && !*end && isfinite(y) ? y : NAN;
		}
	}
	free(text);
	free(path);
	return rc;
}

/* study-points.csv rows of one point, from its replications' x. */
static void point_rows(struct merge *g, size_t point)
{
	unsigned reps = g->s->replications;
	size_t nm = g->cols.nmetrics;
	double *one = g->x + (size_t)reps * nm; /* scratch: one metric over the replications */
	for (size_t i = 0; i < nm; i++) {
		for (unsigned r = 0; r < reps; r++)
			one[r] = g->x[(size_t)r * nm + i];
		struct ps_ci ci;
		ps_stats_ci95(one, reps, &ci);
		fprintf(g->points.f, "%zu", point);
		put_values(g->points.f, g->s, point);
		fprintf(g->points.f, ",%s", g->cols.names[g->cols.metric[i]]);
		if (ci.n == 0)
			fputs(",,,,0\n", g->points.f);
		else
			ps_ci_write_csv(g->points.f, &ci);
	}
}

static int open_files(struct merge *g)
{
	if (ps_csv_open(&g->table, g->dir, "study.csv", NULL) || ps_csv_open(&g->points, g->dir, "study-points.csv", NULL) ||
	    ps_csv_open(&g->wall, g->dir, "study-wall.csv", "run,wall_s")) {
		snprintf(g->err, g->size, "%s: cannot write: %s", g->dir, strerror(errno));
		return -1;
	}
	fputs("run,point,replication", g->table.f);
	put_names(g->table.f, g->s);
	for (size_t i = 0; i < g->cols.n; i++)
		if (i != g->cols.wall)
			fprintf(g->table.f, ",%s", g->cols.names[i]);
	fputc('\n', g->table.f);
	fputs("point", g->points.f);
	put_names(g->points.f, g->s);
	fputs(",metric,mean,ci95_low,ci95_high,n\n", g->points.f);
	return 0;
}

enum ps_status ps_study_merge(const struct ps_study *s, const char *dir, struct ps_study_merged *m, char *err,
			      size_t size)
{
	struct merge g = { .s = s, .dir = dir, .err = err, .size = size };
	memset(m, 0, sizeof(*m));
	columns_of_summary(&g.cols);
	g.x = malloc(((size_t)s->replications + 1) * g.cols.nmetrics * sizeof(double));
	g.missing = calloc(s->nruns + 1, sizeof(bool));
	int rc = -1;
	if (!g.x || !g.missing)
		snprintf(err, size, "%s: out of memory", dir);
	else
		rc = open_files(&g);
	for (size_t p = 0; rc == 0 && p < s->npoints; p++) {
		for (unsigned r = 0; rc == 0 && r < s->replications; r++)
			rc = merge_run(&g, p * s->replications + r, g.x + (size_t)r * g.cols.nmetrics);
		if (rc == 0)
			point_rows(&g, p);
	}
	if (rc == 0 && (ps_csv_commit(&g.table) || ps_csv_commit(&g.points) || ps_csv_commit(&g.wall))) {
		snprintf(err, size, "%s: cannot write: %s", dir, strerror(errno));
		rc = -1;
	}
	ps_csv_abort(&g.table);
	ps_csv_abort(&g.points);
	ps_csv_abort(&g.wall);
	if (rc == 0) {
		for (size_t k = 0; k < s->nruns; k++)
			m->missing += g.missing[k];
		m->merged = s->nruns - m->missing;
		m->missing_runs = ps_st_ranges(g.missing, s->nruns);
		if (!m->missing_runs) {
			snprintf(err, size, "%s: out of memory", dir);
			rc = -1;
		}
	}
	free(g.x);
	free(g.missing);
	return rc == 0 ? PS_DONE : PS_FAILED;
}

void ps_study_merged_fini(struct ps_study_merged *m)
{
	free(m->missing_runs);
	memset(m, 0, sizeof(*m));
}
