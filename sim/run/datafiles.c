/*
 * The input files a scenario names: replayed traces (trace_file) and
 * empirical durations (duration_file). Read here, at resolve time, so the
 * workload draws from numbers in memory and never touches a file. Traces
 * can hold millions of rows, hence the strict hand-written field parsers.
 * Every error names the file and line, the bad value and what is expected,
 * showing no more of the file than a short excerpt. Only regular files of
 * at most PS_DATA_FILE_MAX bytes are read (portsim/input.h).
 */
#include "load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "portsim/input.h"
#include "portsim/scenario.h"

static void say(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t size, const char *fmt, ...)
{
	if (!err || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

void ps_load_path(char *out, size_t size, const char *dir, const char *path)
{
	if (path[0] == '/' || !dir[0] || !strcmp(dir, "."))
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%s/%s", dir, path);
}

/* ---- fields ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* A number of seconds >= 0 filling all of s, in the grammar of portsim/input.h. */
static bool parse_seconds(const char *s, double *out)
{
	double v;
	if (ps_number_real(s, &v) != PS_NUMBER_OK || v < 0)
		return false;
	*out = v;
	return true;
}

/* "a.b.c.d:port", and nothing else. */
static bool parse_endpoint(const char *s, struct ps_endpoint *ep)
{
	size_t n = ps_endpoint_scan(s, ep);
	return n && !s[n];
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

/*
 * Opens a data file; NULL with err (PATH: why) unless it is a regular file
 * within PS_DATA_FILE_MAX. shown gets the path as messages show it.
 */
static FILE *open_data(const char *path, char *shown, size_t ssize, char *err, size_t size)
{
	char why[PS_ERR_MAX / 2];
	ps_excerpt_name(shown, ssize, path);
	FILE *f = ps_input_open(path, PS_DATA_FILE_MAX, NULL, why, sizeof(why));
	if (!f)
		say(err, size, "%s: %s", shown, why);
	return f;
}

/*
 * After the last line: 0, or -1 with err when reading stopped short of the
 * end (getline's out of memory looks like the end unless feof says
 * otherwise) or the file held no entry (what: "rows; ...").
 */
static int finish(FILE *f, const char *shown, size_t n, const char *what, char *err, size_t size)
{
	if (ferror(f) || !feof(f)) {
		say(err, size, "%s: cannot read: %s", shown, errno == ENOMEM ? "out of memory" : strerror(errno));
		return -1;
	}
	if (!n) {
		say(err, size, "%s: holds no %s", shown, what);
		return -1;
	}
	return 0;
}

/* Drops a UTF-8 byte order mark, which spreadsheets put at the start of the files they write. */
static void drop_bom(char *line, ssize_t *len)
{
	if (*len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		memmove(line, line + 3, (size_t)*len - 2);
		*len -= 3;
	}
}

/* ---- empirical durations ---- */

/* A line with a NUL byte in it: getline keeps it, but every string function would stop there. */
static bool has_nul(const char *line, ssize_t len)
{
	return memchr(line, '\0', (size_t)len) != NULL;
}

int ps_load_durations(const char *path, double **values, size_t *n, char *err, size_t size)
{
	char shown[PS_EXCERPT_NAME_SIZE], text[PS_EXCERPT_SIZE];
	FILE *f = open_data(path, shown, sizeof(shown), err, size);
	if (!f)
		return -1;
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	unsigned long lineno = 0;
	int rc = -1;
	ssize_t len;
	while ((len = getline(&line, &linecap, f)) != -1) {
		lineno++;
		if (lineno == 1)
			drop_bom(line, &len);
		if (has_nul(line, len)) {
			say(err, size, "%s:%lu: holds a NUL byte; expected one duration in seconds per line", shown,
			    lineno);
			goto out;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		double v;
		if (!parse_seconds(s, &v)) {
			say(err, size,
			    "%s:%lu: \"%s\" is not a number of seconds; expected one duration >= 0 "
			    "per line",
			    shown, lineno, ps_excerpt_text(text, sizeof(text), s));
			goto out;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			double *e = realloc(*values, cap * sizeof(*e));
			if (!e) {
				say(err, size, "%s: out of memory", shown);
				goto out;
			}
			*values = e;
		}
		(*values)[(*n)++] = v > PS_MAX_DURATION_S ? PS_MAX_DURATION_S : v;
	}
	rc = finish(f, shown, *n, "duration; expected one number of seconds per line", err, size);
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- replayed traces ---- */

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

/* What reading a trace carries from row to row. */
struct trace_reader {
	struct ps_dst_table *t;
	struct ps_pop_dsts *pd;
	uint32_t base; /* destination numbers address the configured destinations only */
	bool has_duration;
	struct ps_replay_row *rows;
	size_t n, cap;
	size_t window; /* the first row less than a second before the last one */
	const char *shown;
	unsigned long lineno;
};

/* One row after the header; 0, or -1 with err. */
static int trace_row(struct trace_reader *r, char *line, char *err, size_t size)
{
	char text[PS_EXCERPT_SIZE], whole[PS_EXCERPT_SIZE];
	char *fld[3];
	/* The row as written, for messages: split() cuts it up. */
	ps_excerpt_text(whole, sizeof(whole), trim(line));
	size_t n = split(line, fld, 3);
	if (n < 2 || n > (r->has_duration ? 3u : 2u)) {
		say(err, size, "%s:%lu: row \"%s\" has %zu fields; expected %s", r->shown, r->lineno, whole, n,
		    r->has_duration ? "t_s,dst[,duration_s]" : "t_s,dst as the header says");
		return -1;
	}
	struct ps_replay_row row = { .duration = PS_TIME_MAX };
	double ts;
	if (!parse_seconds(fld[0], &ts)) {
		say(err, size, "%s:%lu: t_s \"%s\" in row \"%s\" is not a number of seconds >= 0", r->shown,
		    r->lineno, ps_excerpt_text(text, sizeof(text), fld[0]), whole);
		return -1;
	}
	row.t = ps_time_from_s(ts);
	if (r->n && row.t < r->rows[r->n - 1].t) {
		char a[32], prev[32];
		ps_time_format(a, sizeof(a), row.t);
		ps_time_format(prev, sizeof(prev), r->rows[r->n - 1].t);
		say(err, size, "%s:%lu: t_s %s goes back in time (previous %s); expected rows in nondecreasing time",
		    r->shown, r->lineno, a, prev);
		return -1;
	}
	/* A trace is an arrival process too, held to the same cap on attempts per second. */
	while (r->window < r->n && r->rows[r->window].t + PS_NS_PER_S <= row.t)
		r->window++;
	if (r->n - r->window + 1 > PS_MAX_RATE_PER_S) {
		char a[32];
		ps_time_format(a, sizeof(a), r->rows[r->window].t);
		say(err, size,
		    "%s:%lu: more than %d rows within one second from t_s %s; allowed: at most %d attempts "
		    "per second, the cap of rate_per_s",
		    r->shown, r->lineno, PS_MAX_RATE_PER_S, a, PS_MAX_RATE_PER_S);
		return -1;
	}
	struct ps_endpoint ep;
	if (parse_dst_number(fld[1], r->base, &row.dst)) {
		/* a number: row.dst is set */
	} else if (parse_endpoint(fld[1], &ep)) {
		if (ps_load_pop_endpoint(r->t, r->pd, ep, &row.dst) != 0) {
			say(err, size, "%s: out of memory", r->shown);
			return -1;
		}
	} else {
		say(err, size, "%s:%lu: dst \"%s\" is not an address:port or a destination number below %u",
		    r->shown, r->lineno, ps_excerpt_text(text, sizeof(text), fld[1]), r->base);
		return -1;
	}
	if (n == 3 && *fld[2]) {
		double d;
		if (!parse_seconds(fld[2], &d)) {
			say(err, size,
			    "%s:%lu: duration_s \"%s\" is not a number of seconds >= 0 (or empty, to draw it)",
			    r->shown, r->lineno, ps_excerpt_text(text, sizeof(text), fld[2]));
			return -1;
		}
		row.duration = ps_duration_from_s(d);
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct ps_replay_row *grown = realloc(r->rows, cap * sizeof(*grown));
		if (!grown) {
			say(err, size, "%s: out of memory", r->shown);
			return -1;
		}
		r->rows = grown;
		r->cap = cap;
	}
	r->rows[r->n++] = row;
	return 0;
}

int ps_load_trace(struct ps_dst_table *t, struct ps_pop_dsts *pd, const char *path,
		  struct ps_replay_row **rows, size_t *nrows, char *err, size_t size)
{
	char shown[PS_EXCERPT_NAME_SIZE], text[PS_EXCERPT_SIZE];
	FILE *f = open_data(path, shown, sizeof(shown), err, size);
	if (!f)
		return -1;
	struct trace_reader r = { .t = t, .pd = pd, .base = pd->n, .rows = *rows, .n = *nrows, .shown = shown };
	char *line = NULL;
	size_t linecap = 0;
	bool header = false;
	int rc = -1;
	ssize_t len;
	while ((len = getline(&line, &linecap, f)) != -1) {
		r.lineno++;
		if (r.lineno == 1)
			drop_bom(line, &len);
		if (has_nul(line, len)) {
			say(err, size, "%s:%lu: holds a NUL byte; expected a CSV of t_s,dst[,duration_s]", shown,
			    r.lineno);
			goto out;
		}
		if (is_blank(line))
			continue;
		if (!header) {
			ps_excerpt_text(text, sizeof(text), trim(line));
			if (!header_ok(line, &r.has_duration)) {
				say(err, size,
				    "%s:%lu: header \"%s\" is not t_s,dst or t_s,dst,duration_s; expected a "
				    "header line, then rows of a time in seconds and a destination",
				    shown, r.lineno, text);
				goto out;
			}
			header = true;
			continue;
		}
		if (trace_row(&r, line, err, size) != 0)
			goto out;
	}
	rc = finish(f, shown, r.n, "rows; expected a header line t_s,dst[,duration_s], then rows", err, size);
out:
	*rows = r.rows;
	*nrows = r.n;
	free(line);
	fclose(f);
	return rc;
}

double ps_load_trace_rows_before(const char *path, double end_s)
{
	char why[PS_ERR_MAX / 2];
	FILE *f = ps_input_open(path, PS_DATA_FILE_MAX, NULL, why, sizeof(why));
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
		char *comma = strchr(line, ',');
		if (comma)
			*comma = '\0';
		double t;
		if (parse_seconds(trim(line), &t) && t < end_s)
			rows++;
	}
	free(line);
	fclose(f);
	return rows;
}
