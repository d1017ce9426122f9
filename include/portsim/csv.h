/*
 * CSV files that appear whole or not at all: rows go to NAME.tmp, which is
 * renamed to NAME on commit, so a killed run never leaves a file that looks
 * complete.
 */
#ifndef PORTSIM_CSV_H
#define PORTSIM_CSV_H

#include <stdbool.h>
#include <stdio.h>

struct ps_csv {
	FILE *f;
	char *path, *tmp;
};

/* Opens dir/name for writing and writes the header line (none if NULL); 0 or -1 (errno set). */
int ps_csv_open(struct ps_csv *c, const char *dir, const char *name, const char *header);

/* Flushes, closes and renames into place; 0 or -1 on an I/O error (the file is then removed). */
int ps_csv_commit(struct ps_csv *c);

/* Closes and removes the temporary file. Safe on an unopened struct. */
void ps_csv_abort(struct ps_csv *c);

#endif
