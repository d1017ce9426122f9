/* portsim keys: the scenario schema as a Markdown table (scenarios/README.md holds a copy). */
#include <stdio.h>

#include "cli.h"
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

static int keys(const struct ps_cli_parsed *p)
{
	(void)p;
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
	.about = "Prints every scenario key as a Markdown table: section, key, default, allowed values and "
		 "meaning. It is generated from the parser's own table, so it cannot drift from what portsim "
		 "accepts.",
	.main = keys,
};
