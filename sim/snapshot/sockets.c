/*
 * The socket model every reader fills: addresses as 16 IPv6 bytes (IPv4
 * mapped, so dual-stack sockets land in the IPv4 pool they really draw
 * from), the TCP states under every spelling the tools use, and the list.
 */
#include "portsim/snapshot.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portsim/grow.h"

int ps_sock_list_add(struct ps_sock_list *l, const struct ps_sock *s)
{
	struct ps_sock *v = ps_room_for(l->v, l->n, &l->cap, sizeof(*v), 256);
	if (!v)
		return -1;
	l->v = v;
	l->v[l->n++] = *s;
	return 0;
}

void ps_sock_list_fini(struct ps_sock_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void ps_snapshot_reading_fini(struct ps_snapshot_reading *r)
{
	ps_sock_list_fini(&r->socks);
}

static const char *const state_names[PS_SOCK_STATE_COUNT] = {
	[PS_SOCK_ESTABLISHED] = "ESTABLISHED", [PS_SOCK_SYN_SENT] = "SYN_SENT",
	[PS_SOCK_SYN_RECV] = "SYN_RECV",       [PS_SOCK_FIN_WAIT1] = "FIN_WAIT1",
	[PS_SOCK_FIN_WAIT2] = "FIN_WAIT2",     [PS_SOCK_TIME_WAIT] = "TIME_WAIT",
	[PS_SOCK_CLOSED] = "CLOSED",           [PS_SOCK_CLOSE_WAIT] = "CLOSE_WAIT",
	[PS_SOCK_LAST_ACK] = "LAST_ACK",       [PS_SOCK_LISTEN] = "LISTEN",
	[PS_SOCK_CLOSING] = "CLOSING",         [PS_SOCK_BOUND] = "BOUND",
};

const char *ps_sock_state_name(enum ps_sock_state s)
{
	return (unsigned)s < PS_SOCK_STATE_COUNT ? state_names[s] : "?";
}

/* Every spelling, upper-cased with '-' and '_' removed: ss, netstat (Linux, BSD, Windows), PowerShell. */
static const struct {
	const char *spelling;
	enum ps_sock_state state;
} spellings[] = {
	{ "ESTAB", PS_SOCK_ESTABLISHED },     { "ESTABLISHED", PS_SOCK_ESTABLISHED },
	{ "SYNSENT", PS_SOCK_SYN_SENT },      { "SYNRECV", PS_SOCK_SYN_RECV },
	{ "SYNRCVD", PS_SOCK_SYN_RECV },      { "SYNRECEIVED", PS_SOCK_SYN_RECV },
	{ "NEWSYNRECV", PS_SOCK_SYN_RECV },   { "FINWAIT1", PS_SOCK_FIN_WAIT1 },
	{ "FINWAIT2", PS_SOCK_FIN_WAIT2 },    { "TIMEWAIT", PS_SOCK_TIME_WAIT },
	{ "CLOSED", PS_SOCK_CLOSED },         { "DELETETCB", PS_SOCK_CLOSED },
	{ "CLOSEWAIT", PS_SOCK_CLOSE_WAIT },  { "LASTACK", PS_SOCK_LAST_ACK },
	{ "LISTEN", PS_SOCK_LISTEN },         { "LISTENING", PS_SOCK_LISTEN },
	{ "CLOSING", PS_SOCK_CLOSING },       { "CLOSE", PS_SOCK_BOUND },
	{ "UNCONN", PS_SOCK_BOUND },          { "BOUND", PS_SOCK_BOUND },
};

int ps_sock_state_parse(const char *text, size_t len)
{
	char norm[16];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '-' || text[i] == '_')
			continue;
		if (n + 1 >= sizeof(norm))
			return -1;
		norm[n++] = (char)toupper((unsigned char)text[i]);
	}
	norm[n] = '\0';
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
		if (!strcmp(norm, spellings[i].spelling))
			return (int)spellings[i].state;
	return -1;
}

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool ps_sock_addr_is_v4(const struct ps_sock_addr *a)
{
	return memcmp(a->b, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

bool ps_sock_addr_is_loopback(const struct ps_sock_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	return (ps_sock_addr_is_v4(a) && a->b[12] == 127) || memcmp(a->b, v6_loopback, 16) == 0;
}

bool ps_sock_addr_parse(const char *text, size_t len, struct ps_sock_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 1 && text[0] == '*')
		return true;
	char buf[64];
	size_t n = len;
	const char *zone = memchr(text, '%', len);
	if (zone)
		n = (size_t)(zone - text);
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, text, n);
	buf[n] = '\0';
	uint8_t v4[4];
	if (inet_pton(AF_INET, buf, v4) == 1) {
		memcpy(out->b, mapped_prefix, sizeof(mapped_prefix));
		memcpy(out->b + 12, v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out->b) == 1;
}

void ps_sock_addr_format(char *buf, size_t size, const struct ps_sock_addr *a)
{
	static const uint8_t zero[16];
	char tmp[INET6_ADDRSTRLEN];
	if (!memcmp(a->b, zero, 16) || (ps_sock_addr_is_v4(a) && !memcmp(a->b + 12, zero, 4)))
		snprintf(buf, size, "*");
	else if (ps_sock_addr_is_v4(a))
		snprintf(buf, size, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
	else if (inet_ntop(AF_INET6, a->b, tmp, sizeof(tmp)))
		snprintf(buf, size, "%s", tmp);
	else
		snprintf(buf, size, "?");
}

void ps_sock_endpoint_format(char *buf, size_t size, const struct ps_sock_addr *a, uint16_t port)
{
	char addr[INET6_ADDRSTRLEN];
	ps_sock_addr_format(addr, sizeof(addr), a);
	if (!ps_sock_addr_is_v4(a) && strchr(addr, ':'))
		snprintf(buf, size, "[%s]:%u", addr, port);
	else
		snprintf(buf, size, "%s:%u", addr, port);
}

int ps_sock_addr_cmp(const struct ps_sock_addr *a, const struct ps_sock_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

char *ps_snapshot_excerpt(char *out, size_t size, const char *text, size_t len, size_t max)
{
	size_t o = 0;
	bool cut = len > max;
	if (cut)
		len = max;
	for (size_t i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (cut && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (size)
		out[o < size ? o : size - 1] = '\0';
	return out;
}

void ps_snapshot_host_init(struct ps_snapshot_host *h)
{
	memset(h, 0, sizeof(*h));
	h->tw_reuse = -1;
	h->fin_timeout_s = -1;
	h->conntrack_count = -1;
	h->conntrack_max = -1;
}

void ps_snapshot_host_note(struct ps_snapshot_host *h, const char *fmt, ...)
{
	if (h->nnotes >= PS_SNAPSHOT_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->notes[h->nnotes++], PS_SNAPSHOT_NOTE_MAX, fmt, ap);
	va_end(ap);
}
