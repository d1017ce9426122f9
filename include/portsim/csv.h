/*
 * CSV files that appear whole or not at all: rows go to NAME.tmp, which is
 * renamed to NAME on commit, so a killed run never leaves a file that looks
 * complete. Inside a folder declared with ps_output_begin (output.h) the
 * file is written in that folder's staging folder, and appears in the
 * folder itself only when the whole set is published.
 *
 * Writers check as they go: a row that could not be written (a full disk)
 * is noted on the file, and ps_csv_check tells a long writer to stop early
 * instead of computing rows nobody will keep.
 */
#ifndef PORTSIM_CSV_H
#define PORTSIM_CSV_H

#include <stdbool.h>
#include <stdio.h>

struct ps_csv {
	FILE *f;
	char *path, *tmp;
	int err; /* the errno of the first failed write, 0 while none failed */
};

/* Opens dir/name for writing and writes the header line (none if NULL); 0 or -1 (errno set). */
int ps_csv_open(struct ps_csv *c, const char *dir, const char *name, const char *header);

/*
 * As ps_csv_open, but what is written to c->f is stored gzip-compressed
 * (name should end in .gz). The bytes depend only on what is written: the
 * gzip header carries no time and no file name.
 */
int ps_csv_open_gz(struct ps_csv *c, const char *dir, const char *name, const char *header);

/* Notes a failed write (a negative fprintf result) on c, keeping errno's reason; returns -1. */
int ps_csv_failed(struct ps_csv *c);

/* 0 while every write to c succeeded (or c is not open); else -1 with errno the first failure's. */
int ps_csv_check(const struct ps_csv *c);

/* Flushes, closes and renames into place; 0 or -1 on an I/O error (the file is then removed). */
int ps_csv_commit(struct ps_csv *c);

/* Closes and removes the temporary file. Safe on an unopened struct. */
void ps_csv_abort(struct ps_csv *c);

/*
 * A stream whose bytes are gzip-compressed into path (created or
 * truncated), level 6, header without time or name; fclose finishes the
 * gzip stream and reports its errors. NULL with errno.
 */
FILE *ps_gzip_open(const char *path);

#endif
