/*
 * Output folders written as one set, or not at all. A command that writes
 * into a folder DIR declares it with ps_output_begin; from then on every
 * file ps_csv_open is asked to write into DIR goes to a staging folder
 * inside it, DIR/.portsim-tmp-PID, made (with DIR and its missing parents)
 * only when the first file is opened, so a command refused before writing
 * leaves no folder behind. Once everything is written, ps_output_commit
 * publishes the set:
 *
 *   1. the staging folder's MANIFEST is written (manifest.h);
 *   2. DIR/MANIFEST goes, then the files the old MANIFEST listed (only
 *      those: files portsim did not write are never deleted);
 *   3. the new files are renamed into DIR, and the new MANIFEST last.
 *
 * Signals are held during the publication; a folder is complete exactly
 * when it has a MANIFEST. Until then the previous set stays as it was. An
 * interrupted or failed command calls ps_output_abort, which removes the
 * staging folder, and DIR and its parents if the command made them and
 * they are empty. A staging folder nobody holds any more (its command was
 * killed outright) is removed by the next publication into DIR.
 *
 * One folder per process at a time: the state is the process's, so a
 * forked child writing the files (portsim kernel) stages into its
 * parent's folder, and the parent publishes.
 */
#ifndef PORTSIM_OUTPUT_H
#define PORTSIM_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Declares that this process writes dir as one set, made by command (the
 * MANIFEST's command line). Creates nothing. 0, or -1 (errno: ENOMEM, or
 * EBUSY when another folder is declared).
 */
int ps_output_begin(const char *dir, const char *command);

/*
 * Where the file name meant for dir is to be written: inside the staging
 * folder when dir is the declared folder (which is made now if it is not
 * there), else dir/name. A malloc'd path, or NULL with errno.
 */
char *ps_output_path(const char *dir, const char *name);

/* Makes the staging folder now, before a child writes into it. 0, or -1 with err. */
int ps_output_stage(char *err, size_t size);

/* Whether the declared folder's staging folder holds a finished file. */
bool ps_output_staged(void);

/* The declared folder, or NULL. */
const char *ps_output_dir(void);

/*
 * Publishes the staged files into the declared folder as above and ends
 * the declaration. 0 (also when nothing was staged), or -1 with one line
 * in err; the staging folder is then removed, unless the old set was
 * already gone, when it stays to mark the folder incomplete.
 */
int ps_output_commit(char *err, size_t size);

/* Removes the staging folder and the folders the declaration made, and ends it. Safe without one. */
void ps_output_abort(void);

#endif
