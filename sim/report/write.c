/*
 * The files written on request beside a command's outputs, for the report
 * and the figures (question.txt, title.txt, scenario.ini for compare and
 * capacity, closed_forms.csv), and drawing the figures with the project's
 * own scripts/plot. Each file is written then renamed, like the CSV files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "portsim/csv.h"


/* Writes text to dir/name, all or nothing. */
static int put(const char *dir, const char *name, const char *text, char *err, size_t size)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, name, NULL) == 0) {
		fputs(text, c.f);
		if (ps_csv_commit(&c) == 0)
			return 0;
	}
	snprintf(err, size, "%s/%s: %s", dir, name, strerror(errno));
	return -1;
}

static bool comment_line(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '#' || *p == ';';
}

static bool blank_line(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\n' || *p == '\0';
}

char *ps_report_question(const char *text)
{
	char *out = malloc(strlen(text) + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	const char *line = text;
	while (*line && blank_line(line) && strchr(line, '\n'))
		line = strchr(line, '\n') + 1;
	for (; *line && comment_line(line);) {
		const char *end = strchr(line, '\n');
		const char *stop = end ? end : line + strlen(line);
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		while (p < stop && (*p == '#' || *p == ';'))
			p++;
		if (p < stop && *p == ' ')
			p++;
		while (stop > p && stop[-1] == '\r')
			stop--;
		memcpy(out + n, p, (size_t)(stop - p));
		n += (size_t)(stop - p);
		out[n++] = '\n';
		line = end ? end + 1 : stop;
	}
	/* No blank lines at the end. */
	while (n >= 2 && out[n - 1] == '\n' && out[n - 2] == '\n')
		n--;
	out[n] = '\0';
	return out;
}

int ps_report_write_question(const char *dir, const char *path, char *err, size_t size)
{
	char *text = path ? ps_rp_read_path(path, NULL) : NULL;
	if (path && !text) {
		snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	char *q = ps_report_question(text ? text : ps_scenario_default_ini);
	free(text);
	if (!q) {
		snprintf(err, size, "%s: out of memory", dir);
		return -1;
	}
	int rc = *q ? put(dir, "question.txt", q, err, size) : 0;
	free(q);
	return rc;
}

size_t ps_report_what(char *buf, size_t size, const char *name, const char *strategy,
		      const char *const *overrides, size_t n)
{
	size_t len = 0;
	int k = snprintf(buf, size, "%s%s%s", name, strategy ? " / " : "", strategy ? strategy : "");
	len += k > 0 ? (size_t)k : 0;
	for (size_t i = 0; i < n; i++) {
		k = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, ", %s", overrides[i]);
		len += k > 0 ? (size_t)k : 0;
	}
	return len;
}

int ps_report_write_title(const char *dir, const char *title, const char *what, char *err, size_t size)
{
	size_t n = (title ? strlen(title) : 0) + strlen(what) + 3;
	char *text = malloc(n);
	if (!text) {
		snprintf(err, size, "%s/title.txt: out of memory", dir);
		return -1;
	}
	snprintf(text, n, "%s%s%s\n", title ? title : "", title ? "\n" : "", what);
	/* One title a line: a newline typed into --title would otherwise start what was run. */
	for (size_t i = 0, t = title ? strlen(title) : 0; i < t; i++)
		if (text[i] == '\n' || text[i] == '\r')
			text[i] = ' ';
	int rc = put(dir, "title.txt", text, err, size);
	free(text);
	return rc;
}

int ps_report_write_scenario(const char *dir, const struct ps_scenario *sc, char *err, size_t size)
{
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *text = malloc(need);
	if (!text) {
		snprintf(err, size, "%s/scenario.ini: out of memory", dir);
		return -1;
	}
	ps_scenario_format(sc, text, need);
	int rc = put(dir, "scenario.ini", text, err, size);
	free(text);
	return rc;
}

int ps_report_write_closed_forms(const char *dir, const struct ps_capacity_bounds *b, double target, char *err,
				 size_t size)
{
	/* The rows of capacity_summary.csv, written by the same function, so a figure reads either. */
	char text[2048] = "";
	FILE *f = fmemopen(text, sizeof(text) - 1, "w");
	if (!f) {
		snprintf(err, size, "report: %s/closed_forms.csv: %s", dir, strerror(errno));
		return -1;
	}
	fprintf(f, "metric,value\n");
	if (isnan(target))
		fprintf(f, "target_failure_ratio,\n");
	else
		fprintf(f, "target_failure_ratio,%.10g\n", target);
	ps_capacity_bounds_write(f, b);
	fclose(f);
	return put(dir, "closed_forms.csv", text, err, size);
}
