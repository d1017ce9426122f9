/* The staging folder of an output folder, and publishing it with its MANIFEST. */
#include "portsim/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "portsim/interrupt.h"
#include "portsim/input.h"
#include "portsim/manifest.h"

#define MAX_MADE 64

/* The process's one declared folder (output.h says why it is the process's). */
static struct {
	char *dir, *stage, *command;
	char *made[MAX_MADE]; /* dir and the parents missing when it was declared, outermost first */
	size_t nmade;
	int lock;             /* the staging folder, held while it is ours; -1 when not open here */
	bool keep;            /* publishing stopped half-way: the staging folder marks the folder incomplete */
} S = { .lock = -1 };

static char *copy(const char *s)
{
	char *p = malloc(strlen(s) + 1);
	if (p)
		strcpy(p, s);
	return p;
}

static void end_declaration(void)
{
	if (S.lock >= 0)
		close(S.lock);
	for (size_t i = 0; i < S.nmade; i++)
		free(S.made[i]);
	free(S.dir);
	free(S.stage);
	free(S.command);
	memset(&S, 0, sizeof(S));
	S.lock = -1;
}

/* Notes the prefixes of dir that do not exist yet, outermost first. */
static int note_missing(const char *dir)
{
	char *path = copy(dir);
	if (!path)
		return -1;
	size_t n = strlen(path);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		struct stat st;
		if (stat(path, &st) != 0 && errno == ENOENT && S.nmade < MAX_MADE) {
			if (!(S.made[S.nmade] = copy(path))) {
				free(path);
				return -1;
			}
			S.nmade++;
		}
		path[i] = c;
	}
	free(path);
	return 0;
}

int ps_output_begin(const char *dir, const char *command)
{
	if (S.dir) {
		errno = strcmp(S.dir, dir) ? EBUSY : 0;
		return errno ? -1 : 0;
	}
	char name[64];
	snprintf(name, sizeof(name), PS_STAGING_PREFIX "%ld", (long)getpid());
	S.dir = copy(dir);
	S.stage = S.dir ? ps_path_join(dir, name) : NULL;
	S.command = copy(command ? command : "");
	if (!S.dir || !S.stage || !S.command || note_missing(dir) != 0) {
		end_declaration();
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

const char *ps_output_dir(void)
{
	return S.dir;
}

/* Creates dir and its missing parents; 0 or -1 (errno set). */
static int mkdirs(const char *dir)
{
	if (!*dir) {
		errno = ENOENT;
		return -1;
	}
	char *path = copy(dir);
	if (!path)
		return -1;
	int rc = 0;
	for (char *p = path + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			rc = -1;
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (rc == 0 && stat(path, &st) != 0)
		rc = -1;
	else if (rc == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = -1;
	}
	free(path);
	return rc;
}

/* Makes the staging folder and holds it, so no other command's clean-up takes it for abandoned. */
static int make_stage(void)
{
	if (S.lock >= 0)
		return 0;
	if (mkdirs(S.dir) != 0 || (mkdir(S.stage, 0777) != 0 && errno != EEXIST))
		return -1;
	S.lock = open(S.stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S.lock < 0)
		return -1;
	flock(S.lock, LOCK_EX | LOCK_NB);
	return 0;
}

char *ps_output_path(const char *dir, const char *name)
{
	if (!S.dir || strcmp(dir, S.dir) != 0)
		return ps_path_join(dir, name);
	if (make_stage() != 0)
		return NULL;
	return ps_path_join(S.stage, name);
}

int ps_output_stage(char *err, size_t size)
{
	if (S.dir && make_stage() != 0) {
		snprintf(err, size, "%s: cannot write outputs: %s", S.dir, strerror(errno));
		return -1;
	}
	return 0;
}

static bool is_tmp(const char *name)
{
	size_t n = strlen(name);
	return n >= 4 && !strcmp(name + n - 4, ".tmp");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The finished files of the staging folder, sorted; a count, or -1 (errno). Leftover temporaries go. */
static long staged_names(char ***out)
{
	*out = NULL;
	DIR *d = opendir(S.stage);
	if (!d)
		return -1;
	char **names = NULL;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, PS_MANIFEST_NAME))
			continue;
		if (is_tmp(e->d_name)) {
			char *p = ps_path_join(S.stage, e->d_name);
			if (p)
				unlink(p);
			free(p);
			continue;
		}
		char **more = realloc(names, (size_t)(n + 1) * sizeof(*names));
		if (!more || !(more[n] = copy(e->d_name))) {
			names = more ? more : names;
			for (long i = 0; i < n; i++)
				free(names[i]);
			free(names);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		names = more;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(*names), by_name);
	*out = names;
	return n;
}

static void free_names(char **names, long n)
{
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool ps_output_staged(void)
{
	if (!S.dir)
		return false;
	char **names;
	long n = staged_names(&names);
	free_names(names, n);
	return n > 0;
}

/* Removes a staging folder's files and the folder itself. */
static void remove_stage(const char *stage)
{
	DIR *d = opendir(stage);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = ps_path_join(stage, e->d_name);
			if (p)
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(stage);
}

/* Staging folders of commands that are gone: nobody holds their lock. */
static void remove_abandoned(void)
{
	DIR *d = opendir(S.dir);
	if (!d)
		return;
	const char *own = strrchr(S.stage, '/') + 1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, PS_STAGING_PREFIX, strlen(PS_STAGING_PREFIX)) != 0 || !strcmp(e->d_name, own))
			continue;
		char *p = ps_path_join(S.dir, e->d_name);
		int fd = p ? open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		struct stat st;
		/* A folder made a moment ago may not be locked yet by the command making it. */
		if (fd >= 0 && fstat(fd, &st) == 0 && time(NULL) - st.st_mtime > 60 &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			remove_stage(p);
		if (fd >= 0)
			close(fd);
		free(p);
	}
	closedir(d);
}

/* The files the folder's current MANIFEST lists, into old (empty when there is none or it is not one). */
static void read_old(struct ps_manifest *old)
{
	memset(old, 0, sizeof(*old));
	char *path = ps_path_join(S.dir, PS_MANIFEST_NAME);
	FILE *f = path ? fopen(path, "r") : NULL;
	free(path);
	if (!f)
		return;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	char err[256];
	if (n < 0 || ps_manifest_parse(text, old, err, sizeof(err)) != 0)
		ps_manifest_fini(old);
	free(text);
}

static int fail(char *err, size_t size, const char *what, const char *name)
{
	snprintf(err, size, "%s: cannot %s%s%s: %s", S.dir, what, name ? " " : "", name ? name : "",
		 strerror(errno));
	return -1;
}

/* Steps 2 and 3 of output.h, under the folder's lock; the new manifest is already staged. */
static int swap_in(const struct ps_manifest *m, char *err, size_t size)
{
	struct ps_manifest old;
	read_old(&old);
	remove_abandoned();
	char *mpath = ps_path_join(S.dir, PS_MANIFEST_NAME);
	int rc = 0;
	if (!mpath || (unlink(mpath) != 0 && errno != ENOENT))
		rc = fail(err, size, "replace", PS_MANIFEST_NAME);
	S.keep = rc == 0; /* from here on the old set is going: a failure leaves the folder marked incomplete */
	for (size_t i = 0; rc == 0 && i < old.nfiles; i++) {
		if (ps_manifest_lists(m, old.files[i].name))
			continue; /* replaced by the rename below */
		char *p = ps_path_join(S.dir, old.files[i].name);
		if (p)
			unlink(p); /* one left behind is harmless: the new MANIFEST does not list it */
		free(p);
	}
	for (size_t i = 0; rc == 0 && i <= m->nfiles; i++) {
		const char *name = i < m->nfiles ? m->files[i].name : PS_MANIFEST_NAME; /* the manifest last */
		char *from = ps_path_join(S.stage, name), *to = ps_path_join(S.dir, name);
		if (!from || !to || rename(from, to) != 0)
			rc = fail(err, size, "move in", name);
		free(from);
		free(to);
	}
	if (rc == 0) {
		S.keep = false;
		remove_stage(S.stage);
	}
	free(mpath);
	ps_manifest_fini(&old);
	return rc;
}

static int publish(char *err, size_t size)
{
	char **names;
	long n = staged_names(&names);
	if (n < 0)
		return fail(err, size, "read", S.stage);
	struct ps_manifest m = { .command = S.command };
	int rc = 0;
	for (long i = 0; rc == 0 && i < n; i++) {
		char *p = ps_path_join(S.stage, names[i]);
		struct stat st;
		if (!p || stat(p, &st) != 0)
			rc = fail(err, size, "read", names[i]);
		else if (ps_manifest_add(&m, names[i], (uint64_t)st.st_size) != 0)
			rc = fail(err, size, "list", names[i]);
		free(p);
	}
	free_names(names, n);
	char *mpath = ps_path_join(S.stage, PS_MANIFEST_NAME);
	if (rc == 0 && (!mpath || ps_manifest_write(mpath, &m) != 0))
		rc = fail(err, size, "write", PS_MANIFEST_NAME);
	free(mpath);
	int dfd = rc == 0 ? open(S.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rc == 0 && dfd < 0)
		rc = fail(err, size, "open", NULL);
	/* Two commands finishing into one folder publish one after the other. */
	if (rc == 0 && flock(dfd, LOCK_EX) != 0)
		rc = fail(err, size, "lock", NULL);
	if (rc == 0)
		rc = swap_in(&m, err, size);
	if (dfd >= 0)
		close(dfd);
	m.command = NULL; /* S's */
	ps_manifest_fini(&m);
	return rc;
}

int ps_output_commit(char *err, size_t size)
{
	if (!S.dir)
		return 0;
	struct stat st;
	if (stat(S.stage, &st) != 0) {
		end_declaration(); /* nothing was written */
		return 0;
	}
	ps_interrupt_hold(1);
	int rc = publish(err, size);
	ps_interrupt_hold(0);
	if (rc != 0)
		ps_output_abort();
	else
		end_declaration();
	return rc;
}

void ps_output_abort(void)
{
	if (!S.dir)
		return;
	if (!S.keep) {
		remove_stage(S.stage);
		/* Innermost first; rmdir leaves any that holds something else. */
		for (size_t i = S.nmade; i-- > 0;)
			rmdir(S.made[i]);
	}
	end_declaration();
}
