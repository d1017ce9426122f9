/*
 * Parameter studies: a scenario file whose values hold iteration variables,
 * spelled as OMNeT++ spells them, expanded into numbered runs that any
 * scheduler may run in any order, on any machine, and merged into one table.
 *
 *   [study]
 *   replications = 10                 # or repeat = 10
 *   seed = 1                          # default: the scenario's own [run] seed
 *   seed_set = repetition             # or runnumber
 *   [host]
 *   strategy = ${linux, freebsd, sequential}
 *   addresses = ${1, 2, 4}
 *   [workload.client]
 *   rate_per_s = ${rate=100..1000 step 100}
 *   destinations = ${4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048 ! rate}
 *
 * A "${...}" is a list of items separated by commas ("a..b" and
 * "a..b step s" stand for their numbers); "${NAME=...}" names the variable
 * and "${NAME}" elsewhere repeats its value; "! NAME" at the end advances
 * the variable with NAME instead of crossing it. The other variables are
 * crossed, the first one of the file the outermost loop; the points are
 * numbered in that order, and run K is replication K mod R of point
 * K div R. "${runnumber}" and "${repetition}" are the run's numbers.
 *
 * Seeds: with seed_set = repetition (the default), replication r of every
 * point runs with ps_replication_seed(base, r), base being [study] seed or
 * the scenario's [run] seed: common random numbers across the points, so a
 * difference between two points is not noise. seed_set = runnumber gives
 * every run its own, ps_replication_seed(base, K).
 *
 * An output folder DIR holds study.ini (the study's bytes: a folder serves
 * one study), runs/K/ per finished run (a run writes into a staging folder
 * and renames it, so a folder there is a finished run and is never redone),
 * and what a merge writes: study.csv, study-points.csv, study-wall.csv.
 * An analysis: it calls ps_run, never the engine. Errors are values.
 */
#ifndef PORTSIM_STUDY_H
#define PORTSIM_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/run.h"
#include "portsim/scenario.h"

/* Most runs a study may have, and most values one variable may take. */
#define PS_STUDY_RUNS_MAX 1000000
#define PS_STUDY_VALUES_MAX 100000

enum ps_seed_set {
	PS_SEED_SET_REPETITION, /* replication r of every point: the same seed */
	PS_SEED_SET_RUNNUMBER,  /* every run its own seed */
};

/* One iteration variable. */
struct ps_study_var {
	char *name;      /* NAME of ${NAME=...}, or SECTION.KEY for an unnamed one: its column */
	char **values;   /* as substituted into the text */
	size_t nvalues;
	size_t follows;  /* the variable it advances with ('!'); its own index when it is a loop */
	unsigned line;   /* where it is defined */
};

struct ps_study_entry; /* private: one line of the file */

struct ps_study {
	char name[PS_NAME_MAX]; /* every run's scenario name: [study] name, else the file's stem */
	char dir[PS_PATH_MAX];  /* the file's directory: relative paths of the scenario start here */
	char *origin;           /* the path as given, for messages */
	char *text;             /* the file's bytes (NUL-terminated), what DIR/study.ini holds */
	size_t len;
	struct ps_study_var *vars; /* in the order of the file */
	size_t nvars;
	unsigned replications;
	bool has_seed;          /* [study] seed given */
	uint64_t seed;
	enum ps_seed_set seed_set;
	size_t npoints, nruns;  /* nruns = npoints * replications */
	/* Private. */
	struct ps_study_entry *entries;
	size_t nentries;
	bool per_run;           /* ${runnumber} or ${repetition} appear: every run's text differs */
};

/*
 * Reads text (len bytes; origin names it in messages and gives the name and
 * directory) into s: the [study] section, every ${...}, the variables and
 * the run count. The scenario itself is not checked here (ps_study_check
 * does). 0, or -1 with "ORIGIN:LINE: [SECTION] KEY = "VALUE": what; allowed:
 * ..." in err and s left empty.
 */
int ps_study_parse(struct ps_study *s, const char *origin, const char *text, size_t len, char *err,
		   size_t size);

/* ps_study_parse of a file (at most 1 MiB of text). */
int ps_study_load(struct ps_study *s, const char *path, char *err, size_t size);

void ps_study_fini(struct ps_study *s);

/* The point and the replication of run K (K < s->nruns). */
size_t ps_study_point(const struct ps_study *s, size_t run);
unsigned ps_study_replication(const struct ps_study *s, size_t run);

/* The value of variable v at point p. */
const char *ps_study_value(const struct ps_study *s, size_t point, size_t v);

/* The seed run K runs with, when its scenario's own [run] seed is run_seed. */
uint64_t ps_study_seed(const struct ps_study *s, uint64_t run_seed, size_t run);

/*
 * The INI text of run K: the file with every ${...} replaced and [study]
 * left out, each line where it stood, so the scenario's messages name the
 * study's lines. malloc'd; NULL when out of memory.
 */
char *ps_study_text(const struct ps_study *s, size_t run);

/*
 * The scenario of run K, validated, with its name, directory and seed set.
 * 0, or -1 with the scenario's message and the point's values in err.
 */
int ps_study_scenario(const struct ps_study *s, size_t run, struct ps_scenario *sc, char *err,
		      size_t size);

/*
 * Checks every point's scenario (every run's when the text names the run)
 * before anything runs. seeds, when not NULL, gets each run's seed
 * ([s->nruns]). PS_DONE, PS_BAD_INPUT with the first bad point's message,
 * or PS_FAILED when out of memory.
 */
enum ps_status ps_study_check(const struct ps_study *s, uint64_t *seeds, char *err, size_t size);

/*
 * Makes DIR and DIR/runs and writes DIR/study.ini, or finds it there
 * holding the same bytes. PS_DONE; PS_BAD_INPUT when DIR holds another
 * study; PS_FAILED on an I/O error.
 */
enum ps_status ps_study_prepare(const struct ps_study *s, const char *dir, char *err, size_t size);

/* Whether run K is finished in DIR: DIR/runs/K/summary.csv exists. */
bool ps_study_done(const char *dir, size_t run);

/*
 * Runs run K into DIR/runs/K (DIR prepared), through a staging folder
 * renamed when complete; a run finished meanwhile by another process is
 * kept and this one dropped. PS_DONE (also when it was done already), or
 * ps_run's status with "run K: why" in err.
 */
enum ps_status ps_study_run_one(const struct ps_study *s, const char *dir, size_t run, char *err,
				size_t size);

/* Called in the parent after each run ends: its status and, when it failed, why. */
typedef void (*ps_study_ended_fn)(void *arg, size_t run, enum ps_status st, const char *why);

struct ps_study_batch {
	unsigned jobs;            /* runs at once, each in a child process; >= 1 */
	ps_study_ended_fn ended;  /* may be NULL */
	void *arg;
	/* Counted by ps_study_run_all. */
	size_t skipped;           /* finished before */
	size_t ran, failed;       /* started now: ended well, ended badly (a crash included) */
};

/*
 * Runs every run of s not finished in DIR (prepared), in run order, at most
 * b->jobs at once, each in a forked child doing what ps_study_run_one does.
 * PS_DONE when every run is finished; PS_FAILED with the failed runs listed
 * in err otherwise.
 */
enum ps_status ps_study_run_all(const struct ps_study *s, const char *dir, struct ps_study_batch *b,
				char *err, size_t size);

/* What a merge found. */
struct ps_study_merged {
	size_t merged;   /* runs in study.csv */
	size_t missing;  /* runs without a folder */
	char *missing_runs; /* "4,17-19": as Slurm's --array takes them; "" when none (malloc'd) */
};

/*
 * Gathers DIR/runs/K/summary.csv of every finished run into DIR/study.csv
 * (run, point, replication, the variables, every summary column but
 * wall_s: the same bytes wherever and in whatever order the runs ran),
 * DIR/study-points.csv (point, the variables, metric, mean, ci95_low,
 * ci95_high, n: every numeric summary column over the point's finished
 * replications) and DIR/study-wall.csv (run, wall_s). PS_DONE (free m with
 * ps_study_merged_fini) even when runs are missing; PS_FAILED on an I/O
 * error or a summary of other columns.
 */
enum ps_status ps_study_merge(const struct ps_study *s, const char *dir, struct ps_study_merged *m,
			      char *err, size_t size);

void ps_study_merged_fini(struct ps_study_merged *m);

/* What to write for a cluster: every path absolute, as the machines that run it see them. */
struct ps_study_export {
	const char *study;    /* the study file */
	const char *dir;      /* the output folder (prepared) */
	const char *portsim;  /* the program */
	bool slurm;           /* DIR/study.sbatch: a Slurm job array, one run per task */
	bool parallel;        /* DIR/study.jobs: one command line per run, for GNU parallel */
	unsigned limit;       /* Slurm: tasks at once (--array=0-N%limit); 0 for no limit */
};

/* Writes the files e asks for. PS_DONE, PS_BAD_INPUT (a path Slurm cannot take) or PS_FAILED. */
enum ps_status ps_study_export(const struct ps_study *s, const struct ps_study_export *e, char *err,
			       size_t size);

#endif
