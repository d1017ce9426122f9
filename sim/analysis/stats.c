#include "portsim/stats.h"

#include <math.h>

double ps_stats_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double ps_stats_sd(const double *x, size_t n)
{
	if (n < 2)
		return 0;
	double m = ps_stats_mean(x, n), s = 0;
	/* Two passes: replications often agree to many digits, where the one-pass sum of squares cancels. */
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (double)(n - 1));
}

double ps_stats_t975(size_t dof)
{
	static const double table[31] = {
		NAN,      12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624,
		2.306004, 2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450,
		2.119905, 2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658,
		2.063899, 2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
	};
	if (dof < sizeof(table) / sizeof(table[0]))
		return table[dof];
	/* Cornish-Fisher: the plain normal 1.96 would understate the interval by 2 % at 30 dof. */
	double z = 1.959963984540054, v = (double)dof, z3 = z * z * z, z5 = z3 * z * z;
	return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v);
}

void ps_stats_ci95(const double *x, size_t n, struct ps_ci *out)
{
	double sum = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		sum += x[i];
		k++;
	}
	out->n = k;
	if (k == 0) {
		out->mean = out->sd = out->low = out->high = NAN;
		return;
	}
	out->mean = sum / (double)k;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			ss += (x[i] - out->mean) * (x[i] - out->mean);
	if (k == 1) {
		out->sd = 0;
		out->low = out->high = out->mean;
		return;
	}
	out->sd = sqrt(ss / (double)(k - 1));
	double h = ps_stats_t975(k - 1) * out->sd / sqrt((double)k);
	out->low = out->mean - h;
	out->high = out->mean + h;
}

double ps_ci_half_width(const struct ps_ci *ci)
{
	if (ci->n == 0)
		return NAN;
	return (ci->high - ci->low) / 2;
}

void ps_ci_write_csv(FILE *f, const struct ps_ci *ci)
{
	fprintf(f, ",%.10g,%.10g,%.10g,%zu\n", ci->mean, ci->low, ci->high, ci->n);
}
