/*
 * The input files a scenario names: replayed traces (trace_file) and
 * empirical durations (duration_file). Read here, at resolve time, so the
 * workload draws from numbers in memory and never touches a file. Traces
 * can hold millions of rows, hence the strict hand-written field parsers.
 * Every error names the file and line, the bad value and what is expected.
 */
#include "load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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

/* After the last line: 0, or -1 with err when reading failed or the file held no entry (what: "rows; ..."). */
static int finish(FILE *f, const char *path, size_t n, const char *what, char *err, size_t size)
{
	if (ferror(f)) {
		say(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (!n) {
		say(err, size, "%s: holds no %s", path, what);
		return -1;
	}
	return 0;
}

/* ---- empirical durations ---- */

int ps_load_durations(const char *path, double **values, size_t *n, char *err, size_t size)
{
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
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			double *e = realloc(*values, cap * sizeof(*e));
			if (!e) {
				say(err, size, "%s: out of memory", path);
				goto out;
			}
			*values = e;
		}
		(*values)[(*n)++] = v > PS_MAX_DURATION_S ? PS_MAX_DURATION_S : v;
	}
	rc = finish(f, path, *n, "duration; expected one number of seconds per line", err, size);
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

int ps_load_trace(struct ps_dst_table *t, struct ps_pop_dsts *pd, const char *path,
		  struct ps_replay_row **rows, size_t *nrows, char *err, size_t size)
{
	const uint32_t base = pd->n; /* destination numbers address the configured ones only */
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
		double ts;
		if (!parse_seconds(fld[0], &ts)) {
			say(err, size, "%s:%lu: t_s \"%.40s\" in row \"%s\" is not a number of seconds >= 0",
			    path, lineno, fld[0], copy);
			goto out;
		}
		row.t = ps_time_from_s(ts);
		if (*nrows && row.t < (*rows)[*nrows - 1].t) {
			char a[32], prev[32];
			ps_time_format(a, sizeof(a), row.t);
			ps_time_format(prev, sizeof(prev), (*rows)[*nrows - 1].t);
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
			if (ps_load_pop_endpoint(t, pd, ep, &row.dst) != 0) {
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
			row.duration = ps_duration_from_s(d);
		}
		if (*nrows == cap) {
			cap = cap ? 2 * cap : 1024;
			struct ps_replay_row *r = realloc(*rows, cap * sizeof(*r));
			if (!r) {
				say(err, size, "%s: out of memory", path);
				goto out;
			}
			*rows = r;
		}
		(*rows)[(*nrows)++] = row;
	}
	rc = finish(f, path, *nrows, "rows; expected a header line t_s,dst[,duration_s], then rows", err,
		    size);
out:
	free(line);
	fclose(f);
	return rc;
}

double ps_load_trace_rows_before(const char *path, double end_s)
{
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
		if (end != line && t >= 0 && t < end_s)
			rows++;
	}
	free(line);
	fclose(f);
	return rows;
}
