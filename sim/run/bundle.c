/*
 * A run's folder as a bundle that repeats the run from anywhere: each data
 * file the scenario reads (a replay's trace_file, an empirical
 * duration_file) is copied into the folder's folder as data-NAME, and the
 * scenario.ini written beside the outputs names the copy by a path
 * relative to the folder (trace_file = data-NAME.csv), which is where a
 * scenario's relative paths start. Nothing in it depends on where the
 * scenario or the checkout was, so its bytes do not either.
 */
#include "wiring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "load.h"
#include "portsim/csv.h"
#include "portsim/input.h"
#include "portsim/scenario.h"

/* Copies sit beside the outputs as data-NAME: top-level files, so the folder's staging and
 * MANIFEST treat them as every other output. */
#define DATA_PREFIX "data-"
/* Longest name a copy gets, so that "data-NAME" fits a scenario's path field. */
#define NAME_MAX_CHARS 100

_Static_assert(sizeof(DATA_PREFIX) + NAME_MAX_CHARS + 8 < PS_PATH_MAX, "data-NAME fits trace_file");

/* A data file copied so far: the source's identity and its name as data-NAME. */
struct copied {
	dev_t dev;
	ino_t ino;
	char name[NAME_MAX_CHARS + 8];
};

struct bundle {
	const char *dir;
	struct copied done[2 * PS_MAX_POPULATIONS];
	size_t n;
};

/* The file's base name made safe to stand bare in an INI line and in any file system. */
static void base_name(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base), o = 0;
	if (n > NAME_MAX_CHARS)
		n = NAME_MAX_CHARS;
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			  c == '_' || (c == '.' && i > 0);
		out[o++] = ok ? c : '_';
	}
	out[o] = '\0';
	if (!o)
		snprintf(out, size, "file");
}

/* A name not yet taken among the copies: NAME, then NAME-2.EXT, NAME-3.EXT, ... */
static void unique_name(const struct bundle *b, const char *want, char *out, size_t size)
{
	const char *dot = strrchr(want, '.');
	int stem = dot ? (int)(dot - want) : (int)strlen(want);
	snprintf(out, size, "%s", want);
	for (unsigned k = 2;; k++) {
		bool taken = false;
		for (size_t i = 0; i < b->n && !taken; i++)
			taken = !strcmp(b->done[i].name, out);
		if (!taken)
			return;
		snprintf(out, size, "%.*s-%u%s", stem, want, k, dot ? dot : "");
	}
}

/* Copies the open file f into dir/data-name, written then renamed like every output. 0 or -1 (errno). */
static int copy_into(const char *dir, const char *name, FILE *f)
{
	char rel[sizeof(DATA_PREFIX) + NAME_MAX_CHARS + 8], buf[1 << 16];
	snprintf(rel, sizeof(rel), "%s%s", DATA_PREFIX, name);
	struct ps_csv c;
	if (ps_csv_open(&c, dir, rel, NULL) != 0)
		return -1;
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, n, c.f) != n)
			break;
	if (ferror(f)) {
		int e = errno;
		ps_csv_abort(&c);
		errno = e ? e : EIO;
		return -1;
	}
	return ps_csv_commit(&c);
}

/*
 * Bundles the file value names (relative to the scenario's directory
 * scdir): copies it to data-NAME unless the same file is there already,
 * and writes "data-NAME" into out. 0 or -1 (errno).
 */
static int bundle_file(struct bundle *b, const char *scdir, const char *value, char *out, size_t size)
{
	char src[2 * PS_PATH_MAX + 2], why[PS_ERR_MAX];
	ps_load_path(src, sizeof(src), scdir, value);
	errno = 0;
	FILE *f = ps_input_open(src, PS_DATA_FILE_MAX, NULL, why, sizeof(why));
	if (!f) {
		/* The run read it a moment ago: whatever changed since is the machine's doing. */
		if (!errno)
			errno = EIO;
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		int e = errno;
		fclose(f);
		errno = e;
		return -1;
	}
	struct copied *c = NULL;
	for (size_t i = 0; i < b->n && !c; i++)
		if (b->done[i].dev == st.st_dev && b->done[i].ino == st.st_ino)
			c = &b->done[i];
	int rc = 0;
	if (!c) {
		char want[NAME_MAX_CHARS + 1];
		c = &b->done[b->n];
		base_name(value, want, sizeof(want));
		/* A copy bundled again (a run repeated from its own scenario.ini) keeps its name. */
		size_t np = strlen(DATA_PREFIX);
		if (!strncmp(want, DATA_PREFIX, np) && want[np])
			memmove(want, want + np, strlen(want + np) + 1);
		unique_name(b, want, c->name, sizeof(c->name));
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		b->n++;
		/* Always copied, even onto itself (a run into its own folder): the folder is staged and
		 * published whole, so what it does not write again would go. */
		rc = copy_into(b->dir, c->name, f);
	}
	int e = errno;
	fclose(f);
	errno = e;
	if (rc == 0)
		snprintf(out, size, "%s%s", DATA_PREFIX, c->name);
	return rc;
}

int ps_run_write_bundle(const char *dir, const struct ps_scenario *sc)
{
	struct bundle *b = calloc(1, sizeof(*b));
	struct ps_scenario *copy = malloc(sizeof(*copy));
	int rc = 0;
	if (!b || !copy) {
		free(b);
		free(copy);
		errno = ENOMEM;
		return -1;
	}
	b->dir = dir;
	memcpy(copy, sc, sizeof(*copy));
	for (unsigned i = 0; i < sc->npop && rc == 0; i++) {
		const struct ps_population *p = &sc->pop[i];
		struct ps_population *q = &copy->pop[i];
		bool trace = p->arrival == PS_ARRIVAL_REPLAY && p->trace_file[0];
		bool durations = p->duration == PS_DURATION_EMPIRICAL && p->duration_file[0];
		if (rc == 0 && trace)
			rc = bundle_file(b, sc->dir, p->trace_file, q->trace_file, sizeof(q->trace_file));
		if (rc == 0 && durations)
			rc = bundle_file(b, sc->dir, p->duration_file, q->duration_file, sizeof(q->duration_file));
	}
	if (rc == 0)
		rc = ps_run_write_scenario(dir, copy);
	int e = errno;
	free(copy);
	free(b);
	errno = e;
	return rc;
}
