/* portsim study: a parameter study planned, run on this machine or exported to a cluster, and merged. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/study.h"

/* ---- options: one table for every verb, each verb taking its own ---- */

static const struct ps_cli_option opts[] = {
	PS_OPT_WHOLE('j', "jobs", "N", "0", 0, 4096, "run: runs at once, each in its own process; 0: one per online CPU"),
	PS_OPT_WHOLE('r', "run", "K", NULL, 0, PS_STUDY_RUNS_MAX - 1,
		     "run: run K alone, in this process: what a scheduler calls (see plan)"),
	PS_OPT_TEXT('o', "out", "DIR", NULL, "plan, run, export: the output folder (default: out/STEM, STEM the study file's name)"),
	PS_OPT_FLAG(0, "slurm", "export: write DIR/study.sbatch, a Slurm job array with one run per task"),
	PS_OPT_FLAG(0, "parallel", "export: write DIR/study.jobs, one command line per run, for GNU parallel"),
	PS_OPT_WHOLE(0, "limit", "N", "0", 0, 1000000, "export --slurm: at most N tasks at once (--array=0-M%N); 0: no limit"),
	PS_OPT_TEXT(0, "portsim", "PATH", NULL, "export: the program the jobs call (default: this one, by its absolute path)"),
	PS_OPT_QUIET,
	PS_OPT_END,
};

struct verb {
	const char *name, *arg;
	const char *takes; /* the options it takes, " name " each */
	int (*go)(const struct ps_cli_parsed *p, const char *arg);
};

static bool given(const struct ps_cli_parsed *p, const char *name)
{
	for (size_t i = 0; opts[i].name; i++)
		if (!strcmp(opts[i].name, name))
			return p->values[i].given;
	return false;
}

/* ---- shared steps ---- */

static int load(const char *path, struct ps_study *s)
{
	char err[PS_ERR_MAX];
	if (ps_study_load(s, path, err, sizeof(err)) != 0) {
		ps_cli_error("study: %s", err);
		return PS_EXIT_USAGE;
	}
	return PS_EXIT_OK;
}

static int status_exit(enum ps_status st)
{
	return st == PS_DONE ? PS_EXIT_OK : st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
}

static int check(const struct ps_study *s, uint64_t *seeds)
{
	char err[PS_ERR_MAX];
	enum ps_status st = ps_study_check(s, seeds, err, sizeof(err));
	if (st != PS_DONE)
		ps_cli_error("study: %s", err);
	return status_exit(st);
}

/* --out, or out/STEM; created with its parents. NULL after saying why not. */
static char *out_dir(const struct ps_cli_parsed *p, const struct ps_study *s, bool create)
{
	const char *o = ps_cli_text(p, "out");
	char buf[PS_NAME_MAX + 8];
	if (!o) {
		snprintf(buf, sizeof(buf), "out/%s", s->name);
		o = buf;
	}
	if (create && ps_cli_mkdirs(o) != 0) {
		ps_cli_error("study: cannot create output directory \"%s\": %s", o, strerror(errno));
		return NULL;
	}
	char *d = strdup(o);
	if (!d)
		ps_cli_error("study: out of memory");
	return d;
}

static int prepare(const struct ps_study *s, const char *dir)
{
	char err[PS_ERR_MAX];
	enum ps_status st = ps_study_prepare(s, dir, err, sizeof(err));
	if (st != PS_DONE)
		ps_cli_error("study: %s", err);
	return status_exit(st);
}

/* ---- plan ---- */

static void describe(const struct ps_study *s)
{
	printf("study %s: %zu variable%s, %zu point%s x %u replication%s = %zu run%s\n", s->name, s->nvars,
	       s->nvars == 1 ? "" : "s", s->npoints, s->npoints == 1 ? "" : "s", s->replications,
	       s->replications == 1 ? "" : "s", s->nruns, s->nruns == 1 ? "" : "s");
	for (size_t v = 0; v < s->nvars; v++) {
		const struct ps_study_var *x = &s->vars[v];
		printf("  %s (line %u): %zu value%s", x->name, x->line, x->nvalues, x->nvalues == 1 ? "" : "s");
		if (x->follows != v)
			printf(", advancing with %s", s->vars[x->follows].name);
		putchar('\n');
	}
	if (s->seed_set == PS_SEED_SET_REPETITION)
		printf("seeds: replication r of every point runs with the same seed, from %s "
		       "(common random numbers)\n",
		       s->has_seed ? "[study] seed" : "the scenario's [run] seed");
	else
		printf("seeds: every run its own, from run number and %s\n",
		       s->has_seed ? "[study] seed" : "the scenario's [run] seed");
}

static int plan(const struct ps_cli_parsed *p, const char *arg)
{
	struct ps_study s;
	int rc = load(arg, &s);
	if (rc != PS_EXIT_OK)
		return rc;
	uint64_t *seeds = malloc(s.nruns * sizeof(*seeds));
	char *dir = out_dir(p, &s, false);
	rc = !seeds || !dir ? PS_EXIT_RUNTIME : check(&s, seeds);
	if (rc == PS_EXIT_OK && !ps_cli_flag(p, "quiet")) {
		describe(&s);
		/* Column widths: the header's, or the widest value. */
		size_t nw = s.nvars;
		int *w = calloc(nw + 1, sizeof(int));
		for (size_t v = 0; w && v < nw; v++) {
			w[v] = (int)strlen(s.vars[v].name);
			for (size_t k = 0; k < s.vars[v].nvalues; k++)
				if ((int)strlen(s.vars[v].values[k]) > w[v])
					w[v] = (int)strlen(s.vars[v].values[k]);
		}
		printf("%-6s %-6s %-11s %-20s", "run", "point", "replication", "seed");
		for (size_t v = 0; w && v < nw; v++)
			printf(" %-*s", w[v], s.vars[v].name);
		printf(" folder\n");
		for (size_t k = 0; w && k < s.nruns; k++) {
			size_t pt = ps_study_point(&s, k);
			printf("%-6zu %-6zu %-11u %-20" PRIu64, k, pt, ps_study_replication(&s, k), seeds[k]);
			for (size_t v = 0; v < nw; v++)
				printf(" %-*s", w[v], ps_study_value(&s, pt, v));
			printf(" %s/runs/%zu\n", dir, k);
		}
		if (!w)
			rc = PS_EXIT_RUNTIME;
		free(w);
	}
	free(dir);
	free(seeds);
	ps_study_fini(&s);
	return rc;
}

/* ---- run ---- */

struct progress {
	size_t total, done, failed;
	bool draw;
};

static void ended(void *arg, size_t run, enum ps_status st, const char *why)
{
	struct progress *g = arg;
	(void)run;
	g->done++;
	if (st != PS_DONE) {
		g->failed++;
		if (g->draw)
			fputs("\r\033[K", stderr);
		ps_cli_error("study: %s", why);
	}
	if (g->draw)
		fprintf(stderr, "\rstudy: %zu/%zu runs%s\033[K", g->done, g->total, g->failed ? " (some failed)" : "");
}

static int merge_into(const struct ps_study *s, const char *dir, bool quiet);

static int run_one(const struct ps_cli_parsed *p, const struct ps_study *s, const char *dir)
{
	size_t k = (size_t)ps_cli_number(p, "run");
	char err[PS_ERR_MAX];
	if (k >= s->nruns) {
		ps_cli_error("study run: --run %zu: no such run; allowed: 0 to %zu (see portsim study plan)", k,
			     s->nruns - 1);
		return PS_EXIT_USAGE;
	}
	bool before = ps_study_done(dir, k);
	enum ps_status st = ps_study_run_one(s, dir, k, err, sizeof(err));
	if (st != PS_DONE)
		ps_cli_error("study: %s", err);
	else if (!ps_cli_flag(p, "quiet"))
		printf("run %zu %s %s/runs/%zu\n", k, before ? "was finished already:" : "done:", dir, k);
	return status_exit(st);
}

static int run(const struct ps_cli_parsed *p, const char *arg)
{
	struct ps_study s;
	int rc = load(arg, &s);
	if (rc != PS_EXIT_OK)
		return rc;
	char *dir = NULL;
	bool one = given(p, "run");
	/* A whole study is checked before anything runs; one run checks its own scenario. */
	if (!one)
		rc = check(&s, NULL);
	if (rc == PS_EXIT_OK)
		rc = (dir = out_dir(p, &s, true)) ? prepare(&s, dir) : PS_EXIT_RUNTIME;
	if (rc == PS_EXIT_OK && one) {
		rc = run_one(p, &s, dir);
	} else if (rc == PS_EXIT_OK) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned jobs = (unsigned)ps_cli_number(p, "jobs");
		struct progress g = { .total = s.nruns, .draw = ps_cli_progress(p) };
		struct ps_study_batch b = { .jobs = jobs ? jobs : cpus > 0 ? (unsigned)cpus : 1, .ended = ended, .arg = &g };
		char err[PS_ERR_MAX];
		enum ps_status st = ps_study_run_all(&s, dir, &b, err, sizeof(err));
		if (g.draw)
			fputs("\r\033[K", stderr);
		if (st != PS_DONE)
			ps_cli_error("study: %s", err);
		if (!ps_cli_flag(p, "quiet"))
			printf("study %s: %zu runs: %zu ran now (%u at once), %zu finished before, %zu failed\n", s.name,
			       s.nruns, b.ran, b.jobs, b.skipped, b.failed);
		int merged = merge_into(&s, dir, ps_cli_flag(p, "quiet"));
		rc = st != PS_DONE ? status_exit(st) : merged;
	}
	free(dir);
	ps_study_fini(&s);
	return rc;
}

/* ---- merge ---- */

static int merge_into(const struct ps_study *s, const char *dir, bool quiet)
{
	char err[PS_ERR_MAX];
	struct ps_study_merged m;
	enum ps_status st = ps_study_merge(s, dir, &m, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("study: %s", err);
		return status_exit(st);
	}
	if (!quiet)
		printf("merged %zu of %zu runs into %s/study.csv and %s/study-points.csv (wall-clock times: "
		       "%s/study-wall.csv)\n",
		       m.merged, s->nruns, dir, dir, dir);
	if (m.missing)
		ps_cli_error("study: %s: %zu run%s missing: %s; run %s with 'portsim study run STUDY --out %s' (or "
			     "'sbatch --array=%s %s/study.sbatch'), then merge again",
			     dir, m.missing, m.missing == 1 ? "" : "s", m.missing_runs, m.missing == 1 ? "it" : "them",
			     dir, m.missing_runs, dir);
	int rc = m.missing ? PS_EXIT_RUNTIME : PS_EXIT_OK;
	ps_study_merged_fini(&m);
	return rc;
}

static int merge(const struct ps_cli_parsed *p, const char *arg)
{
	struct ps_study s;
	char err[PS_ERR_MAX];
	char *ini = malloc(strlen(arg) + sizeof("/study.ini"));
	if (!ini) {
		ps_cli_error("study: out of memory");
		return PS_EXIT_RUNTIME;
	}
	sprintf(ini, "%s/study.ini", arg);
	int rc = PS_EXIT_OK;
	if (ps_study_load(&s, ini, err, sizeof(err)) != 0) {
		ps_cli_error("study merge: %s (is \"%s\" the --out folder of a study?)", err, arg);
		rc = PS_EXIT_USAGE;
	} else {
		rc = merge_into(&s, arg, ps_cli_flag(p, "quiet"));
		ps_study_fini(&s);
	}
	free(ini);
	return rc;
}

/* ---- export ---- */

/* path from the root: as it is, or after the working directory; malloc'd, NULL after saying why not. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX] = "";
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
		ps_cli_error("study export: cannot tell the working directory: %s", strerror(errno));
		return NULL;
	}
	size_t n = strlen(path) + strlen(cwd) + 2;
	char *r = malloc(n);
	if (!r)
		ps_cli_error("study export: out of memory");
	else if (path[0] == '/')
		snprintf(r, n, "%s", path);
	else
		snprintf(r, n, "%s/%s", cwd, strncmp(path, "./", 2) ? path : path + 2);
	return r;
}

static char *this_program(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("portsim");
	buf[n] = '\0';
	return strdup(buf);
}

static int export(const struct ps_cli_parsed *p, const char *arg)
{
	bool slurm = ps_cli_flag(p, "slurm"), parallel = ps_cli_flag(p, "parallel");
	if (!slurm && !parallel) {
		ps_cli_error("study export: what to write? allowed: --slurm, --parallel, or both");
		return PS_EXIT_USAGE;
	}
	struct ps_study s;
	int rc = load(arg, &s);
	if (rc != PS_EXIT_OK)
		return rc;
	char *dir = NULL, *study = NULL, *prog = NULL;
	rc = check(&s, NULL);
	char *made = rc == PS_EXIT_OK ? out_dir(p, &s, true) : NULL;
	if (rc == PS_EXIT_OK)
		rc = made && (dir = absolute(made)) && (study = absolute(arg)) ? prepare(&s, dir) : PS_EXIT_RUNTIME;
	if (rc == PS_EXIT_OK) {
		/* A relative path would mean another file from the jobs' working folders. */
		const char *named = ps_cli_text(p, "portsim");
		prog = !named ? this_program() : strchr(named, '/') ? absolute(named) : strdup(named);
		struct ps_study_export e = { .study = study, .dir = dir, .portsim = prog ? prog : "portsim",
					     .slurm = slurm, .parallel = parallel,
					     .limit = (unsigned)ps_cli_number(p, "limit") };
		char err[PS_ERR_MAX];
		enum ps_status st = ps_study_export(&s, &e, err, sizeof(err));
		if (st != PS_DONE)
			ps_cli_error("study export: %s", err);
		rc = status_exit(st);
	}
	if (rc == PS_EXIT_OK && !ps_cli_flag(p, "quiet")) {
		printf("study %s: %zu runs\n", s.name, s.nruns);
		if (slurm)
			printf("wrote %s/study.sbatch; submit it with: sbatch %s/study.sbatch\n", dir, dir);
		if (parallel)
			printf("wrote %s/study.jobs; run it with: parallel --joblog %s/parallel.log < %s/study.jobs\n"
			       "  (--sshloginfile FILE spreads it over machines that see the same paths)\n",
			       dir, dir, dir);
		printf("then: portsim study merge %s\n", dir);
	}
	free(made);
	free(dir);
	free(study);
	free(prog);
	ps_study_fini(&s);
	return rc;
}

/* ---- the verbs ---- */

static const struct verb verbs[] = {
	{ "plan", "STUDY", " out quiet ", plan },
	{ "run", "STUDY", " jobs run out quiet ", run },
	{ "merge", "DIR", " quiet ", merge },
	{ "export", "STUDY", " out slurm parallel limit portsim quiet ", export },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static int study(const struct ps_cli_parsed *p)
{
	if (p->nargs == 0) {
		ps_cli_error("study: which verb? allowed: plan, run, merge, export (see portsim study --help)");
		return PS_EXIT_USAGE;
	}
	const struct verb *v = NULL;
	for (size_t i = 0; i < NVERBS && !v; i++)
		if (!strcmp(verbs[i].name, p->args[0]))
			v = &verbs[i];
	if (!v) {
		ps_cli_error("study: unknown verb \"%s\"; allowed: plan, run, merge, export (see portsim study --help)",
			     p->args[0]);
		return PS_EXIT_USAGE;
	}
	if (p->nargs < 2) {
		ps_cli_error("study %s: %s needed: portsim study %s %s", v->name,
			     !strcmp(v->arg, "DIR") ? "the study's output folder is" : "a study file is", v->name, v->arg);
		return PS_EXIT_USAGE;
	}
	for (size_t i = 0; opts[i].name; i++) {
		char word[32];
		snprintf(word, sizeof(word), " %s ", opts[i].name);
		if (p->values[i].given && !strstr(v->takes, word)) {
			ps_cli_error("study %s: --%s is not an option of %s (see portsim study --help)", v->name,
				     opts[i].name, v->name);
			return PS_EXIT_USAGE;
		}
	}
	return v->go(p, p->args[1]);
}

const struct ps_cli_command ps_cmd_study = {
	.name = "study",
	.summary = "plan, run (here or on a cluster) and merge a parameter study",
	.about = "A study is a scenario file with iteration variables in its values, as OMNeT++ writes them: "
		 "${1, 2, 4}, ${100..1000 step 100}, ${rate=...} named and ${rate} repeated, ${... ! rate} "
		 "advancing with rate instead of crossing it; and a [study] section: replications (or repeat), "
		 "seed, seed_set = repetition | runnumber. The variables are crossed, the first of the file "
		 "outermost; run K is replication K mod R of point K div R. Replication r of every point runs "
		 "with the same seed (common random numbers).\n\n"
		 "plan STUDY: lists the runs (number, point, replication, seed, values, folder).\n"
		 "run STUDY: runs every run not finished in DIR, -j at once, then merges; with --run K, run K "
		 "alone (what a scheduler calls). A finished run is never redone.\n"
		 "merge DIR: writes DIR/study.csv (one row per run: the variables, the seed, every summary "
		 "column but wall_s), DIR/study-points.csv (per point: mean and 95 % interval of each column) "
		 "and DIR/study-wall.csv, and names the runs missing.\n"
		 "export STUDY: writes DIR/study.sbatch (--slurm: a job array, one run per task) and/or "
		 "DIR/study.jobs (--parallel: for GNU parallel), both calling run --run K.",
	.exits = "0 done; 1 a run failed, runs are missing (merge) or an I/O failure; 2 bad command line or "
		 "study.",
	.args = "VERB STUDY|DIR",
	.max_args = 2,
	.opts = opts,
	.main = study,
};
