/*
 * Saved dumps: reading the file as the tool left it (UTF-16 from a
 * PowerShell redirection, CRLF from Windows, LF elsewhere), telling which
 * tool wrote it, and walking it line by line through that format's row
 * parser. A line that should be a socket and is not stops everything with
 * a message naming the file, the line, the bad value and what is allowed:
 * a silently skipped row would be a silently wrong count.
 */
#include "portsim/snapshot.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static const char *const format_names[PS_DUMP_FORMAT_COUNT] = {
	[PS_DUMP_AUTO] = "auto",       [PS_DUMP_PROC] = "proc",       [PS_DUMP_SS] = "ss",
	[PS_DUMP_NETSTAT] = "netstat", [PS_DUMP_WINDOWS] = "windows", [PS_DUMP_POWERSHELL] = "powershell",
};

const char *ps_dump_format_name(enum ps_dump_format f)
{
	return (unsigned)f < PS_DUMP_FORMAT_COUNT ? format_names[f] : "?";
}

int ps_dump_format_find(const char *name)
{
	for (int i = 0; i < PS_DUMP_FORMAT_COUNT; i++)
		if (!strcmp(name, format_names[i]))
			return i;
	return -1;
}

size_t ps_snap_tokens(const char *line, size_t len, struct ps_tok *tok, size_t max)
{
	size_t n = 0, i = 0;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len)
			return n;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (n < max)
			tok[n] = (struct ps_tok){ line + start, i - start };
		n++;
	}
}

bool ps_snap_tok_is(const struct ps_tok *t, const char *word)
{
	return strlen(word) == t->n && !memcmp(t->p, word, t->n);
}

bool ps_snap_tok_uint(const struct ps_tok *t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t->n == 0 || t->n > 20)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!isdigit((unsigned char)t->p[i]))
			return false;
		unsigned d = (unsigned)(t->p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

#define ENDPOINT_FORMS "ADDRESS:PORT, [IPv6]:PORT, ADDRESS.PORT (BSD) or * for either"

bool ps_snap_endpoint(const struct ps_tok *t, struct ps_sock_addr *a, uint16_t *port, char *why,
		      size_t size)
{
	char ex[256], part[64];
	const char *p = t->p, *sep = NULL;
	size_t n = t->n, alen;
	ps_snapshot_excerpt(ex, sizeof(ex), t->p, t->n, 60);
	if (n && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		if (!close || close + 1 >= p + n || close[1] != ':')
			goto bad_form;
		p++;
		alen = (size_t)(close - p);
		sep = close + 1;
	} else {
		for (size_t i = 0; i < n; i++)
			if (p[i] == ':' || p[i] == '.')
				sep = p + i;
		if (!sep)
			goto bad_form;
		alen = (size_t)(sep - p);
	}
	struct ps_tok pt = { sep + 1, (size_t)(t->p + n - (sep + 1)) };
	uint64_t v = 0;
	if (!ps_snap_tok_is(&pt, "*") && !ps_snap_tok_uint(&pt, 65535, &v)) {
		snprintf(why, size,
			 "endpoint \"%s\": port \"%s\" is not a number; allowed: 0 to 65535 or * "
			 "(save the dump with numeric ports: ss -n, netstat -n)",
			 ex, ps_snapshot_excerpt(part, sizeof(part), pt.p, pt.n, 12));
		return false;
	}
	if (!ps_sock_addr_parse(p, alen, a)) {
		snprintf(why, size, "endpoint \"%s\": \"%s\" is not an IPv4 or IPv6 address; allowed: %s", ex,
			 ps_snapshot_excerpt(part, sizeof(part), p, alen, 12), ENDPOINT_FORMS);
		return false;
	}
	*port = (uint16_t)v;
	return true;
bad_form:
	snprintf(why, size, "endpoint \"%s\": no port; allowed: %s", ex, ENDPOINT_FORMS);
	return false;
}

char *ps_snap_read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (cap - n < 2) {
			char *b = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int ps_snap_add(struct ps_snap_dump *d, const struct ps_sock *s)
{
	if (ps_sock_list_add(&d->r->socks, s) == 0)
		return 0;
	snprintf(d->why, sizeof(d->why), "out of memory");
	return -1;
}

/*
 * The text as single bytes: UTF-16 (a PowerShell redirection writes it) is
 * narrowed, non-ASCII code units becoming '?'; a UTF-8 mark is dropped.
 * Returns malloc'd text, or NULL when out of memory.
 */
static char *decode(const char *text, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)text;
	bool le = len >= 2 && u[0] == 0xff && u[1] == 0xfe, be = len >= 2 && u[0] == 0xfe && u[1] == 0xff;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	if (le || be) {
		for (size_t i = 2; i + 1 < len; i += 2) {
			unsigned c = le ? u[i] | u[i + 1] << 8 : u[i] << 8 | u[i + 1];
			out[n++] = c < 0x80 ? (char)c : '?';
		}
	} else {
		size_t skip = len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
		n = len - skip;
		memcpy(out, text + skip, n);
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

bool ps_snap_is_netstat_proto(const struct ps_tok *t)
{
	static const char *const protos[] = { "tcp", "tcp4", "tcp6", "tcp46", "udp", "udp4", "udp6", "udp46" };
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (ps_snap_tok_is(t, protos[i]))
			return true;
	return false;
}

/* The format one line gives away, or AUTO when it says nothing. */
static enum ps_dump_format detect_line(const char *line, size_t len)
{
	struct ps_tok t[3];
	size_t n = ps_snap_tokens(line, len, t, 3);
	uint64_t v;
	if (n == 0)
		return PS_DUMP_AUTO;
	if ((len >= 5 && !memcmp(line, "#TYPE", 5)) || (len >= 13 && !memcmp(line, "\"LocalAddress", 13)) ||
	    (len >= 13 && !memcmp(line, "LocalAddress,", 13)))
		return PS_DUMP_POWERSHELL;
	if (ps_snap_tok_is(&t[0], "sl") || (t[0].n > 1 && t[0].p[t[0].n - 1] == ':' && n >= 3 &&
					    isxdigit((unsigned char)t[1].p[0]) && memchr(t[1].p, ':', t[1].n)))
		return PS_DUMP_PROC;
	if (ps_snap_tok_is(&t[0], "TCP") || ps_snap_tok_is(&t[0], "UDP") ||
	    (len >= 18 && !memcmp(line, "Active Connections", 18)))
		return PS_DUMP_WINDOWS;
	if ((len >= 6 && !memcmp(line, "Active", 6)) || ps_snap_tok_is(&t[0], "Proto") ||
	    (ps_snap_is_netstat_proto(&t[0]) && n >= 2 && ps_snap_tok_uint(&t[1], UINT64_MAX, &v)))
		return PS_DUMP_NETSTAT;
	if (ps_snap_tok_is(&t[0], "State") || ps_snap_tok_is(&t[0], "Netid") ||
	    ps_sock_state_parse(t[0].p, t[0].n) >= 0 ||
	    (n >= 2 && ps_snap_is_netstat_proto(&t[0]) && ps_sock_state_parse(t[1].p, t[1].n) >= 0))
		return PS_DUMP_SS;
	return PS_DUMP_AUTO;
}

typedef int (*row_fn)(struct ps_snap_dump *d, const char *line, size_t len);

static const row_fn rows[PS_DUMP_FORMAT_COUNT] = {
	[PS_DUMP_PROC] = ps_snap_proc_dump_line,   [PS_DUMP_SS] = ps_snap_ss_line,
	[PS_DUMP_NETSTAT] = ps_snap_netstat_line,  [PS_DUMP_WINDOWS] = ps_snap_windows_line,
	[PS_DUMP_POWERSHELL] = ps_snap_powershell_line,
};

/* The OS a format implies, for the range's default when the dump does not hold it. */
static const char *format_os(enum ps_dump_format f, bool bsd)
{
	if (f == PS_DUMP_WINDOWS || f == PS_DUMP_POWERSHELL)
		return "windows";
	return bsd ? "macos" : "linux";
}

enum ps_status ps_snapshot_parse_dump(const char *origin, const char *text, size_t len,
				      enum ps_dump_format fmt, struct ps_snapshot_reading *r,
				      struct ps_snapshot_host *h, char *err, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->active_opens = -1;
	snprintf(h->origin, sizeof(h->origin), "%s", origin);
	size_t n;
	char *buf = decode(text, len, &n);
	if (!buf) {
		snprintf(err, size, "snapshot: out of memory");
		return PS_FAILED;
	}
	if (memchr(buf, '\0', n)) {
		snprintf(err, size, "snapshot: %s: holds NUL bytes: not a text dump (allowed: the text "
			 "output of ss, netstat, Get-NetTCPConnection | Export-Csv, or /proc/net/tcp)", origin);
		free(buf);
		return PS_BAD_INPUT;
	}
	size_t lineno = 0;
	for (const char *p = buf; fmt == PS_DUMP_AUTO && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ln = nl ? (size_t)(nl - p) : strlen(p);
		fmt = detect_line(p, ln);
		p += ln + (nl != NULL);
		if (++lineno > 100)
			break;
	}
	bool blank = true;
	for (size_t i = 0; i < n && blank; i++)
		blank = isspace((unsigned char)buf[i]);
	if (fmt == PS_DUMP_AUTO && !blank) {
		snprintf(err, size, "snapshot: %s: cannot tell which tool wrote this dump; give --format "
			 "ss, netstat, windows, powershell or proc", origin);
		free(buf);
		return PS_BAD_INPUT;
	}
	struct ps_snap_dump d = { .origin = origin, .r = r, .h = h, .fmt = fmt };
	lineno = 0;
	enum ps_status st = PS_DONE;
	for (const char *p = buf; fmt != PS_DUMP_AUTO && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ln = nl ? (size_t)(nl - p) : strlen(p);
		size_t whole = ln;
		lineno++;
		while (ln && p[ln - 1] == '\r')
			ln--;
		if (rows[fmt](&d, p, ln) < 0) {
			char ex[160];
			bool oom = !strcmp(d.why, "out of memory");
			snprintf(err, size, "snapshot: %s:%zu: %s (%s line \"%s\")", origin, lineno, d.why,
				 ps_dump_format_name(fmt), ps_snapshot_excerpt(ex, sizeof(ex), p, ln, 60));
			st = oom ? PS_FAILED : PS_BAD_INPUT;
			break;
		}
		p += whole + (nl != NULL);
	}
	free(buf);
	if (st != PS_DONE) {
		ps_snapshot_reading_fini(r);
		return st;
	}
	h->format = fmt;
	if (!h->os[0])
		snprintf(h->os, sizeof(h->os), "%s", format_os(fmt, d.bsd));
	if (fmt == PS_DUMP_AUTO)
		ps_snapshot_host_note(h, "%s: empty: no sockets", origin);
	return PS_DONE;
}

enum ps_status ps_snapshot_read_dump(const char *path, enum ps_dump_format fmt,
				     struct ps_snapshot_reading *r, struct ps_snapshot_host *h,
				     char *err, size_t size)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
	if (!f) {
		snprintf(err, size, "snapshot: cannot read dump \"%s\": %s", path, strerror(errno));
		return PS_BAD_INPUT;
	}
	size_t len = 0;
	char *text = ps_snap_read_all(f, &len);
	if (!in)
		fclose(f);
	if (!text) {
		snprintf(err, size, "snapshot: cannot read dump \"%s\"", path);
		return PS_BAD_INPUT;
	}
	enum ps_status st = ps_snapshot_parse_dump(in ? "stdin" : path, text, len, fmt, r, h, err, size);
	free(text);
	return st;
}
