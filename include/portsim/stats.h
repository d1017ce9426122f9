/*
 * The statistics the analyses report: means and Student-t confidence
 * intervals over independent replications (docs/field.md#replications-and-confidence-intervals).
 */
#ifndef PORTSIM_STATS_H
#define PORTSIM_STATS_H

#include <stddef.h>
#include <stdio.h>

/* A 95 % confidence interval for the mean of n replications. */
struct ps_ci {
	double mean;
	double sd;        /* sample standard deviation (n - 1 in the denominator); 0 when n < 2 */
	double low, high; /* mean -/+ t(0.975, n - 1) * sd / sqrt(n); both the mean itself when n == 1 */
	size_t n;         /* observations used; 0: no interval (everything NAN) */
};

/* Arithmetic mean; NAN when n == 0. */
double ps_stats_mean(const double *x, size_t n);

/* Sample standard deviation; 0 when n < 2. */
double ps_stats_sd(const double *x, size_t n);

/*
 * The 97.5 % quantile of Student's t with dof degrees of freedom (dof >= 1):
 * exact to 6 digits from a table up to 30, a Cornish-Fisher expansion about
 * the normal quantile beyond (error below 1e-5). NAN for dof == 0.
 */
double ps_stats_t975(size_t dof);

/*
 * The 95 % interval of the mean of x[0..n), skipping NAN entries (a metric
 * a replication did not have, such as the time of a failure that never
 * came). n == 1 gives the degenerate interval [mean, mean]: one replication
 * says nothing about its spread, and callers should say so.
 */
void ps_stats_ci95(const double *x, size_t n, struct ps_ci *out);

/* Half the interval's width; 0 for a single observation, NAN for none. */
double ps_ci_half_width(const struct ps_ci *ci);

/*
 * Ends a CSV row with the interval's columns, as every analysis names them
 * (mean,ci95_low,ci95_high,n): ",MEAN,LOW,HIGH,N" and a newline, numbers
 * as %.10g. The row's leading columns are the caller's.
 */
void ps_ci_write_csv(FILE *f, const struct ps_ci *ci);

#endif
