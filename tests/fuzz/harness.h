/*
 * The fuzz harnesses, as plain functions: libFuzzer calls them through
 * fuzz_scenario.c and fuzz_run.c, and tests/test_fuzz_regressions.c feeds
 * them every saved input without libFuzzer. Each returns 0 and calls
 * abort() when a property fails, so both drivers see the same failure.
 *
 * An input is a scenario's text, optionally followed by sections that
 * start on a line of their own:
 *   %%set        one --set assignment per line, applied in order
 *   %%trace      the text of a trace file; replay populations read it
 *   %%durations  the text of a durations file; empirical populations read it
 */
#ifndef PORTSIM_FUZZ_HARNESS_H
#define PORTSIM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse, --set, validate, format, re-parse: the written text reads back
 * to itself (format(parse(format(x))) == format(x)), and every error
 * message is one short line of printable text.
 */
int fuzz_scenario_one(const uint8_t *data, size_t size);

/* The same, then a bounded simulation (at most 2 s, 2000 attempts per second in all). */
int fuzz_run_one(const uint8_t *data, size_t size);

#endif
