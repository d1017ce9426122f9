/* What a run will cost before it starts: events to simulate and bytes of events.csv. */
#include "portsim/run.h"

#include "portsim/config.h"

/* An attempt makes about three events and three events.csv rows: open, close, end of TIME_WAIT. */
#define EVENTS_PER_ATTEMPT 3.0
/* A row is about 58 bytes ("12.345678901,123456,open,192.0.2.1,49152,10.0.0.1,80,1,,,"). */
#define BYTES_PER_ROW 58.0

void ps_run_estimate(const struct ps_scenario *sc, struct ps_run_estimate *e)
{
	double attempts = 0;
	for (unsigned i = 0; i < sc->npop; i++)
		attempts += ps_scenario_mean_rate(sc, i) * sc->duration_s;
	e->attempts = attempts;
	e->events = EVENTS_PER_ATTEMPT * attempts;
	e->events_bytes = EVENTS_PER_ATTEMPT * attempts * BYTES_PER_ROW;
}
