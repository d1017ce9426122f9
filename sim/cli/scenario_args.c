/*
 * The scenario a subcommand works on: a file or the built-in one, then the
 * overrides, then every check a run makes before it simulates, so that
 * no command creates an output folder for a scenario `run` would refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/config.h"

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

/* The override as an assignment SECTION.KEY=VALUE, into text; NULL if it does not fit. */
static const char *assignment(const struct ps_cli_override *s, char *text, size_t size)
{
	if (s->opt->kind != PS_CLI_SHORTHAND)
		return s->value;
	int len = snprintf(text, size, "%s=%s", s->opt->set_key, s->value);
	return len < 0 || (size_t)len >= size ? NULL : text;
}

static int apply(struct ps_scenario *sc, const struct ps_cli_override *s)
{
	char err[PS_ERR_MAX], text[1024];
	const char *a = assignment(s, text, sizeof(text));
	if (!a) {
		ps_cli_error("--%s \"%.40s...\": value too long", s->opt->name, s->value);
		return PS_EXIT_USAGE;
	}
	if (ps_scenario_override(sc, a, err, sizeof(err)) != 0) {
		report(s, err);
		return PS_EXIT_USAGE;
	}
	return PS_EXIT_OK;
}

/*
 * An override of a key the finished scenario ignores (nat.addresses
 * without a NAT, burst_size under arrival = poisson) is refused: asked
 * once every override is in, so their order does not matter.
 */
static int check_effect(const struct ps_scenario *sc, const struct ps_cli_override *s)
{
	char text[1024], key[256], why[PS_ERR_MAX], err[PS_ERR_MAX + 300];
	const char *a = assignment(s, text, sizeof(text));
	a += strspn(a, " \t+");
	size_t n = strcspn(a, "=");
	while (n && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		n--;
	if (n >= sizeof(key))
		return PS_EXIT_OK;
	memcpy(key, a, n);
	key[n] = '\0';
	if (ps_scenario_key_effect(sc, key, why, sizeof(why)) != PS_KEY_INERT)
		return PS_EXIT_OK;
	snprintf(err, sizeof(err), "--set %s: no effect: %s", s->value, why);
	report(s, err);
	return PS_EXIT_USAGE;
}

/* What run checks after validating: the files the scenario names, read as a run reads them. */
static int check_resolve(const struct ps_scenario *sc)
{
	char err[PS_ERR_MAX];
	struct ps_run_config *cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		ps_cli_error("out of memory");
		return PS_EXIT_RUNTIME;
	}
	int rc = ps_run_config_resolve(sc, cfg, err, sizeof(err));
	ps_run_config_fini(cfg);
	free(cfg);
	if (rc == 0)
		return PS_EXIT_OK;
	ps_cli_error("%s", err);
	return strstr(err, "out of memory") ? PS_EXIT_RUNTIME : PS_EXIT_USAGE;
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
	for (size_t i = 0; i < p->nsets; i++) {
		int rc = check_effect(sc, &p->sets[i]);
		if (rc != PS_EXIT_OK)
			return rc;
	}
	return check_resolve(sc);
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
