/* Finding a profile or a cloud NAT preset by the name a scenario gives. */
#include "portsim/profile.h"

#include <string.h>

static const struct ps_profile *lookup(const struct ps_profile *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const struct ps_profile *ps_profile_find(const char *name)
{
	return lookup(ps_profiles, ps_profiles_len, name);
}

const struct ps_profile *ps_nat_preset_find(const char *name)
{
	return lookup(ps_nat_presets, ps_nat_presets_len, name);
}
