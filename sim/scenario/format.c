/*
 * Writing a scenario back: ps_scenario_format prints every key of the
 * schema with its resolved value, in table order, as INI text that reads
 * back to the same scenario. It is the scenario.ini written beside a
 * run's outputs, so its bytes are part of the output contract.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portsim/ini.h"

void ps_sc_outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* A name or path, quoted when it would not read back bare (a file name with " #" in it). */
static void put_text(struct out *o, const char *v)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	o->len += ps_ini_write_value(room ? o->buf + o->len : NULL, room, v);
}

static bool any_bit(const uint64_t *map)
{
	for (size_t i = 0; i < 1024; i++)
		if (map[i])
			return true;
	return false;
}

static void format_ports(struct out *o, const uint64_t *map)
{
	bool any = false;
	for (unsigned p = 1; p <= 65535; p++) {
		if (!ps_sc_port_in(map, p))
			continue;
		unsigned q = p;
		while (q < 65535 && ps_sc_port_in(map, q + 1))
			q++;
		ps_sc_outf(o, q > p ? "%s%u-%u" : "%s%u", any ? "," : "", p, q);
		any = true;
		p = q;
	}
}

static void format_value(struct out *o, const struct key *k, const void *base)
{
	const char *field = (const char *)base + k->off;
	char num[40];
	double d;
	uint64_t u;
	uint32_t u32;
	int i;

	switch (k->type) {
	case T_NUMBER:
		memcpy(&d, field, sizeof(d));
		ps_sc_format_double(num, sizeof(num), d);
		ps_sc_outf(o, "%s", num);
		break;
	case T_U64:
		memcpy(&u, field, sizeof(u));
		ps_sc_outf(o, "%llu", (unsigned long long)u);
		break;
	case T_U32:
		memcpy(&u32, field, sizeof(u32));
		ps_sc_outf(o, "%lu", (unsigned long)u32);
		break;
	case T_ENUM:
		memcpy(&i, field, sizeof(i));
		/* A struct filled by code, not by the parser, may hold anything. */
		for (int j = 0; j <= i; j++) {
			if (!k->values[j]) {
				i = -1;
				break;
			}
		}
		ps_sc_outf(o, "%s", i >= 0 ? k->values[i] : "?");
		break;
	case T_BOOL:
		ps_sc_outf(o, "%s", *(const bool *)field ? "true" : "false");
		break;
	case T_STRATEGY:
	case T_STRATEGY_OR_SAME:
	case T_PROFILE:
	case T_PRESET:
	case T_NATALLOC:
	case T_PATH:
	case T_ENDPOINTS:
	case T_NAME:
		put_text(o, field);
		break;
	case T_RANGE: {
		uint16_t range[2];
		memcpy(range, field, sizeof(range));
		ps_sc_outf(o, "%u-%u", range[0], range[1]);
		break;
	}
	case T_PORTS:
		format_ports(o, (const uint64_t *)(const void *)field);
		break;
	case T_CLOSER:
		memcpy(&d, field, sizeof(d));
		if (d == 1.0) {
			ps_sc_outf(o, "client");
		} else if (d == 0.0) {
			ps_sc_outf(o, "server");
		} else {
			ps_sc_format_double(num, sizeof(num), d);
			ps_sc_outf(o, "%s", num);
		}
		break;
	}
}

static void format_section(struct out *o, enum section sec, const void *base)
{
	for (size_t i = 0; i < ps_sc_nkeys; i++) {
		if (ps_sc_keys[i].section != sec)
			continue;
		const void *field = (const char *)base + ps_sc_keys[i].off;
		/* An empty list is written "key =", with no space trailing. */
		bool empty = (ps_sc_keys[i].type == T_PORTS && !any_bit(field)) ||
			     ((ps_sc_keys[i].type == T_PATH || ps_sc_keys[i].type == T_ENDPOINTS) && !*(const char *)field);
		ps_sc_outf(o, "%s =%s", ps_sc_keys[i].name, empty ? "" : " ");
		format_value(o, &ps_sc_keys[i], base);
		ps_sc_outf(o, "\n");
	}
}

size_t ps_scenario_format(const struct ps_scenario *sc, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	ps_sc_outf(&o, "# portsim scenario \"%s\", fully resolved\n", sc->name);
	ps_sc_outf(&o, "\n[run]\n");
	format_section(&o, SEC_RUN, sc);
	ps_sc_outf(&o, "\n[host]\n");
	format_section(&o, SEC_HOST, sc);
	ps_sc_outf(&o, "\n[nat]\n");
	format_section(&o, SEC_NAT, &sc->nat);
	for (unsigned i = 0; i < sc->npop && i < PS_MAX_POPULATIONS; i++) {
		ps_sc_outf(&o, "\n[workload.%s]\n", sc->pop[i].name);
		format_section(&o, SEC_WORKLOAD, &sc->pop[i]);
	}
	return o.len;
}
