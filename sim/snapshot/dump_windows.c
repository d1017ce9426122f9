/*
 * Rows of the Windows tools: `netstat -ano` (and -an, -anob, whose
 * program lines are skipped), and `Get-NetTCPConnection | Export-Csv`
 * (with or without the #TYPE line, any column order, states by name or by
 * their MSFT_NetTCPConnection number), which also reads
 * `Get-NetUDPEndpoint | Export-Csv`: no remote columns, so UDP.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define WINDOWS_STATES "LISTENING, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, " \
		       "CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, CLOSED, DELETE_TCB, BOUND"

static int state_of(struct ps_snap_dump *d, const struct ps_tok *t)
{
	int st = ps_sock_state_parse(t->p, t->n);
	if (st < 0) {
		char ex[64];
		snprintf(d->why, sizeof(d->why), "state \"%s\"; allowed: %s",
			 ps_snapshot_excerpt(ex, sizeof(ex), t->p, t->n, 16), WINDOWS_STATES);
	}
	return st;
}

int ps_snap_windows_line(struct ps_snap_dump *d, const char *line, size_t len)
{
	struct ps_tok t[8];
	size_t n = ps_snap_tokens(line, len, t, 8);
	if (n == 0 || ps_snap_tok_is(&t[0], "Active") || ps_snap_tok_is(&t[0], "Proto"))
		return 0;
	/* -b: the program ("[chrome.exe]"), a service name, or "Can not obtain ownership information". */
	bool tcp = ps_snap_tok_is(&t[0], "TCP"), udp = ps_snap_tok_is(&t[0], "UDP");
	if (!tcp && !udp) {
		if (t[0].p[0] == '[' || n == 1 || ps_snap_tok_is(&t[0], "Can")) {
			if (t[0].p[0] == '[' && d->r->socks.n && t[0].n > 2) {
				struct ps_sock *prev = &d->r->socks.v[d->r->socks.n - 1];
				size_t k = t[0].n - 2 < sizeof(prev->comm) - 1 ? t[0].n - 2 : sizeof(prev->comm) - 1;
				memcpy(prev->comm, t[0].p + 1, k);
				prev->comm[k] = '\0';
			}
			return 0;
		}
		char ex[64];
		snprintf(d->why, sizeof(d->why), "protocol \"%s\"; allowed: TCP, UDP",
			 ps_snapshot_excerpt(ex, sizeof(ex), t[0].p, t[0].n, 16));
		return -1;
	}
	if (n < (tcp ? 4u : 3u)) {
		snprintf(d->why, sizeof(d->why), "%zu fields; allowed: Proto Local Foreign%s [PID]", n,
			 tcp ? " State" : "");
		return -1;
	}
	struct ps_sock s;
	memset(&s, 0, sizeof(s));
	if (!ps_snap_endpoint(&t[1], &s.local, &s.lport, d->why, sizeof(d->why)) ||
	    !ps_snap_endpoint(&t[2], &s.remote, &s.rport, d->why, sizeof(d->why)))
		return -1;
	s.proto = (uint8_t)(tcp ? PS_SOCK_TCP : PS_SOCK_UDP);
	size_t pid_at = 3;
	if (tcp) {
		int st = state_of(d, &t[3]);
		if (st < 0)
			return -1;
		s.state = (uint8_t)st;
		pid_at = 4;
	} else {
		s.state = PS_SOCK_BOUND;
	}
	uint64_t pid;
	if (n > pid_at && pid_at < 8) {
		if (!ps_snap_tok_uint(&t[pid_at], UINT32_MAX, &pid)) {
			char ex[64];
			snprintf(d->why, sizeof(d->why), "PID \"%s\" is not a number; allowed: 0 to 4294967295",
				 ps_snapshot_excerpt(ex, sizeof(ex), t[pid_at].p, t[pid_at].n, 16));
			return -1;
		}
		s.pid = (uint32_t)pid;
	}
	return ps_snap_add(d, &s) == 0 ? 1 : -1;
}

/* Splits a CSV line into fields (quotes removed, "" left as is); returns how many there are. */
static size_t csv_fields(const char *line, size_t len, struct ps_tok *f, size_t max)
{
	size_t n = 0, i = 0;
	for (;;) {
		struct ps_tok t = { line + i, 0 };
		if (i < len && line[i] == '"') {
			size_t start = ++i;
			while (i < len && !(line[i] == '"' && (i + 1 >= len || line[i + 1] != '"')))
				i += line[i] == '"' ? 2 : 1;
			t = (struct ps_tok){ line + start, (i < len ? i : len) - start };
			i++;
		} else {
			while (i < len && line[i] != ',')
				i++;
			t.n = (size_t)(line + i - t.p);
		}
		if (n < max)
			f[n] = t;
		n++;
		if (i >= len || line[i] != ',')
			return n;
		i++;
	}
}

enum { C_LADDR, C_LPORT, C_RADDR, C_RPORT, C_STATE, C_PID, C_COUNT };
static const char *const columns[C_COUNT] = { "LocalAddress", "LocalPort", "RemoteAddress",
					      "RemotePort", "State", "OwningProcess" };

/* MSFT_NetTCPConnection.State as a number, for exports that kept the enum's value. */
static int numeric_state(uint64_t v)
{
	static const int8_t by_number[13] = {
		-1, PS_SOCK_CLOSED, PS_SOCK_LISTEN, PS_SOCK_SYN_SENT, PS_SOCK_SYN_RECV, PS_SOCK_ESTABLISHED,
		PS_SOCK_FIN_WAIT1, PS_SOCK_FIN_WAIT2, PS_SOCK_CLOSE_WAIT, PS_SOCK_CLOSING, PS_SOCK_LAST_ACK,
		PS_SOCK_TIME_WAIT, PS_SOCK_CLOSED,
	};
	return v == 100 ? PS_SOCK_BOUND : v < 13 ? by_number[v] : -1;
}

static int powershell_header(struct ps_snap_dump *d, const struct ps_tok *f, size_t n)
{
	for (int c = 0; c < C_COUNT; c++) {
		d->col[c] = -1;
		for (size_t i = 0; i < n && i < 64; i++)
			if (ps_snap_tok_is(&f[i], columns[c]))
				d->col[c] = (int)i;
	}
	d->ncols = n;
	bool tcp = d->col[C_RADDR] >= 0;
	if (d->col[C_LADDR] < 0 || d->col[C_LPORT] < 0 || (tcp && (d->col[C_RPORT] < 0 || d->col[C_STATE] < 0))) {
		snprintf(d->why, sizeof(d->why), "header lacks a needed column; allowed: a header with "
			 "LocalAddress, LocalPort, RemoteAddress, RemotePort and State "
			 "(Get-NetTCPConnection), or LocalAddress and LocalPort (Get-NetUDPEndpoint)");
		return -1;
	}
	return 0;
}

/* The address in column `which` and the port in the next one (LocalAddress, LocalPort; Remote...). */
static bool csv_endpoint(struct ps_snap_dump *d, const struct ps_tok *f, int which, struct ps_sock_addr *a,
			 uint16_t *port)
{
	const struct ps_tok *at = &f[d->col[which]], *pt = &f[d->col[which + 1]];
	char ex[64];
	uint64_t v;
	if (!ps_sock_addr_parse(at->p, at->n, a)) {
		snprintf(d->why, sizeof(d->why), "%s \"%s\"; allowed: an IPv4 or IPv6 address", columns[which],
			 ps_snapshot_excerpt(ex, sizeof(ex), at->p, at->n, 40));
		return false;
	}
	if (!ps_snap_tok_uint(pt, 65535, &v)) {
		snprintf(d->why, sizeof(d->why), "%s \"%s\"; allowed: 0 to 65535", columns[which + 1],
			 ps_snapshot_excerpt(ex, sizeof(ex), pt->p, pt->n, 16));
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

int ps_snap_powershell_line(struct ps_snap_dump *d, const char *line, size_t len)
{
	struct ps_tok f[64];
	if (len == 0 || (len >= 5 && !memcmp(line, "#TYPE", 5)))
		return 0;
	size_t n = csv_fields(line, len, f, 64);
	if (!d->ncols) {
		for (size_t i = 0; i < n && i < 64; i++)
			if (ps_snap_tok_is(&f[i], "LocalAddress"))
				return powershell_header(d, f, n);
		snprintf(d->why, sizeof(d->why), "a row before the header; allowed: first a header line "
			 "naming the columns (LocalAddress,LocalPort,...), as Export-Csv writes it");
		return -1;
	}
	if (n != d->ncols) {
		snprintf(d->why, sizeof(d->why), "%zu fields; allowed: %zu, as in the header", n, d->ncols);
		return -1;
	}
	struct ps_sock s;
	memset(&s, 0, sizeof(s));
	bool tcp = d->col[C_RADDR] >= 0;
	char ex[64];
	uint64_t v;
	if (!csv_endpoint(d, f, C_LADDR, &s.local, &s.lport))
		return -1;
	s.proto = (uint8_t)(tcp ? PS_SOCK_TCP : PS_SOCK_UDP);
	s.state = PS_SOCK_BOUND;
	if (tcp) {
		struct ps_tok *st = &f[d->col[C_STATE]];
		if (!csv_endpoint(d, f, C_RADDR, &s.remote, &s.rport))
			return -1;
		int state = ps_snap_tok_uint(st, 1000, &v) ? numeric_state(v) : ps_sock_state_parse(st->p, st->n);
		if (state < 0) {
			snprintf(d->why, sizeof(d->why), "State \"%s\"; allowed: Listen, SynSent, SynReceived, "
				 "Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait, Closed, "
				 "DeleteTCB, Bound, or their numbers 1-12, 100",
				 ps_snapshot_excerpt(ex, sizeof(ex), st->p, st->n, 16));
			return -1;
		}
		s.state = (uint8_t)state;
	}
	if (d->col[C_PID] >= 0 && ps_snap_tok_uint(&f[d->col[C_PID]], UINT32_MAX, &v))
		s.pid = (uint32_t)v;
	return ps_snap_add(d, &s) == 0 ? 1 : -1;
}
