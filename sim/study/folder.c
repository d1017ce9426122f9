/*
 * A study's output folder, and one run into it. DIR/study.ini names the
 * study the folder serves; DIR/runs/K/ appears whole when run K is
 * finished: the run writes into DIR/runs/.K.HOST.PID.tmp and renames it, a
 * step that either happens or not, so a folder there is a finished run
 * whoever made it (a core here, a Slurm task, a GNU parallel job on
 * another machine) and two processes running the same K keep one result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Writes dir/name whole through a name of this process's own, then renames it. */
static int write_whole(const char *dir, const char *name, const char *text, size_t len)
{
	char host[64] = "host", tmp[160];
	gethostname(host, sizeof(host) - 1);
	snprintf(tmp, sizeof(tmp), ".%s.%.60s.%ld.tmp", name, host, (long)getpid());
	char *t = ps_path_join(dir, tmp), *p = ps_path_join(dir, name);
	int rc = -1;
	FILE *f = t && p ? fopen(t, "wb") : NULL;
	if (f) {
		bool ok = fwrite(text, 1, len, f) == len;
		ok = fclose(f) == 0 && ok;
		rc = ok && rename(t, p) == 0 ? 0 : -1;
		if (rc)
			remove(t);
	}
	free(t);
	free(p);
	return rc;
}

enum ps_status ps_study_prepare(const struct ps_study *s, const char *dir, char *err, size_t size)
{
	char *runs = ps_path_join(dir, "runs"), *ini = ps_path_join(dir, "study.ini");
	enum ps_status st = PS_FAILED;
	if (!runs || !ini) {
		snprintf(err, size, "%s: out of memory", dir);
		goto out;
	}
	if (mkdir(runs, 0777) != 0 && errno != EEXIST) {
		snprintf(err, size, "%s: cannot create: %s", runs, strerror(errno));
		goto out;
	}
	size_t len;
	char *there = ps_st_read(ini, s->len + 1, &len);
	if (!there && errno == ENOENT) {
		if (write_whole(dir, "study.ini", s->text, s->len) != 0) {
			snprintf(err, size, "%s: cannot write: %s", ini, strerror(errno));
			goto out;
		}
	} else if (!there && errno != EFBIG) {
		snprintf(err, size, "%s: cannot read: %s", ini, strerror(errno));
		goto out;
	} else if (!there || len != s->len || memcmp(there, s->text, len) != 0) {
		free(there);
		snprintf(err, size,
			 "%s holds the runs of another study (%s differs from %s); allowed: the same study, another "
			 "output folder, or the folder removed",
			 dir, s->origin, ini);
		st = PS_BAD_INPUT;
		goto out;
	}
	free(there);
	st = PS_DONE;
out:
	free(runs);
	free(ini);
	return st;
}

bool ps_study_done(const char *dir, size_t run)
{
	char *d = ps_st_run_dir(dir, run);
	char *f = d ? ps_path_join(d, "summary.csv") : NULL;
	struct stat sb;
	bool done = f && stat(f, &sb) == 0;
	free(d);
	free(f);
	return done;
}

/* DIR/runs/.K.HOST.PID.tmp: a name no other process uses while this one lives. */
static char *staging_name(const char *dir, size_t run)
{
	char host[64] = "host", rel[160];
	gethostname(host, sizeof(host) - 1);
	snprintf(rel, sizeof(rel), "runs/.%zu.%.60s.%ld.tmp", run, host, (long)getpid());
	return ps_path_join(dir, rel);
}

/* Puts the staging folder in place as DIR/runs/K. */
static enum ps_status publish(const char *stage, const char *dir, size_t run, char *err, size_t size)
{
	char *final = ps_st_run_dir(dir, run);
	enum ps_status st = PS_DONE;
	if (!final || rename(stage, final) != 0) {
		int e = final ? errno : ENOMEM;
		/* Another process finished it first: its result stands, equal to this one. */
		if (ps_study_done(dir, run)) {
			ps_st_remove_folder(stage);
		} else {
			snprintf(err, size, "run %zu: cannot move %s to %s: %s%s", run, stage, final ? final : "runs/K",
				 strerror(e),
				 e == EEXIST || e == ENOTEMPTY ? "; it holds no summary.csv: remove it to run it again" : "");
			st = PS_FAILED;
		}
	}
	free(final);
	return st;
}

enum ps_status ps_study_run_one(const struct ps_study *s, const char *dir, size_t run, char *err, size_t size)
{
	if (run >= s->nruns) {
		snprintf(err, size, "run %zu: no such run; allowed: 0 to %zu", run, s->nruns - 1);
		return PS_BAD_INPUT;
	}
	if (ps_study_done(dir, run))
		return PS_DONE;
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char *stage = staging_name(dir, run);
	char why[PS_ERR_MAX];
	enum ps_status st = PS_FAILED;
	if (!sc || !stage) {
		snprintf(err, size, "run %zu: out of memory", run);
		goto out;
	}
	if (ps_study_scenario(s, run, sc, why, sizeof(why)) != 0) {
		snprintf(err, size, "run %zu: %s", run, why);
		st = PS_BAD_INPUT;
		goto out;
	}
	/* A staging folder left by a killed process of the same number. */
	ps_st_remove_folder(stage);
	if (mkdir(stage, 0777) != 0) {
		snprintf(err, size, "run %zu: cannot create %s: %s", run, stage, strerror(errno));
		goto out;
	}
	struct ps_run_options opt = { .out_dir = stage };
	struct ps_run_result res;
	st = ps_run(sc, &opt, &res, why, sizeof(why));
	if (st == PS_DONE) {
		ps_run_result_fini(&res);
		st = publish(stage, dir, run, err, size);
	} else {
		snprintf(err, size, "run %zu: %s", run, why);
	}
	if (st != PS_DONE)
		ps_st_remove_folder(stage);
out:
	free(sc);
	free(stage);
	return st;
}
