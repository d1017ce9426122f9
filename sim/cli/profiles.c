/* portsim profiles: the whole-system presets, as a table or as CSV. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portsim/profile.h"

static const char usage_text[] =
	"usage: portsim profiles [--csv]\n"
	"\n"
	"Lists every profile (the value of host.profile): the system it models, the\n"
	"[host] settings it applies to keys a scenario does not set itself, where the\n"
	"values come from, and what is assumed rather than documented; then the\n"
	"cloud NAT presets (the value of nat.preset), which set [nat] keys.\n"
	"\n"
	"  --csv        print CSV (kind,name,summary,settings,source,assumed)\n"
	"  -h, --help   show this help\n";

static void settings_line(const struct ps_profile *p, const char *sep)
{
	for (const char *const *kv = p->settings; kv[0]; kv += 2)
		printf("%s%s=%s", kv == p->settings ? "" : sep, kv[0], kv[1]);
}

static void list(const struct ps_profile *ps, size_t n, const char *kind, bool csv)
{
	for (size_t i = 0; i < n; i++) {
		const struct ps_profile *p = &ps[i];
		if (csv) {
			/* Fields hold commas and no quotes: quote every text field. */
			printf("%s,%s,\"%s\",\"", kind, p->name, p->summary);
			settings_line(p, " ");
			printf("\",\"%s\",\"%s\"\n", p->source, p->assumed ? p->assumed : "");
			continue;
		}
		printf("%s\n  %s\n  settings: ", p->name, p->summary);
		settings_line(p, ", ");
		printf("\n  source: %s\n", p->source);
		if (p->assumed)
			printf("  assumed: %s\n", p->assumed);
	}
}

int ps_cmd_profiles(int argc, char **argv)
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
			ps_cli_error("profiles: unknown option \"%s\" (see portsim profiles --help)",
				     argv[optind - 1]);
			return PS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ps_cli_error("profiles: unexpected argument \"%s\"", argv[optind]);
		return PS_EXIT_USAGE;
	}
	if (csv)
		puts("kind,name,summary,settings,source,assumed");
	else
		puts("System profiles (host.profile):\n");
	list(ps_profiles, ps_profiles_len, "host", csv);
	if (!csv)
		puts("\nCloud NAT presets (nat.preset):\n");
	list(ps_nat_presets, ps_nat_presets_len, "nat", csv);
	return PS_EXIT_OK;
}
