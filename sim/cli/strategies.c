/* portsim strategies: the registry, as a table or as CSV. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "portsim/alloc.h"
#include "portsim/nat.h"

static const char usage_text[] =
	"usage: portsim strategies [--csv]\n"
	"\n"
	"Lists every allocation strategy: its name (the value of host.strategy),\n"
	"what it does, and the kernel source or RFC section it follows; then the\n"
	"NAT allocators (the value of nat.allocator).\n"
	"\n"
	"  --csv        print CSV (kind,name,summary,source) instead of a table\n"
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

static void csv_row(const char *kind, const char *name, const char *summary, const char *source)
{
	printf("%s,", kind);
	csv_field(name);
	putchar(',');
	csv_field(summary);
	putchar(',');
	csv_field(source);
	putchar('\n');
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
		puts("kind,name,summary,source");
		for (size_t i = 0; i < ps_alloc_registry_len; i++)
			csv_row("host", ps_alloc_registry[i]->name, ps_alloc_registry[i]->summary,
				ps_alloc_registry[i]->source);
		for (size_t i = 0; i < ps_nat_registry_len; i++)
			csv_row("nat", ps_nat_registry[i]->name, ps_nat_registry[i]->summary,
				ps_nat_registry[i]->source);
		return PS_EXIT_OK;
	}
	puts("Host strategies (host.strategy, bind_strategy, udp_strategy):\n");
	for (size_t i = 0; i < ps_alloc_registry_len; i++) {
		const struct ps_alloc_ops *o = ps_alloc_registry[i];
		printf("%-15s %s\n%-15s source: %s\n", o->name, o->summary, "", o->source);
	}
	puts("\nNAT allocators (nat.allocator):\n");
	for (size_t i = 0; i < ps_nat_registry_len; i++) {
		const struct ps_nat_ops *o = ps_nat_registry[i];
		printf("%-15s %s\n%-15s source: %s\n", o->name, o->summary, "", o->source);
	}
	return PS_EXIT_OK;
}
