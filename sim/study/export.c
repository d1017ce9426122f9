/*
 * A study for the schedulers people already run. Both files call the one
 * unit a scheduler distributes, "portsim study run STUDY --run K --out
 * DIR", with absolute paths, so every run lands in the same layout and
 * "portsim study merge DIR" works whatever ran them:
 *   - study.sbatch, a Slurm job array: task K runs run K
 *     (#SBATCH --array=0-N%limit, SLURM_ARRAY_TASK_ID -> --run);
 *   - study.jobs, one command line per run, for GNU parallel, which runs
 *     them on this machine or, with --sshloginfile, on several.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "portsim/csv.h"

/* A word for the shell: in single quotes, each ' written as '\''. */
static void quoted(FILE *f, const char *word)
{
	fputc('\'', f);
	for (; *word; word++) {
		if (*word == '\'')
			fputs("'\\''", f);
		else
			fputc(*word, f);
	}
	fputc('\'', f);
}

/* The command of run K, its number given by the shell (run NULL) or written out. */
static void command(FILE *f, const struct ps_study_export *e, const char *run)
{
	quoted(f, e->portsim);
	fputs(" study run ", f);
	quoted(f, e->study);
	fprintf(f, " --run %s --out ", run);
	quoted(f, e->dir);
	fputs(" --quiet", f);
}

static enum ps_status slurm(const struct ps_study *s, const struct ps_study_export *e, char *err, size_t size)
{
	/* #SBATCH lines are not read by a shell: a path there cannot be quoted. */
	if (e->dir[strcspn(e->dir, " \t\"'\\%")]) {
		snprintf(err, size,
			 "--out \"%s\": Slurm cannot take this folder in an #SBATCH line; allowed: a path without "
			 "blanks, quotes, backslashes or %%",
			 e->dir);
		return PS_BAD_INPUT;
	}
	char *logs = ps_path_join(e->dir, "slurm");
	if (!logs || (mkdir(logs, 0777) != 0 && errno != EEXIST)) {
		snprintf(err, size, "%s/slurm: cannot create: %s", e->dir, logs ? strerror(errno) : "out of memory");
		free(logs);
		return PS_FAILED;
	}
	free(logs);
	struct ps_csv c;
	if (ps_csv_open(&c, e->dir, "study.sbatch", NULL) != 0) {
		snprintf(err, size, "%s/study.sbatch: cannot write: %s", e->dir, strerror(errno));
		return PS_FAILED;
	}
	FILE *f = c.f;
	fprintf(f,
		"#!/bin/bash\n"
		"# portsim study %s: %zu runs, one per task of a Slurm job array.\n"
		"# Submit it with:          sbatch %s/study.sbatch\n"
		"# then, when it is done:   portsim study merge %s\n"
		"# which lists the runs still missing, to submit again with sbatch --array=LIST.\n"
		"# Options on the sbatch command line (--partition, --time, --mem) override these.\n",
		s->name, s->nruns, e->dir, e->dir);
	fprintf(f, "#SBATCH --job-name=portsim-%s\n", s->name);
	fprintf(f, "#SBATCH --array=0-%zu", s->nruns - 1);
	if (e->limit)
		fprintf(f, "%%%u", e->limit);
	fprintf(f,
		"\n#SBATCH --ntasks=1\n"
		"#SBATCH --cpus-per-task=1\n"
		"#SBATCH --output=%s/slurm/%%A_%%a.out\n"
		"exec ",
		e->dir);
	command(f, e, "\"$SLURM_ARRAY_TASK_ID\"");
	fputc('\n', f);
	if (ps_csv_commit(&c) != 0) {
		snprintf(err, size, "%s/study.sbatch: cannot write: %s", e->dir, strerror(errno));
		return PS_FAILED;
	}
	/* A script to look at and run by hand too. */
	char *path = ps_path_join(e->dir, "study.sbatch");
	if (path)
		chmod(path, 0755);
	free(path);
	return PS_DONE;
}

static enum ps_status parallel(const struct ps_study *s, const struct ps_study_export *e, char *err, size_t size)
{
	struct ps_csv c;
	if (ps_csv_open(&c, e->dir, "study.jobs", NULL) != 0) {
		snprintf(err, size, "%s/study.jobs: cannot write: %s", e->dir, strerror(errno));
		return PS_FAILED;
	}
	for (size_t k = 0; k < s->nruns; k++) {
		char run[24];
		snprintf(run, sizeof(run), "%zu", k);
		command(c.f, e, run);
		fputc('\n', c.f);
	}
	if (ps_csv_commit(&c) != 0) {
		snprintf(err, size, "%s/study.jobs: cannot write: %s", e->dir, strerror(errno));
		return PS_FAILED;
	}
	return PS_DONE;
}

enum ps_status ps_study_export(const struct ps_study *s, const struct ps_study_export *e, char *err, size_t size)
{
	enum ps_status st = PS_DONE;
	if (e->slurm)
		st = slurm(s, e, err, size);
	if (st == PS_DONE && e->parallel)
		st = parallel(s, e, err, size);
	return st;
}
