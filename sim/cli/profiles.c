/* portsim profiles: the whole-system presets, as a table or as CSV. */
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "portsim/profile.h"

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

static int profiles(const struct ps_cli_parsed *p)
{
	bool csv = ps_cli_flag(p, "csv");
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

static const struct ps_cli_option opts[] = {
	PS_OPT_FLAG(0, "csv", "print CSV (kind,name,summary,settings,source,assumed) instead of a table"),
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_profiles = {
	.name = "profiles",
	.summary = "list the system profiles (host.profile)",
	.about = "Lists every profile (the value of host.profile): the system it models, the [host] settings "
		 "it applies to keys a scenario does not set itself, where the values come from, and what is "
		 "assumed rather than documented; then the cloud NAT presets (the value of nat.preset), which "
		 "set [nat] keys.",
	.opts = opts,
	.main = profiles,
};
