/*
 * The bash completion (scripts/portsim.bash-completion): sourced in bash, asked to complete
 * command lines of the built portsim, it offers what the program itself lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define COMPLETION PORTSIM_SOURCE_DIR "/scripts/portsim.bash-completion"

/*
 * What the completion offers for the command line "portsim " line, the cursor at its end: the
 * words of COMPREPLY, each between newlines (malloc'd). bash's default COMP_WORDBREAKS holds '='
 * and ':', so a word holding them is completed after the last one, as in a terminal.
 */
static char *complete(const char *line)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && bash --norc --noprofile -c 'source \"$1\"; COMP_LINE=\"$2 $3\"; "
		 "COMP_POINT=${#COMP_LINE}; _portsim portsim; printf \"%%s\\n\" \"${COMPREPLY[@]}\"' "
		 "_ '%s' '%s' '%s' 2>&1",
		 PORTSIM_SOURCE_DIR, COMPLETION, PORTSIM_BIN, line);
	int rc;
	char *text = pst_shell(cmd, &rc), *out = malloc(strlen(text) + 2);
	assert_non_null(out);
	/* A newline before the first word too: every word is "\nWORD\n". */
	snprintf(out, strlen(text) + 2, "\n%s", text);
	free(text);
	if (rc != 0)
		fail_msg("completing \"%s\" failed:%s", line, out);
	return out;
}

static bool offers(const char *out, const char *word)
{
	char item[256];
	snprintf(item, sizeof(item), "\n%s\n", word);
	return strstr(out, item) != NULL;
}

/* Completing line offers each of the words in want and none of those in avoid (NULL-terminated). */
static void expect(const char *line, const char *const *want, const char *const *avoid)
{
	char *out = complete(line);
	for (; want && *want; want++)
		if (!offers(out, *want))
			fail_msg("completing \"portsim %s\" does not offer \"%s\"; it offers:%s", line, *want, out);
	for (; avoid && *avoid; avoid++)
		if (offers(out, *avoid))
			fail_msg("completing \"portsim %s\" offers \"%s\":%s", line, *avoid, out);
	free(out);
}

/* A list of words for expect. */
#define W(...) ((const char *[]){ __VA_ARGS__, NULL })

static void test_commands(void **state)
{
	(void)state;
	expect("", W("run", "check", "keys", "compare", "capacity", "kernel"), NULL);
	expect("", W("strategies", "profiles", "plot", "man", "help"), NULL);
	expect("ru", W("run"), W("check"));
	expect("-", W("--help", "--version"), NULL);
	expect("help pro", W("profiles"), W("run"));
}

static void test_each_command_offers_its_own_options(void **state)
{
	(void)state;
	expect("run --st", W("--strategy"), W("--strategies"));
	expect("run -", W("--seed", "--duration", "--set", "--out", "--events", "--ports", "--quiet", "--help"),
	       W("--sweep"));
	expect("capacity --s", W("--sweep", "--solve", "--strategy", "--seed", "--set"), NULL);
	expect("compare --", W("--strategies", "--replications"), W("--strategy"));
	expect("man --", W("--section", "--out"), NULL);
	expect("man --section ", W("1", "5"), NULL);
}

static void test_strategy_and_profile_names(void **state)
{
	(void)state;
	expect("run --strategy li", W("linux", "linux-4.6", "linux-5.12", "linux-bind", "linux-udp"),
	       W("sequential"));
	expect("run scenarios/tw-reuse.ini --strategy ", W("sequential", "windows"), NULL);
	expect("capacity --strategy=fr", W("freebsd", "freebsd-legacy"), NULL);
	expect("compare --strategies linux,seq", W("linux,sequential"), NULL);
	expect("compare -s a", W("all"), NULL);
	/* After = bash completes the value alone. */
	expect("run --set host.strategy=x", W("xnu"), NULL);
	expect("run --set host.profile=", W("linux", "macos", "windows", "ns3"), NULL);
	expect("check --set nat.preset=aws", W("aws-nat-gateway"), NULL);
}

static void test_scenario_keys(void **state)
{
	(void)state;
	expect("run --set host.stra", W("host.strategy="), NULL);
	expect("run --set r", W("run.duration_s=", "run.seed=", "run.sample_interval_s="), NULL);
	/* The built-in scenario's population, then those of the scenario given. */
	expect("run --set workload.client.rate", W("workload.client.rate_per_s=", "workload.client.rate_end_per_s="),
	       NULL);
	expect("run scenarios/proxy-keepalive.ini --set workload.", W("workload.proxy.keepalive="),
	       W("workload.client.keepalive="));
	expect("capacity --solve nat.add", W("nat.addresses"), NULL);
}

static void test_files_and_directories(void **state)
{
	(void)state;
	expect("run scenarios/tw-", W("scenarios/tw-reuse.ini"), NULL);
	expect("plot scen", W("scenarios"), NULL);
	expect("run --out sc", W("scenarios", "scripts"), W("scenarios/tw-reuse.ini"));
	expect("run --out=sc", W("scenarios", "scripts"), NULL);
}

int main(void)
{
	if (system("command -v bash >/dev/null 2>&1") != 0) {
		printf("bash is not on PATH; the completion cannot be tried\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_each_command_offers_its_own_options),
		cmocka_unit_test(test_strategy_and_profile_names),
		cmocka_unit_test(test_scenario_keys),
		cmocka_unit_test(test_files_and_directories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
