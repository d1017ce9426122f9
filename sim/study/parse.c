/*
 * Reading a study file: the INI reader's entries, kept with their lines;
 * the [study] section; every ${...} of the other values made into a
 * variable or a reference; names, references and '!' pairs resolved; the
 * number of points and runs. The scenario in it is checked later, point by
 * point (plan.c), by the scenario parser itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portsim/ini.h"
#include "portsim/search.h"
#include "portsim/trace.h"

#define FILE_MAX (1024 * 1024)
#define STUDY_KEYS "replications (or repeat), seed, seed_set, name"

/* study.csv's and study-points.csv's own columns, and OMNeT++'s predefined variables. */
static const char *const reserved[] = { "run",    "point", "replication", "runnumber", "repetition", "metric",
					"mean",   "ci95_low", "ci95_high", "n", NULL };

int ps_st_report(char *err, size_t size, const char *origin, const struct ps_study_entry *e,
		 const struct ps_st_problem *pr)
{
	int n = snprintf(err, size, "%s:%u:", origin, e->line);
	size_t at = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size;
	if (e->section && at < size)
		at += (size_t)snprintf(err + at, size - at, " [%s]", e->section);
	if (e->key && at < size)
		at += (size_t)snprintf(err + at, size - at, " %s = \"%s\"", e->key, e->value);
	if (at < size)
		at += (size_t)snprintf(err + at, size - at, ": %s", pr->text);
	if (pr->allowed[0] && at < size)
		snprintf(err + at, size - at, "; allowed: %s", pr->allowed);
	return -1;
}

static int fail(char *err, size_t size, const struct ps_study *s, const struct ps_study_entry *e,
		const char *allowed, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(char *err, size_t size, const struct ps_study *s, const struct ps_study_entry *e,
		const char *allowed, const char *fmt, ...)
{
	struct ps_st_problem pr;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pr.text, sizeof(pr.text), fmt, ap);
	va_end(ap);
	snprintf(pr.allowed, sizeof(pr.allowed), "%s", allowed);
	return ps_st_report(err, size, s->origin, e, &pr);
}

/* ---- the entries ---- */

struct reader {
	struct ps_study *s;
	size_t cap;
};

static int on_entry(void *ctx, const struct ps_ini_entry *in)
{
	struct reader *r = ctx;
	struct ps_study *s = r->s;
	if (s->nentries == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct ps_study_entry *grown = realloc(s->entries, cap * sizeof(*grown));
		if (!grown)
			return 1;
		s->entries = grown;
		r->cap = cap;
	}
	struct ps_study_entry *e = &s->entries[s->nentries];
	memset(e, 0, sizeof(*e));
	e->line = in->line;
	e->study = in->section && !strcmp(in->section, "study");
	e->section = in->section ? strdup(in->section) : NULL;
	e->key = in->key ? strdup(in->key) : NULL;
	e->value = in->key ? strdup(in->value) : NULL;
	if ((in->section && !e->section) || (in->key && (!e->key || !e->value))) {
		free(e->section);
		free(e->key);
		free(e->value);
		return 1;
	}
	s->nentries++;
	return 0;
}

static int read_entries(struct ps_study *s, char *err, size_t size)
{
	struct reader r = { s, 0 };
	struct ps_ini_error ie;
	if (ps_ini_parse(s->text, s->len, on_entry, &r, &ie) == 0)
		return 0;
	if (ie.problem == PS_INI_STOPPED || ie.problem == PS_INI_NO_MEMORY)
		snprintf(err, size, "%s: out of memory", s->origin);
	else
		snprintf(err, size, "%s:%u: \"%s\": %s; allowed: [section], key = value, # comment, or a blank line",
			 s->origin, ie.line, ie.text, ps_ini_problem_text(ie.problem));
	return -1;
}

/* ---- [study] ---- */

enum { K_REPLICATIONS, K_SEED, K_SEED_SET, K_NAME, K_COUNT };

static int whole(const char *v, unsigned long long max, unsigned long long *out)
{
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return -1;
	errno = 0;
	*out = strtoull(v, NULL, 10);
	return errno || *out > max ? -1 : 0;
}

static int study_key(struct ps_study *s, const struct ps_study_entry *e, unsigned seen[K_COUNT], char *err,
		     size_t size)
{
	const char *k = e->key, *v = e->value;
	int slot = !strcmp(k, "replications") || !strcmp(k, "repeat") ? K_REPLICATIONS
		   : !strcmp(k, "seed")				  ? K_SEED
		   : !strcmp(k, "seed_set")			  ? K_SEED_SET
		   : !strcmp(k, "name")				  ? K_NAME
								  : -1;
	if (slot < 0)
		return fail(err, size, s, e, STUDY_KEYS, "unknown key of [study]");
	if (seen[slot]) {
		return fail(err, size, s, e, "one value per key in a section (repeat is replications)",
			    "set twice (first set on line %u)", seen[slot]);
	}
	seen[slot] = e->line;
	unsigned long long x;
	switch (slot) {
	case K_REPLICATIONS:
		if (whole(v, PS_REPLICATIONS_MAX, &x) || x == 0)
			return fail(err, size, s, e, "a whole number from 1 to 1000", "bad number of replications");
		s->replications = (unsigned)x;
		return 0;
	case K_SEED:
		if (whole(v, UINT64_MAX, &x))
			return fail(err, size, s, e, "a whole number from 0 to 18446744073709551615", "bad seed");
		s->seed = x;
		s->has_seed = true;
		return 0;
	case K_SEED_SET:
		if (!strcmp(v, "repetition") || !strcmp(v, "${repetition}"))
			s->seed_set = PS_SEED_SET_REPETITION;
		else if (!strcmp(v, "runnumber") || !strcmp(v, "${runnumber}"))
			s->seed_set = PS_SEED_SET_RUNNUMBER;
		else
			return fail(err, size, s, e,
				    "repetition (replication r of every point shares a seed) or runnumber (every run "
				    "its own)",
				    "bad seed set");
		return 0;
	default:
		if (!*v || strlen(v) >= PS_NAME_MAX ||
		    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(v))
			return fail(err, size, s, e, "1 to 63 letters, digits, '_', '.' or '-'", "bad name");
		memcpy(s->name, v, strlen(v) + 1);
		return 0;
	}
}

/* ---- variables ---- */

/* What resolving needs beside the variables: where each stands, and the names still to find. */
struct pending {
	size_t *entry;               /* [nvars]: the entry defining each variable */
	char (*follow)[PS_NAME_MAX]; /* [nvars]: the name after '!', or "" */
	bool *named;                 /* [nvars] */
	size_t cap;
};

static bool is_reserved(const char *name)
{
	for (size_t i = 0; reserved[i]; i++)
		if (!strcmp(reserved[i], name))
			return true;
	/* summary.csv's columns come into study.csv beside the variables. */
	size_t n = strlen(name);
	for (const char *p = PS_SUMMARY_HEADER;; p++) {
		size_t k = strcspn(p, ",");
		if (k == n && !strncmp(p, name, n))
			return true;
		p += k;
		if (!*p)
			return false;
	}
}

static size_t find_var(const struct ps_study *s, const struct pending *pd, const char *name)
{
	for (size_t i = 0; i < s->nvars; i++)
		if ((!pd || pd->named[i]) && !strcmp(s->vars[i].name, name))
			return i;
	return (size_t)-1;
}

/* A new variable from a ${...} of entry ei: 0, or -1 with err written (-2 out of memory). */
static int define(struct ps_study *s, struct pending *pd, size_t ei, struct ps_st_body *b, char *err,
		  size_t size)
{
	const struct ps_study_entry *e = &s->entries[ei];
	char name[2 * PS_NAME_MAX + 16];
	if (b->name[0]) {
		size_t was = find_var(s, pd, b->name);
		if (was != (size_t)-1) {
			return fail(err, size, s, e, "one ${NAME=...} per name; ${NAME} elsewhere to repeat its value",
				    "variable \"%s\" defined twice (first on line %u)", b->name, s->vars[was].line);
		}
		if (is_reserved(b->name))
			return fail(err, size, s, e,
				    "a name that is not a column of study.csv or study-points.csv, runnumber or "
				    "repetition",
				    "variable name \"%s\" is taken", b->name);
		snprintf(name, sizeof(name), "%s", b->name);
	} else {
		/* Unnamed: its key, numbered when one key holds several. */
		snprintf(name, sizeof(name), "%s%s%s", e->section ? e->section : "", e->section ? "." : "", e->key);
		size_t len = strlen(name);
		for (unsigned k = 2; find_var(s, NULL, name) != (size_t)-1; k++)
			snprintf(name + len, sizeof(name) - len, ".%u", k);
	}
	if (s->nvars == pd->cap) {
		size_t cap = pd->cap ? 2 * pd->cap : 8;
		struct ps_study_var *v = realloc(s->vars, cap * sizeof(*v));
		if (v)
			s->vars = v;
		size_t *en = realloc(pd->entry, cap * sizeof(*en));
		if (en)
			pd->entry = en;
		char(*fo)[PS_NAME_MAX] = realloc(pd->follow, cap * sizeof(*fo));
		if (fo)
			pd->follow = fo;
		bool *na = realloc(pd->named, cap * sizeof(*na));
		if (na)
			pd->named = na;
		if (!v || !en || !fo || !na)
			return -2;
		pd->cap = cap;
	}
	struct ps_study_var *v = &s->vars[s->nvars];
	v->name = strdup(name);
	if (!v->name)
		return -2;
	v->values = b->values;
	v->nvalues = b->nvalues;
	v->follows = s->nvars;
	v->line = e->line;
	b->values = NULL;
	b->nvalues = 0;
	pd->entry[s->nvars] = ei;
	memcpy(pd->follow[s->nvars], b->follows, PS_NAME_MAX);
	pd->named[s->nvars] = b->name[0] != '\0';
	s->nvars++;
	return 0;
}

static int add_use(struct ps_study_entry *e, size_t start, size_t end, size_t var)
{
	struct ps_st_use *u = realloc(e->uses, (e->nuses + 1) * sizeof(*u));
	if (!u)
		return -2;
	e->uses = u;
	u[e->nuses++] = (struct ps_st_use){ start, end, var };
	return 0;
}

/* The ${...} of entry ei: definitions made, references marked (var = (size_t)-3) to resolve. */
static int scan_entry(struct ps_study *s, struct pending *pd, size_t ei, char *err, size_t size)
{
	struct ps_study_entry *e = &s->entries[ei];
	const char *where = e->key ? e->key : e->section;
	if (where && strstr(where, "${"))
		return fail(err, size, s, e, "${...} in values only", "an iteration variable in %s",
			    e->key ? "a key" : "a section name");
	if (!e->key || e->study)
		return 0;
	const char *v = e->value;
	for (size_t i = 0; v[i]; i++) {
		if (v[i] != '$' || v[i + 1] != '{')
			continue;
		size_t close = ps_st_close(v, i);
		if (!close)
			return fail(err, size, s, e, "${...} with its closing '}'", "unclosed ${");
		struct ps_st_body b;
		struct ps_st_problem pr;
		if (ps_st_body_parse(v + i + 2, close - i - 2, &b, &pr))
			return ps_st_report(err, size, s->origin, e, &pr);
		int rc = b.ref ? 0 : define(s, pd, ei, &b, err, size);
		if (rc == 0)
			rc = add_use(e, i, close + 1, b.ref ? (size_t)-3 : s->nvars - 1);
		ps_st_body_fini(&b);
		if (rc)
			return rc;
		i = close;
	}
	return 0;
}

/* Each ${NAME} gets its variable, each '!' its loop; equal lengths checked. */
static int resolve(struct ps_study *s, struct pending *pd, char *err, size_t size)
{
	for (size_t ei = 0; ei < s->nentries; ei++) {
		struct ps_study_entry *e = &s->entries[ei];
		for (size_t u = 0; u < e->nuses; u++) {
			if (e->uses[u].var != (size_t)-3)
				continue;
			/* Read before: it holds a name. */
			struct ps_st_body b;
			struct ps_st_problem pr;
			const struct ps_st_use *use = &e->uses[u];
			(void)ps_st_body_parse(e->value + use->start + 2, use->end - use->start - 3, &b, &pr);
			const char *p = b.name;
			size_t var = !strcmp(p, "runnumber")	? PS_ST_RUNNUMBER
				     : !strcmp(p, "repetition") ? PS_ST_REPETITION
								: find_var(s, pd, p);
			if (var == (size_t)-1)
				return fail(err, size, s, e,
					    "a variable defined with ${NAME=...}, ${runnumber} or ${repetition}; a single "
					    "value needs no ${}",
					    "unknown variable \"%s\"", b.name);
			s->per_run = s->per_run || var == PS_ST_RUNNUMBER || var == PS_ST_REPETITION;
			e->uses[u].var = var;
		}
	}
	/* Every '!' names another variable of as many values... */
	size_t *target = malloc((s->nvars + 1) * sizeof(*target));
	if (!target)
		return -2;
	for (size_t v = 0; v < s->nvars; v++) {
		target[v] = v;
		if (!pd->follow[v][0])
			continue;
		const struct ps_study_entry *e = &s->entries[pd->entry[v]];
		size_t t = find_var(s, pd, pd->follow[v]);
		if (t == (size_t)-1 || t == v) {
			free(target);
			return fail(err, size, s, e, "after '!', another variable defined with ${NAME=...}",
				    t == v ? "\"%s\" follows itself" : "unknown variable \"%s\" after '!'",
				    pd->follow[v]);
		}
		if (s->vars[t].nvalues != s->vars[v].nvalues) {
			free(target);
			return fail(err, size, s, e, "as many values as the variable after '!'",
				    "\"%s\" has %zu values, and \"%s\" %zu", s->vars[v].name, s->vars[v].nvalues,
				    s->vars[t].name, s->vars[t].nvalues);
		}
		target[v] = t;
	}
	/* ...and the chain from each ends at a loop of its own. */
	int rc = 0;
	for (size_t v = 0; v < s->nvars && rc == 0; v++) {
		size_t root = v, steps = 0;
		while (target[root] != root && steps++ <= s->nvars)
			root = target[root];
		if (steps > s->nvars)
			rc = fail(err, size, s, &s->entries[pd->entry[v]], "'!' chains that end at a variable without '!'",
				  "\"%s\" follows a circle of variables", s->vars[v].name);
		s->vars[v].follows = root;
	}
	free(target);
	return rc;
}

static int count_runs(struct ps_study *s, char *err, size_t size)
{
	double points = 1;
	for (size_t v = 0; v < s->nvars; v++)
		if (s->vars[v].follows == v)
			points *= (double)s->vars[v].nvalues;
	if (points * s->replications > PS_STUDY_RUNS_MAX) {
		snprintf(err, size, "%s: %.0f points x %u replications = %.0f runs; allowed: at most %d runs",
			 s->origin, points, s->replications, points * s->replications, PS_STUDY_RUNS_MAX);
		return -1;
	}
	s->npoints = (size_t)points;
	s->nruns = s->npoints * s->replications;
	return 0;
}

static void name_and_dir(struct ps_study *s, const char *origin)
{
	const char *slash = strrchr(origin, '/'), *base = slash ? slash + 1 : origin;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	snprintf(s->name, sizeof(s->name), "%.*s", (int)(n < PS_NAME_MAX ? n : PS_NAME_MAX - 1), base);
	int d = !slash ? 0 : slash == origin ? 1 : (int)(slash - origin);
	snprintf(s->dir, sizeof(s->dir), "%.*s", d ? d : 1, d ? origin : ".");
}

static int parse(struct ps_study *s, struct pending *pd, char *err, size_t size)
{
	if (read_entries(s, err, size))
		return -1;
	unsigned seen[K_COUNT] = { 0 };
	for (size_t i = 0; i < s->nentries; i++) {
		struct ps_study_entry *e = &s->entries[i];
		int rc = e->study && e->key ? study_key(s, e, seen, err, size) : scan_entry(s, pd, i, err, size);
		if (rc == -2)
			snprintf(err, size, "%s: out of memory", s->origin);
		if (rc)
			return -1;
	}
	int rc = resolve(s, pd, err, size);
	if (rc == -2)
		snprintf(err, size, "%s: out of memory", s->origin);
	return rc || count_runs(s, err, size) ? -1 : 0;
}

int ps_study_parse(struct ps_study *s, const char *origin, const char *text, size_t len, char *err,
		   size_t size)
{
	memset(s, 0, sizeof(*s));
	s->replications = 1;
	name_and_dir(s, origin);
	s->origin = strdup(origin);
	s->text = malloc(len + 1);
	if (!s->origin || !s->text) {
		snprintf(err, size, "%s: out of memory", origin);
		ps_study_fini(s);
		return -1;
	}
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->len = len;
	struct pending pd = { 0 };
	int rc = parse(s, &pd, err, size);
	free(pd.entry);
	free(pd.follow);
	free(pd.named);
	if (rc)
		ps_study_fini(s);
	return rc;
}

int ps_study_load(struct ps_study *s, const char *path, char *err, size_t size)
{
	size_t len;
	char *text = ps_st_read(path, FILE_MAX, &len);
	memset(s, 0, sizeof(*s));
	if (!text) {
		if (errno == EFBIG)
			snprintf(err, size, "%s: too big for a study; allowed: at most %d bytes (1 MiB)", path, FILE_MAX);
		else
			snprintf(err, size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	int rc = -1;
	if (memchr(text, '\0', len))
		snprintf(err, size, "%s: contains a NUL byte; allowed: a text file", path);
	else
		rc = ps_study_parse(s, path, text, len, err, size);
	free(text);
	return rc;
}

void ps_study_fini(struct ps_study *s)
{
	for (size_t i = 0; i < s->nentries; i++) {
		free(s->entries[i].section);
		free(s->entries[i].key);
		free(s->entries[i].value);
		free(s->entries[i].uses);
	}
	for (size_t v = 0; v < s->nvars; v++) {
		for (size_t i = 0; i < s->vars[v].nvalues; i++)
			free(s->vars[v].values[i]);
		free(s->vars[v].values);
		free(s->vars[v].name);
	}
	free(s->entries);
	free(s->vars);
	free(s->origin);
	free(s->text);
	memset(s, 0, sizeof(*s));
}
