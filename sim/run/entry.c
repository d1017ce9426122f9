/*
 * The scenario's way in: ps_run validates and resolves a scenario, plays
 * the resolved run, and writes scenario.ini beside its outputs.
 */
#include "wiring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "portsim/scenario.h"

enum ps_status ps_run(const struct ps_scenario *sc, const struct ps_run_options *opt,
		      struct ps_run_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	if (ps_scenario_validate(sc, err, size) != 0)
		return PS_BAD_INPUT;
	double started = ps_run_wall_now();
	struct ps_run_config cfg;
	if (ps_run_config_resolve(sc, &cfg, err, size) != 0) {
		ps_run_config_fini(&cfg);
		return ps_run_init_failure(err);
	}
	enum ps_status st = ps_run_play(&cfg, opt, res, started, err, size);
	if (st == PS_DONE && opt->out_dir && ps_run_write_bundle(opt->out_dir, sc) != 0) {
		snprintf(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
		ps_run_result_fini(res);
		st = PS_FAILED;
	}
	ps_run_config_fini(&cfg);
	return st;
}
