/* portsim snapshot: how full a real host's ephemeral pool is, and a scenario that reproduces it. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "portsim/csv.h"
#include "portsim/scenario.h"
#include "portsim/snapshot.h"

static const struct ps_cli_option opts[] = {
	PS_OPT_TEXT(0, "format", "F", "auto",
		    "dump format: auto, ss, netstat, windows, powershell, proc (auto: detected from the text)"),
	PS_OPT_TEXT(0, "os", "OS", NULL,
		    "the system's rules and default range: linux, freebsd, macos, openbsd, netbsd, windows "
		    "(default: linux live; from the dump's format otherwise: ss and proc linux, BSD netstat "
		    "macos, Windows formats windows)"),
	PS_OPT_TEXT(0, "range", "LO-HI", NULL,
		    "the ephemeral range, when the dump does not hold it or to override the host's "
		    "(default: ip_local_port_range live, the OS's default for a dump)"),
	PS_OPT_TEXT(0, "reserved", "LIST", NULL,
		    "reserved ports, e.g. 50000,50010-50020 (default: the host's ip_local_reserved_ports "
		    "live, none for a dump)"),
	PS_OPT_NUMBER('i', "interval", "SECONDS", NULL, 0.1, 3600,
		      "take a second reading this much later (with two dumps, the time between them): "
		      "measured rates, time to exhaustion, steady-state headroom"),
	PS_OPT_WHOLE('p', "port", "PORT", NULL, 1, 65535,
		     "who holds PORT now: state, destination, process when readable"),
	PS_OPT_WHOLE(0, "top", "N", "20", 0, 1e9, "destinations printed (0: all); the CSV has all"),
	PS_OPT_TEXT('s', "scenario", "FILE", NULL,
		    "write a scenario reproducing what was observed, for portsim run and portsim capacity"),
	PS_OPT_OUT("out/snapshot"),
	PS_OPT_QUIET,
	PS_OPT_END,
};

struct args {
	const char *dump[2];
	unsigned ndumps;
	enum ps_dump_format format;
	const char *out, *scenario;
	unsigned long port, top;
	bool quiet;
	struct ps_snapshot_options opt;
};

/* The options, checked beyond what the table checks; false after saying why. */
static bool parse_args(const struct ps_cli_parsed *p, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->out = ps_cli_text(p, "out");
	a->scenario = ps_cli_text(p, "scenario");
	a->top = (unsigned long)ps_cli_number(p, "top");
	a->port = (unsigned long)ps_cli_number(p, "port");
	a->quiet = ps_cli_flag(p, "quiet");
	a->opt.os = ps_cli_text(p, "os");
	a->opt.interval_s = ps_cli_number(p, "interval");
	const char *v;
	int f = ps_dump_format_find(ps_cli_text(p, "format"));
	if (f < 0) {
		ps_cli_error("snapshot: --format \"%s\": allowed: auto, ss, netstat, windows, powershell, proc",
			     ps_cli_text(p, "format"));
		return false;
	}
	a->format = (enum ps_dump_format)f;
	if ((v = ps_cli_text(p, "range"))) {
		if (!ps_snapshot_parse_range(v, &a->opt.lo, &a->opt.hi)) {
			ps_cli_error("snapshot: --range \"%s\": allowed: LO-HI with 1 <= LO <= HI <= 65535, "
				     "e.g. 32768-60999", v);
			return false;
		}
		a->opt.range_set = true;
	}
	if ((v = ps_cli_text(p, "reserved"))) {
		if (!ps_snapshot_parse_ports(v, a->opt.reserved)) {
			ps_cli_error("snapshot: --reserved \"%s\": allowed: ports and LO-HI ranges from 1 to "
				     "65535, comma-separated, e.g. 50000,50010-50020; or nothing", v);
			return false;
		}
		a->opt.reserved_set = true;
	}
	for (size_t i = 0; i < p->nargs; i++)
		a->dump[a->ndumps++] = p->args[i];
	if (a->ndumps == 1 && a->opt.interval_s > 0) {
		ps_cli_error("snapshot: --interval with one dump: give the second dump, taken that much later");
		return false;
	}
	if (a->ndumps == 2 && !(a->opt.interval_s > 0)) {
		ps_cli_error("snapshot: two dumps need --interval SECONDS, the time between them");
		return false;
	}
	if (a->ndumps == 0 && a->format != PS_DUMP_AUTO) {
		ps_cli_error("snapshot: --format %s applies to a dump, and none was given",
			     ps_dump_format_name(a->format));
		return false;
	}
	if (a->opt.os && a->ndumps == 0 && strcmp(a->opt.os, "linux") != 0) {
		ps_cli_error("snapshot: --os %s: the live host is Linux; --os applies to dumps", a->opt.os);
		return false;
	}
	return true;
}

static void sleep_until(double t_s)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = t_s - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
		if (left <= 0)
			return;
		struct timespec d = { (time_t)left, (long)((left - floor(left)) * 1e9) };
		nanosleep(&d, NULL);
	}
}

/* The readings, live or from the dumps; a ps_status. */
static enum ps_status read_all(const struct args *a, struct ps_snapshot_host *h,
			       struct ps_snapshot_reading r[2], double *interval, char *err, size_t size)
{
	enum ps_status st;
	if (a->ndumps == 0) {
		if (!ps_snapshot_live_available(err, size))
			return PS_BAD_INPUT;
		ps_snapshot_live_host(h);
		if ((st = ps_snapshot_live_read(&r[0], h, err, size)) != PS_DONE || !(a->opt.interval_s > 0))
			return st;
		if (!a->quiet)
			fprintf(stderr, "portsim: snapshot: second reading in %g s\n", a->opt.interval_s);
		sleep_until(r[0].t_s + a->opt.interval_s);
		struct ps_snapshot_host again;
		ps_snapshot_host_init(&again);
		st = ps_snapshot_live_read(&r[1], &again, err, size);
		*interval = r[1].t_s - r[0].t_s;
		return st;
	}
	struct stat sb;
	if (strcmp(a->dump[0], "-") && stat(a->dump[0], &sb) == 0) {
		struct tm tm;
		if (gmtime_r(&sb.st_mtime, &tm))
			strftime(h->when, sizeof(h->when), "saved %Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if ((st = ps_snapshot_read_dump(a->dump[0], a->format, &r[0], h, err, size)) != PS_DONE ||
	    a->ndumps == 1)
		return st;
	struct ps_snapshot_host second;
	ps_snapshot_host_init(&second);
	*interval = a->opt.interval_s;
	return ps_snapshot_read_dump(a->dump[1], a->format, &r[1], &second, err, size);
}

/* The scenario text, checked by the scenario parser itself before anything is written. */
static char *scenario_text(const struct args *a, const struct ps_snapshot_host *h,
			   const struct ps_snapshot_report *rep, int *rc)
{
	char err[PS_ERR_MAX];
	char *text = ps_snapshot_scenario(h, rep, err, sizeof(err));
	if (!text) {
		ps_cli_error("%s", err);
		*rc = PS_EXIT_USAGE;
		return NULL;
	}
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (sc) {
		ps_scenario_defaults(sc);
		if (ps_scenario_parse(sc, a->scenario, text, err, sizeof(err)) != 0 ||
		    ps_scenario_validate(sc, err, sizeof(err)) != 0) {
			ps_cli_error("snapshot: the scenario would not load (a bug): %s", err);
			free(text);
			text = NULL;
			*rc = PS_EXIT_RUNTIME;
		}
	}
	free(sc);
	return text;
}

/* Writes text to path whole or not at all (a temporary name, then renamed). */
static int write_scenario(const char *path, const char *text)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	struct ps_csv c;
	if ((slash && ps_cli_mkdirs(dir) != 0) || ps_csv_open(&c, dir, slash ? slash + 1 : path, NULL) != 0)
		return -1;
	fputs(text, c.f);
	return ps_csv_commit(&c);
}

static int snapshot(const struct ps_cli_parsed *p)
{
	struct args *a = malloc(sizeof(*a));
	struct ps_snapshot_host *h = malloc(sizeof(*h));
	struct ps_snapshot_reading r[2];
	struct ps_snapshot_report rep;
	struct ps_snapshot_port_hits hits = { 0 };
	char err[PS_ERR_MAX], *scenario = NULL;
	int rc = PS_EXIT_USAGE;
	memset(r, 0, sizeof(r));
	memset(&rep, 0, sizeof(rep));
	if (!a || !h) {
		ps_cli_error("snapshot: out of memory");
		free(a);
		free(h);
		return PS_EXIT_RUNTIME;
	}
	ps_snapshot_host_init(h);
	if (!parse_args(p, a))
		goto done;
	double interval = 0;
	enum ps_status st = read_all(a, h, r, &interval, err, sizeof(err));
	if (st == PS_DONE) {
		struct ps_snapshot_options opt = a->opt;
		opt.interval_s = interval;
		st = ps_snapshot_analyze(h, interval > 0 ? &r[0] : NULL, interval > 0 ? &r[1] : &r[0], &opt, &rep,
					 err, sizeof(err));
	}
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	struct ps_snapshot_reading *last = &r[interval > 0 ? 1 : 0];
	if (a->port) {
		size_t unreadable = a->ndumps == 0 ? ps_snapshot_live_owners(last, (uint16_t)a->port) : 0;
		if (ps_snapshot_find_port(last, (uint16_t)a->port, &hits) != 0) {
			ps_cli_error("snapshot: out of memory");
			rc = PS_EXIT_RUNTIME;
			goto done;
		}
		hits.unreadable = unreadable;
		hits.live = a->ndumps == 0;
	}
	if (a->scenario && !(scenario = scenario_text(a, h, &rep, &rc)))
		goto done;
	/* Everything is known to be right: only now is anything created. */
	rc = PS_EXIT_RUNTIME;
	if (!ps_cli_out(p))
		goto done;
	if (ps_snapshot_write_csv(a->out, h, &rep, last, a->port ? &hits : NULL) != 0) {
		ps_cli_error("snapshot: cannot write %s/snapshot.csv: %s", a->out, strerror(errno));
		goto done;
	}
	if (scenario && write_scenario(a->scenario, scenario) != 0) {
		ps_cli_error("snapshot: cannot write scenario \"%s\": %s", a->scenario, strerror(errno));
		goto done;
	}
	if ((rc = ps_cli_publish(p)) != PS_EXIT_OK)
		goto done;
	if (!a->quiet) {
		ps_snapshot_print(stdout, h, &rep, a->top);
		if (a->port)
			ps_snapshot_print_port(stdout, last, (uint16_t)a->port, &hits);
		printf("\nwrote %s/snapshot.csv%s%s\n", a->out, scenario ? ", " : "", scenario ? a->scenario : "");
	}
	rc = PS_EXIT_OK;
done:
	free(scenario);
	ps_snapshot_port_hits_fini(&hits);
	ps_snapshot_report_fini(&rep);
	ps_snapshot_reading_fini(&r[0]);
	ps_snapshot_reading_fini(&r[1]);
	free(h);
	free(a);
	return rc;
}

const struct ps_cli_command ps_cmd_snapshot = {
	.name = "snapshot",
	.summary = "how full a real host's ephemeral pool is, and a scenario that reproduces it",
	.about = "How full is this host's ephemeral pool, toward which destination, and how long until "
		 "connect() fails at today's rate? Without DUMP reads the live Linux host (/proc/net/tcp, "
		 "tcp6, udp, udp6 and the sysctls; no root needed). With DUMP (- for standard input) reads a "
		 "saved `ss -tan`, `netstat -an` (Linux, macOS, BSD), Windows `netstat -ano`, "
		 "`Get-NetTCPConnection | Export-Csv` or a copy of /proc/net/tcp; DUMP2 is a second dump "
		 "taken --interval seconds later.\n\nPrints ports in use per source address and per "
		 "destination, tightest first, and writes snapshot.csv into DIR.",
	.exits = "0 done, 1 run-time failure (I/O), 2 bad command line or dump (nothing is written).",
	.args = "[DUMP [DUMP2]]",
	.max_args = 2,
	.opts = opts,
	.main = snapshot,
};
