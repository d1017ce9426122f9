/* portsim keys: the scenario schema as a Markdown table (scenarios/README.md holds a copy). */
#include <stdio.h>

#include "cli.h"
#include "portsim/input.h"
#include "portsim/scenario.h"

/* Markdown table cells must not hold a bare '|'. */
static void cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
	}
}

/* What every value of a kind must look like (portsim/input.h), said once above the table. */
static void values(void)
{
	char data[32], scenario[32];
	ps_input_size_text(data, sizeof(data), PS_DATA_FILE_MAX);
	ps_input_size_text(scenario, sizeof(scenario), PS_SCENARIO_FILE_MAX);
	printf("Numbers are decimal. A real number is an optional `-`, digits with an optional fraction "
	       "and an optional exponent (`2`, `2.5`, `.5`, `1e6`, `2.5E-3`); a whole number (a seed, a "
	       "count, a port) is digits only. There is no `+` sign in front, no hexadecimal (`0x10`), no "
	       "`inf` or `nan`, and no digit separators. A file a scenario names is relative to the "
	       "scenario's directory and must be a regular file of at most %s (a scenario file: %s). "
	       "Arrival processes are held to %d attempts per second: `rate_per_s`, a ramp's end, a "
	       "diurnal peak, a burst's size over its interval and the rows of a trace in any second.\n\n",
	       data, scenario, PS_MAX_RATE_PER_S);
}

static int keys(const struct ps_cli_parsed *p)
{
	(void)p;
	values();
	puts("| section | key | default | allowed | meaning |");
	puts("| --- | --- | --- | --- | --- |");
	for (size_t i = 0; i < ps_scenario_nkeys(); i++) {
		struct ps_key_doc d;
		ps_scenario_key_doc(i, &d);
		printf("| %s | `%s` | ", d.section, d.name);
		if (*d.def) {
			putchar('`');
			cell(d.def);
			putchar('`');
		}
		fputs(" | ", stdout);
		cell(d.allowed);
		fputs(" | ", stdout);
		cell(d.doc);
		puts(" |");
	}
	return PS_EXIT_OK;
}

const struct ps_cli_command ps_cmd_keys = {
	.name = "keys",
	.summary = "list every scenario key (Markdown)",
	.about = "Prints what numbers and file names must look like, then every scenario key as a Markdown "
		 "table: section, key, default, allowed values and meaning. It is generated from the parser's own table, so it cannot drift from what portsim "
		 "accepts.",
	.main = keys,
};
