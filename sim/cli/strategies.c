/* portsim strategies: the registry, as a table or as CSV. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "portsim/alloc.h"

static const char usage_text[] =
	"usage: portsim strategies [--csv]\n"
	"\n"
	"Lists every allocation strategy: its name (the value of host.strategy),\n"
	"what it does, and the kernel source or RFC section it follows.\n"
	"\n"
	"  --csv        print CSV (name,summary,source) instead of a table\n"
	"  -h, --help   show this help\n";

/* Quotes a CSV field when it holds a comma or a quote. */
static void csv_field(const char *s)
{
	bool quote = false;
	for (const char *p = s; *p; p++)
		quote |= *p == ',' || *p == '"';
	if (!quote) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

int ps_cmd_strategies(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool csv = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			csv = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return PS_EXIT_OK;
		default:
			ps_cli_error("strategies: unknown option \"%s\"\n%s", argv[optind - 1], usage_text);
			return PS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ps_cli_error("strategies: unexpected argument \"%s\"", argv[optind]);
		return PS_EXIT_USAGE;
	}
	if (csv) {
		puts("name,summary,source");
		for (size_t i = 0; i < ps_alloc_registry_len; i++) {
			const struct ps_alloc_ops *o = ps_alloc_registry[i];
			csv_field(o->name);
			putchar(',');
			csv_field(o->summary);
			putchar(',');
			csv_field(o->source);
			putchar('\n');
		}
		return PS_EXIT_OK;
	}
	for (size_t i = 0; i < ps_alloc_registry_len; i++) {
		const struct ps_alloc_ops *o = ps_alloc_registry[i];
		printf("%-15s %s\n%-15s source: %s\n", o->name, o->summary, "", o->source);
	}
	return PS_EXIT_OK;
}
