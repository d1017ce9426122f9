/* Where a subcommand's files go, and whether it may draw progress. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int ps_cli_mkdirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

const char *ps_cli_out(const struct ps_cli_parsed *p)
{
	const char *out = ps_cli_text(p, "out");
	if (ps_cli_mkdirs(out) != 0) {
		ps_cli_error("%s: cannot create output directory \"%s\": %s", p->cmd->name, out, strerror(errno));
		return NULL;
	}
	return out;
}

bool ps_cli_progress(const struct ps_cli_parsed *p)
{
	return !ps_cli_flag(p, "quiet") && isatty(fileno(stderr));
}
