/*
 * The manual pages: written by portsim man from the program's own tables, clean under
 * mandoc -Tlint, naming every command, option and scenario key; the build's copies are the
 * program's.
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
#include <sys/wait.h>

#include "portsim/scenario.h"
#include "support.h"

/* The output of portsim with argv, which must exit with status want. */
static char *cli(const char *const *argv, int want)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != want)
		fail_msg("portsim %s: exit %d, expected %d; output:\n%s", argv[0], rc, want, out);
	return out;
}

static char *page(const char *section)
{
	return cli((const char *[]){ "man", "--section", section, NULL }, 0);
}

static bool have(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	int rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/*
 * mandoc -Tlint on the page: no message, but that it cannot look up a page an .Xr names
 * (another package's, or portsim's own before they are installed): that depends on the
 * machine's manual database, not on the page.
 */
static void lint(const char *section)
{
	char *dir = pst_tmpdir(), *text = page(section), *path = pst_path(dir, "page");
	assert_int_equal(pst_write_file(path, text), 0);
	char cmd[512], *bad = NULL;
	size_t nbad = 0;
	snprintf(cmd, sizeof(cmd), "mandoc -Tlint '%s' 2>&1", path);
	int rc;
	char *out = pst_shell(cmd, &rc);
	for (char *line = out; *line;) {
		size_t len = strcspn(line, "\n");
		char *next = line + len + (line[len] == '\n');
		line[len] = '\0';
		if (!strstr(line, "referenced manual not found") && !strstr(line, "mandoc.db")) {
			bad = realloc(bad, nbad + len + 2);
			assert_non_null(bad);
			snprintf(bad + nbad, len + 2, "%s\n", line);
			nbad += len + 1;
		}
		line = next;
	}
	free(out);
	if (bad)
		fail_msg("portsim man --section %s is not clean under mandoc -Tlint:\n%s", section, bad);
	/* 0: no message; 1: the lookups above only. */
	assert_true(rc == 0 || rc == 1);
	free(path);
	free(text);
	pst_rmtree(dir);
	free(dir);
}

static void test_pages_are_clean_under_mandoc_lint(void **state)
{
	(void)state;
	if (!have("mandoc")) {
		printf("mandoc is not on PATH (scripts/setup installs it); skipping\n");
		skip();
	}
	lint("1");
	lint("5");
}

/* The commands portsim --help lists: the words opening the rows under "commands:". */
static size_t commands(char names[][32], size_t max)
{
	char *help = cli((const char *[]){ "--help", NULL }, 0), *p = strstr(help, "\ncommands:\n");
	assert_non_null(p);
	size_t n = 0;
	for (p = strchr(p + 1, '\n') + 1; !strncmp(p, "  ", 2) && n < max; p = strchr(p, '\n') + 1)
		if (p[2] != ' ')
			sscanf(p, " %31s", names[n++]);
	free(help);
	return n;
}

static void test_page_1_has_every_command_and_option(void **state)
{
	(void)state;
	char *man = page("1"), names[32][32];
	size_t n = commands(names, 32);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		char want[128];
		snprintf(want, sizeof(want), "\n.Cm %s\n", names[i]);
		if (!strstr(man, want))
			fail_msg("portsim(1) lacks the command %s", names[i]);
		/* Every option of its help: the usage line's [--NAME, the rows' "-x, --NAME". */
		char *help = cli((const char *[]){ names[i], "--help", NULL }, 0);
		for (char *p = help; (p = strstr(p, "[--")) != NULL; p += 3) {
			size_t len = strcspn(p + 3, " ]");
			snprintf(want, sizeof(want), "Fl -%.*s", (int)len, p + 3);
			if (!strstr(man, want))
				fail_msg("portsim(1) lacks %s's option --%.*s", names[i], (int)len, p + 3);
		}
		for (char *p = help; (p = strstr(p, "\n  -")) != NULL; p += 4) {
			if (p[5] != ',')
				continue;
			size_t len = strcspn(p + 9, " \n");
			snprintf(want, sizeof(want), "Fl %c , Fl -%.*s", p[4], (int)len, p + 9);
			if (strcmp(want, "Fl h , Fl -help") && !strstr(man, want))
				fail_msg("portsim(1) lacks %s's \"%s\"", names[i], want);
		}
		free(help);
	}
	assert_non_null(strstr(man, "\n.Dt PORTSIM 1\n"));
	assert_non_null(strstr(man, "\n.Cm help\n"));
	assert_non_null(strstr(man, "\n.Xr portsim-scenario 5\n"));
	free(man);
}

/* Every key, in the table's order, under its section's heading. */
static void test_page_5_has_every_key_under_its_section(void **state)
{
	(void)state;
	char *man = page("5"), *at = man;
	const char *section = "";
	assert_non_null(strstr(man, "\n.Dt PORTSIM-SCENARIO 5\n"));
	for (size_t i = 0; i < ps_scenario_nkeys(); i++) {
		struct ps_key_doc d;
		ps_scenario_key_doc(i, &d);
		char want[128];
		if (strcmp(section, d.section)) {
			snprintf(want, sizeof(want), "\n.Ss [%s]\\&\n", d.section);
			if (!(at = strstr(at, want)))
				fail_msg("portsim-scenario(5) lacks the section [%s], or has it out of order", d.section);
			section = d.section;
		}
		snprintf(want, sizeof(want), "\n.It Cm \\&%s\n", d.name);
		char *next = strstr(at, want), *heading = strstr(at + 1, "\n.Ss ");
		if (!next || (heading && heading < next))
			fail_msg("portsim-scenario(5) lacks [%s] %s, or has it elsewhere", d.section, d.name);
		at = next;
	}
	free(man);
}

/* The scenario the page shows is one portsim accepts. */
static void test_page_5_example_is_a_valid_scenario(void **state)
{
	(void)state;
	char *man = page("5");
	const char *begin = ".Bd -literal -offset indent\n";
	char *b = strstr(man, begin);
	assert_non_null(b);
	b += strlen(begin);
	char *e = strstr(b, ".Ed\n");
	assert_non_null(e);
	*e = '\0';
	char *dir = pst_tmpdir(), *path = pst_path(dir, "example.ini");
	assert_int_equal(pst_write_file(path, b), 0);
	char *out = cli((const char *[]){ "check", path, NULL }, 0);
	assert_non_null(strstr(out, "[workload.proxy]"));
	free(out);
	free(path);
	pst_rmtree(dir);
	free(dir);
	free(man);
}

/* What --out writes, and what the build wrote beside the program, are the printed pages. */
static void test_written_pages_are_the_printed_ones(void **state)
{
	(void)state;
	static const char *const files[][2] = { { "1", "man1/portsim.1" }, { "5", "man5/portsim-scenario.5" } };
	char *dir = pst_tmpdir(), *build = strdup(PORTSIM_BIN);
	assert_non_null(build);
	*strrchr(build, '/') = '\0';
	char *built = pst_path(build, "man");
	free(cli((const char *[]){ "man", "--out", dir, NULL }, 0));
	for (size_t i = 0; i < 2; i++) {
		char *want = page(files[i][0]), *p = pst_path(dir, files[i][1]), *q = pst_path(built, files[i][1]);
		char *got = pst_read_file(p, NULL), *installed = pst_read_file(q, NULL);
		if (!got || strcmp(got, want))
			fail_msg("portsim man --out wrote %s unlike portsim man --section %s", p, files[i][0]);
		if (!installed || strcmp(installed, want))
			fail_msg("the build's %s is not what portsim man --section %s prints", q, files[i][0]);
		free(installed);
		free(got);
		free(q);
		free(p);
		free(want);
	}
	/* --section with --out writes that page alone. */
	pst_rmtree(dir);
	free(cli((const char *[]){ "man", "--out", dir, "--section", "5", NULL }, 0));
	char *one = pst_path(dir, files[0][1]);
	assert_null(fopen(one, "r"));
	free(one);
	free(built);
	free(build);
	pst_rmtree(dir);
	free(dir);
	/* The page printed without --section is portsim(1). */
	char *a = cli((const char *[]){ "man", NULL }, 0), *b = page("1");
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_other_sections_are_refused_in_one_line(void **state)
{
	(void)state;
	char *out = cli((const char *[]){ "man", "--section", "3", NULL }, 2);
	assert_string_equal(out, "portsim: man: --section \"3\": allowed: 1 (portsim), 5 (portsim-scenario)\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_are_clean_under_mandoc_lint),
		cmocka_unit_test(test_page_1_has_every_command_and_option),
		cmocka_unit_test(test_page_5_has_every_key_under_its_section),
		cmocka_unit_test(test_page_5_example_is_a_valid_scenario),
		cmocka_unit_test(test_written_pages_are_the_printed_ones),
		cmocka_unit_test(test_other_sections_are_refused_in_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
