#include "portsim/csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/output.h"

static int open_as(struct ps_csv *c, const char *dir, const char *name, const char *header, bool gz)
{
	memset(c, 0, sizeof(*c));
	/* In a declared output folder, the path is in its staging folder, made now if need be. */
	c->path = ps_output_path(dir, name);
	size_t n = c->path ? strlen(c->path) + sizeof(".tmp") : 0;
	c->tmp = n ? malloc(n) : NULL;
	if (c->tmp)
		snprintf(c->tmp, n, "%s.tmp", c->path);
	if (!c->path || !c->tmp) {
		int e = errno ? errno : ENOMEM;
		ps_csv_abort(c);
		errno = e;
		return -1;
	}
	c->f = gz ? ps_gzip_open(c->tmp) : fopen(c->tmp, "w");
	if (!c->f) {
		int e = errno;
		ps_csv_abort(c);
		errno = e;
		return -1;
	}
	/* Large buffer: rows are small and many. */
	setvbuf(c->f, NULL, _IOFBF, 1 << 16);
	if (header && fprintf(c->f, "%s\n", header) < 0)
		ps_csv_failed(c);
	return 0;
}

int ps_csv_open(struct ps_csv *c, const char *dir, const char *name, const char *header)
{
	return open_as(c, dir, name, header, false);
}

int ps_csv_open_gz(struct ps_csv *c, const char *dir, const char *name, const char *header)
{
	return open_as(c, dir, name, header, true);
}

int ps_csv_failed(struct ps_csv *c)
{
	if (!c->err)
		c->err = errno ? errno : EIO;
	return -1;
}

int ps_csv_check(const struct ps_csv *c)
{
	if (!c->f)
		return 0;
	if (c->err || ferror(c->f)) {
		errno = c->err ? c->err : EIO;
		return -1;
	}
	return 0;
}

int ps_csv_commit(struct ps_csv *c)
{
	if (!c->f)
		return 0;
	int bad = ps_csv_check(c) != 0;
	int e = errno;
	if (fclose(c->f) != 0 && !bad) {
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
