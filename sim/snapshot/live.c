/*
 * Reading a live Linux host without privileges: the socket tables under
 * /proc/net (which belong to the reader's network namespace, so a process
 * inside a namespace sees only that namespace's sockets), the sysctls
 * that shape the pool, and the Tcp ActiveOpens counter that counts every
 * connect() the namespace made. Socket owners come from /proc/PID/fd,
 * readable for one's own processes, or all of them as root.
 */
#include "portsim/snapshot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"

static bool hex_value(const char *p, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i];
		int d = isdigit(c) ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10
					    : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* "0100007F:1F90": the address words as the kernel printed them, in this machine's byte order. */
static bool proc_endpoint(const struct ps_tok *t, struct ps_sock_addr *a, uint16_t *port)
{
	const char *colon = memchr(t->p, ':', t->n);
	if (!colon)
		return false;
	size_t alen = (size_t)(colon - t->p), plen = t->n - alen - 1;
	uint32_t w, p;
	if ((alen != 8 && alen != 32) || !hex_value(colon + 1, plen, &p) || plen != 4)
		return false;
	uint8_t raw[16];
	for (size_t i = 0; i < alen / 8; i++) {
		if (!hex_value(t->p + 8 * i, 8, &w))
			return false;
		memcpy(raw + 4 * i, &w, 4);
	}
	memset(a, 0, sizeof(*a));
	if (alen == 8) {
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, raw, 4);
	} else {
		memcpy(a->b, raw, 16);
	}
	*port = (uint16_t)p;
	return true;
}

/* The kernel's TCP states, numbered as include/net/tcp_states.h numbers them. */
static const int8_t tcp_states[13] = {
	-1, PS_SOCK_ESTABLISHED, PS_SOCK_SYN_SENT, PS_SOCK_SYN_RECV, PS_SOCK_FIN_WAIT1,
	PS_SOCK_FIN_WAIT2, PS_SOCK_TIME_WAIT, PS_SOCK_BOUND, PS_SOCK_CLOSE_WAIT, PS_SOCK_LAST_ACK,
	PS_SOCK_LISTEN, PS_SOCK_CLOSING, PS_SOCK_SYN_RECV, /* TCP_NEW_SYN_RECV */
};

int ps_snap_proc_line(const char *line, size_t len, enum ps_sock_proto proto, struct ps_sock *s,
		      char *why, size_t size)
{
	struct ps_tok t[12];
	size_t n = ps_snap_tokens(line, len, t, 12);
	if (n == 0 || ps_snap_tok_is(&t[0], "sl"))
		return 0;
	uint32_t st;
	uint64_t inode = 0;
	memset(s, 0, sizeof(*s));
	if (n < 10 || t[0].p[t[0].n - 1] != ':') {
		snprintf(why, size, "%zu fields; allowed: sl: local remote st ... uid timeout inode", n);
		return -1;
	}
	if (!proc_endpoint(&t[1], &s->local, &s->lport) || !proc_endpoint(&t[2], &s->remote, &s->rport)) {
		snprintf(why, size, "bad address field; allowed: 8 or 32 hex digits, ':', 4 hex digits");
		return -1;
	}
	if (!hex_value(t[3].p, t[3].n, &st) || st >= 13 || tcp_states[st] < 0) {
		snprintf(why, size, "state \"%.*s\"; allowed: 01 to 0C (hex)", (int)(t[3].n > 8 ? 8 : t[3].n),
			 t[3].p);
		return -1;
	}
	if (!ps_snap_tok_uint(&t[9], UINT64_MAX, &inode)) {
		snprintf(why, size, "inode is not a number");
		return -1;
	}
	s->proto = (uint8_t)proto;
	s->state = (uint8_t)tcp_states[st];
	/* UDP reuses the TCP numbers: 01 connected, 07 (TCP_CLOSE) merely bound. */
	if (proto == PS_SOCK_UDP && s->state != PS_SOCK_ESTABLISHED)
		s->state = PS_SOCK_BOUND;
	s->inode = inode;
	return 1;
}

int ps_snap_proc_dump_line(struct ps_snap_dump *d, const char *line, size_t len)
{
	struct ps_tok t[1];
	if (ps_snap_tokens(line, len, t, 1) && ps_snap_tok_is(&t[0], "sl")) {
		/* Only the UDP tables end their header with "ref pointer drops". */
		bool udp = false;
		for (size_t i = 0; i + 5 <= len && !udp; i++)
			udp = !memcmp(line + i, "drops", 5);
		d->proc_proto = udp ? PS_SOCK_UDP : PS_SOCK_TCP;
		return 0;
	}
	struct ps_sock s;
	int rc = ps_snap_proc_line(line, len, d->proc_proto, &s, d->why, sizeof(d->why));
	if (rc <= 0)
		return rc;
	return ps_snap_add(d, &s) == 0 ? 1 : -1;
}

bool ps_snapshot_live_available(char *why, size_t size)
{
#ifdef __linux__
	if (access("/proc/net/tcp", R_OK) == 0)
		return true;
	snprintf(why, size, "snapshot: cannot read /proc/net/tcp (%s); give a saved dump instead "
		 "(ss -tan, netstat -an, ...)", strerror(errno));
#else
	snprintf(why, size, "snapshot: reading the live host needs Linux's /proc/net/tcp; give a saved "
		 "dump instead (netstat -an, ...)");
#endif
	return false;
}

/* The first line of a small file, trailing blanks removed; false when unreadable. */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		buf[0] = '\0';
	size_t n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return true;
}

static bool read_int(const char *path, int64_t *out)
{
	char buf[64], *end;
	if (!read_line(path, buf, sizeof(buf)))
		return false;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return false;
	*out = v;
	return true;
}

bool ps_snapshot_parse_range(const char *text, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	int used = 0;
	if (sscanf(text, "%5u%*[ \t-]%5u%n", &a, &b, &used) != 2 || text[used] || a < 1 || a > b ||
	    b > 65535 || !isdigit((unsigned char)text[0]))
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

bool ps_snapshot_parse_ports(const char *text, uint64_t bitmap[1024])
{
	memset(bitmap, 0, 1024 * sizeof(uint64_t));
	const char *p = text;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return false;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return false;
			b = strtoul(end + 1, &end, 10);
		}
		if (a < 1 || a > b || b > 65535)
			return false;
		for (unsigned long q = a; q <= b; q++)
			bitmap[q >> 6] |= 1ULL << (q & 63);
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return false;
	}
	return true;
}

#define SYSCTL "/proc/sys/net/ipv4/"
#define CONNTRACK "/proc/sys/net/netfilter/"

void ps_snapshot_live_host(struct ps_snapshot_host *h)
{
	snprintf(h->origin, sizeof(h->origin), "live");
	h->format = PS_DUMP_AUTO;
	snprintf(h->os, sizeof(h->os), "linux");
	struct utsname u;
	char host[64] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	if (uname(&u) == 0)
		snprintf(h->system, sizeof(h->system), "%.20s %.40s%s%.30s", u.sysname, u.release,
			 host[0] ? " on " : "", host);
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(h->when, sizeof(h->when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	char buf[4096];
	if (read_line(SYSCTL "ip_local_port_range", buf, sizeof(buf)) &&
	    ps_snapshot_parse_range(buf, &h->lo, &h->hi))
		h->have_range = true;
	else
		ps_snapshot_host_note(h, "ip_local_port_range: not readable; the profile's default is used");
	if (read_line(SYSCTL "ip_local_reserved_ports", buf, sizeof(buf)) &&
	    ps_snapshot_parse_ports(buf, h->reserved))
		h->have_reserved = true;
	else
		ps_snapshot_host_note(h, "ip_local_reserved_ports: not readable; taken as none");
	int64_t v;
	if (read_int(SYSCTL "tcp_tw_reuse", &v))
		h->tw_reuse = (int)v;
	else
		ps_snapshot_host_note(h, "tcp_tw_reuse: not readable");
	if (read_int(SYSCTL "tcp_fin_timeout", &v))
		h->fin_timeout_s = (int)v;
	else
		ps_snapshot_host_note(h, "tcp_fin_timeout: not readable");
	if (read_int(CONNTRACK "nf_conntrack_count", &v))
		h->conntrack_count = v;
	if (read_int(CONNTRACK "nf_conntrack_max", &v))
		h->conntrack_max = v;
	if (h->conntrack_count < 0)
		ps_snapshot_host_note(h, "conntrack: no " CONNTRACK "nf_conntrack_count (no connection "
					 "tracking in this namespace, or the module is not loaded)");
}

/* Tcp ActiveOpens from /proc/net/snmp: a header line of names, then a line of values. */
static int64_t active_opens(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	if (!f)
		return -1;
	char names[2048], values[2048];
	int64_t out = -1;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Tcp:", 4) != 0)
			continue;
		if (!fgets(values, sizeof(values), f))
			break;
		char *sn = NULL, *sv = NULL;
		char *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, "ActiveOpens"))
				out = strtoll(v, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return out;
}

static const struct {
	const char *path;
	enum ps_sock_proto proto;
	bool required;
} tables[] = {
	{ "/proc/net/tcp", PS_SOCK_TCP, true },
	{ "/proc/net/tcp6", PS_SOCK_TCP, false },
	{ "/proc/net/udp", PS_SOCK_UDP, false },
	{ "/proc/net/udp6", PS_SOCK_UDP, false },
};

enum ps_status ps_snapshot_live_read(struct ps_snapshot_reading *r, struct ps_snapshot_host *h,
				     char *err, size_t size)
{
	memset(r, 0, sizeof(*r));
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->t_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	/* Read with the clock, before the tables: both readings then count over the same interval. */
	r->active_opens = active_opens();
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		FILE *f = fopen(tables[i].path, "r");
		if (!f) {
			if (tables[i].required) {
				snprintf(err, size, "snapshot: cannot read %s: %s", tables[i].path, strerror(errno));
				return PS_FAILED;
			}
			ps_snapshot_host_note(h, "%s: not readable (%s)", tables[i].path, strerror(errno));
			continue;
		}
		size_t len = 0;
		char *text = ps_snap_read_all(f, &len);
		fclose(f);
		if (!text) {
			snprintf(err, size, "snapshot: cannot read %s", tables[i].path);
			return PS_FAILED;
		}
		char why[PS_SNAP_WHY_MAX];
		size_t lineno = 0;
		for (const char *p = text; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			lineno++;
			struct ps_sock s;
			int rc = ps_snap_proc_line(p, n, tables[i].proto, &s, why, sizeof(why));
			/* The kernel wrote it: a line we cannot read is a format we do not know, not bad input. */
			if (rc < 0) {
				snprintf(err, size, "snapshot: %s:%zu: %s", tables[i].path, lineno, why);
				free(text);
				return PS_FAILED;
			}
			if (rc > 0 && ps_sock_list_add(&r->socks, &s) != 0) {
				snprintf(err, size, "snapshot: out of memory");
				free(text);
				return PS_FAILED;
			}
			p += n + (nl != NULL);
		}
		free(text);
	}
	return PS_DONE;
}

/* "socket:[12345]" */
static bool socket_inode(const char *link, uint64_t *inode)
{
	if (strncmp(link, "socket:[", 8) != 0)
		return false;
	char *end;
	*inode = strtoull(link + 8, &end, 10);
	return *end == ']';
}

static void fill_owner(struct ps_snapshot_reading *r, uint16_t port, uint64_t inode, long pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	read_line(path, comm, sizeof(comm));
	for (size_t i = 0; i < r->socks.n; i++) {
		struct ps_sock *s = &r->socks.v[i];
		/* The first holder, in pid order: usually the one that opened it, before any child inherited it. */
		if (s->inode != inode || s->pid || (port && s->lport != port && s->rport != port))
			continue;
		s->pid = (uint32_t)pid;
		snprintf(s->comm, sizeof(s->comm), "%.15s", comm);
	}
}

size_t ps_snapshot_live_owners(struct ps_snapshot_reading *r, uint16_t port)
{
	size_t wanted = 0, unreadable = 0;
	for (size_t i = 0; i < r->socks.n; i++)
		wanted += r->socks.v[i].inode && (!port || r->socks.v[i].lport == port ||
						  r->socks.v[i].rport == port);
	DIR *proc = wanted ? opendir("/proc") : NULL;
	if (!proc)
		return 0;
	struct dirent *e;
	while ((e = readdir(proc))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
		DIR *fds = opendir(dir);
		if (!fds) {
			unreadable += errno == EACCES || errno == EPERM;
			continue;
		}
		struct dirent *fe;
		while ((fe = readdir(fds))) {
			char path[128], link[64];
			snprintf(path, sizeof(path), "%s/%.32s", dir, fe->d_name);
			ssize_t n = readlink(path, link, sizeof(link) - 1);
			uint64_t inode;
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (socket_inode(link, &inode))
				fill_owner(r, port, inode, pid);
		}
		closedir(fds);
	}
	closedir(proc);
	return unreadable;
}
