/*
 * What the readers of sim/snapshot/ share and nobody else needs: tokens,
 * endpoints as the tools print them, /proc/net/tcp lines, reading a whole
 * file, and the state of a dump being parsed line by line.
 */
#ifndef PORTSIM_SNAPSHOT_PARSE_H
#define PORTSIM_SNAPSHOT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "portsim/snapshot.h"

#define PS_SNAP_WHY_MAX 320

struct ps_tok {
	const char *p;
	size_t n;
};

/* Splits line at blanks into tok[0..max); returns how many tokens there are in all. */
size_t ps_snap_tokens(const char *line, size_t len, struct ps_tok *tok, size_t max);

/* Whether t is exactly word. */
bool ps_snap_tok_is(const struct ps_tok *t, const char *word);

/* t as a decimal number no larger than max. */
bool ps_snap_tok_uint(const struct ps_tok *t, uint64_t max, uint64_t *out);

/*
 * An endpoint as ss, netstat and Windows print it: "10.0.0.1:80",
 * "[2001:db8::1]:443", "::ffff:127.0.0.1:8080", "fe80::1%eth0:22", BSD's
 * "10.0.0.1.80" and "fe80::1%lo0.8080", "*:*", "*.*", "0.0.0.0:*". The port
 * follows the later of the last ':' and the last '.', unless the address is
 * in brackets. A '*' port is 0. Returns false with why (naming the bad
 * value and the allowed forms).
 */
bool ps_snap_endpoint(const struct ps_tok *t, struct ps_sock_addr *a, uint16_t *port, char *why,
		      size_t size);

/*
 * One line of /proc/net/tcp (tcp6, udp, udp6): 1 with *s filled, 0 for the
 * header, -1 with why. Addresses are read in this machine's byte order, as
 * the kernel printed them.
 */
int ps_snap_proc_line(const char *line, size_t len, enum ps_sock_proto proto, struct ps_sock *s,
		      char *why, size_t size);

/* Whether t is a protocol netstat lists for TCP or UDP: tcp, tcp4, tcp6, tcp46, udp, ... */
bool ps_snap_is_netstat_proto(const struct ps_tok *t);

/* All of f, NUL-terminated (malloc'd), its length in *len; NULL on a read error or no memory. */
char *ps_snap_read_all(FILE *f, size_t *len);

/* A dump being parsed. */
struct ps_snap_dump {
	const char *origin;
	struct ps_snapshot_reading *r;
	struct ps_snapshot_host *h;
	enum ps_dump_format fmt;
	bool bsd;          /* netstat: macOS/BSD flavour seen */
	bool skip_section; /* netstat: inside a section of another family (UNIX sockets, ...) */
	enum ps_sock_proto proc_proto; /* proc: the table the header announced */
	int col[8];        /* powershell: column of each field, -1 absent */
	size_t ncols;
	char why[PS_SNAP_WHY_MAX];
};

/* Row parsers: 1 a socket added, 0 a line to skip, -1 why the line is wrong (in d->why). */
int ps_snap_ss_line(struct ps_snap_dump *d, const char *line, size_t len);
int ps_snap_netstat_line(struct ps_snap_dump *d, const char *line, size_t len);
int ps_snap_windows_line(struct ps_snap_dump *d, const char *line, size_t len);
int ps_snap_powershell_line(struct ps_snap_dump *d, const char *line, size_t len);
int ps_snap_proc_dump_line(struct ps_snap_dump *d, const char *line, size_t len);

/* Adds s to the dump's reading; -1 (why: out of memory) on failure. */
int ps_snap_add(struct ps_snap_dump *d, const struct ps_sock *s);

#endif
