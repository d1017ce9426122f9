/*
 * Rows of the Unix tools: iproute2's ss (-tan, -tanH, -tuanp, with or
 * without the Netid column, old unbracketed IPv6 or new [IPv6]) and
 * netstat -an as Linux's net-tools and macOS/FreeBSD print it (BSD puts
 * the port after a '.', calls its protocols tcp4/tcp6/tcp46 and heads the
 * state column "(state)"). Sections of other families (UNIX sockets,
 * kernel control sockets) are skipped whole.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define SS_STATES "ESTAB, SYN-SENT, SYN-RECV, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSE-WAIT, " \
		  "LAST-ACK, CLOSING, LISTEN, UNCONN"
#define NETSTAT_STATES "ESTABLISHED, SYN_SENT, SYN_RECV (SYN_RCVD), FIN_WAIT1 (FIN_WAIT_1), " \
		       "FIN_WAIT2, TIME_WAIT, CLOSE, CLOSED, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING"
#define NETSTAT_PROTOS "tcp, tcp4, tcp6, tcp46, udp, udp4, udp6, udp46"

static void bad_number(struct ps_snap_dump *d, const char *what, const struct ps_tok *t)
{
	char ex[64];
	snprintf(d->why, sizeof(d->why), "%s \"%s\" is not a number; allowed: 0 or more", what,
		 ps_snapshot_excerpt(ex, sizeof(ex), t->p, t->n, 16));
}

/* Both endpoints; false with why. */
static bool endpoints(struct ps_snap_dump *d, const struct ps_tok *local, const struct ps_tok *peer,
		      struct ps_sock *s)
{
	return ps_snap_endpoint(local, &s->local, &s->lport, d->why, sizeof(d->why)) &&
	       ps_snap_endpoint(peer, &s->remote, &s->rport, d->why, sizeof(d->why));
}

/* ss -p's `users:(("curl",pid=1234,fd=3))` and -e's `ino:1234`. */
static void ss_extras(const struct ps_tok *t, size_t n, struct ps_sock *s)
{
	for (size_t i = 0; i < n; i++) {
		const char *q = t[i].p, *end = t[i].p + t[i].n;
		if (t[i].n > 4 && !memcmp(q, "ino:", 4))
			s->inode = strtoull(q + 4, NULL, 10);
		const char *name = t[i].n > 9 && !memcmp(q, "users:((\"", 9) ? q + 9 : NULL;
		if (name) {
			size_t k = 0;
			while (name + k < end && name[k] != '"' && k + 1 < sizeof(s->comm))
				k++;
			memcpy(s->comm, name, k);
			s->comm[k] = '\0';
		}
		for (const char *p = q; p + 4 < end; p++)
			if (!memcmp(p, "pid=", 4) && (p == q || !isalpha((unsigned char)p[-1]))) {
				s->pid = (uint32_t)strtoul(p + 4, NULL, 10);
				break;
			}
	}
}

static bool is_netid(const struct ps_tok *t, bool *inet, enum ps_sock_proto *proto)
{
	static const char *const others[] = { "raw", "u_str", "u_dgr", "u_seq", "nl", "p_raw", "p_dgr",
					      "mptcp", "sctp", "dccp", "v_str", "v_dgr", "xdp", "tipc",
					      "icmp6", "icmp", "u_seqpacket" };
	*inet = true;
	if (ps_snap_tok_is(t, "tcp") || ps_snap_tok_is(t, "udp")) {
		*proto = t->p[0] == 't' ? PS_SOCK_TCP : PS_SOCK_UDP;
		return true;
	}
	*inet = false;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (ps_snap_tok_is(t, others[i]))
			return true;
	return false;
}

int ps_snap_ss_line(struct ps_snap_dump *d, const char *line, size_t len)
{
	struct ps_tok t[16];
	size_t n = ps_snap_tokens(line, len, t, 16);
	if (n == 0 || ps_snap_tok_is(&t[0], "State") || ps_snap_tok_is(&t[0], "Netid"))
		return 0;
	struct ps_sock s;
	memset(&s, 0, sizeof(s));
	size_t i = 0;
	bool inet;
	enum ps_sock_proto proto = PS_SOCK_TCP;
	if (is_netid(&t[0], &inet, &proto)) {
		if (!inet)
			return 0;
		i = 1;
	}
	int st = i < n ? ps_sock_state_parse(t[i].p, t[i].n) : -1;
	if (st < 0) {
		/* ss -i and -e put a socket's details on an indented line of their own. */
		if (isspace((unsigned char)line[0]))
			return 0;
		char ex[64];
		snprintf(d->why, sizeof(d->why), "state \"%s\" is not one ss prints; allowed: %s",
			 ps_snapshot_excerpt(ex, sizeof(ex), t[i < n ? i : 0].p, t[i < n ? i : 0].n, 16),
			 SS_STATES);
		return -1;
	}
	if (n < i + 5) {
		snprintf(d->why, sizeof(d->why), "%zu fields; allowed: [Netid] State Recv-Q Send-Q "
			 "Local:Port Peer:Port [Process]", n);
		return -1;
	}
	uint64_t q;
	if (!ps_snap_tok_uint(&t[i + 1], UINT64_MAX, &q)) {
		bad_number(d, "Recv-Q", &t[i + 1]);
		return -1;
	}
	if (!ps_snap_tok_uint(&t[i + 2], UINT64_MAX, &q)) {
		bad_number(d, "Send-Q", &t[i + 2]);
		return -1;
	}
	if (!endpoints(d, &t[i + 3], &t[i + 4], &s))
		return -1;
	s.proto = (uint8_t)proto;
	s.state = (uint8_t)st;
	if (proto == PS_SOCK_UDP && st != PS_SOCK_ESTABLISHED)
		s.state = PS_SOCK_BOUND;
	ss_extras(t + i + 5, (n < 16 ? n : 16) - (i + 5), &s);
	return ps_snap_add(d, &s) == 0 ? 1 : -1;
}

/* netstat -p's "1234/curl" ("-" when not readable). */
static void netstat_program(const struct ps_tok *t, struct ps_sock *s)
{
	const char *slash = memchr(t->p, '/', t->n);
	if (!slash || slash == t->p || !isdigit((unsigned char)t->p[0]))
		return;
	s->pid = (uint32_t)strtoul(t->p, NULL, 10);
	size_t k = (size_t)(t->p + t->n - slash - 1);
	if (k >= sizeof(s->comm))
		k = sizeof(s->comm) - 1;
	memcpy(s->comm, slash + 1, k);
	s->comm[k] = '\0';
}

int ps_snap_netstat_line(struct ps_snap_dump *d, const char *line, size_t len)
{
	if ((len >= 6 && !memcmp(line, "Active", 6)) || (len >= 10 && !memcmp(line, "Registered", 10))) {
		bool inet = false;
		for (size_t i = 0; i + 8 <= len; i++)
			inet |= !memcmp(line + i, "Internet", 8);
		/* macOS's "Active Multipath Internet connections" lists subflows, not sockets. */
		for (size_t i = 0; i + 9 <= len; i++)
			inet &= memcmp(line + i, "Multipath", 9) != 0;
		d->skip_section = !inet;
		return 0;
	}
	struct ps_tok t[12];
	size_t n = ps_snap_tokens(line, len, t, 12);
	if (d->skip_section || n == 0)
		return 0;
	if (ps_snap_tok_is(&t[0], "Proto")) {
		for (size_t i = 0; i + 7 <= len; i++)
			d->bsd |= !memcmp(line + i, "(state)", 7);
		return 0;
	}
	if (!ps_snap_is_netstat_proto(&t[0])) {
		static const char *const others[] = { "raw", "raw4", "raw6", "icm4", "icm6", "udplite",
						      "unix", "divert", "sctp", "sctp4", "sctp6" };
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (ps_snap_tok_is(&t[0], others[i]))
				return 0;
		char ex[64];
		snprintf(d->why, sizeof(d->why), "protocol \"%s\"; allowed: %s (other protocols are skipped: raw, "
			 "icm4, icm6, unix, ...)", ps_snapshot_excerpt(ex, sizeof(ex), t[0].p, t[0].n, 16),
			 NETSTAT_PROTOS);
		return -1;
	}
	bool tcp = t[0].p[0] == 't';
	char last = t[0].p[t[0].n - 1];
	d->bsd |= last == '4' || (t[0].n > 3 && last == '6' && t[0].p[t[0].n - 2] == '4');
	if (n < (tcp ? 6u : 5u)) {
		snprintf(d->why, sizeof(d->why), "%zu fields; allowed: Proto Recv-Q Send-Q Local Foreign%s", n,
			 tcp ? " State [PID/Program]" : " [State] [PID/Program]");
		return -1;
	}
	uint64_t q;
	if (!ps_snap_tok_uint(&t[1], UINT64_MAX, &q)) {
		bad_number(d, "Recv-Q", &t[1]);
		return -1;
	}
	if (!ps_snap_tok_uint(&t[2], UINT64_MAX, &q)) {
		bad_number(d, "Send-Q", &t[2]);
		return -1;
	}
	struct ps_sock s;
	memset(&s, 0, sizeof(s));
	if (!endpoints(d, &t[3], &t[4], &s))
		return -1;
	s.proto = (uint8_t)(tcp ? PS_SOCK_TCP : PS_SOCK_UDP);
	size_t next = 5;
	int st = n > 5 ? ps_sock_state_parse(t[5].p, t[5].n) : -1;
	if (st >= 0) {
		next = 6;
	} else if (tcp) {
		char ex[64];
		snprintf(d->why, sizeof(d->why), "state \"%s\"; allowed: %s",
			 ps_snapshot_excerpt(ex, sizeof(ex), t[5].p, t[5].n, 16), NETSTAT_STATES);
		return -1;
	}
	if (!tcp)
		st = s.rport ? PS_SOCK_ESTABLISHED : PS_SOCK_BOUND;
	s.state = (uint8_t)st;
	if (n > next && next < 12)
		netstat_program(&t[next], &s);
	return ps_snap_add(d, &s) == 0 ? 1 : -1;
}
