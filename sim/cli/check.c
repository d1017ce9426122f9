/* portsim check: validate a scenario as run would, and print it fully resolved. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "portsim/scenario.h"

static const struct ps_cli_option opts[] = {
	PS_OPT_SET,
	PS_OPT_END,
};

static int check(const struct ps_cli_parsed *p)
{
	struct ps_scenario *sc;
	int rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *text = malloc(need);
	if (text) {
		ps_scenario_format(sc, text, need);
		fputs(text, stdout);
		free(text);
	} else {
		ps_cli_error("check: out of memory");
		rc = PS_EXIT_RUNTIME;
	}
	free(sc);
	return rc;
}

const struct ps_cli_command ps_cmd_check = {
	.name = "check",
	.summary = "validate a scenario and print it fully resolved",
	.about = "Validates SCENARIO (the built-in default when omitted) with the overrides, reads the "
		 "trace and duration files it names as run would, and prints it fully resolved: every key of "
		 "every section with its value, defaults and profile values filled in, in the same INI form. "
		 "Whatever run would refuse before simulating, check refuses too. Errors name the file, line, "
		 "key, the bad value and the allowed values (exit status 2).",
	.scenario = true,
	.opts = opts,
	.main = check,
};
