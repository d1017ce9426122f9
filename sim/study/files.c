/* The small file chores of a study: paths, reading a file whole, removing a staging folder, run lists. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

char *ps_st_run_dir(const char *dir, size_t run)
{
	char rel[48];
	snprintf(rel, sizeof(rel), "runs/%zu", run);
	return ps_path_join(dir, rel);
}

char *ps_st_read(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	int e = 0;
	while (buf) {
		if (n + 1 == cap) {
			char *grown = cap > max ? NULL : realloc(buf, 2 * cap);
			if (!grown) {
				e = cap > max ? EFBIG : ENOMEM;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			e = ferror(f) ? EIO : 0;
			break;
		}
	}
	fclose(f);
	if (!buf || e || n > max) {
		free(buf);
		errno = !buf ? ENOMEM : e ? e : EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int ps_st_remove_folder(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = ps_path_join(path, e->d_name);
		if (!p || unlink(p) != 0)
			rc = -1;
		free(p);
	}
	closedir(d);
	return rmdir(path) != 0 ? -1 : rc;
}

char *ps_st_ranges(const bool *missing, size_t n)
{
	size_t cap = 64, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!missing[i])
			continue;
		size_t j = i;
		while (j + 1 < n && missing[j + 1])
			j++;
		char part[64];
		int w = j == i ? snprintf(part, sizeof(part), "%s%zu", len ? "," : "", i)
			       : snprintf(part, sizeof(part), "%s%zu-%zu", len ? "," : "", i, j);
		if (len + (size_t)w + 1 > cap) {
			char *grown = realloc(out, 2 * cap + (size_t)w);
			if (!grown) {
				free(out);
				return NULL;
			}
			out = grown;
			cap = 2 * cap + (size_t)w;
		}
		memcpy(out + len, part, (size_t)w + 1);
		len += (size_t)w;
		i = j;
	}
	return out;
}
