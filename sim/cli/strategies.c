/* portsim strategies: the registry, as a table or as CSV. */
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "portsim/alloc.h"
#include "portsim/nat.h"

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

static int strategies(const struct ps_cli_parsed *p)
{
	bool csv = ps_cli_flag(p, "csv");
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

static const struct ps_cli_option opts[] = {
	PS_OPT_FLAG(0, "csv", "print CSV (kind,name,summary,source) instead of a table"),
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_strategies = {
	.name = "strategies",
	.summary = "list the allocation strategies",
	.about = "Lists every allocation strategy: its name (the value of host.strategy), what it does, and "
		 "the kernel source or RFC section it follows; then the NAT allocators (the value of "
		 "nat.allocator).",
	.opts = opts,
	.main = strategies,
};
