/* -j N: how many simulations compare and capacity run at once. */
#include "cli.h"
#include "portsim/workers.h"

int ps_cli_jobs(const struct ps_cli_parsed *p, unsigned *jobs)
{
	char err[PS_ERR_MAX];
	/* The table's range keeps a typed value in 1..PS_JOBS_MAX; 0 is "not given". */
	if (ps_workers_jobs((unsigned)ps_cli_number(p, "jobs"), jobs, err, sizeof(err)) == 0)
		return PS_EXIT_OK;
	ps_cli_error("%s: %s", p->cmd->name, err);
	return PS_EXIT_USAGE;
}
