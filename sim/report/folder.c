/*
 * Reading an output folder: small CSV files whole, by column name, and the
 * resolved scenario.ini by section and key. portsim writes its CSV files
 * without quoting, so a comma always separates cells.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

char *ps_rp_read(const char *dir, const char *name, size_t *len)
{
	char *path = ps_path_join(dir, name);
	if (!path) {
		errno = ENOMEM;
		return NULL;
	}
	char *text = ps_rp_read_path(path, len);
	free(path);
	return text;
}

char *ps_rp_read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 14, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	int failed = buf && ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

bool ps_rp_exists(const char *dir, const char *name)
{
	char *path = ps_path_join(dir, name);
	struct stat st;
	bool yes = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return yes;
}

void ps_rp_table_fini(struct ps_rp_table *t)
{
	free(t->buf);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/* Splits line (NUL-terminated, modified) at commas into up to max cells; returns how many. */
static size_t split(char *line, char **out, size_t max)
{
	size_t n = 0;
	for (;;) {
		char *comma = strchr(line, ',');
		if (comma)
			*comma = '\0';
		if (n < max)
			out[n] = line;
		n++;
		if (!comma)
			return n;
		line = comma + 1;
	}
}

int ps_rp_table_read(struct ps_rp_table *t, const char *dir, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->buf = ps_rp_read(dir, name, NULL);
	if (!t->buf)
		return -1;
	size_t lines = 0;
	for (const char *p = t->buf; *p; p++)
		lines += *p == '\n';
	lines++;
	char *line = t->buf, *next;
	for (char *p = line; *p && *p != '\n'; p++)
		t->ncols += *p == ',';
	t->ncols++;
	t->cell = calloc(lines * t->ncols, sizeof(*t->cell));
	if (!t->cell) {
		ps_rp_table_fini(t);
		errno = ENOMEM;
		return -1;
	}
	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (!*line)
			continue;
		split(line, t->cell + t->nrows * t->ncols, t->ncols);
		t->nrows++;
	}
	return 0;
}

static long column(const struct ps_rp_table *t, const char *col)
{
	for (size_t c = 0; t->nrows && c < t->ncols; c++)
		if (t->cell[c] && !strcmp(t->cell[c], col))
			return (long)c;
	return -1;
}

const char *ps_rp_cell(const struct ps_rp_table *t, size_t row, const char *col)
{
	long c = column(t, col);
	if (c < 0 || row == 0 || row >= t->nrows)
		return NULL;
	const char *v = t->cell[row * t->ncols + (size_t)c];
	return v ? v : "";
}

double ps_rp_number(const struct ps_rp_table *t, size_t row, const char *col)
{
	const char *v = ps_rp_cell(t, row, col);
	if (!v || !*v)
		return NAN;
	char *end;
	double d = strtod(v, &end);
	return end == v ? NAN : d;
}

const char *ps_rp_metric(const struct ps_rp_table *t, const char *metric)
{
	for (size_t r = 1; r < t->nrows; r++) {
		const char *m = t->cell[r * t->ncols];
		if (m && !strcmp(m, metric))
			return t->ncols > 1 && t->cell[r * t->ncols + 1] ? t->cell[r * t->ncols + 1] : "";
	}
	return NULL;
}

/* s without leading and trailing blanks, as [*b, *e). */
static void trim(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

bool ps_rp_ini_value(const char *text, const char *section, const char *key, char *buf, size_t size)
{
	bool in = false;
	size_t klen = strlen(key), slen = strlen(section);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		const char *stop = end ? end : line + strlen(line);
		const char *b = line, *e = stop;
		trim(&b, &e);
		if (b < e && *b == '[') {
			const char *close = memchr(b, ']', (size_t)(e - b));
			in = close && (size_t)(close - b - 1) == slen && !strncmp(b + 1, section, slen);
		} else if (in && (size_t)(e - b) > klen && !strncmp(b, key, klen)) {
			const char *eq = b + klen;
			while (eq < e && (*eq == ' ' || *eq == '\t'))
				eq++;
			if (eq < e && *eq == '=') {
				const char *v = eq + 1, *ve = e;
				/* A comment starts at " #" (the writer never puts one there, a hand-made file may). */
				for (const char *h = v; h < ve; h++)
					if (*h == '#' && (h == v || h[-1] == ' ' || h[-1] == '\t')) {
						ve = h;
						break;
					}
				trim(&v, &ve);
				snprintf(buf, size, "%.*s", (int)(ve - v), v);
				return true;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}
