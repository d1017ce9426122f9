/*
 * What happened in a run, in sentences a class can read aloud: how many
 * attempts failed, and for the first failure when, which attempt it was and
 * why. The reason is read from the files, as a person would read the
 * figure: at the sample nearest the first failure, either the NAT dropped
 * it (its failures are counted apart), or the pool toward the worst-off
 * destination was full, and then of what - connections in TIME_WAIT,
 * established ones, or both - or ports were still free and the search
 * gave up before finding one.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A number of summary.csv, shown as the reader expects it, inside <data> for the tests. */
enum style { WHOLE, ORDINAL, SECONDS, PERCENT, RAW };

static void num(FILE *f, const struct ps_rp_table *s, const char *col, enum style st)
{
	const char *v = ps_rp_cell(s, 1, col);
	double d = ps_rp_number(s, 1, col);
	char shown[64];
	if (v && st == RAW) {
		ps_rp_num(f, col, v, v);
		return;
	}
	if (!v || isnan(d)) {
		ps_rp_text(f, v ? v : "?");
		return;
	}
	switch (st) {
	case WHOLE: ps_rp_commas(shown, sizeof(shown), d); break;
	case ORDINAL: ps_rp_ordinal(shown, sizeof(shown), d); break;
	case SECONDS: ps_rp_short(shown, sizeof(shown), d, d >= 100 ? 4 : 3); strcat(shown, " s"); break;
	case PERCENT: ps_rp_short(shown, sizeof(shown), 100 * d, 3); strcat(shown, " %"); break;
	case RAW: break;
	}
	ps_rp_num(f, col, v, shown);
}

/* The first "fail" row of events.csv, when the run wrote one: its attempt number and error. */
static bool first_fail(const char *dir, uint64_t *attempt, char *error, size_t size)
{
	char *path = ps_path_join(dir, "events.csv");
	FILE *in = path ? fopen(path, "r") : NULL;
	free(path);
	if (!in)
		return false;
	char line[1024];
	int c_id = -1, c_event = -1, c_error = -1;
	bool found = false;
	for (bool header = true; !found && fgets(line, sizeof(line), in); header = false) {
		line[strcspn(line, "\r\n")] = '\0';
		char *cells[16];
		int n = 0;
		for (char *p = line; n < 16;) {
			cells[n++] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p++ = '\0';
		}
		for (int i = 0; header && i < n; i++) {
			c_id = !strcmp(cells[i], "conn_id") ? i : c_id;
			c_event = !strcmp(cells[i], "event") ? i : c_event;
			c_error = !strcmp(cells[i], "error") ? i : c_error;
		}
		if (header || c_event < 0 || c_event >= n || strcmp(cells[c_event], "fail"))
			continue;
		*attempt = c_id >= 0 && c_id < n ? strtoull(cells[c_id], NULL, 10) : 0;
		snprintf(error, size, "%s", c_error >= 0 && c_error < n ? cells[c_error] : "");
		found = true;
	}
	fclose(in);
	return found;
}

/* The state at the sample nearest the first failure: the row just before or after, the tighter of the two. */
struct state {
	bool known;
	double t, established, time_wait, free;
};

static struct state state_at(const char *dir, double when)
{
	struct state st = { 0 };
	struct ps_rp_table ts;
	if (ps_rp_table_read(&ts, dir, "timeseries.csv") != 0)
		return st;
	size_t after = 1;
	while (after < ts.nrows && ps_rp_number(&ts, after, "t_s") <= when)
		after++;
	for (size_t r = after > 1 ? after - 1 : 1; r <= after && r < ts.nrows; r++) {
		double free = ps_rp_number(&ts, r, "free_tightest");
		if (!st.known || free < st.free) {
			st.known = !isnan(free);
			st.t = ps_rp_number(&ts, r, "t_s");
			st.free = free;
			st.established = ps_rp_number(&ts, r, "established");
			st.time_wait = ps_rp_number(&ts, r, "time_wait");
		}
	}
	ps_rp_table_fini(&ts);
	return st;
}

/* Why the first attempt failed, as the end of a sentence. */
static void reason(FILE *f, const char *dir, const struct ps_rp_table *s, const char *ini, const char *error)
{
	double ff = ps_rp_number(s, 1, "first_failure_s");
	double fails = ps_rp_number(s, 1, "failures"), nat = ps_rp_number(s, 1, "nat_failures");
	struct state st = state_at(dir, ff);
	char drop[64] = "", a[64], b[64], t[64], tw[32] = "";
	if (ini)
		ps_rp_ini_value(ini, "nat", "drop_error", drop, sizeof(drop));
	bool nat_error = *error && *drop && !strcmp(error, drop);
	if (nat > 0 && (nat_error || nat == fails || (!*error && st.known && st.free > 0))) {
		ps_rp_textf(f, "the NAT had no external port to give it (it reports this as %s)",
			    *drop ? drop : "a drop");
		if (st.known && st.free > 0) {
			ps_rp_commas(a, sizeof(a), st.free);
			ps_rp_textf(f, ", while the host itself still had %s ports free toward that destination", a);
		}
		return;
	}
	if (!st.known) {
		fputs("no port was free for it", f);
		return;
	}
	ps_rp_short(t, sizeof(t), st.t, 4);
	if (st.free > 0) {
		ps_rp_commas(a, sizeof(a), st.free);
		ps_rp_textf(f, "yet at t = %s s a connect() could still have had %s ports toward the worst-off "
			    "destination: this socket needed more than a free 4-tuple (bind() before connect() needs "
			    "a port free for every destination), or the strategy gave up before it found one", t, a);
		return;
	}
	double holding = st.established + st.time_wait;
	ps_rp_commas(a, sizeof(a), st.time_wait);
	ps_rp_commas(b, sizeof(b), holding);
	if (ini)
		ps_rp_ini_value(ini, "host", "time_wait_s", tw, sizeof(tw));
	if (holding > 0 && st.time_wait >= 0.9 * holding)
		ps_rp_textf(f, "at t = %s s every port it could use was taken, and %s of the %s connections holding "
			    "them were in TIME_WAIT: closed, but kept%s%s%s before their ports come back", t, a, b,
			    *tw ? " " : "", tw, *tw ? " s" : "");
	else if (holding > 0 && st.established >= 0.9 * holding)
		ps_rp_textf(f, "at t = %s s every port it could use was taken by an open connection: more were "
			    "open at once than the pool has ports", t);
	else
		ps_rp_textf(f, "at t = %s s every port it could use was taken, by %s connections of which %s "
			    "were in TIME_WAIT", t, b, a);
}

/*
 * Writes a sentence of fixed HTML in which {col} stands for summary.csv's number in column col,
 * {col:s} for it in seconds, {col:%} as a percentage and {col:=} as written.
 */
static void say(FILE *f, const struct ps_rp_table *s, const char *text)
{
	for (const char *p = text; *p;) {
		const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
		if (!close) {
			fputs(p, f);
			return;
		}
		fwrite(p, 1, (size_t)(open - p), f);
		char col[64];
		snprintf(col, sizeof(col), "%.*s", (int)(close - open - 1), open + 1);
		char *colon = strchr(col, ':');
		enum style st = WHOLE;
		if (colon) {
			*colon = '\0';
			st = colon[1] == 's' ? SECONDS : colon[1] == '%' ? PERCENT : RAW;
		}
		num(f, s, col, st);
		p = close + 1;
	}
}

/* What else happened, said when its column is not zero. */
static const struct {
	const char *col, *text;
} extras[] = {
	{ "tw_takeovers", "<p>{tw_takeovers} TIME_WAIT entries were taken over by a new connection "
			  "(tcp_tw_reuse).</p>\n" },
	{ "reused", "<p>Keep-alive: of {requests} requests, {reused} were served by an idle pooled connection "
		    "rather than a new one.</p>\n" },
	{ "retries", "<p>{retries} attempts were retries; {abandoned} requests got no connection after their "
		     "last try.</p>\n" },
	{ "peak_nat_mappings", "<p>Behind the NAT: {nat_failures} attempts were dropped for want of an external "
			       "port; at most {peak_nat_mappings} mappings were alive at once.</p>\n" },
};

void ps_rp_headline(FILE *f, const char *dir, const struct ps_rp_table *s, const struct ps_report_options *opt)
{
	char *ini = ps_rp_read(dir, "scenario.ini", NULL);
	say(f, s, "<p>In {duration_s:s} of simulated time under the {strategy:=} strategy, the clients made "
		  "{attempts} connection attempts; {failures} failed ({failure_ratio:%}).</p>\n");
	if (!(ps_rp_number(s, 1, "failures") > 0)) {
		say(f, s, "<p>No attempt failed: the pool never ran dry. ");
	} else {
		uint64_t attempt = opt->first_failure_attempt;
		char error[64] = "", nth[64];
		uint64_t from_events = 0;
		if (first_fail(dir, &from_events, error, sizeof(error)) && !attempt)
			attempt = from_events;
		fputs("<p>The first to fail ", f);
		if (attempt) {
			char value[32];
			snprintf(value, sizeof(value), "%" PRIu64, attempt);
			ps_rp_ordinal(nth, sizeof(nth), (double)attempt);
			fputs("was the ", f);
			ps_rp_num(f, "first_failure_attempt", value, nth);
			fputs(" attempt, ", f);
		}
		say(f, s, "at {first_failure_s:s}");
		if (*error)
			ps_rp_textf(f, " (%s)", error);
		fputs(": ", f);
		reason(f, dir, s, ini, error);
		fputs(".</p>\n<p>", f);
	}
	say(f, s, "At their peaks {peak_established} connections were established and {peak_time_wait} in "
		  "TIME_WAIT; at most {peak_ports_in_use} ports were in use at once.</p>\n");
	for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++)
		if (ps_rp_number(s, 1, extras[i].col) > 0)
			say(f, s, extras[i].text);
	free(ini);
}
