/* Reading snapshot.csv (scope,source,destination,metric,value) in the snapshot tests. */
#ifndef PORTSIM_TEST_SNAPSHOT_SUPPORT_H
#define PORTSIM_TEST_SNAPSHOT_SUPPORT_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

struct pst_csv {
	char *text;
};

/* Loads dir/snapshot.csv; fails the test when it is missing or its header is wrong. */
static inline void pst_csv_load(struct pst_csv *c, const char *dir)
{
	char *path = pst_path(dir, "snapshot.csv");
	c->text = pst_read_file(path, NULL);
	if (!c->text)
		fail_msg("no %s", path);
	free(path);
	if (strncmp(c->text, "scope,source,destination,metric,value\n", 38) != 0)
		fail_msg("snapshot.csv header: %.60s", c->text);
}

/* The value of one row as a number; NAN when there is no such row. */
static inline double pst_csv_get(const struct pst_csv *c, const char *scope, const char *src,
				 const char *dst, const char *metric)
{
	char key[512];
	snprintf(key, sizeof(key), "\n%s,%s,%s,%s,", scope, src, dst, metric);
	const char *p = strstr(c->text, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

static inline void pst_csv_free(struct pst_csv *c)
{
	free(c->text);
	c->text = NULL;
}

#endif
