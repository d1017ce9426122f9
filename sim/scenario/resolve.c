/*
 * Questions the run wiring and the analyses ask of a loaded scenario,
 * answered in one place so that "same" strategies, NAT or not, and the
 * count of source hosts mean the same thing everywhere.
 */
#include <string.h>

#include "portsim/scenario.h"

bool ps_scenario_has_nat(const struct ps_scenario *sc)
{
	return strcmp(sc->nat.allocator, "none") != 0;
}

uint32_t ps_scenario_source_count(const struct ps_scenario *sc)
{
	if (!ps_scenario_has_nat(sc))
		return sc->addresses;
	uint32_t n = 0;
	for (unsigned i = 0; i < sc->npop; i++)
		n += sc->pop[i].hosts;
	return n;
}

enum ps_err ps_scenario_nat_drop_error(const struct ps_scenario *sc)
{
	static const enum ps_err errs[] = { PS_NAT_DROP, PS_NAT_INSERT_FAILED, PS_NAT_PORT_ALLOCATION,
					    PS_NAT_OUT_OF_RESOURCES };
	int i = sc->nat.drop_error;
	return i >= 0 && i < (int)(sizeof(errs) / sizeof(errs[0])) ? errs[i] : PS_NAT_DROP;
}

const char *ps_scenario_strategy_for(const struct ps_scenario *sc, enum ps_mode m)
{
	const char *s = m == PS_MODE_BIND0 ? sc->bind_strategy : m == PS_MODE_UDP ? sc->udp_strategy : "same";
	return strcmp(s, "same") ? s : sc->strategy;
}
