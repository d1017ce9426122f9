/*
 * A generic INI reader. It knows no program's keys: it cuts text into
 * section headers and "key = value" entries and hands each, with its line
 * number, to a callback; what a section or key means is the caller's
 * business (sim/scenario/ reads scenarios with it). Errors are values.
 *
 * The syntax, all of it:
 *   - Lines end at '\n'; a '\r' before it (CRLF files) is dropped. A UTF-8
 *     byte order mark at the very top is skipped. A NUL byte ends the text.
 *   - Blanks (space, tab) around section names, keys and values are dropped.
 *   - A line that is blank, or starts with '#' or ';', is a comment.
 *   - "[name]" opens a section; only blanks and a comment may follow ']'.
 *   - "key = value": the key is all before the first '=' and is never empty.
 *     The value runs to the end of the line or to an inline comment: a '#'
 *     or ';' right after a blank. So "a#b" and "a;b" are values.
 *   - A value in double quotes is what stands between them, '#' and ';'
 *     included; inside, \" is a quote and \\ a backslash (any other
 *     backslash is itself). Only blanks and a comment may follow the
 *     closing quote.
 *   - "key =" with nothing after it (or only a comment) is the empty value
 *     "": a value never reaches past its own line.
 * There are no continuation lines and no "key: value" form. The reader
 * does not judge repeats: every entry is handed over in order, and the
 * caller decides what a key set twice means.
 */
#ifndef PORTSIM_INI_H
#define PORTSIM_INI_H

#include <stddef.h>

/* Room for the offending line in an error; a longer line is cut to fit. */
#define PS_INI_TEXT_MAX 1024

/* One thing the reader found: a section header (key NULL) or a key = value. */
struct ps_ini_entry {
	unsigned line;       /* from 1 */
	const char *section; /* name of the section the line is in; NULL before the first header */
	const char *key;     /* NULL when the entry is the section header itself */
	const char *value;   /* "" when empty; NULL with key */
};

/* Called for each entry in file order; a nonzero return stops the reader. */
typedef int (*ps_ini_fn)(void *ctx, const struct ps_ini_entry *entry);

enum ps_ini_problem {
	PS_INI_OK,
	PS_INI_STOPPED,     /* the callback returned nonzero */
	PS_INI_BAD_SECTION, /* '[' without its ']', or text after the ']' */
	PS_INI_BAD_LINE,    /* neither a comment, a header, nor key = value */
	PS_INI_BAD_QUOTE,   /* a quoted value without its closing quote, or text after it */
	PS_INI_NO_MEMORY
};

struct ps_ini_error {
	enum ps_ini_problem problem;
	unsigned line;              /* where it happened; 0 for PS_INI_NO_MEMORY */
	char text[PS_INI_TEXT_MAX]; /* the offending line without its outer blanks ("" if none) */
};

/*
 * Reads the first len bytes of text (no terminating NUL needed) and calls
 * fn(ctx, entry) for each header and key. The strings of an entry stay
 * valid until ps_ini_parse returns. Returns 0 when every line was read,
 * or -1 with err filled: the problem, its line and the line's text.
 */
int ps_ini_parse(const char *text, size_t len, ps_ini_fn fn, void *ctx, struct ps_ini_error *err);

/* The problem in a few words ("malformed line"), for messages. */
const char *ps_ini_problem_text(enum ps_ini_problem problem);

/*
 * Writes value as this reader reads it back: bare when it can be, else in
 * double quotes with '"' and '\' escaped. value must hold no line break.
 * Returns the length it needed, snprintf-like (buf may be NULL when size is 0).
 */
size_t ps_ini_write_value(char *buf, size_t size, const char *value);

#endif
