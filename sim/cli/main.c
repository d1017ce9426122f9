/* portsim: entry point, the registry of subcommands, and the program's own help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portsim/interrupt.h"

const struct ps_cli_command *const ps_cli_commands[] = {
	&ps_cmd_run, &ps_cmd_check, &ps_cmd_keys, &ps_cmd_compare, &ps_cmd_capacity, &ps_cmd_kernel,
	&ps_cmd_study, &ps_cmd_snapshot, &ps_cmd_strategies, &ps_cmd_profiles, &ps_cmd_report, &ps_cmd_explain,
	&ps_cmd_plot, &ps_cmd_man,
};
#define NCOMMANDS (sizeof(ps_cli_commands) / sizeof(ps_cli_commands[0]))
const size_t ps_cli_ncommands = NCOMMANDS;

const char ps_cli_about[] = "Simulates how clients draw source ports from an ephemeral pool under the "
			    "allocation strategies of real systems, and when the pool runs dry.";

static const struct ps_cli_command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(ps_cli_commands[i]->name, name))
			return ps_cli_commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	char left[NCOMMANDS][64];
	int col = 0;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct ps_cli_command *c = ps_cli_commands[i];
		int w = snprintf(left[i], sizeof(left[i]), "  %s%s%s", c->name,
				 c->scenario ? " [SCENARIO]" : c->args ? " " : "", c->args ? c->args : "");
		col = w + 2 > col ? w + 2 : col;
	}
	fputs("usage: portsim COMMAND [OPTIONS]\n"
	      "       portsim help [COMMAND]\n"
	      "\n",
	      f);
	ps_cli_wrap(f, ps_cli_about, 0, 0);
	fputs("\ncommands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		ps_cli_row(f, left[i], ps_cli_commands[i]->summary, col);
	fputs("\noptions:\n", f);
	ps_cli_row(f, "  -h, --help", "show this help", col);
	ps_cli_row(f, "  -V, --version", "show the version", col);
	fputs("\n'portsim help COMMAND' or 'portsim COMMAND --help' shows a command's options.\n", f);
}

static int unknown(const char *name)
{
	char names[256] = "";
	for (size_t i = 0; i < NCOMMANDS; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
			 ps_cli_commands[i]->name);
	ps_cli_error("unknown command \"%s\"; commands: %s (see portsim --help)", name, names);
	return PS_EXIT_USAGE;
}

/* portsim help [COMMAND]: the program's help, or a command's as COMMAND --help prints it. */
static int help(int argc, char **argv)
{
	if (argc > 2) {
		ps_cli_error("help: one command at most, got \"%s\" and \"%s\"", argv[1], argv[2]);
		return PS_EXIT_USAGE;
	}
	if (argc < 2) {
		usage(stdout);
		return PS_EXIT_OK;
	}
	const struct ps_cli_command *cmd = find(argv[1]);
	if (!cmd)
		return unknown(argv[1]);
	ps_cli_help(cmd, stdout);
	return PS_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PS_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help"))
		return help(1, argv + 1);
	if (!strcmp(name, "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("portsim %s\n", PORTSIM_VERSION);
		return PS_EXIT_OK;
	}
	const struct ps_cli_command *cmd = find(name);
	if (!cmd)
		return unknown(name);
	/* From here a signal stops the command at a clean point (interrupt.h). */
	ps_interrupt_install();
	return ps_cli_dispatch(cmd, argc - 1, argv + 1);
}
