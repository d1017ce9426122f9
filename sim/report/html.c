/*
 * Writing HTML: escaped text, numbers a reader and a test can both read,
 * and gnuplot's SVG files made inline. Several inline SVGs share one id
 * space, and gnuplot names its clip paths and point symbols the same in
 * every file, so each figure's ids get a prefix of their own.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void ps_rp_text(FILE *f, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f);
		}
	}
}

void ps_rp_textf(FILE *f, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ps_rp_text(f, buf);
}

void ps_rp_num(FILE *f, const char *col, const char *value, const char *shown)
{
	fputs("<data class=\"num\" data-col=\"", f);
	ps_rp_text(f, col);
	fputs("\" value=\"", f);
	ps_rp_text(f, value);
	fputs("\">", f);
	ps_rp_text(f, shown);
	fputs("</data>", f);
}

void ps_rp_commas(char *buf, size_t size, double v)
{
	char digits[64];
	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	size_t n = strlen(digits), o = 0;
	if (v <= -0.5 && o + 1 < size)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (size)
		buf[o < size ? o : size - 1] = '\0';
}

void ps_rp_ordinal(char *buf, size_t size, double v)
{
	char n[64];
	ps_rp_commas(n, sizeof(n), v);
	long long k = llround(fabs(v));
	const char *suffix = "th";
	if (k % 100 < 11 || k % 100 > 13)
		suffix = k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
	snprintf(buf, size, "%s%s", n, suffix);
}

void ps_rp_short(char *buf, size_t size, double v, int digits)
{
	/* Not %g: it would print 1234.5 as 1.23e+03 to a class. */
	if (fabs(v) >= 1e15 || (v != 0 && fabs(v) < 1e-4)) {
		snprintf(buf, size, "%.*g", digits, v);
		return;
	}
	/* Digits before the point (negative for 0.00x): the rest of the budget goes after it. */
	int whole = v == 0 ? 1 : (int)floor(log10(fabs(v))) + 1;
	int decimals = digits - whole > 0 ? digits - whole : 0;
	snprintf(buf, size, "%.*f", decimals, v);
	if (strchr(buf, '.')) {
		size_t n = strlen(buf);
		while (n && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
}

/* Where s (at p, inside text) starts an id or a reference to one: the length of the part before the id. */
static size_t id_start(const char *text, const char *p)
{
	static const char *const refs[] = { "href='#", "href=\"#", "url(#" };
	static const char *const ids[] = { "id='", "id=\"" };
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		if (!strncmp(p, refs[i], strlen(refs[i])))
			return strlen(refs[i]);
	/* "id=" only as an attribute of its own, not the end of another name ("grid='"). */
	if (p > text && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n'))
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (!strncmp(p, ids[i], strlen(ids[i])))
				return strlen(ids[i]);
	return 0;
}

int ps_rp_svg(FILE *f, const char *dir, const char *name, const char *prefix, const char *label)
{
	char *text = ps_rp_read(dir, name, NULL);
	if (!text)
		return -1;
	const char *p = strstr(text, "<svg");
	if (!p) {
		free(text);
		errno = EINVAL;
		return -1;
	}
	fputs("<svg role=\"img\" aria-label=\"", f);
	ps_rp_text(f, label);
	fputc('"', f);
	for (p += 4; *p; p++) {
		size_t n = id_start(text, p);
		if (n) {
			fwrite(p, 1, n, f);
			fputs(prefix, f);
			p += n - 1;
			continue;
		}
		fputc(*p, f);
	}
	fputc('\n', f);
	free(text);
	return 0;
}
