/*
 * Loading a scenario: INI entries from the reader (ini.c), and --set
 * assignments, applied to struct ps_scenario through the key table. Here
 * sections open and populations are created, a profile or preset fills
 * the keys the user left alone, a key set twice is caught, and every
 * error becomes one line naming the file, line, key, value and what is
 * allowed. A failed load or --set leaves the scenario as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portsim/ini.h"
#include "portsim/input.h"
#include "portsim/profile.h"

#define POP_NAME_ALLOWED "[workload.NAME] with NAME of 1 to 63 letters, digits, '_' or '-'"

/* Where an error happened: a file line, or a --set assignment. */
struct where {
	const char *file;
	unsigned line;
	const char *assignment;
	const char *section, *key, *value;
};

/* What the file said is shown as excerpts: escaped, and cut short (portsim/input.h). */
static int report(char *err, size_t size, const struct where *w, const struct problem *pr)
{
	struct out o = { err, size, 0 };
	char name[PS_EXCERPT_NAME_SIZE], text[PS_EXCERPT_SIZE];

	if (w->assignment) {
		ps_sc_outf(&o, "--set %s", ps_excerpt_name(name, sizeof(name), w->assignment));
	} else {
		ps_sc_outf(&o, "%s:%u:", ps_excerpt_name(name, sizeof(name), w->file), w->line);
		if (w->section)
			ps_sc_outf(&o, " [%s]", ps_excerpt_text(text, sizeof(text), w->section));
		if (w->key)
			ps_sc_outf(&o, " %s", ps_excerpt_text(text, sizeof(text), w->key));
		if (w->value)
			ps_sc_outf(&o, w->key ? " = \"%s\"" : " \"%s\"", ps_excerpt_text(text, sizeof(text), w->value));
	}
	ps_sc_outf(&o, ": %s", pr->text);
	if (pr->suggest[0])
		ps_sc_outf(&o, "; did you mean \"%s\"?", pr->suggest);
	if (pr->allowed[0])
		ps_sc_outf(&o, "%s allowed: %s", pr->suggest[0] ? "" : ";", pr->allowed);
	return -1;
}

static void *section_base(struct ps_scenario *sc, enum section sec, int pop)
{
	return sec == SEC_WORKLOAD ? (void *)&sc->pop[pop] : sec == SEC_NAT ? (void *)&sc->nat : (void *)sc;
}

/* Gives every key of sec the profile names its value, unless the user set that key. */
static void apply_profile(struct ps_scenario *sc, const struct ps_profile *p, enum section sec)
{
	if (!p)
		return;
	for (const char *const *kv = p->settings; kv[0]; kv += 2) {
		const struct key *k = ps_sc_find_key(sec, kv[0]);
		struct problem pr;
		size_t i = k ? (size_t)(k - ps_sc_keys) : 0;
		if (k && !((sc->explicit_keys[i / 64] >> (i % 64)) & 1))
			(void)ps_sc_set_value(k, section_base(sc, sec, -1), kv[1], &pr);
	}
}

/* A value from the user: it outranks any profile, and a profile it names takes effect. */
static int assign(struct ps_scenario *sc, const struct key *k, enum section sec, int pop,
		  const char *v, struct problem *pr)
{
	if (ps_sc_set_value(k, section_base(sc, sec, pop), v, pr))
		return -1;
	if (sec == SEC_WORKLOAD)
		return 0;
	size_t i = (size_t)(k - ps_sc_keys);
	sc->explicit_keys[i / 64] |= 1ULL << (i % 64);
	sc->key_line[i] = 0; /* the file's line, if any, is noted by the caller */
	if (k->type == T_PROFILE)
		apply_profile(sc, ps_profile_find(sc->profile), SEC_HOST);
	if (k->type == T_PRESET)
		apply_profile(sc, ps_nat_preset_find(sc->nat.preset), SEC_NAT);
	return 0;
}

void ps_sc_unknown_key(struct problem *pr, enum section sec, const char *name)
{
	struct out o = { pr->allowed, sizeof(pr->allowed), 0 };
	struct near nr = { .word = name };

	ps_sc_problem(pr, "unknown key");
	pr->suggest[0] = pr->allowed[0] = '\0';
	for (size_t i = 0; i < ps_sc_nkeys; i++) {
		if (ps_sc_keys[i].section != sec)
			continue;
		ps_sc_outf(&o, "%s%s", o.len ? ", " : "", ps_sc_keys[i].name);
		ps_sc_near_try(&nr, ps_sc_keys[i].name, strlen(ps_sc_keys[i].name));
	}
	ps_sc_near_put(&nr, pr->suggest, sizeof(pr->suggest), "", "");
}

static void apply_defaults(enum section sec, void *base)
{
	struct problem pr;
	for (size_t i = 0; i < ps_sc_nkeys; i++)
		if (ps_sc_keys[i].section == sec)
			(void)ps_sc_set_value(&ps_sc_keys[i], base, ps_sc_keys[i].def, &pr);
}

void ps_scenario_defaults(struct ps_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "default");
	snprintf(sc->dir, sizeof(sc->dir), ".");
	ps_alloc_params_default(&sc->params);
	apply_defaults(SEC_RUN, sc);
	apply_defaults(SEC_HOST, sc);
	apply_defaults(SEC_NAT, &sc->nat);
}

static bool valid_pop_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= PS_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/*
 * Resolves "run", "host" or "workload.NAME", creating the population on
 * first sight; pop gets the population's index, or -1.
 */
static int open_section(struct ps_scenario *sc, const char *name, enum section *sec, int *pop,
			struct problem *pr)
{
	pr->text[0] = pr->suggest[0] = pr->allowed[0] = '\0';
	*pop = -1;
	if (!strcmp(name, "run")) {
		*sec = SEC_RUN;
		return 0;
	}
	if (!strcmp(name, "nat")) {
		*sec = SEC_NAT;
		return 0;
	}
	if (!strcmp(name, "host")) {
		*sec = SEC_HOST;
		return 0;
	}
	if (!strncmp(name, "workload", 8) && (name[8] == '.' || !name[8])) {
		const char *pname = name[8] ? name + 9 : "";
		if (!valid_pop_name(pname)) {
			ps_sc_problem(pr, "bad population name");
			snprintf(pr->allowed, sizeof(pr->allowed), "%s", POP_NAME_ALLOWED);
			return -1;
		}
		*sec = SEC_WORKLOAD;
		for (unsigned i = 0; i < sc->npop; i++) {
			if (!strcmp(sc->pop[i].name, pname)) {
				*pop = (int)i;
				return 0;
			}
		}
		if (sc->npop >= PS_MAX_POPULATIONS) {
			ps_sc_problem(pr, "too many populations");
			snprintf(pr->allowed, sizeof(pr->allowed),
				 "at most %d [workload.NAME] sections", PS_MAX_POPULATIONS);
			return -1;
		}
		struct ps_population *p = &sc->pop[sc->npop];
		memset(p, 0, sizeof(*p));
		memcpy(p->name, pname, strlen(pname) + 1);
		apply_defaults(SEC_WORKLOAD, p);
		*pop = (int)sc->npop++;
		return 0;
	}

	/* Compare the part before any dot, so "workloads.web" still finds workload. */
	const char *rest = strchr(name, '.');
	size_t head = rest ? (size_t)(rest - name) : strlen(name);
	char word[PS_NAME_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)(head < sizeof(word) ? head : sizeof(word) - 1),
		 name);
	struct near nr = { .word = word };
	for (size_t i = 0; i < SEC_COUNT; i++)
		ps_sc_near_try(&nr, ps_sc_section_names[i], strlen(ps_sc_section_names[i]));
	if (nr.best && !strcmp(nr.best, "workload")) {
		const char *pname = rest && rest[1] ? rest + 1 : "NAME";
		char shown[PS_NAME_MAX];
		snprintf(pr->suggest, sizeof(pr->suggest), "[workload.%s]",
			 ps_excerpt(shown, sizeof(shown), pname, strlen(pname), PS_NAME_MAX - 1));
	} else
		ps_sc_near_put(&nr, pr->suggest, sizeof(pr->suggest), "[", "]");
	ps_sc_problem(pr, "unknown section");
	snprintf(pr->allowed, sizeof(pr->allowed), "%s", PS_SC_SECTIONS_ALLOWED);
	return -1;
}

/* The parts of a --set assignment lose their outer blanks, as a file's do. */
static char *trim(char *s)
{
	s += strspn(s, " \t");
	size_t n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

static int no_memory(char *err, size_t size, const char *origin)
{
	if (size)
		snprintf(err, size, "%s: out of memory", origin);
	return -1;
}

/* What the INI reader's callback carries from line to line. */
struct reader {
	struct ps_scenario *sc;
	const char *origin;
	char *err;
	size_t size;
	enum section sec;
	int pop;
	/* Line on which each key of each section was set, to name both lines of a duplicate. */
	unsigned first[SEC_WORKLOAD + PS_MAX_POPULATIONS][PS_SC_KEYS_MAX];
};

static int key_outside_sections(const struct ps_ini_entry *e, struct where *w, struct reader *r)
{
	struct problem pr = { .text = "" };
	const struct key *k = NULL;

	ps_sc_problem(&pr, "key outside any section");
	for (size_t i = 0; i < ps_sc_nkeys && !k; i++)
		if (!strcmp(ps_sc_keys[i].name, e->key))
			k = &ps_sc_keys[i];
	if (k)
		snprintf(pr.allowed, sizeof(pr.allowed), "put it under [%s]",
			 k->section == SEC_WORKLOAD ? "workload.NAME" : ps_sc_section_names[k->section]);
	else
		snprintf(pr.allowed, sizeof(pr.allowed), "put it under %s", PS_SC_SECTIONS_ALLOWED);
	return report(r->err, r->size, w, &pr);
}

/* One header or key from the INI reader; nonzero (after writing the error) stops it. */
static int on_entry(void *ctx, const struct ps_ini_entry *e)
{
	struct reader *r = ctx;
	struct where w = { .file = r->origin, .line = e->line, .section = e->section };
	struct problem pr = { .text = "" };

	if (!e->key) {
		if (open_section(r->sc, e->section, &r->sec, &r->pop, &pr))
			return report(r->err, r->size, &w, &pr);
		return 0;
	}
	w.key = e->key;
	w.value = e->value;
	if (!e->section)
		return key_outside_sections(e, &w, r);
	const struct key *k = ps_sc_find_key(r->sec, e->key);
	if (!k) {
		w.value = NULL;
		ps_sc_unknown_key(&pr, r->sec, e->key);
		return report(r->err, r->size, &w, &pr);
	}
	int slot = r->sec == SEC_WORKLOAD ? SEC_WORKLOAD + r->pop : (int)r->sec;
	unsigned *seen = &r->first[slot][k - ps_sc_keys];
	if (*seen) {
		snprintf(pr.text, sizeof(pr.text), "set twice (first set on line %u)", *seen);
		snprintf(pr.allowed, sizeof(pr.allowed), "one value per key in a section");
		return report(r->err, r->size, &w, &pr);
	}
	if (assign(r->sc, k, r->sec, r->pop, e->value, &pr))
		return report(r->err, r->size, &w, &pr);
	*seen = e->line;
	if (r->sec != SEC_WORKLOAD)
		r->sc->key_line[k - ps_sc_keys] = e->line;
	return 0;
}

/* A line the INI reader could not read at all: the line itself, and what a line may be. */
static int syntax_error(const char *origin, const struct ps_ini_error *ie, char *err, size_t size)
{
	struct where w = { .file = origin, .line = ie->line, .value = ie->text };
	struct problem pr = { .text = "" };

	ps_sc_problem(&pr, ps_ini_problem_text(ie->problem));
	snprintf(pr.allowed, sizeof(pr.allowed), "%s",
		 ie->problem == PS_INI_BAD_SECTION ? PS_SC_SECTIONS_ALLOWED
		 : ie->problem == PS_INI_BAD_QUOTE
			 ? "a value in double quotes (\\\" for a quote, \\\\ for a backslash), then only a comment"
			 : "[section], key = value, # comment, or a blank line");
	return report(err, size, &w, &pr);
}

static int parse_text(struct ps_scenario *sc, const char *origin, const char *text, char *err,
		      size_t size)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct ps_ini_error ie;
	int rc;

	if (!r)
		return no_memory(err, size, origin);
	r->sc = sc;
	r->origin = origin;
	snprintf(sc->origin, sizeof(sc->origin), "%s", origin);
	r->err = err;
	r->size = size;
	r->pop = -1;
	rc = ps_ini_parse(text, strlen(text), on_entry, r, &ie);
	free(r);
	if (rc == 0 || ie.problem == PS_INI_STOPPED)
		return rc;
	if (ie.problem == PS_INI_NO_MEMORY)
		return no_memory(err, size, origin);
	return syntax_error(origin, &ie, err, size);
}

int ps_scenario_parse(struct ps_scenario *sc, const char *origin, const char *text, char *err,
		      size_t size)
{
	/* Parse into a copy so that a failure leaves sc as it was. */
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	int rc;

	if (!tmp)
		return no_memory(err, size, origin);
	memcpy(tmp, sc, sizeof(*tmp));
	rc = parse_text(tmp, origin, text, err, size);
	if (rc == 0)
		memcpy(sc, tmp, sizeof(*sc));
	free(tmp);
	return rc;
}

static void set_dir_from_path(struct ps_scenario *sc, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (slash && n == 0)
		n = 1; /* "/x.ini": the root */
	if (!slash)
		snprintf(sc->dir, sizeof(sc->dir), ".");
	else
		snprintf(sc->dir, sizeof(sc->dir), "%.*s", (int)n, path);
}

/* The file's stem, each character a name may not hold (see run.name) made '_'. */
static void set_name_from_path(struct ps_scenario *sc, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n >= sizeof(sc->name))
		n = sizeof(sc->name) - 1;
	for (size_t i = 0; i < n; i++)
		sc->name[i] = strchr(PS_SC_NAME_CHARS, base[i]) ? base[i] : '_';
	sc->name[n] = '\0';
	if (n == 0)
		snprintf(sc->name, sizeof(sc->name), "scenario");
}

int ps_scenario_load(struct ps_scenario *sc, const char *path, char *err, size_t size)
{
	char why[PS_ERR_MAX / 2], shown[PS_EXCERPT_NAME_SIZE];
	uint64_t bytes;
	FILE *f = ps_input_open(path, PS_SCENARIO_FILE_MAX, &bytes, why, sizeof(why));
	ps_excerpt_name(shown, sizeof(shown), path);
	if (!f) {
		snprintf(err, size, "%s: %s", shown, why);
		return -1;
	}
	char *text = malloc((size_t)bytes + 2);
	if (!text) {
		fclose(f);
		return no_memory(err, size, shown);
	}
	/* One more byte than the file had: a file still growing is caught, not cut. */
	size_t n = fread(text, 1, (size_t)bytes + 1, f);
	int rc = 0;
	if (ferror(f)) {
		snprintf(err, size, "%s: cannot read: %s", shown, strerror(errno));
		rc = -1;
	} else if (n > bytes) {
		snprintf(err, size, "%s: changed while it was read; allowed: a file that stays as it is", shown);
		rc = -1;
	} else if (memchr(text, '\0', n)) {
		snprintf(err, size, "%s: contains a NUL byte; allowed: a text file", shown);
		rc = -1;
	}
	fclose(f);
	if (rc == 0) {
		text[n] = '\0';
		char name[PS_NAME_MAX], dir[PS_PATH_MAX];
		memcpy(name, sc->name, sizeof(name));
		memcpy(dir, sc->dir, sizeof(dir));
		set_name_from_path(sc, path);
		set_dir_from_path(sc, path);
		rc = ps_scenario_parse(sc, shown, text, err, size);
		if (rc) {
			memcpy(sc->name, name, sizeof(name));
			memcpy(sc->dir, dir, sizeof(dir));
		}
	}
	free(text);
	return rc;
}

static void malformed_set(char *err, size_t size, const char *assignment)
{
	char shown[PS_EXCERPT_NAME_SIZE];
	snprintf(err, size, "--set \"%s\": expected section.key=value (e.g. host.strategy=linux)",
		 ps_excerpt_name(shown, sizeof(shown), assignment));
}

int ps_scenario_set(struct ps_scenario *sc, const char *assignment, char *err, size_t size)
{
	struct where w = { .assignment = assignment };
	struct problem pr;
	char *copy = malloc(strlen(assignment) + 1);
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	int rc = -1;

	if (!copy || !tmp) {
		rc = no_memory(err, size, "--set");
		goto out;
	}
	memcpy(copy, assignment, strlen(assignment) + 1);
	memcpy(tmp, sc, sizeof(*tmp));

	char *eq = strchr(copy, '=');
	char *dot = NULL;
	if (eq) {
		*eq = '\0';
		dot = strrchr(copy, '.');
	}
	if (!eq || !dot) {
		malformed_set(err, size, assignment);
		goto out;
	}
	*dot = '\0';
	char *secname = trim(copy);
	char *key = trim(dot + 1);
	char *value = trim(eq + 1);
	if (!*secname || !*key) {
		malformed_set(err, size, assignment);
		goto out;
	}

	enum section sec;
	int pop;
	if (open_section(tmp, secname, &sec, &pop, &pr)) {
		report(err, size, &w, &pr);
		goto out;
	}
	const struct key *k = ps_sc_find_key(sec, key);
	if (!k) {
		ps_sc_unknown_key(&pr, sec, key);
		report(err, size, &w, &pr);
		goto out;
	}
	if (assign(tmp, k, sec, pop, value, &pr)) {
		report(err, size, &w, &pr);
		goto out;
	}
	memcpy(sc, tmp, sizeof(*sc));
	rc = 0;
out:
	free(copy);
	free(tmp);
	return rc;
}

