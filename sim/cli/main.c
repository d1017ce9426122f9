/* portsim: entry point and subcommand dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage_text[] =
	"usage: portsim COMMAND [OPTIONS]\n"
	"\n"
	"Simulates how clients draw source ports from an ephemeral pool under the\n"
	"allocation strategies of real systems, and when the pool runs dry.\n"
	"\n"
	"commands:\n"
	"  run [SCENARIO]   run a scenario (the built-in default when none is given)\n"
	"  check [SCENARIO] validate a scenario and print it fully resolved\n"
	"  keys             list every scenario key (Markdown)\n"
	"  compare [SCENARIO]  run under several strategies with common random numbers\n"
	"  capacity [SCENARIO] highest rate with failures below a target, beside closed forms\n"
	"  kernel [SCENARIO]   play a scenario against the live Linux kernel (root)\n"
	"  snapshot [DUMP]     how full a host's port pool is, toward whom, until when\n"
	"  strategies       list the allocation strategies\n"
	"  profiles         list the system profiles (host.profile)\n"
	"\n"
	"options:\n"
	"  -h, --help       show this help\n"
	"  -V, --version    show the version\n"
	"\n"
	"'portsim COMMAND --help' shows the options of a command.\n";

void ps_cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("portsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return PS_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return PS_EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("portsim %s\n", PORTSIM_VERSION);
		return PS_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return ps_cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "strategies"))
		return ps_cmd_strategies(argc - 1, argv + 1);
	if (!strcmp(cmd, "profiles"))
		return ps_cmd_profiles(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return ps_cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "keys"))
		return ps_cmd_keys(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return ps_cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "capacity"))
		return ps_cmd_capacity(argc - 1, argv + 1);
	if (!strcmp(cmd, "kernel"))
		return ps_cmd_kernel(argc - 1, argv + 1);
	if (!strcmp(cmd, "snapshot")) return ps_cmd_snapshot(argc - 1, argv + 1);
	ps_cli_error("unknown command \"%s\"; commands: run, check, keys, compare, capacity, kernel, "
		     "strategies, profiles (see portsim --help)", cmd);
	return PS_EXIT_USAGE;
}
