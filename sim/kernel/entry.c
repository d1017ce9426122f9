/*
 * The live-kernel replay's way in, and the one file of sim/kernel/ that
 * sees the scenario: it refuses what the kernel cannot do, resolves the
 * scenario once, checks its destinations can live on loopback, and hands
 * the resolved configuration to the replay.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portsim/scenario.h"

#ifdef __linux__
#include <sys/utsname.h>
#endif

void ps_kernel_say(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

uint32_t ps_kernel_loopback_ip(uint32_t ip)
{
	return (ip >> 24) == 127 ? ip : (0x7Fu << 24) | (ip & 0x00FFFFFFu);
}

/* Destinations of the workload, mapped; 0 or -1 with err (PS_BAD_INPUT). */
static int check_destinations(const struct ps_run_config *cfg, char *err, size_t size)
{
	const struct ps_workload_config *w = &cfg->workload;
	const struct ps_host_config *h = &cfg->host;
	if (w->ndsts > PS_KERNEL_MAX_DESTINATIONS) {
		ps_kernel_say(err, size, "kernel: %u destinations, at most %u can be replayed (one listener each)",
			      w->ndsts, PS_KERNEL_MAX_DESTINATIONS);
		return -1;
	}
	bool any_loop = false, any_remote = false;
	for (uint32_t i = 0; i < w->ndsts; i++) {
		const struct ps_endpoint *d = &w->dsts[i];
		char a[16], b[16];
		uint32_t ip = ps_kernel_loopback_ip(d->ip);
		ps_ip_format(a, sizeof(a), d->ip);
		ps_ip_format(b, sizeof(b), ip);
		if (d->loopback)
			any_loop = true;
		else
			any_remote = true;
		if ((ip & 0x00FFFFFFu) == 0 || (ip & 0x00FFFFFFu) == 0x00FFFFFFu) {
			ps_kernel_say(err, size,
				      "kernel: destination %s would be replayed on %s, which is not a host address",
				      a, b);
			return -1;
		}
		if (d->port >= h->lo && d->port <= h->hi) {
			ps_kernel_say(err, size,
				      "kernel: destination port %u lies in the ephemeral range %u-%u: its listener "
				      "would take it out of the pool",
				      d->port, h->lo, h->hi);
			return -1;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (ps_kernel_loopback_ip(w->dsts[j].ip) == ip && w->dsts[j].port == d->port) {
				char c[16];
				ps_ip_format(c, sizeof(c), w->dsts[j].ip);
				ps_kernel_say(err, size, "kernel: destinations %s and %s would both be replayed on %s:%u",
					      c, a, b, d->port);
				return -1;
			}
		}
	}
	if (h->tw_reuse == PS_TW_REUSE_LOOPBACK && any_loop && any_remote) {
		ps_kernel_say(err, size,
			      "kernel: tw_reuse = 2 with both loopback and other destinations cannot be replayed "
			      "(on loopback every destination is loopback); set host.tw_reuse to 0 or 1");
		return -1;
	}
	return 0;
}

/* What no live Linux kernel does, refused by the keys that ask for it. 0, or -1 with err. */
static int check_scenario(const struct ps_scenario *sc, double limit_s, char *err, size_t size)
{
	if (limit_s > 0 && sc->duration_s > limit_s) {
		ps_kernel_say(err, size,
			      "kernel: the scenario lasts %g s of real time, above the limit of %g s; "
			      "raise it with --limit SECONDS (0: none) or shorten run.duration_s",
			      sc->duration_s, limit_s);
		return -1;
	}
	if (sc->time_wait_s != 60.0) {
		ps_kernel_say(err, size,
			      "kernel: [host] time_wait_s = %g, but Linux's TIME_WAIT is fixed at 60 s "
			      "(TCP_TIMEWAIT_LEN); set host.time_wait_s = 60",
			      sc->time_wait_s);
		return -1;
	}
	if (!sc->local_time_wait) {
		ps_kernel_say(err, size, "kernel: [host] local_time_wait = false is FreeBSD's; Linux keeps "
					 "TIME_WAIT toward loopback");
		return -1;
	}
	if (sc->addresses != 1) {
		ps_kernel_say(err, size, "kernel: [host] addresses = %u; only one source address can be replayed",
			      sc->addresses);
		return -1;
	}
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (p->keepalive || p->retries) {
			ps_kernel_say(err, size, "kernel: [workload.%s] %s cannot be replayed; set it to %s", p->name,
				      p->keepalive ? "keepalive" : "retries", p->keepalive ? "false" : "0");
			return -1;
		}
	}
	return 0;
}

/* Checks sc and resolves it into cfg (which needs ps_run_config_fini either way). */
static enum ps_status prepare(const struct ps_scenario *sc, double limit_s, struct ps_run_config *cfg,
			      char *err, size_t size)
{
	memset(cfg, 0, sizeof(*cfg));
	if (ps_scenario_validate(sc, err, size) != 0 || check_scenario(sc, limit_s, err, size) != 0 ||
	    ps_run_config_resolve(sc, cfg, err, size) != 0 || check_destinations(cfg, err, size) != 0)
		return PS_BAD_INPUT;
	return PS_DONE;
}

enum ps_status ps_kernel_check(const struct ps_scenario *sc, double limit_s, char *err,
			       size_t size)
{
	struct ps_run_config cfg;
	enum ps_status st = prepare(sc, limit_s, &cfg, err, size);
	ps_run_config_fini(&cfg);
	return st;
}

enum ps_status ps_kernel_run(const struct ps_scenario *sc, const struct ps_kernel_options *opt,
			     struct ps_kernel_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
#ifdef __linux__
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(res->release, sizeof(res->release), "%s", u.release);
	struct ps_run_config cfg;
	enum ps_status st = prepare(sc, opt->limit_s, &cfg, err, size);
	if (st == PS_DONE && opt->search_time) {
		struct ps_kernel_search ks;
		st = ps_kernel_search_time(&cfg, 1001, sc->probe_ns, &ks, opt->out_dir, err, size);
		if (st == PS_DONE)
			printf("Linux %s, %u ports, median connect(): %.1f us empty, %.1f us with one port free: "
			       "%.1f ns a candidate (the model's probe_ns: %g ns, %.1f us)\n",
			       res->release, ks.ports, ks.empty_ns / 1e3, ks.full_ns / 1e3, ks.per_candidate_ns,
			       sc->probe_ns, ks.model_full_ns / 1e3);
	} else if (st == PS_DONE) {
		st = ps_kernel_replay(&cfg, opt, res, err, size);
	}
	ps_run_config_fini(&cfg);
	return st;
#else
	(void)sc;
	(void)opt;
	res->unavailable = true;
	ps_kernel_available(err, size);
	return PS_BAD_INPUT;
#endif
}

void ps_kernel_result_fini(struct ps_kernel_result *res)
{
	ps_metrics_fini(&res->m);
}
