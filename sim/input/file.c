/*
 * Opening an input file (input.h). The checks come before the first read:
 * open() with O_NONBLOCK returns at once even for a FIFO without a writer,
 * fstat() on the open descriptor then says what the path really is (no
 * race with a rename), and only a regular file within the limit is read.
 * Also the one place a path is joined from a folder and a name.
 */
#include "portsim/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ps_input_size_text(char *buf, size_t size, uint64_t bytes)
{
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
		snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes / (1024 * 1024)));
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
}

static const char *kind(mode_t m)
{
	return S_ISDIR(m)   ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a plain file";
}

FILE *ps_input_open(const char *path, uint64_t max, uint64_t *bytes, char *why, size_t size)
{
	char limit[32];
	ps_input_size_text(limit, sizeof(limit), max);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(why, size, "cannot read: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, size, "not a regular file but %s; allowed: a regular file of at most %s",
			 kind(st.st_mode), limit);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(why, size, "too big (%llu bytes); allowed: a regular file of at most %s",
			 (unsigned long long)st.st_size, limit);
		close(fd);
		return NULL;
	}
	/* Reads of a regular file never block; clear the flag anyway, as a plain open would have it. */
	int flags = fcntl(fd, F_GETFL);
	FILE *f = NULL;
	if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1 || !(f = fdopen(fd, "rb"))) {
		snprintf(why, size, "cannot read: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (bytes)
		*bytes = (uint64_t)st.st_size;
	return f;
}

char *ps_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}
