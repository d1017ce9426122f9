/*
 * Shared by the files of sim/scenario/ and by nothing else: the key
 * table's types and the helpers its four uses (reading, `portsim keys`,
 * validation, writing back) pass between them. Names with linkage carry
 * ps_sc_.
 */
#ifndef PORTSIM_SCENARIO_INTERNAL_H
#define PORTSIM_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/scenario.h"

enum section { SEC_RUN, SEC_HOST, SEC_NAT, SEC_WORKLOAD };
#define SEC_COUNT (SEC_WORKLOAD + 1)

enum type {
	T_NUMBER,   /* double in [min, max] */
	T_U64,      /* uint64_t in [min, max] */
	T_U32,      /* uint32_t in [min, max] */
	T_ENUM,     /* an int-sized enum whose value is the index in values */
	T_BOOL,     /* bool */
	T_STRATEGY, /* char[PS_NAME_MAX] holding a registry name */
	T_STRATEGY_OR_SAME, /* the same, or "same" (use [host] strategy) */
	T_PROFILE,  /* char[PS_NAME_MAX]: "none" or a profile name; applied when set */
	T_PRESET,   /* char[PS_NAME_MAX]: "none" or a NAT preset; applied when set */
	T_NATALLOC, /* char[PS_NAME_MAX]: "none" or a NAT allocator */
	T_RANGE,    /* "LO-HI" into the scenario's lo and hi */
	T_PORTS,    /* "P,LO-HI,..." into the scenario's reserved bitmap */
	T_CLOSER,   /* client | server | probability, into a double */
	T_PATH,     /* char[PS_PATH_MAX]: a file name, or nothing */
	T_ENDPOINTS, /* char[PS_LIST_MAX]: "a.b.c.d:port,...", or nothing */
	T_NAME      /* char[PS_NAME_MAX]: the scenario's name, 1 to 63 of PS_SC_NAME_CHARS */
};

/* What a scenario's name may hold: it stands in summary.csv and in messages as it is. */
#define PS_SC_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-"

struct key {
	enum section section;
	const char *name;
	enum type type;
	const char *unit;          /* shown after ranges: "seconds"; NULL if none */
	const char *def;           /* default, spelled as in a file */
	const char *min, *max;     /* T_NUMBER, T_U64, T_U32, as in a file */
	const char *const *values; /* T_ENUM, NULL-terminated */
	const char *doc;           /* one sentence */
	size_t off;                /* into ps_scenario, ps_nat_settings under [nat], or ps_population under [workload.NAME] */
};

/* explicit_keys in struct ps_scenario has one bit per key, so the table holds at most this many. */
#define PS_SC_KEYS_MAX 128

/* The schema (schema.c), in the order `portsim keys` and ps_scenario_format show it. */
extern const struct key ps_sc_keys[];
extern const size_t ps_sc_nkeys;

/* "run", "host", "nat", "workload", indexed by enum section. */
extern const char *const ps_sc_section_names[];
#define PS_SC_SECTIONS_ALLOWED "[run], [host], [nat], [workload.NAME]"

/* The key called name in sec, or NULL. */
const struct key *ps_sc_find_key(enum section sec, const char *name);

/* The allowed values of a key, as errors and `portsim keys` show them. */
void ps_sc_describe_allowed(const struct key *k, char *buf, size_t size);

/* An snprintf-like appender: len counts what was needed, buf gets what fits. */
struct out {
	char *buf;
	size_t size, len;
};

void ps_sc_outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What went wrong with one value, before it is placed in a message. */
struct problem {
	char text[160];
	char suggest[PS_NAME_MAX + 32];
	char allowed[PS_ERR_MAX];
};

/* Sets the problem's text, leaving suggestion and allowed values alone. */
void ps_sc_problem(struct problem *pr, const char *text);

/*
 * Parses v into k's field of base (the scenario, its [nat] settings or a
 * population); returns 0, or -1 with pr filled and the field left alone.
 * An empty v is a value like any other: keys that allow nothing (lists,
 * file names) take it, every other key rejects it.
 */
int ps_sc_set_value(const struct key *k, void *base, const char *v, struct problem *pr);

/* The shortest decimal that reads back as exactly v. */
void ps_sc_format_double(char *buf, size_t size, double v);

/* Whether port p is set in a 65536-bit map such as reserved. */
bool ps_sc_port_in(const uint64_t *map, unsigned p);

/* The closest candidate to a misspelt word, kept only if it is plausibly what was meant. */
struct near {
	const char *word;
	const char *best;
	size_t best_len;
	unsigned d;
};

/* Offers cand (its first len characters) as what nr->word may have meant. */
void ps_sc_near_try(struct near *nr, const char *cand, size_t len);

/* Writes prefix, the best candidate and suffix into buf, if there is a best candidate. */
void ps_sc_near_put(const struct near *nr, char *buf, size_t size, const char *prefix,
		    const char *suffix);

/* An unknown key name in sec: the problem, the closest key and every key of the section. */
void ps_sc_unknown_key(struct problem *pr, enum section sec, const char *name);

/*
 * For a message about a population name the scenario lacks: "; did you
 * mean "x"? allowed: workload.a, workload.b", and with adding the way to
 * add one (override.c).
 */
void ps_sc_population_hint(const struct ps_scenario *sc, const char *name, bool adding, char *buf,
			   size_t size);

/* Suggests into pr the closest of a list joined by ", " (as the allowed text is). */
void ps_sc_suggest_from_list(struct problem *pr, const char *word, const char *list);

#endif
