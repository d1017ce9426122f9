/*
 * portsim report DIR: the page a class can open, made from an output folder. And what run,
 * compare and capacity do with --title and --report after writing their files: the title,
 * the question, the figures and the page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/report.h"

void ps_cli_what(const struct ps_cli_parsed *p, const struct ps_scenario *sc, const char *strategy, char *buf,
		 size_t size)
{
	/* The overrides as assignments: a shorthand (--seed 7) becomes the key it sets (run.seed=7). */
	const char **items = calloc(p->nsets + 1, sizeof(*items));
	char **owned = calloc(p->nsets + 1, sizeof(*owned));
	size_t n = 0;
	for (size_t i = 0; items && owned && i < p->nsets; i++) {
		const struct ps_cli_override *s = &p->sets[i];
		if (s->opt->kind == PS_CLI_SET) {
			items[n++] = s->value;
			continue;
		}
		size_t len = strlen(s->opt->set_key) + strlen(s->value) + 2;
		if ((owned[i] = malloc(len))) {
			snprintf(owned[i], len, "%s=%s", s->opt->set_key, s->value);
			items[n++] = owned[i];
		}
	}
	ps_report_what(buf, size, sc->name, strategy, items, n);
	for (size_t i = 0; owned && i < p->nsets; i++)
		free(owned[i]);
	free(owned);
	free(items);
}

int ps_cli_report_outputs(const struct ps_cli_parsed *p, const struct ps_scenario *sc,
			  const struct ps_cli_report_job *job)
{
	const char *title = ps_cli_text(p, "title");
	bool report = ps_cli_flag(p, "report"), quiet = ps_cli_flag(p, "quiet");
	char err[PS_ERR_MAX], what[PS_ERR_MAX];
	if (!title && !report && !job->title && !job->plot)
		return PS_EXIT_OK;
	/*
	 * The figures and the page are drawn from the command's published files, so those are
	 * published first; what the report adds (title, question, page, figures) is derived from
	 * them and stands beside the MANIFEST, unlisted, as figures always have.
	 */
	int published = ps_cli_publish(p);
	if (published != PS_EXIT_OK)
		return published;
	if (job->what)
		snprintf(what, sizeof(what), "%s", job->what);
	else
		ps_cli_what(p, sc, job->strategy, what, sizeof(what));
	int failed = 0;
	if (title || report || job->title)
		failed = ps_report_write_title(job->dir, title, what, err, sizeof(err));
	if (!failed && report) {
		failed = ps_report_write_question(job->dir, p->scenario, err, sizeof(err));
		if (!failed && job->scenario_ini)
			failed = ps_report_write_scenario(job->dir, sc, err, sizeof(err));
		if (!failed && job->bounds)
			failed = ps_report_write_closed_forms(job->dir, job->bounds, job->target, err, sizeof(err));
	}
	if (!failed && (report || job->plot))
		failed = ps_cli_plot_dir(job->dir, err, sizeof(err));
	if (!failed && report) {
		struct ps_report_options opt = { .first_failure_attempt = job->first_failure_attempt };
		/* A run's page tells its first failure as portsim explain does, replaying the same scenario. */
		struct ps_cli_explain_job why = { .sc = sc, .attempt = job->first_failure_attempt };
		if (job->strategy && job->first_failure_attempt) {
			opt.explain = ps_cli_explain_report;
			opt.explain_arg = &why;
		}
		failed = ps_report_write(job->dir, &opt, err, sizeof(err)) != PS_DONE;
		if (!failed && !quiet)
			printf("wrote %s/report.html\n", job->dir);
	}
	if (failed) {
		ps_cli_error("%s: %s", p->cmd->name, err);
		return PS_EXIT_RUNTIME;
	}
	return PS_EXIT_OK;
}

static int report(const struct ps_cli_parsed *p)
{
	if (p->nargs != 1) {
		if (p->nargs)
			ps_cli_error("report: one folder, got \"%s\" and \"%s\"%s", p->args[0], p->args[1],
				     p->nargs > 2 ? " and more" : "");
		else
			ps_cli_error("report: give the output folder of a run, e.g. portsim report out/demo");
		return PS_EXIT_USAGE;
	}
	const char *dir = p->args[0];
	char err[PS_ERR_MAX];
	struct ps_report_options opt = { .question_from = ps_cli_text(p, "scenario"), .plot = ps_cli_flag(p, "no-plot") ? NULL : ps_cli_plot_dir };
	enum ps_status st = ps_report_write(dir, &opt, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		return st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
	}
	if (!ps_cli_flag(p, "quiet"))
		printf("wrote %s/report.html\n", dir);
	return PS_EXIT_OK;
}

static const struct ps_cli_option opts[] = {
	PS_OPT_TEXT(0, "scenario", "FILE", NULL,
		    "the scenario file the folder was run from: its opening comment becomes the question "
		    "(DIR/question.txt), which the resolved scenario.ini does not keep"),
	PS_OPT_FLAG(0, "no-plot", "use the figures already in DIR rather than drawing them again with gnuplot"),
	PS_OPT_QUIET,
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_report = {
	.name = "report",
	.summary = "one self-contained HTML page from an output folder",
	.about = "Writes DIR/report.html from the output folder of run, compare, capacity or run --vary: the "
		 "question the scenario answers, what happened in sentences (when the first attempt failed and "
		 "why), every figure inline, the numbers and the resolved scenario. The page needs nothing else: "
		 "no network, no scripts, no fonts; it opens from a file. The figures are drawn first with the "
		 "project's gnuplot scripts (portsim plot). run, compare "
		 "and capacity do the same with --report.",
	.exits = "0 done, 1 run-time failure (I/O, gnuplot), 2 bad command line or DIR without portsim's outputs.",
	.args = "DIR",
	/* More are taken so that report() can name them in its refusal. */
	.max_args = 16,
	.opts = opts,
	.main = report,
};
