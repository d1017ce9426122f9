/*
 * Whether a key can change a run: the answer to "I set it and nothing
 * changed". A key is inert when the choice that would read it points
 * elsewhere: [nat] keys without a NAT, an arrival process's or duration
 * distribution's parameters under another one, keepalive tunables without
 * keepalive, a NAT allocator's parameters under another allocator. Those
 * are fixed by names and switches a --solve or a compare never turns. A
 * key is idle when only a count or the strategy makes it dead (retries = 0,
 * one source address, a strategy tunable): a --solve of that count, or a
 * compare over strategies, may wake it, so --set allows it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portsim/input.h"

#define BIT(x) (1u << (x))

/*
 * Keys that only some kinds of arrival process or duration distribution
 * read: bit v of readers is set when the kind whose index is v reads it.
 */
static const struct {
	const char *selector; /* "arrival" or "duration" */
	const char *key;
	unsigned readers;
} by_kind[] = {
	{ "arrival", "rate_per_s", BIT(PS_ARRIVAL_CONSTANT) | BIT(PS_ARRIVAL_POISSON) | BIT(PS_ARRIVAL_ONOFF) |
					   BIT(PS_ARRIVAL_RAMP) | BIT(PS_ARRIVAL_DIURNAL) },
	{ "arrival", "rate_end_per_s", BIT(PS_ARRIVAL_RAMP) },
	{ "arrival", "on_s", BIT(PS_ARRIVAL_ONOFF) },
	{ "arrival", "off_s", BIT(PS_ARRIVAL_ONOFF) },
	{ "arrival", "period_s", BIT(PS_ARRIVAL_DIURNAL) },
	{ "arrival", "amplitude", BIT(PS_ARRIVAL_DIURNAL) },
	{ "arrival", "burst_size", BIT(PS_ARRIVAL_BURST) },
	{ "arrival", "burst_interval_s", BIT(PS_ARRIVAL_BURST) },
	{ "arrival", "trace_file", BIT(PS_ARRIVAL_REPLAY) },
	/* A trace's rows carry their own times and destinations. */
	{ "arrival", "start_s", ~BIT(PS_ARRIVAL_REPLAY) },
	{ "arrival", "choice", ~BIT(PS_ARRIVAL_REPLAY) },
	{ "arrival", "zipf_s", ~BIT(PS_ARRIVAL_REPLAY) },
	{ "duration", "duration_s", BIT(PS_DURATION_FIXED) | BIT(PS_DURATION_EXPONENTIAL) |
					 BIT(PS_DURATION_LOGNORMAL) },
	{ "duration", "duration_sigma", BIT(PS_DURATION_LOGNORMAL) },
	{ "duration", "duration_median_s", BIT(PS_DURATION_LOGNORMAL) },
	{ "duration", "duration_shape", BIT(PS_DURATION_PARETO) },
	{ "duration", "duration_min_s", BIT(PS_DURATION_PARETO) | BIT(PS_DURATION_UNIFORM) },
	{ "duration", "duration_max_s", BIT(PS_DURATION_UNIFORM) },
	{ "duration", "duration_file", BIT(PS_DURATION_EMPIRICAL) },
};

/* [host] tunables and the strategies that read them. */
static const struct {
	const char *key;
	const char *strategy;
} by_strategy[] = {
	{ "descending", "sequential" },   { "first_port", "sequential" },
	{ "resalt_s", "linux" },          { "perturb_table_size", "linux" },
	{ "tries", "rfc6056-2" },         { "table_length", "rfc6056-4" },
	{ "increment_max", "rfc6056-5" }, { "randomcps", "freebsd-legacy" },
	{ "randomtime_s", "freebsd-legacy" }, { "udp_hash_size", "linux-udp" },
	{ "order", "windows" },           { "tcp_randomize", "xnu" },
};

/* [nat] keys and the NAT allocator that reads them. */
static const struct {
	const char *key;
	const char *allocator;
} by_allocator[] = {
	{ "random", "nf-nat" },      { "persistent", "nf-nat" }, { "block_size", "pba" },
	{ "max_blocks", "pba" },     { "block_random", "pba" },  { "dynamic", "pba" },
	{ "pool_size", "pba" },      { "sharing_ratio", "deterministic" },
	{ "ports_per_instance", "pba" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static enum ps_key_effect say(enum ps_key_effect e, char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum ps_key_effect say(enum ps_key_effect e, char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (size)
		vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return e;
}

/* The name of value v of an enumerated key. */
static const char *value_name(enum section sec, const char *key, int v)
{
	const struct key *k = ps_sc_find_key(sec, key);
	return k ? k->values[v] : "?";
}

/* "a", "a or b", "a, b or c": the values of an enumerated key whose bits are in mask. */
static void names_of(char *buf, size_t size, enum section sec, const char *key, unsigned mask)
{
	const struct key *k = ps_sc_find_key(sec, key);
	struct out o = { buf, size, 0 };
	unsigned n = 0, total = 0;
	buf[0] = '\0';
	for (unsigned i = 0; k->values[i]; i++)
		total += (mask >> i) & 1;
	for (unsigned i = 0; k->values[i]; i++) {
		if (!((mask >> i) & 1))
			continue;
		n++;
		ps_sc_outf(&o, "%s%s", n == 1 ? "" : n == total ? " or " : ", ", k->values[i]);
	}
}

static bool uses_mode(const struct ps_scenario *sc, enum ps_mode m)
{
	for (unsigned i = 0; i < sc->npop; i++)
		if (sc->pop[i].mode == m)
			return true;
	return false;
}

static bool any_keepalive(const struct ps_scenario *sc)
{
	for (unsigned i = 0; i < sc->npop; i++)
		if (sc->pop[i].keepalive)
			return true;
	return false;
}

/* Whether a population's sockets use strategy name (after "same" is resolved). */
static bool strategy_in_use(const struct ps_scenario *sc, const char *name)
{
	for (unsigned i = 0; i < sc->npop; i++)
		if (!strcmp(ps_scenario_strategy_for(sc, sc->pop[i].mode), name))
			return true;
	return false;
}

static enum ps_key_effect workload_key(const struct ps_scenario *sc, const struct ps_population *p,
				       const char *key, char *why, size_t size)
{
	char reads[128];
	for (size_t i = 0; i < COUNT(by_kind); i++) {
		const char *sel = by_kind[i].selector;
		int kind = !strcmp(sel, "arrival") ? (int)p->arrival : (int)p->duration;
		if (strcmp(by_kind[i].key, key) || (by_kind[i].readers >> kind & 1))
			continue;
		names_of(reads, sizeof(reads), SEC_WORKLOAD, sel, by_kind[i].readers);
		return say(PS_KEY_INERT, why, size, "[workload.%s] %s = %s does not read %s (%s = %s does)", p->name,
			   sel, value_name(SEC_WORKLOAD, sel, kind), key, sel, reads);
	}
	if (!strcmp(key, "duration_s") && p->duration == PS_DURATION_LOGNORMAL && p->duration_median_s > 0)
		return say(PS_KEY_INERT, why, size,
			   "[workload.%s] duration_median_s is set, and lognormal uses it instead of duration_s",
			   p->name);
	if (!strcmp(key, "zipf_s") && p->choice != PS_CHOICE_ZIPF)
		return say(PS_KEY_INERT, why, size, "[workload.%s] choice = uniform does not read zipf_s (choice = zipf does)",
			   p->name);
	if (!strcmp(key, "destinations") && p->destination_list[0])
		return say(PS_KEY_INERT, why, size,
			   "[workload.%s] destination_list is set, and it is used instead of destinations", p->name);
	if ((!strcmp(key, "max_requests") || !strcmp(key, "idle_timeout_s")) && !p->keepalive)
		return say(PS_KEY_INERT, why, size, "[workload.%s] keepalive = false does not read %s (keepalive = true does)",
			   p->name, key);
	if (!strcmp(key, "hosts") && !ps_scenario_has_nat(sc))
		return say(PS_KEY_INERT, why, size,
			   "the scenario has no NAT ([nat] allocator = none), and hosts counts the inside hosts "
			   "behind one; set nat.allocator or nat.preset, or host.addresses for one host's addresses");
	if ((!strcmp(key, "retry_delay_s") || !strcmp(key, "retry_backoff")) && p->retries == 0)
		return say(PS_KEY_IDLE, why, size, "[workload.%s] retries = 0: no failed attempt is tried again",
			   p->name);
	if (!strcmp(key, "retry_backoff") && p->retries == 1)
		return say(PS_KEY_IDLE, why, size,
			   "[workload.%s] retries = 1: the one retry waits retry_delay_s either way", p->name);
	uint32_t sources = ps_scenario_has_nat(sc) ? p->hosts : sc->addresses;
	if (!strcmp(key, "source_choice") && sources == 1)
		return say(PS_KEY_IDLE, why, size, "[workload.%s] has one source address%s: there is nothing to choose",
			   p->name, ps_scenario_has_nat(sc) ? " (hosts = 1)" : " ([host] addresses = 1)");
	return PS_KEY_ACTS;
}

static enum ps_key_effect host_key(const struct ps_scenario *sc, const char *key, char *why, size_t size)
{
	if (!strcmp(key, "addresses") && ps_scenario_has_nat(sc))
		return say(PS_KEY_INERT, why, size,
			   "behind the NAT ([nat] allocator = %s) each inside host has one address of its own; "
			   "set workload.NAME.hosts, or nat.addresses for the NAT's",
			   sc->nat.allocator);
	if (!strcmp(key, "bind_strategy") && !uses_mode(sc, PS_MODE_BIND0))
		return say(PS_KEY_INERT, why, size, "no population has mode = bind0, the sockets bind_strategy serves");
	if (!strcmp(key, "udp_strategy") && !uses_mode(sc, PS_MODE_UDP))
		return say(PS_KEY_INERT, why, size, "no population has mode = udp, the sockets udp_strategy serves");
	if (!strcmp(key, "unique") && !uses_mode(sc, PS_MODE_CONNECT) && !uses_mode(sc, PS_MODE_BIND_NO_PORT))
		return say(PS_KEY_INERT, why, size,
			   "no population has mode = connect or bind-no-port; bind0 and udp sockets are always "
			   "unique per port");
	if (!strcmp(key, "tw_reuse_delay_ms") && sc->tw_reuse == PS_TW_REUSE_NEVER)
		return say(PS_KEY_INERT, why, size, "[host] tw_reuse = 0 never takes over TIME_WAIT");
	if (!strcmp(key, "strategy") && !strategy_in_use(sc, sc->strategy))
		return say(PS_KEY_IDLE, why, size,
			   "no population's sockets use it: bind_strategy and udp_strategy serve them all");
	for (size_t i = 0; i < COUNT(by_strategy); i++)
		if (!strcmp(by_strategy[i].key, key) && !strategy_in_use(sc, by_strategy[i].strategy))
			return say(PS_KEY_IDLE, why, size,
				   "%s is read by strategy %s only, which no population's sockets use", key,
				   by_strategy[i].strategy);
	return PS_KEY_ACTS;
}

static enum ps_key_effect nat_key(const struct ps_scenario *sc, const char *key, char *why, size_t size)
{
	const struct ps_nat_settings *n = &sc->nat;
	if (!strcmp(key, "preset") || !strcmp(key, "allocator"))
		return PS_KEY_ACTS;
	if (!ps_scenario_has_nat(sc))
		return say(PS_KEY_INERT, why, size,
			   "the scenario has no NAT ([nat] allocator = none); set nat.allocator or nat.preset "
			   "to put one in front of the hosts");
	for (size_t i = 0; i < COUNT(by_allocator); i++)
		if (!strcmp(by_allocator[i].key, key) && strcmp(by_allocator[i].allocator, n->allocator))
			return say(PS_KEY_INERT, why, size, "[nat] allocator = %s does not read %s (allocator = %s does)",
				   n->allocator, key, by_allocator[i].allocator);
	if (!strcmp(key, "pool_size") && n->block_size != 0)
		return say(PS_KEY_IDLE, why, size,
			   "[nat] block_size = %u is set; pool_size sets the ports per VM only when block_size = 0",
			   (unsigned)n->block_size);
	if (!strcmp(key, "ports_per_instance") && n->block_size != 0)
		return say(PS_KEY_IDLE, why, size,
			   "[nat] block_size = %u is set; ports_per_instance sets the ports per VM only when block_size = 0",
			   (unsigned)n->block_size);
	if (!strcmp(key, "udp_timeout_s") && !uses_mode(sc, PS_MODE_UDP))
		return say(PS_KEY_INERT, why, size, "no population has mode = udp");
	if (!strcmp(key, "time_wait_s") && !uses_mode(sc, PS_MODE_CONNECT) && !uses_mode(sc, PS_MODE_BIND0) &&
	    !uses_mode(sc, PS_MODE_BIND_NO_PORT))
		return say(PS_KEY_INERT, why, size, "every population has mode = udp: no TCP connection closes");
	if (!strcmp(key, "idle_timeout_s") && !any_keepalive(sc))
		return say(PS_KEY_INERT, why, size, "no population has keepalive = true, whose idle connections it drops");
	return PS_KEY_ACTS;
}

/* Splits "SECTION.KEY" at its last dot into sec (the section's name) and *name; false if malformed. */
static bool split_key(const char *key, char *sec, size_t size, const char **name)
{
	const char *dot = strrchr(key, '.');
	if (!dot || dot == key || !dot[1] || (size_t)(dot - key) >= size)
		return false;
	memcpy(sec, key, (size_t)(dot - key));
	sec[dot - key] = '\0';
	*name = dot + 1;
	return true;
}

enum ps_key_effect ps_scenario_key_effect(const struct ps_scenario *sc, const char *key, char *why, size_t size)
{
	char sec[PS_NAME_MAX + 16], shown[PS_EXCERPT_SIZE];
	const char *name;
	if (size)
		why[0] = '\0';
	if (!split_key(key, sec, sizeof(sec), &name))
		return say(PS_KEY_UNKNOWN, why, size, "\"%s\" is not SECTION.KEY; allowed: e.g. nat.addresses, "
			   "host.addresses or workload.NAME.hosts", ps_excerpt_text(shown, sizeof(shown), key));
	enum section s = SEC_COUNT;
	const struct ps_population *p = NULL;
	for (int i = 0; i < SEC_COUNT; i++)
		if (i != SEC_WORKLOAD && !strcmp(sec, ps_sc_section_names[i]))
			s = (enum section)i;
	if (!strncmp(sec, "workload.", 9)) {
		s = SEC_WORKLOAD;
		for (unsigned i = 0; i < sc->npop && !p; i++)
			if (!strcmp(sc->pop[i].name, sec + 9))
				p = &sc->pop[i];
		if (!p) {
			char hint[PS_ERR_MAX / 2];
			ps_sc_population_hint(sc, sec + 9, false, hint, sizeof(hint));
			return say(PS_KEY_UNKNOWN, why, size, "the scenario has no population \"%s\"%s",
				   ps_excerpt_text(shown, sizeof(shown), sec + 9), hint);
		}
	}
	if (s == SEC_COUNT)
		return say(PS_KEY_UNKNOWN, why, size, "unknown section \"%s\"; allowed: %s",
			   ps_excerpt_text(shown, sizeof(shown), sec), "run, host, nat, workload.NAME");
	if (!ps_sc_find_key(s, name)) {
		struct problem pr;
		ps_sc_unknown_key(&pr, s, name);
		return say(PS_KEY_UNKNOWN, why, size, "[%s] %s: %s%s%s%s allowed: %s", sec,
			   ps_excerpt_text(shown, sizeof(shown), name), pr.text, pr.suggest[0] ? "; did you mean \"" : "",
			   pr.suggest, pr.suggest[0] ? "\"?" : ";", pr.allowed);
	}
	switch (s) {
	case SEC_WORKLOAD:
		return workload_key(sc, p, name, why, size);
	case SEC_HOST:
		return host_key(sc, name, why, size);
	case SEC_NAT:
		return nat_key(sc, name, why, size);
	case SEC_RUN:
	default:
		return PS_KEY_ACTS;
	}
}

bool ps_scenario_key_is_whole(const char *key)
{
	char sec[PS_NAME_MAX + 16];
	const char *name;
	if (!split_key(key, sec, sizeof(sec), &name))
		return false;
	enum section s = !strncmp(sec, "workload.", 9) ? SEC_WORKLOAD : SEC_COUNT;
	for (int i = 0; i < SEC_WORKLOAD; i++)
		if (!strcmp(sec, ps_sc_section_names[i]))
			s = (enum section)i;
	const struct key *k = s == SEC_COUNT ? NULL : ps_sc_find_key(s, name);
	return k && (k->type == T_U32 || k->type == T_U64);
}
