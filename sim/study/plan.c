/*
 * The plan of a study: which point and replication run K is, the value of
 * each variable there, its seed, and its scenario. A run's scenario is the
 * study file with its ${...} replaced, each line where it stood, parsed by
 * the scenario parser: a bad value at one point is reported as any
 * scenario error is, with the study's line, and the point's values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portsim/ini.h"
#include "portsim/search.h"

size_t ps_study_point(const struct ps_study *s, size_t run)
{
	return run / s->replications;
}

unsigned ps_study_replication(const struct ps_study *s, size_t run)
{
	return (unsigned)(run % s->replications);
}

const char *ps_study_value(const struct ps_study *s, size_t point, size_t v)
{
	/* The loops are nested in the order of the file, the last one the innermost. */
	size_t loop = s->vars[v].follows, stride = 1;
	for (size_t w = loop + 1; w < s->nvars; w++)
		if (s->vars[w].follows == w)
			stride *= s->vars[w].nvalues;
	return s->vars[v].values[(point / stride) % s->vars[loop].nvalues];
}

uint64_t ps_study_seed(const struct ps_study *s, uint64_t run_seed, size_t run)
{
	uint64_t base = s->has_seed ? s->seed : run_seed;
	size_t k = s->seed_set == PS_SEED_SET_REPETITION ? ps_study_replication(s, run) : run;
	return ps_replication_seed(base, (unsigned)k);
}

/* A growing string. */
struct text {
	char *buf;
	size_t len, cap;
	bool nomem;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->nomem)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = 2 * (t->len + n + 1) + 256;
		char *grown = realloc(t->buf, cap);
		if (!grown) {
			t->nomem = true;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void put_str(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* An entry's value with its ${...} replaced for run K. */
static void expand_value(const struct ps_study *s, const struct ps_study_entry *e, size_t run, struct text *t)
{
	size_t at = 0, point = ps_study_point(s, run);
	for (size_t u = 0; u < e->nuses; u++) {
		const struct ps_st_use *use = &e->uses[u];
		put(t, e->value + at, use->start - at);
		char num[32];
		if (use->var == PS_ST_RUNNUMBER || use->var == PS_ST_REPETITION) {
			snprintf(num, sizeof(num), "%zu",
				 use->var == PS_ST_RUNNUMBER ? run : (size_t)ps_study_replication(s, run));
			put_str(t, num);
		} else {
			put_str(t, ps_study_value(s, point, use->var));
		}
		at = use->end;
	}
	put_str(t, e->value + at);
}

char *ps_study_text(const struct ps_study *s, size_t run)
{
	struct text t = { 0 }, value = { 0 };
	unsigned line = 1;
	put(&t, "", 0);
	for (size_t i = 0; i < s->nentries; i++) {
		const struct ps_study_entry *e = &s->entries[i];
		for (; line < e->line; line++)
			put(&t, "\n", 1);
		if (e->study)
			continue;
		if (!e->key) {
			put_str(&t, "[");
			put_str(&t, e->section);
			put_str(&t, "]");
			continue;
		}
		value.len = 0;
		put(&value, "", 0);
		expand_value(s, e, run, &value);
		put_str(&t, e->key);
		put_str(&t, " = ");
		if (!value.nomem) {
			size_t need = ps_ini_write_value(NULL, 0, value.buf) + 1;
			char *quoted = malloc(need);
			if (quoted) {
				ps_ini_write_value(quoted, need, value.buf);
				put_str(&t, quoted);
			}
			t.nomem = t.nomem || !quoted;
			free(quoted);
		}
		t.nomem = t.nomem || value.nomem;
	}
	put(&t, "\n", 1);
	free(value.buf);
	if (t.nomem) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/* " (point P: a=1, b=x)" after a message, so a bad value is found among the points. */
static void add_point(const struct ps_study *s, size_t run, char *err, size_t size)
{
	size_t at = strlen(err);
	if (s->nvars == 0 || at + 1 >= size)
		return;
	size_t point = ps_study_point(s, run);
	at += (size_t)snprintf(err + at, size - at, " (point %zu:", point);
	for (size_t v = 0; v < s->nvars && at < size; v++)
		at += (size_t)snprintf(err + at, size - at, "%s %s=%s", v ? "," : "", s->vars[v].name,
				       ps_study_value(s, point, v));
	if (at < size)
		snprintf(err + at, size - at, ")");
}

/* The scenario of run K, its seed not yet set: 0, -1 a bad scenario, -2 out of memory. */
static int build(const struct ps_study *s, size_t run, struct ps_scenario *sc, char *err, size_t size)
{
	char *text = ps_study_text(s, run);
	if (!text) {
		snprintf(err, size, "%s: out of memory", s->origin);
		return -2;
	}
	ps_scenario_defaults(sc);
	memcpy(sc->name, s->name, sizeof(sc->name));
	memcpy(sc->dir, s->dir, sizeof(sc->dir));
	int rc = ps_scenario_parse(sc, s->origin, text, err, size);
	free(text);
	if (rc == 0 && ps_scenario_validate(sc, err, size) != 0)
		rc = -1;
	if (rc)
		add_point(s, run, err, size);
	return rc;
}

int ps_study_scenario(const struct ps_study *s, size_t run, struct ps_scenario *sc, char *err, size_t size)
{
	if (build(s, run, sc, err, size))
		return -1;
	sc->seed = ps_study_seed(s, sc->seed, run);
	return 0;
}

enum ps_status ps_study_check(const struct ps_study *s, uint64_t *seeds, char *err, size_t size)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc) {
		snprintf(err, size, "%s: out of memory", s->origin);
		return PS_FAILED;
	}
	enum ps_status st = PS_DONE;
	/* Replications share their point's text unless it names the run. */
	size_t step = s->per_run ? 1 : s->replications;
	for (size_t run = 0; run < s->nruns && st == PS_DONE; run += step) {
		int rc = build(s, run, sc, err, size);
		if (rc)
			st = rc == -2 ? PS_FAILED : PS_BAD_INPUT;
		for (size_t k = run; seeds && rc == 0 && k < run + step; k++)
			seeds[k] = ps_study_seed(s, sc->seed, k);
	}
	free(sc);
	return st;
}
