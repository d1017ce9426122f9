/* Helpers shared by the tests: running the portsim binary, files, temp dirs. */
#ifndef PORTSIM_TEST_SUPPORT_H
#define PORTSIM_TEST_SUPPORT_H

#include <stddef.h>

/* Runs the built portsim with argv (NULL-terminated, without argv[0]);
 * stores stdout and stderr together in *out (malloc'd, NUL-terminated);
 * returns the exit status, or -1 if it could not run. */
int pst_run_cli(char **out, const char *const *argv);

/* The whole file, malloc'd and NUL-terminated; *len gets its length (may be NULL). NULL on error. */
char *pst_read_file(const char *path, size_t *len);

/* Writes text to path; 0 or -1. */
int pst_write_file(const char *path, const char *text);

/* A fresh directory under /tmp, malloc'd. */
char *pst_tmpdir(void);

/* Removes dir and everything below it. */
void pst_rmtree(const char *dir);

/* dir "/" name, malloc'd. */
char *pst_path(const char *dir, const char *name);

#endif
