/*
 * --set as a user types it. ps_scenario_set creates a population the
 * first time it sees its name, as a file's section header does; on a
 * command line that turns a typo (workload.clinet.rate_per_s=250) into a
 * second population that silently doubles the load. Here a population the
 * scenario lacks is an error naming the closest one, and adding one takes
 * a '+': +workload.NAME.KEY=VALUE.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portsim/input.h"

/* The section part of "SECTION.KEY=VALUE" (before the last '.' ahead of '='), trimmed, into buf. */
static void section_of(const char *a, char *buf, size_t size)
{
	const char *eq = strchr(a, '=');
	const char *end = eq ? eq : a + strlen(a);
	const char *dot = NULL;
	for (const char *p = a; p < end; p++)
		if (*p == '.')
			dot = p;
	if (!dot)
		dot = a;
	while (a < dot && (*a == ' ' || *a == '\t'))
		a++;
	while (dot > a && (dot[-1] == ' ' || dot[-1] == '\t'))
		dot--;
	size_t n = (size_t)(dot - a);
	if (n >= size)
		n = size - 1;
	memcpy(buf, a, n);
	buf[n] = '\0';
}

static int refuse(char *err, size_t size, const char *assignment, const char *fmt, const char *name,
		  const char *more)
{
	char shown[PS_EXCERPT_NAME_SIZE], pname[PS_EXCERPT_SIZE];
	struct out o = { err, size, 0 };
	ps_sc_outf(&o, "--set %s: ", ps_excerpt_name(shown, sizeof(shown), assignment));
	ps_sc_outf(&o, fmt, ps_excerpt_text(pname, sizeof(pname), name));
	ps_sc_outf(&o, "%s", more);
	return -1;
}

void ps_sc_population_hint(const struct ps_scenario *sc, const char *name, bool adding, char *buf, size_t size)
{
	struct near nr = { .word = name };
	struct out o = { buf, size, 0 };
	char suggest[PS_NAME_MAX];
	suggest[0] = buf[0] = '\0';
	for (unsigned i = 0; i < sc->npop; i++)
		ps_sc_near_try(&nr, sc->pop[i].name, strlen(sc->pop[i].name));
	ps_sc_near_put(&nr, suggest, sizeof(suggest), "", "");
	if (suggest[0])
		ps_sc_outf(&o, "; did you mean \"%s\"?", suggest);
	ps_sc_outf(&o, "%s allowed: ", suggest[0] ? "" : ";");
	for (unsigned i = 0; i < sc->npop; i++)
		ps_sc_outf(&o, "%sworkload.%s", i ? ", " : "", sc->pop[i].name);
	if (adding)
		ps_sc_outf(&o, "%s+workload.NAME.KEY=VALUE to add a population", sc->npop ? ", or " : "");
	else if (!sc->npop)
		ps_sc_outf(&o, "none: the scenario has no population");
}

int ps_scenario_override(struct ps_scenario *sc, const char *assignment, char *err, size_t size)
{
	const char *a = assignment + strspn(assignment, " \t");
	bool add = *a == '+';
	if (add)
		a++;
	char sec[PS_NAME_MAX + 16];
	section_of(a, sec, sizeof(sec));
	bool workload = !strncmp(sec, "workload.", 9) && sec[9];
	if (add && !workload)
		return refuse(err, size, assignment, "'+' adds a population, and \"%s\" is not one",
			      sec, "; allowed: +workload.NAME.KEY=VALUE");
	if (workload) {
		const char *name = sec + 9;
		bool exists = false;
		for (unsigned i = 0; i < sc->npop && !exists; i++)
			exists = !strcmp(sc->pop[i].name, name);
		if (add && exists)
			return refuse(err, size, assignment,
				      "the scenario has a population \"%s\" already", name,
				      "; allowed: workload.NAME.KEY=VALUE to change it, '+' only to add one");
		if (!add && !exists) {
			char more[PS_ERR_MAX];
			ps_sc_population_hint(sc, name, true, more, sizeof(more));
			return refuse(err, size, assignment, "the scenario has no population \"%s\"", name, more);
		}
	}
	return ps_scenario_set(sc, a, err, size);
}
