/*
 * Values of the schema's types: each type's parser, from the text a file
 * or --set gives to the field it fills, with one problem text for each way
 * a value can be wrong. The key table (schema.c) says which type a key has.
 * Numbers are written back (format.c, validation messages) in the shortest
 * decimal that parses to the same double, kept here beside its parser.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portsim/input.h"
#include "portsim/nat.h"
#include "portsim/profile.h"

static const char *const bool_true[] = { "true", "yes", "on", "1", NULL };
static const char *const bool_false[] = { "false", "no", "off", "0", NULL };

void ps_sc_problem(struct problem *pr, const char *text)
{
	snprintf(pr->text, sizeof(pr->text), "%s", text);
}

static bool is_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A real number in the grammar of portsim/input.h. */
static int parse_double(const char *s, double *v, struct problem *pr)
{
	switch (ps_number_real(s, v)) {
	case PS_NUMBER_OK:
		return 0;
	case PS_NUMBER_TOO_BIG:
		ps_sc_problem(pr, "out of range");
		return -1;
	case PS_NUMBER_BAD:
	default:
		ps_sc_problem(pr, "not a number");
		return -1;
	}
}

void ps_sc_format_double(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static int parse_u64(const char *s, uint64_t *v, struct problem *pr)
{
	if (s[0] == '-' && is_digits(s + 1)) {
		ps_sc_problem(pr, "out of range");
		return -1;
	}
	switch (ps_number_whole(s, v)) {
	case PS_NUMBER_OK:
		return 0;
	case PS_NUMBER_TOO_BIG:
		ps_sc_problem(pr, "out of range");
		return -1;
	case PS_NUMBER_BAD:
	default:
		ps_sc_problem(pr, "not a whole number");
		return -1;
	}
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	char buf[8];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!is_digits(buf))
		return -1;
	unsigned long x = strtoul(buf, NULL, 10);
	if (x < 1 || x > 65535)
		return -1;
	*port = (unsigned)x;
	return 0;
}

static size_t trim_len(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Parses "LO-HI" or "P" (spaces allowed around the parts). */
static int parse_span(const char *s, size_t len, unsigned *lo, unsigned *hi, bool need_dash)
{
	const char *dash = memchr(s, '-', len);
	if (!dash) {
		if (need_dash)
			return -1;
		const char *p = skip_blank(s);
		size_t n = trim_len(p, len - (size_t)(p - s));
		if (parse_port(p, n, lo))
			return -1;
		*hi = *lo;
		return 0;
	}
	const char *a = skip_blank(s);
	const char *b = skip_blank(dash + 1);
	if (parse_port(a, trim_len(a, (size_t)(dash - a)), lo) ||
	    parse_port(b, trim_len(b, len - (size_t)(b - s)), hi))
		return -1;
	return 0;
}

static void set_bit(uint64_t *map, unsigned p)
{
	map[p / 64] |= 1ULL << (p % 64);
}

bool ps_sc_port_in(const uint64_t *map, unsigned p)
{
	return map[p / 64] >> (p % 64) & 1;
}

static int set_ports(uint64_t *map, const char *v, struct problem *pr)
{
	uint64_t tmp[1024];
	memset(tmp, 0, sizeof(tmp));
	if (*v) {
		for (const char *p = v;; p++) {
			size_t len = strcspn(p, ",");
			unsigned lo, hi;
			if (parse_span(p, len, &lo, &hi, false)) {
				char shown[PS_EXCERPT_SIZE];
				snprintf(pr->text, sizeof(pr->text), "bad entry \"%s\"",
					 ps_excerpt(shown, sizeof(shown), p, len, PS_EXCERPT_CHARS));
				return -1;
			}
			if (lo > hi) {
				snprintf(pr->text, sizeof(pr->text), "range %u-%u runs backwards",
					 lo, hi);
				return -1;
			}
			for (unsigned q = lo; q <= hi; q++)
				set_bit(tmp, q);
			p += len;
			if (!*p)
				break;
		}
	}
	memcpy(map, tmp, sizeof(tmp));
	return 0;
}

static int find_value(const char *const *values, const char *v)
{
	for (int i = 0; values[i]; i++)
		if (!strcmp(values[i], v))
			return i;
	return -1;
}

size_t ps_endpoint_scan(const char *s, struct ps_endpoint *ep)
{
	const char *p = s;
	uint32_t ip = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
			v = v * 10 + (unsigned)(*p - '0');
		if (!digits || digits > 3 || v > 255 || *p != (i < 3 ? '.' : ':'))
			return 0;
		p++;
		ip = (ip << 8) | v;
	}
	unsigned port = 0, digits = 0;
	for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		port = port * 10 + (unsigned)(*p - '0');
	if (!digits || digits > 5 || port < 1 || port > 65535)
		return 0;
	if (ep)
		*ep = (struct ps_endpoint){ .ip = ip, .port = (uint16_t)port, .loopback = (ip >> 24) == 127 };
	return (size_t)(p - s);
}

size_t ps_endpoints_parse(const char *list, struct ps_endpoint *out, size_t max, const char **bad)
{
	size_t n = 0;
	const char *p = skip_blank(list);
	while (*p) {
		const char *start = p;
		struct ps_endpoint ep;
		size_t used = ps_endpoint_scan(p, &ep);
		if (!used) {
			*bad = start;
			return (size_t)-1;
		}
		p = skip_blank(p + used);
		if (*p && *p != ',') {
			*bad = start;
			return (size_t)-1;
		}
		if (out && n < max)
			out[n] = ep;
		n++;
		if (*p == ',') {
			p = skip_blank(p + 1);
			/* A trailing comma promises an entry that never comes. */
			if (!*p) {
				*bad = start;
				return (size_t)-1;
			}
		}
	}
	return n;
}

/* For a key naming a registry entry: NULL when v is one it accepts, else what is wrong. */
static const char *name_problem(enum type t, const char *v)
{
	/* A name too long for its field can be no entry's name. */
	bool fits = strlen(v) < PS_NAME_MAX, none = !strcmp(v, "none"), known;
	switch (t) {
	case T_STRATEGY:
		known = ps_alloc_find(v);
		return fits && known ? NULL : "unknown strategy";
	case T_STRATEGY_OR_SAME:
		known = ps_alloc_find(v) || !strcmp(v, "same");
		return fits && known ? NULL : "unknown strategy";
	case T_PROFILE:
		known = none || ps_profile_find(v);
		return fits && known ? NULL : "unknown profile";
	case T_PRESET:
		known = none || ps_nat_preset_find(v);
		return fits && known ? NULL : "unknown preset";
	case T_NATALLOC:
		known = none || ps_nat_find(v);
		return fits && known ? NULL : "unknown NAT allocator";
	default:
		return "not a name";
	}
}

int ps_sc_set_value(const struct key *k, void *base, const char *v, struct problem *pr)
{
	char *field = (char *)base + k->off;
	double d;
	uint64_t u;
	int i;
	unsigned lo, hi;

	pr->text[0] = pr->suggest[0] = pr->allowed[0] = '\0';
	switch (k->type) {
	case T_NUMBER:
		if (parse_double(v, &d, pr))
			break;
		if (d < strtod(k->min, NULL) || d > strtod(k->max, NULL)) {
			ps_sc_problem(pr, "out of range");
			break;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_U64:
	case T_U32:
		if (parse_u64(v, &u, pr))
			break;
		if (u < strtoull(k->min, NULL, 10) || u > strtoull(k->max, NULL, 10)) {
			ps_sc_problem(pr, "out of range");
			break;
		}
		if (k->type == T_U64) {
			memcpy(field, &u, sizeof(u));
		} else {
			uint32_t u32 = (uint32_t)u;
			memcpy(field, &u32, sizeof(u32));
		}
		return 0;
	case T_ENUM:
		i = find_value(k->values, v);
		if (i < 0) {
			ps_sc_problem(pr, "unknown value");
			break;
		}
		memcpy(field, &i, sizeof(i));
		return 0;
	case T_BOOL:
		i = find_value(bool_true, v) >= 0 ? 1 : find_value(bool_false, v) >= 0 ? 0 : -1;
		if (i < 0) {
			ps_sc_problem(pr, "not a boolean");
			break;
		}
		*(bool *)field = i;
		return 0;
	case T_STRATEGY:
	case T_STRATEGY_OR_SAME:
	case T_PROFILE:
	case T_PRESET:
	case T_NATALLOC: {
		const char *what = name_problem(k->type, v);
		if (what) {
			ps_sc_problem(pr, what);
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	case T_RANGE:
		if (parse_span(v, strlen(v), &lo, &hi, true)) {
			ps_sc_problem(pr, "not a range of ports");
			break;
		}
		if (lo > hi) {
			ps_sc_problem(pr, "low end above high end");
			break;
		}
		{
			/* lo and hi are adjacent uint16_t fields, in ps_scenario as in ps_nat_settings. */
			uint16_t range[2] = { (uint16_t)lo, (uint16_t)hi };
			memcpy(field, range, sizeof(range));
		}
		return 0;
	case T_PORTS:
		if (set_ports((uint64_t *)(void *)field, v, pr))
			break;
		return 0;
	case T_CLOSER:
		if (!strcmp(v, "client")) {
			d = 1.0;
		} else if (!strcmp(v, "server")) {
			d = 0.0;
		} else if (parse_double(v, &d, pr)) {
			ps_sc_problem(pr, "neither client, server nor a probability");
			break;
		} else if (d < 0 || d > 1) {
			ps_sc_problem(pr, "out of range");
			break;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_PATH:
		if (strlen(v) >= PS_PATH_MAX) {
			ps_sc_problem(pr, "path too long");
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case T_NAME: {
		size_t n = strlen(v);
		if (n == 0 || n >= PS_NAME_MAX || strspn(v, PS_SC_NAME_CHARS) != n) {
			ps_sc_problem(pr, "not a name");
			break;
		}
		memcpy(field, v, n + 1);
		return 0;
	}
	case T_ENDPOINTS: {
		const char *bad = NULL;
		if (strlen(v) >= PS_LIST_MAX) {
			ps_sc_problem(pr, "list too long");
			break;
		}
		if (ps_endpoints_parse(v, NULL, 0, &bad) == (size_t)-1) {
			char shown[PS_EXCERPT_SIZE];
			snprintf(pr->text, sizeof(pr->text), "bad entry \"%s\"",
				 ps_excerpt(shown, sizeof(shown), bad, strcspn(bad, ","), PS_EXCERPT_CHARS));
			break;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	}
	ps_sc_describe_allowed(k, pr->allowed, sizeof(pr->allowed));
	if (k->type == T_ENUM || k->type == T_BOOL || k->type == T_STRATEGY ||
	    k->type == T_STRATEGY_OR_SAME || k->type == T_PROFILE || k->type == T_PRESET ||
	    k->type == T_NATALLOC)
		ps_sc_suggest_from_list(pr, v, pr->allowed);
	return -1;
}

