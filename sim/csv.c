#include "portsim/csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *join(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

int ps_csv_open(struct ps_csv *c, const char *dir, const char *name, const char *header)
{
	memset(c, 0, sizeof(*c));
	c->path = join(dir, name, "");
	c->tmp = join(dir, name, ".tmp");
	if (!c->path || !c->tmp) {
		ps_csv_abort(c);
		errno = ENOMEM;
		return -1;
	}
	c->f = fopen(c->tmp, "w");
	if (!c->f) {
		int e = errno;
		ps_csv_abort(c);
		errno = e;
		return -1;
	}
	/* Large buffer: rows are small and many. */
	setvbuf(c->f, NULL, _IOFBF, 1 << 16);
	if (header)
		fprintf(c->f, "%s\n", header);
	return 0;
}

int ps_csv_commit(struct ps_csv *c)
{
	if (!c->f)
		return 0;
	int bad = ferror(c->f);
	int e = errno;
	if (fclose(c->f) != 0) {
		bad = 1;
		e = errno;
	}
	c->f = NULL;
	if (!bad && rename(c->tmp, c->path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad)
		remove(c->tmp);
	free(c->path);
	free(c->tmp);
	c->path = c->tmp = NULL;
	errno = e;
	return bad ? -1 : 0;
}

void ps_csv_abort(struct ps_csv *c)
{
	if (c->f) {
		fclose(c->f);
		remove(c->tmp);
	}
	free(c->path);
	free(c->tmp);
	memset(c, 0, sizeof(*c));
}
