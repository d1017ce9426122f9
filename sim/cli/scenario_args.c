/* The scenario a subcommand works on: a file or the built-in one, then the overrides. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

bool ps_cli_override(struct ps_cli_overrides *o, const char *flag, const char *key, const char *value)
{
	if (o->n == PS_CLI_MAX_SETS) {
		ps_cli_error("%s: too many --set options (at most %d)", o->cmd, PS_CLI_MAX_SETS);
		return false;
	}
	struct ps_cli_override *s = &o->item[o->n];
	s->flag = flag;
	int len = key ? snprintf(s->text, sizeof(s->text), "%s=%s", key, value)
		      : snprintf(s->text, sizeof(s->text), "%s", value);
	if (len < 0 || (size_t)len >= sizeof(s->text)) {
		ps_cli_error("%s: option value too long: \"%.40s...\"", o->cmd, value);
		return false;
	}
	o->n++;
	return true;
}

/* A shorthand's error says "--seed abc: ..." rather than "--set run.seed=abc: ...". */
static void report(const struct ps_cli_override *s, const char *err)
{
	if (!s->flag) {
		ps_cli_error("%s", err);
		return;
	}
	const char *rest = strstr(err, ": ");
	const char *eq = strchr(s->text, '=');
	ps_cli_error("%s %s%s", s->flag, eq ? eq + 1 : "", rest ? rest : "");
}

bool ps_cli_load(struct ps_scenario *sc, const char *path, const struct ps_cli_overrides *o)
{
	char err[PS_ERR_MAX];
	ps_scenario_defaults(sc);
	if (path ? ps_scenario_load(sc, path, err, sizeof(err))
		 : ps_scenario_parse(sc, "built-in", ps_scenario_default_ini, err, sizeof(err))) {
		ps_cli_error("%s", err);
		return false;
	}
	for (unsigned i = 0; i < o->n; i++) {
		if (ps_scenario_set(sc, o->item[i].text, err, sizeof(err)) != 0) {
			report(&o->item[i], err);
			return false;
		}
	}
	if (ps_scenario_validate(sc, err, sizeof(err)) != 0) {
		ps_cli_error("%s", err);
		return false;
	}
	return true;
}
