/* A stdio stream that gzips what it is given: events.csv.gz. */
#define _GNU_SOURCE /* fopencookie */
#include "portsim/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

/* zlib reports Z_ERRNO when the system call failed: errno says why; anything else is zlib's own. */
static void set_errno(gzFile gz)
{
	int code = Z_OK;
	gzerror(gz, &code);
	if (code != Z_ERRNO)
		errno = code == Z_MEM_ERROR ? ENOMEM : EIO;
}

static ssize_t gz_write(void *cookie, const char *buf, size_t n)
{
	gzFile gz = cookie;
	size_t done = 0;
	while (done < n) {
		unsigned chunk = n - done > (1u << 30) ? 1u << 30 : (unsigned)(n - done);
		int w = gzwrite(gz, buf + done, chunk);
		if (w <= 0) {
			set_errno(gz);
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int gz_close(void *cookie)
{
	int rc = gzclose(cookie);
	if (rc == Z_OK)
		return 0;
	if (rc != Z_ERRNO)
		errno = rc == Z_MEM_ERROR ? ENOMEM : EIO;
	return -1;
}

FILE *ps_gzip_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return NULL;
	/* gzdopen writes a header with time 0, no name, and the OS byte for Unix. */
	gzFile gz = gzdopen(fd, "wb6");
	if (!gz) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	gzbuffer(gz, 1 << 17);
	cookie_io_functions_t io = { .read = NULL, .write = gz_write, .seek = NULL, .close = gz_close };
	FILE *f = fopencookie(gz, "w", io);
	if (!f) {
		int e = errno;
		gzclose(gz);
		errno = e;
	}
	return f;
}
