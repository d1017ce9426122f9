/*
 * The built-in scenario, run when no file is given. It is text, read like
 * any file, so the reader, the schema and the documentation of a scenario
 * are exercised by the very first run a user makes.
 */
#include "portsim/scenario.h"

const char ps_scenario_default_ini[] =
	"# portsim's built-in scenario: a Linux client opening short connections to\n"
	"# one busy backend faster than TIME_WAIT gives its ports back.\n"
	"#\n"
	"# The client closes first, so each closed connection keeps its 4-tuple in\n"
	"# TIME_WAIT for 60 s. Toward a single destination the 16384 ports of\n"
	"# 49152-65535 then sustain 16384 / 60 s, about 273 connections per second.\n"
	"# This client opens 400 per second: no port has come back by the time the\n"
	"# pool runs dry, after 16384 / 400, about 41 s. From then on connect()\n"
	"# fails with EADDRNOTAVAIL except when TIME_WAIT hands a port back.\n"
	"\n"
	"[run]\n"
	"# Long enough to see the pool fill, run dry, and refill only as fast as\n"
	"# TIME_WAIT lets ports go.\n"
	"duration_s = 120\n"
	"seed = 1\n"
	"sample_interval_s = 1\n"
	"\n"
	"[host]\n"
	"strategy = linux\n"
	"# The IANA ephemeral range (RFC 6335): 16384 ports.\n"
	"port_range = 49152-65535\n"
	"# Linux's TCP_TIMEWAIT_LEN. tw_reuse stays at its default, 2 (loopback\n"
	"# only), and the backend is not on loopback: TIME_WAIT is never cut short.\n"
	"time_wait_s = 60\n"
	"\n"
	"[workload.client]\n"
	"arrival = poisson\n"
	"rate_per_s = 400             # above the 273/s that TIME_WAIT allows\n"
	"duration = exponential\n"
	"duration_s = 0.2             # a short request/response\n"
	"destinations = 1             # one backend address and port\n"
	"closer = client              # so the client's port waits in TIME_WAIT\n"
	"mode = connect\n";
