/*
 * What every reader of user input shares, so that the scenario parser, the
 * data-file loaders and the command line accept the same things and echo
 * them back the same safe way:
 *
 *   - one grammar for numbers (sim/input/number.c). A real number is
 *     decimal: an optional '-', digits with an optional fraction (2, 2.5,
 *     .5, 2.) and an optional exponent (1e6, 2.5E-3, 1e+3). There is no
 *     '+' sign in front, no hexadecimal (0x10), no inf or nan, no blanks
 *     and no digit separators. A whole number (a seed, a count, a port) is
 *     digits only. A value too large for a double is out of range, not
 *     infinite;
 *   - input files are regular files of bounded size (sim/input/file.c):
 *     no FIFO that blocks, no /dev/zero that never ends, no directory;
 *   - messages show user text as an excerpt (sim/input/excerpt.c): every
 *     byte outside printable ASCII as \xNN, so no control character or
 *     terminal escape sequence reaches a terminal, and file content cut to
 *     a few dozen characters, so a message never prints a file.
 */
#ifndef PORTSIM_INPUT_H
#define PORTSIM_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- numbers ---- */

enum ps_number_status {
	PS_NUMBER_OK,
	PS_NUMBER_BAD,      /* not a number in the grammar */
	PS_NUMBER_TOO_BIG   /* a number, but beyond what the type holds */
};

/* Length of the longest prefix of s that is a real number in the grammar; 0 if none. */
size_t ps_number_scan(const char *s);

/* All of s as a real number (never -0, inf or nan). */
enum ps_number_status ps_number_real(const char *s, double *v);

/* All of s as a whole number: digits only. */
enum ps_number_status ps_number_whole(const char *s, uint64_t *v);

/* ---- input files ---- */

/* The largest data file (trace_file, duration_file) a scenario may name. */
#define PS_DATA_FILE_MAX (256u * 1024 * 1024)
/* The largest scenario file: a scenario is a page of text. */
#define PS_SCENARIO_FILE_MAX (1024u * 1024)

/*
 * Opens path for reading if it is a regular file of at most max bytes,
 * without ever blocking on a FIFO or a device. Returns the stream (its
 * size in *bytes when bytes is not NULL), or NULL with why filled: what is
 * wrong and what is allowed ("not a regular file but a FIFO; allowed: a
 * regular file of at most 256 MiB"), or the system's reason.
 */
FILE *ps_input_open(const char *path, uint64_t max, uint64_t *bytes, char *why, size_t size);

/* dir/name in a malloc'd string, or NULL when out of memory. */
char *ps_path_join(const char *dir, const char *name);

/* "256 MiB", "1 MiB", "512 bytes": a limit as messages show it. */
void ps_input_size_text(char *buf, size_t size, uint64_t bytes);

/* ---- excerpts ---- */

/* How much of a file's content or a value a message shows. */
#define PS_EXCERPT_CHARS 40
/* Room for an excerpt of PS_EXCERPT_CHARS bytes, each possibly \xNN, with "..." and the NUL. */
#define PS_EXCERPT_SIZE (4 * PS_EXCERPT_CHARS + 4)
/* How much of a name or a path a message shows. */
#define PS_EXCERPT_NAME_CHARS 256
#define PS_EXCERPT_NAME_SIZE (4 * PS_EXCERPT_NAME_CHARS + 4)

/*
 * Writes the first len bytes of s into buf as a message may show them:
 * printable ASCII as it is, every other byte as \xNN, at most max bytes of
 * s and then "..." if s is longer. buf is always NUL-terminated when size
 * is not 0; returns buf.
 */
char *ps_excerpt(char *buf, size_t size, const char *s, size_t len, size_t max);

/* ps_excerpt of a whole string, cut at PS_EXCERPT_CHARS: for values and file content. */
char *ps_excerpt_text(char *buf, size_t size, const char *s);

/* ps_excerpt of a whole string, cut at PS_EXCERPT_NAME_CHARS: for paths and names. */
char *ps_excerpt_name(char *buf, size_t size, const char *s);

/* Whether s holds a byte that a message would have to escape. */
bool ps_excerpt_needs_escape(const char *s);

#endif
