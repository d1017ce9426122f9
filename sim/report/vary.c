/*
 * Several runs overlaid: one scenario, one key, a run per value, each in a
 * folder of its own, listed in vary.csv for scripts/vary.gp and the
 * report. Every value is checked before the first run, so a bad one costs
 * nothing and writes nothing; the seed is the scenario's for every value,
 * so the runs differ by the key alone (common random numbers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "portsim/csv.h"

#define SYNTAX "want KEY=V1,V2,..., e.g. workload.client.rate_per_s=200,300"

/* summary.csv's columns that vary.csv repeats, after key, value and dir. */
static const char *const copied[] = {
	"attempts", "failures", "failure_ratio", "first_failure_s", "peak_established", "peak_time_wait",
};
#define NCOPIED (sizeof(copied) / sizeof(copied[0]))

void ps_vary_fini(struct ps_vary *v)
{
	free(v->buf);
	memset(v, 0, sizeof(*v));
}

/* sc with key=value applied, validated; 0 or -1 with the reason in err. */
static int apply(struct ps_scenario *out, const struct ps_scenario *sc, const struct ps_vary *v, size_t i, char *err,
		 size_t size)
{
	char assignment[PS_ERR_MAX], why[PS_ERR_MAX];
	memcpy(out, sc, sizeof(*out));
	snprintf(assignment, sizeof(assignment), "%s=%s", v->key, v->values[i]);
	if (ps_scenario_set(out, assignment, why, sizeof(why)) != 0 || ps_scenario_validate(out, why, sizeof(why)) != 0) {
		snprintf(err, size, "--vary %s=%s: %s", v->key, v->values[i], why);
		return -1;
	}
	return 0;
}

static char *trimmed(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

int ps_vary_parse(struct ps_vary *v, const char *spec, const struct ps_scenario *sc, char *err, size_t size)
{
	memset(v, 0, sizeof(*v));
	const char *eq = strchr(spec, '=');
	size_t klen = eq ? (size_t)(eq - spec) : 0;
	if (!eq || klen == 0 || klen >= sizeof(v->key) || !memchr(spec, '.', klen)) {
		snprintf(err, size, "--vary \"%s\": %s", spec, SYNTAX);
		return -1;
	}
	char key[sizeof(v->key)] = "";
	memcpy(key, spec, klen);
	snprintf(v->key, sizeof(v->key), "%s", trimmed(key));
	if (!(v->buf = strdup(eq + 1))) {
		snprintf(err, size, "--vary: out of memory");
		return -1;
	}
	for (char *p = v->buf, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *value = trimmed(p);
		if (!*value || v->n == PS_VARY_MAX) {
			if (*value)
				snprintf(err, size, "--vary \"%s\": more than %d values; allowed: 1 to %d", spec,
					 PS_VARY_MAX, PS_VARY_MAX);
			else
				snprintf(err, size, "--vary \"%s\": an empty value; %s", spec, SYNTAX);
			ps_vary_fini(v);
			return -1;
		}
		for (size_t i = 0; i < v->n; i++)
			if (!strcmp(v->values[i], value)) {
				snprintf(err, size, "--vary \"%s\": %s given twice; each value runs once", spec, value);
				ps_vary_fini(v);
				return -1;
			}
		v->values[v->n++] = value;
	}
	struct ps_scenario *copy = malloc(sizeof(*copy));
	int rc = copy ? 0 : -1;
	if (!copy)
		snprintf(err, size, "--vary: out of memory");
	for (size_t i = 0; rc == 0 && i < v->n; i++)
		rc = apply(copy, sc, v, i, err, size);
	free(copy);
	if (rc != 0)
		ps_vary_fini(v);
	return rc;
}

void ps_vary_dirname(const struct ps_vary *v, size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "vary-%s-%s", v->key, v->values[i]);
	for (char *p = buf; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  *p == '.' || *p == '-' || *p == '_';
		if (!ok)
			*p = '_';
	}
}

/* Appends the run's row to vary.csv from its own summary.csv, so both spell every number alike. */
static int row(FILE *f, const struct ps_vary *v, size_t i, const char *name, const char *sub, char *err, size_t size)
{
	struct ps_rp_table s;
	if (ps_rp_table_read(&s, sub, "summary.csv") != 0 || s.nrows < 2) {
		snprintf(err, size, "%s/summary.csv: %s", sub, s.nrows ? "no data row" : strerror(errno));
		ps_rp_table_fini(&s);
		return -1;
	}
	fprintf(f, "%s,%s,%s", v->key, v->values[i], name);
	for (size_t c = 0; c < NCOPIED; c++) {
		const char *cell = ps_rp_cell(&s, 1, copied[c]);
		fprintf(f, ",%s", cell ? cell : "");
	}
	fputc('\n', f);
	ps_rp_table_fini(&s);
	return 0;
}

enum ps_status ps_vary_run(const struct ps_scenario *sc, const struct ps_vary *v, const struct ps_run_options *opt,
			   const char *what, ps_vary_done_fn done, void *done_arg, char *err, size_t size)
{
	char header[256] = "key,value,dir";
	for (size_t c = 0; c < NCOPIED; c++)
		snprintf(header + strlen(header), sizeof(header) - strlen(header), ",%s", copied[c]);
	struct ps_scenario *copy = malloc(sizeof(*copy));
	struct ps_csv csv;
	if (!copy || ps_csv_open(&csv, opt->out_dir, "vary.csv", header) != 0) {
		snprintf(err, size, "%s/vary.csv: %s", opt->out_dir, strerror(copy ? errno : ENOMEM));
		free(copy);
		return PS_FAILED;
	}
	enum ps_status st = PS_DONE;
	for (size_t i = 0; st == PS_DONE && i < v->n; i++) {
		char name[PS_PATH_MAX], title[PS_ERR_MAX];
		ps_vary_dirname(v, i, name, sizeof(name));
		char *sub = ps_path_join(opt->out_dir, name);
		if (!sub || (mkdir(sub, 0777) != 0 && errno != EEXIST)) {
			snprintf(err, size, "%s/%s: cannot create: %s", opt->out_dir, name, strerror(sub ? errno : ENOMEM));
			free(sub);
			st = PS_FAILED;
			break;
		}
		struct ps_run_options o = *opt;
		o.out_dir = sub;
		struct ps_run_result res;
		if (apply(copy, sc, v, i, err, size) != 0) {
			st = PS_BAD_INPUT;
		} else if ((st = ps_run(copy, &o, &res, err, size)) == PS_DONE) {
			snprintf(title, sizeof(title), "%s, %s=%s", what ? what : sc->name, v->key, v->values[i]);
			if ((what && ps_report_write_title(sub, NULL, title, err, size) != 0) ||
			    row(csv.f, v, i, name, sub, err, size) != 0)
				st = PS_FAILED;
			else if (done)
				done(done_arg, v, i, sub, &res);
			ps_run_result_fini(&res);
		}
		free(sub);
	}
	free(copy);
	if (st != PS_DONE) {
		ps_csv_abort(&csv);
		return st;
	}
	if (ps_csv_commit(&csv) != 0) {
		snprintf(err, size, "%s/vary.csv: %s", opt->out_dir, strerror(errno));
		return PS_FAILED;
	}
	return PS_DONE;
}
