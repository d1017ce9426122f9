/*
 * Saved dumps of every supported format (tests/data/snapshot/), read by the
 * library and counted exactly: IPv6, IPv4-mapped addresses merging into
 * their IPv4 pool, listeners and accepted sockets told apart, sections of
 * other families skipped; malformed lines refused with the file, the line
 * and the bad value, control bytes escaped. Two readings give exact rates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/scenario.h"
#include "portsim/snapshot.h"
#include "support.h"

#define DATA PORTSIM_SOURCE_DIR "/tests/data/snapshot/"

struct snap {
	struct ps_snapshot_host h;
	struct ps_snapshot_reading r;
	struct ps_snapshot_report rep;
};

static struct snap *analyze_file(const char *name, const char *os)
{
	struct snap *s = calloc(1, sizeof(*s));
	char err[PS_ERR_MAX];
	ps_snapshot_host_init(&s->h);
	if (ps_snapshot_read_dump(name, PS_DUMP_AUTO, &s->r, &s->h, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	struct ps_snapshot_options opt = { .os = os };
	if (ps_snapshot_analyze(&s->h, NULL, &s->r, &opt, &s->rep, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	return s;
}

static void snap_free(struct snap *s)
{
	ps_snapshot_report_fini(&s->rep);
	ps_snapshot_reading_fini(&s->r);
	free(s);
}

static const struct ps_snapshot_dest *dest(const struct snap *s, const char *endpoint)
{
	for (size_t i = 0; i < s->rep.ndst; i++) {
		char e[64];
		ps_sock_endpoint_format(e, sizeof(e), &s->rep.dst[i].dst, s->rep.dst[i].dport);
		if (!strcmp(e, endpoint))
			return &s->rep.dst[i];
	}
	fail_msg("no destination %s", endpoint);
	return NULL;
}

static const struct ps_snapshot_source *source(const struct snap *s, const char *addr)
{
	for (size_t i = 0; i < s->rep.nsrc; i++) {
		char a[64];
		ps_sock_addr_format(a, sizeof(a), &s->rep.src[i].addr);
		if (!strcmp(a, addr))
			return &s->rep.src[i];
	}
	fail_msg("no source %s", addr);
	return NULL;
}

static void expect_counts(const struct ps_snapshot_stats *st, unsigned in_use, unsigned est, unsigned tw,
			  unsigned other)
{
	assert_int_equal(st->in_use, in_use);
	assert_int_equal(st->established, est);
	assert_int_equal(st->time_wait, tw);
	assert_int_equal(st->other, other);
}

static void test_ss_dump_counts_ipv6_and_merges_ipv4_mapped_into_ipv4(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "ss-tan.txt", NULL);
	assert_int_equal(s->h.format, PS_DUMP_SS);
	assert_string_equal(s->rep.os, "linux");
	assert_int_equal(s->rep.lo, 32768);
	assert_int_equal(s->rep.hi, 60999);
	assert_int_equal(s->rep.sockets, 17);
	assert_int_equal(s->rep.listening, 3);
	assert_int_equal(s->rep.accepted, 1);
	assert_int_equal(s->rep.outgoing, 13);
	assert_int_equal(s->rep.outside_range, 1);
	/* [::ffff:10.0.0.5]:41004 and :41005 are the same pool as 10.0.0.5's. */
	expect_counts(&dest(s, "93.184.216.34:443")->st, 8, 3, 4, 1);
	expect_counts(&dest(s, "10.1.2.3:5432")->st, 2, 2, 0, 0);
	expect_counts(&dest(s, "[2001:db8::1]:443")->st, 2, 1, 1, 0);
	/* 41000 serves two destinations at once: 9 distinct ports on 10.0.0.5. */
	assert_int_equal(source(s, "10.0.0.5")->st.in_use, 9);
	assert_int_equal(source(s, "10.0.0.5")->outside_range, 1);
	assert_int_equal(dest(s, "93.184.216.34:443")->st.free, 28232 - 8);
	/* Tightest first. */
	assert_int_equal(s->rep.dst[0].st.in_use, 8);
	snap_free(s);
}

static void test_ss_with_netid_process_and_unbracketed_ipv6(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "ss-tuanpH-old.txt", NULL);
	assert_int_equal(s->h.format, PS_DUMP_SS);
	assert_int_equal(s->rep.sockets, 8); /* u_str and nl rows skipped */
	assert_int_equal(s->rep.udp, 2);
	expect_counts(&dest(s, "10.0.0.8:8080")->st, 3, 2, 1, 0);
	expect_counts(&dest(s, "[2001:db8::8]:8080")->st, 1, 0, 0, 1);
	assert_int_equal(source(s, "10.0.0.5")->udp_in_use, 1);
	struct ps_snapshot_port_hits hits;
	assert_int_equal(ps_snapshot_find_port(&s->r, 33000, &hits), 0);
	assert_int_equal(hits.n, 1);
	const struct ps_sock *k = &s->r.socks.v[hits.idx[0]];
	assert_int_equal(k->pid, 901);
	assert_string_equal(k->comm, "nginx");
	assert_int_equal(k->state, PS_SOCK_ESTABLISHED);
	ps_snapshot_port_hits_fini(&hits);
	snap_free(s);
}

static void test_netstat_linux_skips_unix_and_raw_sections(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "netstat-linux.txt", NULL);
	assert_int_equal(s->h.format, PS_DUMP_NETSTAT);
	assert_string_equal(s->rep.os, "linux");
	assert_int_equal(s->rep.sockets, 10);
	assert_int_equal(s->rep.listening, 2);
	assert_int_equal(s->rep.accepted, 1);
	expect_counts(&dest(s, "93.184.216.34:443")->st, 4, 2, 1, 1);
	expect_counts(&dest(s, "[2001:db8::1]:443")->st, 1, 1, 0, 0);
	assert_int_equal(source(s, "10.0.0.5")->udp_in_use, 1);
	snap_free(s);
}

static void test_netstat_macos_reads_bsd_endpoints_under_the_port_rule(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "netstat-macos.txt", NULL);
	assert_int_equal(s->h.format, PS_DUMP_NETSTAT);
	assert_string_equal(s->rep.os, "macos");
	assert_true(s->rep.port_rule);
	assert_int_equal(s->rep.lo, 49152);
	assert_int_equal(s->rep.sockets, 10); /* icm6, Multipath, UNIX and kernel control rows skipped */
	assert_int_equal(s->rep.accepted, 1); /* fe80::1.8021, a listener's port */
	expect_counts(&dest(s, "17.253.144.10:443")->st, 2, 1, 1, 0);
	expect_counts(&dest(s, "140.82.112.3:443")->st, 2, 1, 0, 1);
	expect_counts(&dest(s, "[fe80::1]:8021")->st, 1, 1, 0, 0);
	/* Under the port rule a destination's free ports are its source address's. */
	assert_int_equal(source(s, "192.168.1.20")->st.in_use, 4);
	assert_int_equal(dest(s, "17.253.144.10:443")->st.free, 16384 - 4);
	snap_free(s);
	/* --os freebsd: the same dump under FreeBSD's range and 4-tuple rule. */
	s = analyze_file(DATA "netstat-macos.txt", "freebsd");
	assert_false(s->rep.port_rule);
	assert_int_equal(s->rep.lo, 10000);
	snap_free(s);
}

static void check_windows(const struct snap *s)
{
	assert_int_equal(s->h.format, PS_DUMP_WINDOWS);
	assert_string_equal(s->rep.os, "windows");
	assert_int_equal(s->rep.sockets, 12);
	assert_int_equal(s->rep.listening, 3);
	assert_int_equal(s->rep.accepted, 1); /* [::1]:49669, the listener's port */
	assert_int_equal(s->rep.udp, 3);
	expect_counts(&dest(s, "52.1.2.3:443")->st, 3, 1, 1, 1);
	expect_counts(&dest(s, "[::1]:49669")->st, 1, 1, 0, 0);
	assert_int_equal(s->rep.held_in_range, 1);
	struct ps_snapshot_port_hits hits;
	assert_int_equal(ps_snapshot_find_port(&s->r, 50123, &hits), 0);
	assert_int_equal(hits.n, 1);
	assert_int_equal(s->r.socks.v[hits.idx[0]].pid, 5678);
	ps_snapshot_port_hits_fini(&hits);
}

static void test_windows_netstat_ano_with_crlf_and_as_utf16(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "windows-netstat-ano.txt", NULL);
	check_windows(s);
	snap_free(s);
	/* PowerShell's `netstat -ano > file` writes UTF-16 with a byte-order mark. */
	size_t len;
	char *text = pst_read_file(DATA "windows-netstat-ano.txt", &len);
	char *wide = malloc(2 * len + 2), *dir = pst_tmpdir();
	wide[0] = (char)0xff;
	wide[1] = (char)0xfe;
	for (size_t i = 0; i < len; i++) {
		wide[2 + 2 * i] = text[i];
		wide[3 + 2 * i] = 0;
	}
	char *path = pst_path(dir, "utf16.txt");
	FILE *f = fopen(path, "wb");
	fwrite(wide, 1, 2 * len + 2, f);
	fclose(f);
	s = analyze_file(path, NULL);
	check_windows(s);
	snap_free(s);
	free(text);
	free(wide);
	free(path);
	pst_rmtree(dir);
	free(dir);
}

static void test_get_nettcpconnection_csv_with_names_and_numbers(void **state)
{
	(void)state;
	struct snap *s = analyze_file(DATA "get-nettcpconnection.csv", NULL);
	assert_int_equal(s->h.format, PS_DUMP_POWERSHELL);
	assert_string_equal(s->rep.os, "windows");
	assert_int_equal(s->rep.sockets, 6);
	/* ::ffff:192.168.1.5 is 192.168.1.5; "5" is Established. */
	expect_counts(&dest(s, "52.1.2.3:443")->st, 3, 2, 1, 0);
	expect_counts(&dest(s, "10.9.9.9:1433")->st, 1, 1, 0, 0);
	/* The listener on 49669 and the Bound socket on 50125 hold their ports for everyone. */
	assert_int_equal(s->rep.held_in_range, 2);
	snap_free(s);
}

static void test_proc_net_tcp_copy(void **state)
{
	(void)state;
	const uint16_t one = 1;
	if (*(const uint8_t *)&one != 1) {
		print_message("SKIP: the sample was saved on a little-endian machine\n");
		skip();
	}
	struct snap *s = analyze_file(DATA "proc-net-tcp.txt", NULL);
	assert_int_equal(s->h.format, PS_DUMP_PROC);
	assert_int_equal(s->rep.sockets, 4);
	assert_int_equal(s->rep.accepted, 1);
	expect_counts(&dest(s, "127.0.0.2:8080")->st, 2, 1, 1, 0);
	assert_int_equal(s->r.socks.v[1].inode, 23456);
	snap_free(s);
}

/* Parses text; expects PS_BAD_INPUT with every one of the substrings in the message. */
static void expect_refused(enum ps_dump_format fmt, const char *text, const char *const *want)
{
	struct ps_snapshot_host h;
	struct ps_snapshot_reading r;
	char err[PS_ERR_MAX];
	ps_snapshot_host_init(&h);
	enum ps_status st = ps_snapshot_parse_dump("dump.txt", text, strlen(text), fmt, &r, &h, err, sizeof(err));
	if (st != PS_BAD_INPUT)
		fail_msg("accepted: %s", text);
	assert_null(strchr(err, '\n'));
	for (size_t i = 0; want[i]; i++)
		if (!strstr(err, want[i]))
			fail_msg("no \"%s\" in: %s", want[i], err);
	assert_null(r.socks.v);
}

static void test_malformed_lines_are_refused_naming_line_and_value(void **state)
{
	(void)state;
	expect_refused(PS_DUMP_AUTO, "State Recv-Q Send-Q Local Peer\nESTAB 0 0 10.0.0.1:40000 1.2.3.4:80\n"
				     "ESTAB 0 0 10.0.0.1:http 1.2.3.4:80\n",
		       (const char *const[]){ "dump.txt:3:", "\"http\"", "allowed: 0 to 65535", "ss -n", NULL });
	expect_refused(PS_DUMP_SS, "ESTAB 0 0 10.0.0.1:40000 1.2.3.4:80\nESTABISHED 0 0 10.0.0.1:1 1.2.3.4:80\n",
		       (const char *const[]){ "dump.txt:2:", "\"ESTABISHED\"", "allowed: ESTAB", NULL });
	expect_refused(PS_DUMP_AUTO, "Proto Recv-Q Send-Q Local Address Foreign Address State\n"
				     "tcp 0 0 10.0.0.999:40000 1.2.3.4:80 ESTABLISHED\n",
		       (const char *const[]){ "dump.txt:2:", "\"10.0.0.999\"", "not an IPv4 or IPv6", NULL });
	expect_refused(PS_DUMP_NETSTAT, "tcp 0 0 10.0.0.1:40000 1.2.3.4:80\n",
		       (const char *const[]){ "dump.txt:1:", "5 fields", NULL });
	expect_refused(PS_DUMP_NETSTAT, "tcp 0 0 10.0.0.1:40000 1.2.3.4:80 WAITING\n",
		       (const char *const[]){ "\"WAITING\"", "TIME_WAIT", NULL });
	expect_refused(PS_DUMP_WINDOWS, "  TCP    1.2.3.4:50000    6.7.8.9:443    ESTABLISHED    12\r\n"
					"  TCP    1.2.3.4:50001    6.7.8.9:443    HERGESTELLT    12\r\n",
		       (const char *const[]){ "dump.txt:2:", "\"HERGESTELLT\"", "LISTENING", NULL });
	expect_refused(PS_DUMP_WINDOWS, "  TCP    1.2.3.4:50000    6.7.8.9:443    ESTABLISHED    x12\r\n",
		       (const char *const[]){ "PID \"x12\"", NULL });
	expect_refused(PS_DUMP_POWERSHELL, "\"LocalAddress\",\"LocalPort\",\"RemoteAddress\",\"RemotePort\","
					   "\"State\"\n\"10.0.0.1\",\"abc\",\"1.2.3.4\",\"443\",\"Established\"\n",
		       (const char *const[]){ "dump.txt:2:", "LocalPort \"abc\"", "0 to 65535", NULL });
	expect_refused(PS_DUMP_POWERSHELL, "\"LocalAddress\",\"RemoteAddress\"\n",
		       (const char *const[]){ "dump.txt:1:", "LocalPort", NULL });
	expect_refused(PS_DUMP_PROC, "  sl  local_address rem_address   st\n   0: 0100007F:1F90 0200007F:XYZW 01 "
				     "00000000:00000000 00:00000000 00000000 0 0 1 1\n",
		       (const char *const[]){ "dump.txt:2:", "hex", NULL });
	expect_refused(PS_DUMP_AUTO, "hello world\nthis is not a dump\n",
		       (const char *const[]){ "dump.txt", "cannot tell", "--format", NULL });
}

static void test_control_bytes_are_escaped_and_excerpts_short(void **state)
{
	(void)state;
	char text[2048];
	int n = snprintf(text, sizeof(text), "ESTAB 0 0 10.0.0.1:40000 1.2.3.4:80\nESTAB 0 0 \x1b[31m:1 1.2.3.4:80 ");
	memset(text + n, 'A', 1000);
	text[n + 1000] = '\0';
	struct ps_snapshot_host h;
	struct ps_snapshot_reading r;
	char err[PS_ERR_MAX];
	ps_snapshot_host_init(&h);
	assert_int_equal(ps_snapshot_parse_dump("dump.txt", text, strlen(text), PS_DUMP_SS, &r, &h, err, sizeof(err)),
			 PS_BAD_INPUT);
	assert_non_null(strstr(err, "dump.txt:2:"));
	assert_non_null(strstr(err, "\\x1b"));
	assert_null(strchr(err, 0x1b));
	assert_non_null(strstr(err, "..."));
	assert_true(strlen(err) < 600);
	/* NUL bytes: not a text dump. */
	assert_int_equal(ps_snapshot_parse_dump("bin", "ESTAB\0\1", 7, PS_DUMP_AUTO, &r, &h, err, sizeof(err)),
			 PS_BAD_INPUT);
	assert_non_null(strstr(err, "NUL"));
}

/* A destination with steady turnover, one drained by its server; read twice, 10 s apart. */
static void two_readings(char *before, char *after, size_t size)
{
	size_t b = 0, a = 0;
	for (int i = 0; i < 10; i++) /* toward A: 10 open; 8 stay, 2 closed here */
		b += (size_t)snprintf(before + b, size - b, "ESTAB 0 0 10.0.0.5:%d 10.9.0.1:443\n", 40000 + i);
	for (int i = 0; i < 10; i++)
		a += (size_t)snprintf(after + a, size - a, "%s 0 0 10.0.0.5:%d 10.9.0.1:443\n",
				      i < 8 ? "ESTAB" : "TIME-WAIT", 40000 + i);
	for (int i = 10; i < 20; i++) /* 10 new: 5 open, 5 already closed here */
		a += (size_t)snprintf(after + a, size - a, "%s 0 0 10.0.0.5:%d 10.9.0.1:443\n",
				      i < 15 ? "ESTAB" : "TIME-WAIT", 40000 + i);
	for (int i = 50; i < 55; i++) /* toward B: 5 open; 2 closed by the server */
		b += (size_t)snprintf(before + b, size - b, "ESTAB 0 0 10.0.0.5:%d 10.9.0.2:5432\n", 40000 + i);
	for (int i = 50; i < 53; i++)
		a += (size_t)snprintf(after + a, size - a, "ESTAB 0 0 10.0.0.5:%d 10.9.0.2:5432\n", 40000 + i);
}

static void test_two_readings_give_rate_holding_and_time_to_exhaustion(void **state)
{
	(void)state;
	static char before[8192], after[8192];
	two_readings(before, after, sizeof(before));
	struct snap *s = calloc(1, sizeof(*s));
	struct ps_snapshot_reading r0;
	char err[PS_ERR_MAX];
	ps_snapshot_host_init(&s->h);
	assert_int_equal(ps_snapshot_parse_dump("a", before, strlen(before), PS_DUMP_SS, &r0, &s->h, err, sizeof(err)),
			 PS_DONE);
	assert_int_equal(ps_snapshot_parse_dump("b", after, strlen(after), PS_DUMP_SS, &s->r, &s->h, err, sizeof(err)),
			 PS_DONE);
	struct ps_snapshot_options opt = { .range_set = true, .lo = 40000, .hi = 40099, .interval_s = 10 };
	assert_int_equal(ps_snapshot_analyze(&s->h, &r0, &s->r, &opt, &s->rep, err, sizeof(err)), PS_DONE);
	const struct ps_snapshot_stats *a = &dest(s, "10.9.0.1:443")->st, *b = &dest(s, "10.9.0.2:5432")->st;
	expect_counts(a, 20, 13, 7, 0);
	assert_int_equal(a->new_conns, 10);
	assert_int_equal(a->closed_client, 7);
	assert_int_equal(a->closed_server, 0);
	assert_int_equal(a->rate_from, PS_RATE_MEASURED);
	assert_true(a->rate_per_s == 1.0);
	assert_true(a->growth_per_s == 1.0);
	assert_int_equal(a->free, 80);
	assert_true(a->exhaust_s == 80.0);
	assert_true(a->client_close == 1.0);
	assert_true(a->lifetime_s == 11.5);  /* open: 10 then 13; mean 11.5 over 1/s */
	assert_true(a->holding_s == 71.5);   /* + 60 s of TIME_WAIT */
	assert_true(fabs(a->bound_per_s - 100 / 71.5) < 1e-12);
	assert_true(a->erlang_per_s < a->bound_per_s);
	assert_true(a->steady_in_use == 71.5);
	assert_int_equal(b->closed_server, 2);
	assert_true(b->rate_per_s == 0);
	assert_true(b->growth_per_s == -0.2);
	assert_true(isinf(b->exhaust_s));
	assert_true(isnan(b->holding_s));
	/* Its scenario: real keys, loads, and says what it reproduces. */
	char *text = ps_snapshot_scenario(&s->h, &s->rep, err, sizeof(err));
	assert_non_null(text);
	struct ps_scenario *sc = pst_scenario(text);
	assert_int_equal(sc->npop, 2);
	assert_int_equal(sc->lo, 40000);
	assert_true(sc->pop[0].rate_per_s == 1.0);
	assert_true(sc->pop[0].duration_s == 11.5);
	assert_true(sc->pop[0].client_closes == 1.0);
	assert_int_equal(sc->pop[1].arrival, PS_ARRIVAL_BURST);
	assert_int_equal(sc->pop[1].burst_size, 3);
	assert_non_null(strstr(text, "two readings 10 s apart"));
	free(sc);
	free(text);
	ps_snapshot_reading_fini(&r0);
	snap_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ss_dump_counts_ipv6_and_merges_ipv4_mapped_into_ipv4),
		cmocka_unit_test(test_ss_with_netid_process_and_unbracketed_ipv6),
		cmocka_unit_test(test_netstat_linux_skips_unix_and_raw_sections),
		cmocka_unit_test(test_netstat_macos_reads_bsd_endpoints_under_the_port_rule),
		cmocka_unit_test(test_windows_netstat_ano_with_crlf_and_as_utf16),
		cmocka_unit_test(test_get_nettcpconnection_csv_with_names_and_numbers),
		cmocka_unit_test(test_proc_net_tcp_copy),
		cmocka_unit_test(test_malformed_lines_are_refused_naming_line_and_value),
		cmocka_unit_test(test_control_bytes_are_escaped_and_excerpts_short),
		cmocka_unit_test(test_two_readings_give_rate_holding_and_time_to_exhaustion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
