/* What the files of sim/study/ share: the lines of a study file, the ${...} reader, paths. */
#ifndef PORTSIM_STUDY_INTERNAL_H
#define PORTSIM_STUDY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "portsim/input.h"
#include "portsim/study.h"

/* The predefined variables, in place of a variable's index. */
#define PS_ST_RUNNUMBER ((size_t)-1)
#define PS_ST_REPETITION ((size_t)-2)

/* Where one ${...} stands in a value (value[start..end) with the braces), and what replaces it. */
struct ps_st_use {
	size_t start, end;
	size_t var; /* a variable's index, or PS_ST_RUNNUMBER, PS_ST_REPETITION */
};

/* One header or key = value of the study file, as the INI reader gave it. */
struct ps_study_entry {
	unsigned line;
	char *section;  /* NULL before the first header */
	char *key;      /* NULL for a header */
	char *value;    /* NULL for a header */
	bool study;     /* in [study]: not part of the runs' text */
	struct ps_st_use *uses;
	size_t nuses;
};

/* A problem, to be reported with the line it is on. */
struct ps_st_problem {
	char text[512];
	char allowed[512];
};

/* The inside of one ${...}. */
struct ps_st_body {
	bool ref;                   /* ${NAME}: a reference, no values */
	char name[PS_NAME_MAX];     /* NAME of ${NAME=...} or ${NAME}; "" when unnamed */
	char follows[PS_NAME_MAX];  /* the NAME after '!'; "" when none */
	char **values;
	size_t nvalues;
};

/* Whether s[0..n) is a variable name: a letter or '_', then letters, digits or '_'. */
bool ps_st_is_name(const char *s, size_t n);

/*
 * The '}' that closes the "${" at value[open]: commas, braces and '!' in
 * double quotes, after a backslash or inside (), [] or {} do not count.
 * Its index, or 0 when the value ends first.
 */
size_t ps_st_close(const char *value, size_t open);

/* Reads the inside of a ${...} (len bytes). 0, or -1 with the problem. Free b with ps_st_body_fini. */
int ps_st_body_parse(const char *text, size_t len, struct ps_st_body *b, struct ps_st_problem *pr);

void ps_st_body_fini(struct ps_st_body *b);

/* "ORIGIN:LINE: [SECTION] KEY = "VALUE": TEXT; allowed: ALLOWED" in err; returns -1. */
int ps_st_report(char *err, size_t size, const char *origin, const struct ps_study_entry *e,
		 const struct ps_st_problem *pr);


/* DIR/runs/K, malloc'd. */
char *ps_st_run_dir(const char *dir, size_t run);

/* The whole file at path, NUL-terminated, malloc'd, at most max bytes; NULL with errno (EFBIG past max). */
char *ps_st_read(const char *path, size_t max, size_t *len);

/* Removes a folder and the files in it; 0 or -1. */
int ps_st_remove_folder(const char *path);

/* "4,17-19": the runs with missing[k] set, as ranges; malloc'd ("" when none). */
char *ps_st_ranges(const bool *missing, size_t n);

#endif
