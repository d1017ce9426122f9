/* portsim keys: the scenario schema as a Markdown table (scenarios/README.md holds a copy). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portsim/scenario.h"

static const char usage_text[] =
	"usage: portsim keys\n"
	"\n"
	"Prints every scenario key as a Markdown table: section, key, default,\n"
	"allowed values and meaning. It is generated from the parser's own table,\n"
	"so it cannot drift from what portsim accepts.\n";

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

int ps_cmd_keys(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(usage_text, stdout);
			return PS_EXIT_OK;
		}
		ps_cli_error("keys: unexpected argument \"%s\" (see portsim keys --help)", argv[1]);
		return PS_EXIT_USAGE;
	}
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
