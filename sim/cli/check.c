/* portsim check: validate a scenario and print it fully resolved. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/scenario.h"

static const char usage_text[] =
	"usage: portsim check [SCENARIO] [--set SECTION.KEY=VALUE]...\n"
	"\n"
	"Validates SCENARIO (the built-in default when omitted) with the overrides,\n"
	"and prints it fully resolved: every key of every section with its value,\n"
	"defaults and profile values filled in, in the same INI form. Errors name\n"
	"the file, line, key, the bad value and the allowed values (exit status 2).\n"
	"\n"
	"  --set K=V    override a key, as for portsim run; may be repeated\n"
	"  -h, --help   show this help\n";

int ps_cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "set", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_cli_overrides sets = { .cmd = "check" };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			return PS_EXIT_OK;
		case 's':
			if (!ps_cli_override(&sets, NULL, NULL, optarg))
				return PS_EXIT_USAGE;
			break;
		case ':':
			ps_cli_error("check: option \"%s\" needs a value (see portsim check --help)", argv[optind - 1]);
			return PS_EXIT_USAGE;
		default:
			ps_cli_error("check: unknown option \"%s\" (see portsim check --help)", argv[optind - 1]);
			return PS_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		ps_cli_error("check: one scenario at most, got \"%s\" and \"%s\"", argv[optind], argv[optind + 1]);
		return PS_EXIT_USAGE;
	}
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc) {
		ps_cli_error("check: out of memory");
		return PS_EXIT_RUNTIME;
	}
	int rc = PS_EXIT_USAGE;
	if (!ps_cli_load(sc, optind < argc ? argv[optind] : NULL, &sets))
		goto out;
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char *text = malloc(need);
	if (!text) {
		ps_cli_error("check: out of memory");
		rc = PS_EXIT_RUNTIME;
		goto out;
	}
	ps_scenario_format(sc, text, need);
	fputs(text, stdout);
	free(text);
	rc = PS_EXIT_OK;
out:
	free(sc);
	return rc;
}
