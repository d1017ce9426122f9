/* The scenario a subcommand works on: a file or the built-in one, then the overrides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A shorthand's error says "--seed abc: ..." rather than "--set run.seed=abc: ...". */
static void report(const struct ps_cli_override *s, const char *err)
{
	if (s->opt->kind == PS_CLI_SET) {
		ps_cli_error("%s", err);
		return;
	}
	const char *rest = strstr(err, ": ");
	ps_cli_error("--%s %s%s", s->opt->name, s->value, rest ? rest : "");
}

static int apply(struct ps_scenario *sc, const struct ps_cli_override *s)
{
	char err[PS_ERR_MAX], text[1024];
	const char *assignment = s->value;
	if (s->opt->kind == PS_CLI_SHORTHAND) {
		int len = snprintf(text, sizeof(text), "%s=%s", s->opt->set_key, s->value);
		if (len < 0 || (size_t)len >= sizeof(text)) {
			ps_cli_error("--%s \"%.40s...\": value too long", s->opt->name, s->value);
			return PS_EXIT_USAGE;
		}
		assignment = text;
	}
	if (ps_scenario_set(sc, assignment, err, sizeof(err)) != 0) {
		report(s, err);
		return PS_EXIT_USAGE;
	}
	return PS_EXIT_OK;
}

static int load(const struct ps_cli_parsed *p, struct ps_scenario *sc)
{
	char err[PS_ERR_MAX];
	ps_scenario_defaults(sc);
	if (p->scenario ? ps_scenario_load(sc, p->scenario, err, sizeof(err))
			: ps_scenario_parse(sc, "built-in", ps_scenario_default_ini, err, sizeof(err))) {
		ps_cli_error("%s", err);
		return PS_EXIT_USAGE;
	}
	for (size_t i = 0; i < p->nsets; i++) {
		int rc = apply(sc, &p->sets[i]);
		if (rc != PS_EXIT_OK)
			return rc;
	}
	if (ps_scenario_validate(sc, err, sizeof(err)) != 0) {
		ps_cli_error("%s", err);
		return PS_EXIT_USAGE;
	}
	return PS_EXIT_OK;
}

int ps_cli_load(const struct ps_cli_parsed *p, struct ps_scenario **sc)
{
	/* Plain data of a few hundred kilobytes: the heap holds it. */
	*sc = malloc(sizeof(**sc));
	if (!*sc) {
		ps_cli_error("%s: out of memory", p->cmd->name);
		return PS_EXIT_RUNTIME;
	}
	int rc = load(p, *sc);
	if (rc != PS_EXIT_OK) {
		free(*sc);
		*sc = NULL;
	}
	return rc;
}
