/*
 * The one grammar for numbers (input.h): scanned by hand, then converted
 * with strtod or strtoull only once the text is known to be in the
 * grammar, so nothing the C library would also take (hexadecimal, inf,
 * nan, leading blanks, a '+') slips through.
 */
#include "portsim/input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

size_t ps_number_scan(const char *s)
{
	const char *p = s;
	size_t whole = 0, frac = 0;
	if (*p == '-')
		p++;
	for (; digit(*p); p++)
		whole++;
	if (*p == '.') {
		const char *q = p + 1;
		for (; digit(*q); q++)
			frac++;
		if (whole || frac)
			p = q;
	}
	if (!whole && !frac)
		return 0;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		if (*q == '+' || *q == '-')
			q++;
		if (digit(*q)) {
			while (digit(*q))
				q++;
			p = q;
		}
	}
	return (size_t)(p - s);
}

enum ps_number_status ps_number_real(const char *s, double *v)
{
	size_t n = ps_number_scan(s);
	if (n == 0 || s[n] != '\0')
		return PS_NUMBER_BAD;
	errno = 0;
	double x = strtod(s, NULL);
	/* Overflow comes back as inf and underflow as a tiny value, both with ERANGE. */
	if (errno == ERANGE || !isfinite(x))
		return PS_NUMBER_TOO_BIG;
	/* -0 would be written back as "0" and read back as another value. */
	*v = x + 0.0;
	return PS_NUMBER_OK;
}

enum ps_number_status ps_number_whole(const char *s, uint64_t *v)
{
	if (!digit(*s))
		return PS_NUMBER_BAD;
	for (const char *p = s; *p; p++)
		if (!digit(*p))
			return PS_NUMBER_BAD;
	errno = 0;
	unsigned long long x = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return PS_NUMBER_TOO_BIG;
	*v = x;
	return PS_NUMBER_OK;
}
