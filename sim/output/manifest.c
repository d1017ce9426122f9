/* The MANIFEST of an output folder: its text, and checking a folder against it. */
#include "portsim/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "portsim/input.h"

#define MAGIC "portsim-manifest 1"

int ps_manifest_add(struct ps_manifest *m, const char *name, uint64_t bytes)
{
	struct ps_manifest_file *f = realloc(m->files, (m->nfiles + 1) * sizeof(*f));
	if (!f)
		return -1;
	m->files = f;
	char *copy = malloc(strlen(name) + 1);
	if (!copy)
		return -1;
	strcpy(copy, name);
	m->files[m->nfiles++] = (struct ps_manifest_file){ .name = copy, .bytes = bytes };
	return 0;
}

void ps_manifest_fini(struct ps_manifest *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].name);
	free(m->files);
	free(m->command);
	memset(m, 0, sizeof(*m));
}

bool ps_manifest_lists(const struct ps_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].name, name))
			return true;
	return false;
}

int ps_manifest_write(const char *path, const struct ps_manifest *m)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# portsim MANIFEST: written last; the files below are complete.\n%s\ncommand %s\n", MAGIC,
		m->command ? m->command : "");
	for (size_t i = 0; i < m->nfiles; i++)
		fprintf(f, "file %" PRIu64 " %s\n", m->files[i].bytes, m->files[i].name);
	fprintf(f, "end %zu\n", m->nfiles);
	int bad = ferror(f), e = errno;
	if (fclose(f) != 0) {
		bad = 1;
		e = errno;
	}
	errno = e;
	return bad ? -1 : 0;
}

/* A listed name must stay inside the folder and be none of the manifest's own. */
static bool plain_name(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/') && strcmp(s, PS_MANIFEST_NAME) != 0;
}

static int parse_line(char *line, struct ps_manifest *m, bool *magic, bool *end, char *err, size_t size)
{
	if (*end) {
		snprintf(err, size, "text after the end line");
		return -1;
	}
	if (!*magic) {
		if (strcmp(line, MAGIC) != 0) {
			snprintf(err, size, "not a portsim manifest (expected \"%s\")", MAGIC);
			return -1;
		}
		*magic = true;
		return 0;
	}
	if (!strncmp(line, "command ", 8) && !m->command) {
		m->command = malloc(strlen(line + 8) + 1);
		if (!m->command) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		strcpy(m->command, line + 8);
		return 0;
	}
	char *rest;
	if (!strncmp(line, "file ", 5)) {
		errno = 0;
		unsigned long long bytes = strtoull(line + 5, &rest, 10);
		if (rest == line + 5 || *rest != ' ' || errno || !plain_name(rest + 1)) {
			snprintf(err, size, "bad file line \"%.200s\"", line);
			return -1;
		}
		if (ps_manifest_add(m, rest + 1, bytes) != 0) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		return 0;
	}
	if (!strncmp(line, "end ", 4)) {
		unsigned long long n = strtoull(line + 4, &rest, 10);
		if (rest == line + 4 || *rest || n != m->nfiles) {
			snprintf(err, size, "end line \"%.100s\" does not count the %zu files listed", line, m->nfiles);
			return -1;
		}
		*end = true;
		return 0;
	}
	snprintf(err, size, "unknown line \"%.200s\"", line);
	return -1;
}

int ps_manifest_parse(const char *text, struct ps_manifest *m, char *err, size_t size)
{
	char *copy = malloc(strlen(text) + 1);
	if (!copy) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	strcpy(copy, text);
	bool magic = false, end = false;
	unsigned lineno = 0;
	int rc = 0;
	for (char *line = copy, *next; line && *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (*line == '#' || *line == '\0')
			continue;
		char why[256];
		if (parse_line(line, m, &magic, &end, why, sizeof(why)) != 0) {
			snprintf(err, size, "line %u: %s", lineno, why);
			rc = -1;
		}
	}
	free(copy);
	if (rc == 0 && !end) {
		/* Written with write-then-rename, so a cut manifest is not portsim's. */
		snprintf(err, size, "no end line: cut short");
		rc = -1;
	}
	return rc;
}

/* The whole of path, malloc'd and NUL-terminated; NULL with errno. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *b = realloc(buf, cap *= 2);
		if (!b)
			free(buf);
		buf = b;
	}
	int bad = !buf || ferror(f), e = buf ? errno : ENOMEM;
	fclose(f);
	if (bad) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Writes the name of a staging folder in dir to name; 1 found, 0 none, -1 dir unreadable (errno). */
static int find_staging(const char *dir, char *name, size_t size)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)))
		if (!strncmp(e->d_name, PS_STAGING_PREFIX, strlen(PS_STAGING_PREFIX))) {
			snprintf(name, size, "%s", e->d_name);
			found = 1;
		}
	closedir(d);
	return found;
}

/* Every listed file there with its size; the state, with err. */
static int check_files(const char *dir, const struct ps_manifest *m, char *err, size_t size)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct ps_manifest_file *f = &m->files[i];
		char *p = ps_path_join(dir, f->name);
		if (!p) {
			snprintf(err, size, "%s: out of memory", dir);
			return PS_MANIFEST_UNREADABLE;
		}
		struct stat st;
		int rc = stat(p, &st), e = errno;
		free(p);
		if (rc != 0 && e == ENOENT) {
			snprintf(err, size, "%s: INCOMPLETE: %s is listed in its MANIFEST but missing", dir, f->name);
			return PS_MANIFEST_INCOMPLETE;
		}
		if (rc != 0) {
			snprintf(err, size, "%s/%s: %s", dir, f->name, strerror(e));
			return PS_MANIFEST_UNREADABLE;
		}
		if ((uint64_t)st.st_size != f->bytes) {
			snprintf(err, size, "%s: INCOMPLETE: %s has %jd bytes, its MANIFEST says %" PRIu64
				 ": changed since portsim wrote it", dir, f->name, (intmax_t)st.st_size, f->bytes);
			return PS_MANIFEST_INCOMPLETE;
		}
	}
	return PS_MANIFEST_COMPLETE;
}

int ps_manifest_read(const char *dir, struct ps_manifest *m, char *err, size_t size)
{
	memset(m, 0, sizeof(*m));
	char staging[256];
	int has_staging = find_staging(dir, staging, sizeof(staging));
	if (has_staging < 0) {
		snprintf(err, size, "%s: cannot read the folder: %s", dir, strerror(errno));
		return PS_MANIFEST_UNREADABLE;
	}
	size_t n = strlen(dir) + sizeof(PS_MANIFEST_NAME) + 1;
	char *path = malloc(n);
	if (!path) {
		snprintf(err, size, "%s: out of memory", dir);
		return PS_MANIFEST_UNREADABLE;
	}
	snprintf(path, n, "%s/%s", dir, PS_MANIFEST_NAME);
	char *text = read_all(path);
	int e = errno, state = PS_MANIFEST_COMPLETE;
	if (!text && e == ENOENT && has_staging) {
		snprintf(err, size, "%s: INCOMPLETE: %s exists and there is no MANIFEST: a portsim command is "
			 "writing here or was interrupted; run it again", dir, staging);
		state = PS_MANIFEST_INCOMPLETE;
	} else if (!text && e == ENOENT) {
		snprintf(err, size, "%s: no MANIFEST: not a folder portsim finished writing (or one written "
			 "before portsim wrote manifests)", dir);
		state = PS_MANIFEST_MISSING;
	} else if (!text) {
		snprintf(err, size, "%s: %s", path, strerror(e));
		state = PS_MANIFEST_UNREADABLE;
	} else {
		char why[512];
		if (ps_manifest_parse(text, m, why, sizeof(why)) != 0) {
			snprintf(err, size, "%s: %s", path, why);
			state = PS_MANIFEST_UNREADABLE;
		} else {
			state = check_files(dir, m, err, size);
		}
	}
	free(text);
	free(path);
	return state;
}
