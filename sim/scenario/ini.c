/*
 * The INI reader (include/portsim/ini.h has the syntax). It works on a
 * private copy of the text and walks each line as a [begin, end) range, so
 * no scan can cross into the next line or past the buffer: an empty value
 * at the end of a file without a newline is just an empty range.
 */
#include "portsim/ini.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool comment_start(char c)
{
	return c == '#' || c == ';';
}

/* Narrows [*b, *e) to drop blanks at both ends, and the '\r' a CRLF line ends with. */
static void trim(char **b, char **e)
{
	while (*b < *e && blank(**b))
		(*b)++;
	while (*e > *b && (blank((*e)[-1]) || (*e)[-1] == '\r'))
		(*e)--;
}

/* What may follow a ']' or a closing quote: nothing but blanks and a comment. */
static bool only_comment(const char *p, const char *e)
{
	while (p < e && blank(*p))
		p++;
	return p == e || comment_start(*p);
}

static int fail(struct ps_ini_error *err, enum ps_ini_problem problem, unsigned line,
		const char *b, const char *e)
{
	size_t n = (size_t)(e - b);
	if (n >= sizeof(err->text))
		n = sizeof(err->text) - 1;
	err->problem = problem;
	err->line = line;
	memcpy(err->text, b, n);
	err->text[n] = '\0';
	return -1;
}

/*
 * Unquotes the value that opens at q (a '"') in place; *end gets the end
 * of the unquoted text. Fails, leaving the line as it was for the error,
 * if the closing quote is missing or anything but a comment follows it.
 */
static int unquote(char *q, const char *e, char **end)
{
	const char *close = q + 1;
	for (; close < e && *close != '"'; close++)
		if (*close == '\\' && close + 1 < e && (close[1] == '"' || close[1] == '\\'))
			close++;
	if (close == e || !only_comment(close + 1, e))
		return -1;
	char *dst = q;
	for (const char *p = q + 1; p < close; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*dst++ = *p;
	}
	*end = dst;
	return 0;
}

/* The value after '=' in [v, *e): unquoted in place, or cut at an inline comment. */
static int value_range(char **v, char **e)
{
	char *p = *v;
	while (p < *e && blank(*p))
		p++;
	if (p < *e && *p == '"') {
		*v = p;
		return unquote(p, *e, e);
	}
	/* *v follows the '=', so it opens no comment; "k = #x" is empty, "k =#x" is "#x". */
	for (p = *v + 1; p < *e; p++) {
		if (comment_start(*p) && blank(p[-1])) {
			*e = p;
			break;
		}
	}
	trim(v, e);
	return 0;
}

/* One line [b, e), already trimmed and not a comment. */
static int parse_line(char *b, char *e, unsigned line, const char **section, ps_ini_fn fn,
		      void *ctx, struct ps_ini_error *err)
{
	struct ps_ini_entry entry = { .line = line };

	if (*b == '[') {
		char *close = memchr(b, ']', (size_t)(e - b));
		if (!close || !only_comment(close + 1, e))
			return fail(err, PS_INI_BAD_SECTION, line, b, e);
		char *nb = b + 1, *ne = close;
		trim(&nb, &ne);
		*ne = '\0';
		*section = nb;
	} else {
		char *eq = memchr(b, '=', (size_t)(e - b));
		if (!eq || eq == b)
			return fail(err, PS_INI_BAD_LINE, line, b, e);
		char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
		/* Keep the line whole until it is known to be good: a failure quotes it. */
		if (value_range(&vb, &ve))
			return fail(err, PS_INI_BAD_QUOTE, line, b, e);
		trim(&kb, &ke);
		*ke = '\0';
		*ve = '\0';
		entry.key = kb;
		entry.value = vb;
	}
	entry.section = *section;
	if (fn(ctx, &entry)) {
		err->problem = PS_INI_STOPPED;
		err->line = line;
		err->text[0] = '\0';
		return -1;
	}
	return 0;
}

int ps_ini_parse(const char *text, size_t len, ps_ini_fn fn, void *ctx, struct ps_ini_error *err)
{
	static const char bom[] = "\xEF\xBB\xBF";
	const char *nul = memchr(text, '\0', len);
	if (nul)
		len = (size_t)(nul - text);
	/* Entries are strings cut from a private copy; a section's name lives on while its lines are read. */
	char *copy = malloc(len + 1);
	if (!copy)
		return fail(err, PS_INI_NO_MEMORY, 0, text, text);
	memcpy(copy, text, len);
	copy[len] = '\0';

	const char *section = NULL;
	char *end = copy + len, *b = copy;
	if (len >= 3 && !memcmp(copy, bom, 3))
		b += 3;
	int rc = 0;
	for (unsigned line = 1; rc == 0; line++) {
		char *nl = memchr(b, '\n', (size_t)(end - b));
		char *e = nl ? nl : end, *next = nl ? nl + 1 : NULL;
		trim(&b, &e);
		if (b < e && !comment_start(*b))
			rc = parse_line(b, e, line, &section, fn, ctx, err);
		if (!next)
			break;
		b = next;
	}
	free(copy);
	if (rc == 0)
		err->problem = PS_INI_OK;
	return rc;
}

const char *ps_ini_problem_text(enum ps_ini_problem problem)
{
	switch (problem) {
	case PS_INI_OK:
		return "no problem";
	case PS_INI_STOPPED:
		return "stopped by the reader's caller";
	case PS_INI_BAD_SECTION:
		return "malformed section header";
	case PS_INI_BAD_LINE:
		return "malformed line";
	case PS_INI_BAD_QUOTE:
		return "malformed quoted value";
	case PS_INI_NO_MEMORY:
		return "out of memory";
	}
	return "unknown problem";
}

/* Whether value, written bare, would read back as something else. */
static bool needs_quotes(const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return false;
	/* Written after "key = ", a leading '#' or ';' would stand after a blank: a comment. */
	if (v[0] == '"' || comment_start(v[0]) || blank(v[0]) || blank(v[n - 1]) || v[n - 1] == '\r')
		return true;
	for (size_t i = 1; i < n; i++)
		if (comment_start(v[i]) && blank(v[i - 1]))
			return true;
	return false;
}

size_t ps_ini_write_value(char *buf, size_t size, const char *value)
{
	if (!needs_quotes(value)) {
		int n = snprintf(buf, size, "%s", value);
		return n > 0 ? (size_t)n : 0;
	}
	size_t len = 0;
	/* Puts one character if it fits, keeping room for the NUL, and counts it either way. */
#define PUT(c)                                  \
	do {                                    \
		if (len + 1 < size)             \
			buf[len] = (c);         \
		len++;                          \
	} while (0)
	PUT('"');
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			PUT('\\');
		PUT(*p);
	}
	PUT('"');
#undef PUT
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}
