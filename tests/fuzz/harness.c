/*
 * The fuzz harnesses (harness.h). The properties checked:
 *   - whatever the bytes, reading never crashes, leaks or reads out of bounds;
 *   - every error is one line of printable ASCII, so no message can carry
 *     a file's raw bytes or a terminal escape sequence;
 *   - a scenario that validates is written back (ps_scenario_format) as
 *     text that reads back and validates, and writes the same text again;
 *   - a scenario that validates and resolves runs: ps_run fails on nothing
 *     that `portsim check` (validate and resolve) accepted.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portsim/config.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

/* What a bounded run may cost: simulated seconds, and attempts per second over all populations. */
#define MAX_RUN_S 2.0
#define MAX_TOTAL_RATE 2000.0

struct parts {
	char *scenario, *sets, *trace, *durations; /* NUL-terminated; NULL when absent */
};

static char *dup_range(const char *b, const char *e)
{
	size_t n = (size_t)(e - b);
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, b, n);
	s[n] = '\0';
	return s;
}

/* Which section a line opens: 0 none, 1 %%set, 2 %%trace, 3 %%durations. */
static int marker(const char *b, const char *e)
{
	static const char *const names[] = { "%%set", "%%trace", "%%durations" };
	for (int i = 0; i < 3; i++)
		if ((size_t)(e - b) == strlen(names[i]) && !memcmp(b, names[i], (size_t)(e - b)))
			return i + 1;
	return 0;
}

static void split(const uint8_t *data, size_t size, struct parts *p)
{
	const char *text = (const char *)data, *end = text + size;
	char **slot[4] = { &p->scenario, &p->sets, &p->trace, &p->durations };
	int cur = 0;
	const char *start = text;
	memset(p, 0, sizeof(*p));
	for (const char *b = text; b < end;) {
		const char *nl = memchr(b, '\n', (size_t)(end - b));
		const char *e = nl ? nl : end;
		int m = marker(b, e);
		if (m) {
			free(*slot[cur]);
			*slot[cur] = dup_range(start, b);
			cur = m;
			start = nl ? nl + 1 : end;
		}
		b = nl ? nl + 1 : end;
	}
	free(*slot[cur]);
	*slot[cur] = dup_range(start, end);
}

static void free_parts(struct parts *p)
{
	free(p->scenario);
	free(p->sets);
	free(p->trace);
	free(p->durations);
}

/* An error message: one line of printable ASCII, not empty. */
static void check_message(const char *what, const char *err)
{
	size_t n = strlen(err);
	bool ok = n > 0;
	for (size_t i = 0; i < n && ok; i++)
		ok = (unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f;
	if (!ok) {
		fprintf(stderr, "%s: malformed message (%zu bytes): \"", what, n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, (unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f ? "%c" : "\\x%02x",
				(unsigned char)err[i]);
		fprintf(stderr, "\"\n");
		abort();
	}
}

static struct ps_scenario *new_scenario(void)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc)
		abort();
	ps_scenario_defaults(sc);
	return sc;
}

static char *format(const struct ps_scenario *sc)
{
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *t = malloc(need);
	if (!t)
		abort();
	size_t again = ps_scenario_format(sc, t, need);
	if (again + 1 != need || strlen(t) != again) {
		fprintf(stderr, "format: asked for %zu bytes, then wrote %zu\n", need, again);
		abort();
	}
	return t;
}

/* The next line of *s into line (cut to fit), advancing *s; false at the end. */
static bool next_line(const char **s, char *line, size_t size)
{
	if (!*s || !**s)
		return false;
	size_t n = strcspn(*s, "\n");
	size_t keep = n < size ? n : size - 1;
	memcpy(line, *s, keep);
	line[keep] = '\0';
	*s += n + ((*s)[n] == '\n');
	return true;
}

/*
 * Loads the input's scenario and applies its overrides; NULL when either is
 * refused or the result does not validate (each error checked on the way).
 */
static struct ps_scenario *load(const struct parts *p)
{
	char err[PS_ERR_MAX], line[2048];
	struct ps_scenario *sc = new_scenario();
	if (ps_scenario_parse(sc, "fuzz.ini", p->scenario, err, sizeof(err)) != 0) {
		check_message("parse", err);
		free(sc);
		return NULL;
	}
	for (const char *s = p->sets; next_line(&s, line, sizeof(line));) {
		if (*line && ps_scenario_override(sc, line, err, sizeof(err)) != 0) {
			check_message("--set", err);
			free(sc);
			return NULL;
		}
	}
	if (ps_scenario_validate(sc, err, sizeof(err)) != 0) {
		check_message("validate", err);
		free(sc);
		return NULL;
	}
	/* What each override's key does to the finished scenario, as --set and --solve ask it. */
	for (const char *s = p->sets; next_line(&s, line, sizeof(line));) {
		line[strcspn(line, "=")] = '\0';
		if (ps_scenario_key_effect(sc, line + (line[0] == '+'), err, sizeof(err)) != PS_KEY_ACTS)
			check_message("key effect", err);
		(void)ps_scenario_key_is_whole(line);
	}
	return sc;
}

/* format(parse(format(sc))) == format(sc), and what was written validates. */
static void round_trip(const struct ps_scenario *sc)
{
	char err[PS_ERR_MAX];
	char *t1 = format(sc);
	struct ps_scenario *back = new_scenario();
	if (ps_scenario_parse(back, "scenario.ini", t1, err, sizeof(err)) != 0) {
		fprintf(stderr, "the written scenario does not read back: %s\n%s", err, t1);
		abort();
	}
	if (ps_scenario_validate(back, err, sizeof(err)) != 0) {
		fprintf(stderr, "the written scenario does not validate: %s\n%s", err, t1);
		abort();
	}
	char *t2 = format(back);
	if (strcmp(t1, t2) != 0) {
		fprintf(stderr, "the written scenario reads back as another:\n--- written\n%s--- read back\n%s", t1,
			t2);
		abort();
	}
	free(t2);
	free(back);
	free(t1);
}

int fuzz_scenario_one(const uint8_t *data, size_t size)
{
	struct parts p;
	split(data, size, &p);
	struct ps_scenario *sc = load(&p);
	if (sc)
		round_trip(sc);
	free(sc);
	free_parts(&p);
	return 0;
}

/* ---- the bounded run ---- */

static char data_paths[2][64];

static void remove_data_files(void)
{
	for (int i = 0; i < 2; i++)
		if (data_paths[i][0])
			unlink(data_paths[i]);
}

/* Writes text (or nothing) to this process's data file i; returns its path. */
static const char *data_file(int i, const char *text)
{
	if (!data_paths[0][0]) {
		snprintf(data_paths[0], sizeof(data_paths[0]), "/tmp/portsim-fuzz-%ld-trace.csv", (long)getpid());
		snprintf(data_paths[1], sizeof(data_paths[1]), "/tmp/portsim-fuzz-%ld-durations", (long)getpid());
		atexit(remove_data_files);
	}
	FILE *f = fopen(data_paths[i], "wb");
	if (!f)
		abort();
	if (text)
		fputs(text, f);
	if (fclose(f) != 0)
		abort();
	return data_paths[i];
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

/* Caps everything that makes a run long or large; the files the scenario names become the input's own. */
static void bound(struct ps_scenario *sc, const struct parts *p)
{
	sc->duration_s = min_d(sc->duration_s, MAX_RUN_S);
	sc->sample_interval_s = min_d(sc->sample_interval_s, sc->duration_s);
	if (sc->addresses > 16)
		sc->addresses = 16;
	if (sc->nat.addresses > 16)
		sc->nat.addresses = 16;
	if (sc->params.table_size > 4096)
		sc->params.table_size = 4096;
	if (sc->params.tries == 0 || sc->params.tries > 1000)
		sc->params.tries = 1000;
	double share = MAX_TOTAL_RATE / sc->npop;
	for (unsigned i = 0; i < sc->npop; i++) {
		struct ps_population *q = &sc->pop[i];
		if (q->start_s >= sc->duration_s)
			q->start_s = 0;
		double peak = q->rate_per_s > q->rate_end_per_s ? q->rate_per_s : q->rate_end_per_s;
		if (q->arrival == PS_ARRIVAL_DIURNAL)
			peak *= 1 + q->amplitude;
		if (peak > share) {
			q->rate_per_s *= share / peak;
			q->rate_end_per_s *= share / peak;
		}
		if (q->burst_size > share / 3)
			q->burst_size = share / 3 >= 1 ? (uint32_t)(share / 3) : 1;
		if (q->burst_interval_s > 0 && q->burst_interval_s < 1)
			q->burst_interval_s = 1;
		if (q->destinations > 1000)
			q->destinations = 1000;
		if (q->hosts > 4)
			q->hosts = 4;
		if (q->retries > 3)
			q->retries = 3;
		if (q->arrival == PS_ARRIVAL_REPLAY)
			snprintf(q->trace_file, sizeof(q->trace_file), "%s", data_file(0, p->trace));
		if (q->duration == PS_DURATION_EMPIRICAL)
			snprintf(q->duration_file, sizeof(q->duration_file), "%s", data_file(1, p->durations));
	}
}

int fuzz_run_one(const uint8_t *data, size_t size)
{
	struct parts p;
	split(data, size, &p);
	struct ps_scenario *sc = load(&p);
	char err[PS_ERR_MAX];
	if (!sc)
		goto out;
	round_trip(sc);
	bound(sc, &p);
	/* Capping can break a whole-scenario rule (a deterministic NAT's addresses): then there is nothing to run. */
	if (ps_scenario_validate(sc, err, sizeof(err)) != 0)
		goto out;
	struct ps_run_config cfg;
	int rc = ps_run_config_resolve(sc, &cfg, err, sizeof(err));
	ps_run_config_fini(&cfg);
	if (rc != 0) {
		check_message("resolve", err);
		goto out;
	}
	struct ps_run_options opt = { .out_dir = NULL };
	struct ps_run_result res;
	enum ps_status st = ps_run(sc, &opt, &res, err, sizeof(err));
	/*
	 * A bounded run has memory to spare, so a failure is a check that
	 * `check` lacks, whatever the run calls it (a NAT allocator refusing
	 * its parameters says "... or out of memory").
	 */
	if (st != PS_DONE) {
		fprintf(stderr, "run refused a scenario that validates and resolves: %s\n", err);
		abort();
	}
	ps_run_result_fini(&res);
out:
	free(sc);
	free_parts(&p);
	return 0;
}
