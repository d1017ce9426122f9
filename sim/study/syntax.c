/*
 * The inside of one ${...}, as OMNeT++ spells iteration variables:
 * "a, b, c", "FROM..TO", "FROM..TO step STEP", mixed in one list;
 * "NAME=" in front names the variable, "! NAME" at the end makes it
 * advance with another, and a bare "NAME" refers to one. As in OMNeT++,
 * commas inside (), [], {} or double quotes do not separate items and a
 * backslash takes away the meaning of the next character; an item wholly
 * in double quotes is its text without them (a scenario has no string
 * type), so "${"10.0.0.1:80,10.0.0.2:80", 10.0.0.3:80}" has two items.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RANGE_ALLOWED "FROM..TO or FROM..TO step STEP, with numbers (e.g. 100..1000 step 100)"
#define STR_(x) #x
#define STR(x) STR_(x)
#define VALUES_MAX_TEXT STR(PS_STUDY_VALUES_MAX)
#define LIST_ALLOWED \
	"${a, b, c}, ${FROM..TO step STEP}, ${NAME=...} to name it, ${... ! NAME} to pair it, or ${NAME}"

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

bool ps_st_is_name(const char *s, size_t n)
{
	if (n == 0 || n >= PS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i], i == 0))
			return false;
	return true;
}

/* The scanner's state over a body: quotes, escapes and bracket depth. */
struct scan {
	bool quoted, escaped;
	int depth;
};

/* Takes character c; returns true when it is plain text at depth 0 (so it may separate). */
static bool scan_step(struct scan *st, char c)
{
	if (st->escaped) {
		st->escaped = false;
		return false;
	}
	if (c == '\\') {
		st->escaped = true;
		return false;
	}
	if (c == '"') {
		st->quoted = !st->quoted;
		return false;
	}
	if (st->quoted)
		return false;
	if (c == '(' || c == '[' || c == '{') {
		st->depth++;
		return false;
	}
	if ((c == ')' || c == ']' || c == '}') && st->depth > 0) {
		st->depth--;
		return false;
	}
	return st->depth == 0;
}

size_t ps_st_close(const char *value, size_t open)
{
	struct scan st = { 0 };
	for (size_t i = open + 2; value[i]; i++)
		if (scan_step(&st, value[i]) && value[i] == '}')
			return i;
	return 0;
}

static int problem(struct ps_st_problem *pr, const char *allowed, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pr->text, sizeof(pr->text), fmt, ap);
	va_end(ap);
	snprintf(pr->allowed, sizeof(pr->allowed), "%s", allowed);
	return -1;
}

/* Items are quoted in messages up to this many bytes. */
#define SHOWN(n) (int)((n) > 200 ? 200 : (n))

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int add_value(struct ps_st_body *b, char *v)
{
	if (!v)
		return -1;
	if (b->nvalues % 16 == 0) {
		char **grown = realloc(b->values, (b->nvalues + 16) * sizeof(*grown));
		if (!grown) {
			free(v);
			return -1;
		}
		b->values = grown;
	}
	b->values[b->nvalues++] = v;
	return 0;
}

/* One number of a range, the whole of s[0..n); false when it is not one. */
static bool number(const char *s, size_t n, double *x)
{
	char buf[64];
	trim(&s, &n);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	*x = strtod(buf, &end);
	return *end == '\0' && errno == 0 && isfinite(*x);
}

/* "FROM..TO" or "FROM..TO step STEP" (its dots at item[dots]) into values: 0, -1 a problem, -2 no memory. */
static int range(struct ps_st_body *b, const char *item, size_t n, size_t dots, struct ps_st_problem *pr)
{
	double from, to, step = 1;
	const char *rest = item + dots + 2;
	size_t rn = n - dots - 2, to_len = rn;
	for (size_t i = 1; i + 4 <= rn && to_len == rn; i++)
		if (!strncmp(rest + i, "step", 4) && (rest[i - 1] == ' ' || rest[i - 1] == '\t'))
			to_len = i;
	if (!number(item, dots, &from) || !number(rest, to_len, &to) ||
	    (to_len < rn && !number(rest + to_len + 4, rn - to_len - 4, &step)))
		return problem(pr, RANGE_ALLOWED, "bad range \"%.*s\"", SHOWN(n), item);
	if (step == 0)
		return problem(pr, RANGE_ALLOWED, "range \"%.*s\" with a step of 0", SHOWN(n), item);
	double span = (to - from) / step;
	if (!isfinite(span) || span < -1e-9)
		return problem(pr, "FROM..TO with FROM <= TO, or a negative STEP from the higher number down",
			       "empty range \"%.*s\"", SHOWN(n), item);
	/* An end that the steps meet up to rounding belongs to the range (0.1..0.3 step 0.1 has 3). */
	double count = floor(span + 1e-9) + 1;
	if (count + (double)b->nvalues > PS_STUDY_VALUES_MAX)
		return problem(pr, "at most " VALUES_MAX_TEXT " values per variable",
			       "range \"%.*s\" has %.0f values", SHOWN(n), item, count);
	for (double i = 0; i < count; i++) {
		char buf[40];
		double x = from + i * step;
		snprintf(buf, sizeof(buf), "%.15g", x == 0 ? 0.0 : x); /* never "-0" */
		if (add_value(b, strdup(buf)))
			return -2;
	}
	return 0;
}

/* A literal item: one level of backslashes off; wholly in double quotes, the text between them. */
static char *literal(const char *item, size_t n)
{
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	/* Wholly quoted: the quote that opens at 0 closes at n - 1. */
	struct scan st = { 0 };
	size_t closes = 0;
	for (size_t i = 0; i < n && !closes; i++) {
		bool was = st.quoted;
		scan_step(&st, item[i]);
		if (was && !st.quoted)
			closes = i;
	}
	size_t from = 0, to = n;
	if (n >= 2 && item[0] == '"' && closes == n - 1) {
		from = 1;
		to = n - 1;
	}
	size_t k = 0;
	for (size_t i = from; i < to; i++) {
		if (item[i] == '\\' && i + 1 < to)
			i++;
		out[k++] = item[i];
	}
	out[k] = '\0';
	return out;
}

/* Where an item's ".." stands outside quotes: its index, 0 for none, (size_t)-1 at the very start. */
static size_t range_dots(const char *item, size_t len)
{
	struct scan st = { 0 };
	for (size_t j = 0; j + 1 < len; j++)
		if (scan_step(&st, item[j]) && item[j] == '.' && item[j + 1] == '.')
			return j ? j : (size_t)-1;
	return 0;
}

/* Splits the list s[0..n) at its separating commas into values. */
static int items(struct ps_st_body *b, const char *s, size_t n, struct ps_st_problem *pr)
{
	struct scan st = { 0 };
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && !(scan_step(&st, s[i]) && s[i] == ','))
			continue;
		const char *item = s + start;
		size_t len = i - start;
		start = i + 1;
		trim(&item, &len);
		if (len == 0)
			return problem(pr, "a value between every two commas; \"\" for an empty value", "empty item");
		size_t dots = range_dots(item, len);
		if (dots == (size_t)-1)
			return problem(pr, RANGE_ALLOWED, "bad range \"%.*s\"", SHOWN(len), item);
		int rc = dots ? range(b, item, len, dots, pr) : add_value(b, literal(item, len)) ? -2 : 0;
		if (rc == -2)
			return problem(pr, "a smaller study", "out of memory");
		if (rc)
			return -1;
		if (b->nvalues > PS_STUDY_VALUES_MAX)
			return problem(pr, "at most " VALUES_MAX_TEXT " values per variable",
				       "more than " VALUES_MAX_TEXT " values");
	}
	return 0;
}

int ps_st_body_parse(const char *text, size_t len, struct ps_st_body *b, struct ps_st_problem *pr)
{
	memset(b, 0, sizeof(*b));
	const char *s = text;
	size_t n = len;
	trim(&s, &n);
	if (n == 0)
		return problem(pr, LIST_ALLOWED, "empty ${}");
	if (ps_st_is_name(s, n)) {
		b->ref = true;
		memcpy(b->name, s, n);
		return 0;
	}
	/* "NAME=" in front. */
	size_t w = 0, eq;
	while (w < n && name_char(s[w], false))
		w++;
	for (eq = w; eq < n && (s[eq] == ' ' || s[eq] == '\t');)
		eq++;
	if (w > 0 && eq < n && s[eq] == '=') {
		if (!ps_st_is_name(s, w))
			return problem(pr, "a letter or '_', then letters, digits or '_' (at most 63)",
				       "bad variable name \"%.*s\"", SHOWN(w), s);
		memcpy(b->name, s, w);
		s += eq + 1;
		n -= eq + 1;
	}
	/* "! NAME" at the end. */
	struct scan st = { 0 };
	size_t bang = n;
	for (size_t i = 0; i < n; i++)
		if (scan_step(&st, s[i]) && s[i] == '!')
			bang = i;
	if (bang < n) {
		const char *f = s + bang + 1;
		size_t fn = n - bang - 1;
		trim(&f, &fn);
		if (!ps_st_is_name(f, fn))
			return problem(pr, "the name of a variable defined with ${NAME=...} after '!'",
				       "\"%.*s\" after '!' is not a variable name", SHOWN(fn), f);
		memcpy(b->follows, f, fn);
		n = bang;
	}
	if (items(b, s, n, pr)) {
		ps_st_body_fini(b);
		return -1;
	}
	return 0;
}

void ps_st_body_fini(struct ps_st_body *b)
{
	for (size_t i = 0; i < b->nvalues; i++)
		free(b->values[i]);
	free(b->values);
	b->values = NULL;
	b->nvalues = 0;
}
