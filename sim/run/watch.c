/*
 * What a run's event loop does between events, every few thousand of them:
 * stop at a signal, stop at the first row that could not be written (a
 * full disk shows long before the end), draw progress; and the wall clock
 * it measures with.
 */
#include "wiring.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "portsim/engine.h"
#include "portsim/interrupt.h"
#include "portsim/trace.h"

double ps_run_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ps_run_watch_start(struct ps_run_watch *w, bool progress)
{
	*w = (struct ps_run_watch){ .on = progress, .tty = isatty(fileno(stderr)), .started = ps_run_wall_now() };
	w->last_shown = w->started;
}

static void progress(const struct ps_run_watch *w, const struct ps_engine *e, ps_time end_t)
{
	double el = ps_run_wall_now() - w->started;
	double t = (double)e->now / 1e9, end = (double)end_t / 1e9;
	fprintf(stderr, "%sportsim: %.1f of %.1f simulated s (%.0f%%), %" PRIu64 " events, %.2f M events/s%s",
		w->tty ? "\r" : "", t, end, end > 0 ? 100.0 * t / end : 100.0, e->processed,
		el > 0 ? (double)e->processed / el / 1e6 : 0.0, w->tty ? "   " : "\n");
}

enum ps_run_stop ps_run_watch(struct ps_run_watch *w, const struct ps_engine *e, ps_time end,
			      const struct ps_trace *trace)
{
	if (ps_interrupted())
		return PS_RUN_INTERRUPTED;
	if (trace && ps_trace_check(trace) != 0)
		return PS_RUN_WRITE_FAILED;
	if (w->on && ps_run_wall_now() - w->last_shown >= (w->tty ? 1.0 : 10.0)) {
		w->last_shown = ps_run_wall_now();
		progress(w, e, end);
	}
	return PS_RUN_PLAYED;
}

void ps_run_watch_end(const struct ps_run_watch *w, const struct ps_engine *e, ps_time end)
{
	if (!w->on)
		return;
	progress(w, e, end);
	if (w->tty)
		fputc('\n', stderr);
}

enum ps_status ps_run_stopped(enum ps_run_stop why, const struct ps_trace *trace, const char *dir, uint64_t events,
			      char *err, size_t size)
{
	switch (why) {
	case PS_RUN_INTERRUPTED:
		snprintf(err, size, "interrupted by %s", ps_signal_name(ps_interrupted()));
		return PS_INTERRUPTED;
	case PS_RUN_WRITE_FAILED:
		if (trace)
			ps_trace_check(trace);
		snprintf(err, size, "%s: cannot write outputs: %s (stopped after %" PRIu64 " events)", dir,
			 strerror(errno), events);
		return PS_FAILED;
	case PS_RUN_NO_MEMORY:
	case PS_RUN_PLAYED:
		break;
	}
	snprintf(err, size, "out of memory after %" PRIu64 " events", events);
	return PS_FAILED;
}
