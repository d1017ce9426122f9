/*
 * The MANIFEST of an output folder: which files one portsim command wrote
 * there, their sizes, and the command. It is written last, once every file
 * it lists is in place (output.h), so a folder is a finished result exactly
 * when its MANIFEST is there and every file it lists has the listed size.
 * Anything else in the folder is not that command's: an earlier run's file
 * that the manifest does not list, a user's notes, figures drawn later.
 *
 * The text is deterministic: no time, no process id, no absolute path
 * unless the command named one; --out is left out of the command, since
 * the folder is where the manifest is.
 *
 *	# portsim MANIFEST: written last; the files below are complete.
 *	portsim-manifest 1
 *	command portsim run scenarios/default.ini --events
 *	file 5782943 events.csv
 *	file 2145 scenario.ini
 *	...
 *	end 4
 */
#ifndef PORTSIM_MANIFEST_H
#define PORTSIM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_MANIFEST_NAME "MANIFEST"
/* A command's staging folder inside the output folder: this prefix and its process id. */
#define PS_STAGING_PREFIX ".portsim-tmp-"

struct ps_manifest_file {
	char *name;     /* a plain file name, no '/' */
	uint64_t bytes;
};

struct ps_manifest {
	char *command;  /* "portsim run ..." */
	struct ps_manifest_file *files;
	size_t nfiles;
};

/* What ps_manifest_read found. */
enum ps_manifest_state {
	PS_MANIFEST_COMPLETE = 0,   /* MANIFEST read; every file it lists there, with its size */
	PS_MANIFEST_MISSING = 1,    /* no MANIFEST and no staging folder: not a portsim result (or an older one's) */
	PS_MANIFEST_INCOMPLETE = 2, /* a staging folder and no MANIFEST (a command writing or interrupted), or
				     * a listed file missing or of another size */
	PS_MANIFEST_UNREADABLE = 3, /* the folder or its MANIFEST cannot be read, or it is not a manifest */
};

/*
 * Reads dir/MANIFEST into *m and checks the folder against it. Returns an
 * enum ps_manifest_state: PS_MANIFEST_COMPLETE, or another state with one
 * line in err saying what is wrong ("out/x: INCOMPLETE: ..."), to print
 * before refusing the folder. *m holds what could be read either way;
 * free it with ps_manifest_fini.
 */
int ps_manifest_read(const char *dir, struct ps_manifest *m, char *err, size_t size);

/* Whether m lists the file name: the only files of the folder to trust. */
bool ps_manifest_lists(const struct ps_manifest *m, const char *name);

/* Parses a manifest's text. 0, or -1 with err (m then holds what was read). */
int ps_manifest_parse(const char *text, struct ps_manifest *m, char *err, size_t size);

/* Adds a file (name copied). 0, or -1 out of memory. */
int ps_manifest_add(struct ps_manifest *m, const char *name, uint64_t bytes);

/* Writes m's text to path: the format above, files in the order given. 0, or -1 (errno). */
int ps_manifest_write(const char *path, const struct ps_manifest *m);

void ps_manifest_fini(struct ps_manifest *m);

#endif
