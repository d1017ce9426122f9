/* Documentation that is generated must match what the program says now. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support.h"

#define BEGIN "<!-- keys:begin -->\n"
#define END "<!-- keys:end -->"

static void test_scenarios_readme_holds_the_current_key_table(void **state)
{
	(void)state;
	char *out = NULL;
	const char *argv[] = { "keys", NULL };
	assert_int_equal(pst_run_cli(&out, argv), 0);
	char *readme = pst_read_file(PORTSIM_SOURCE_DIR "/scenarios/README.md", NULL);
	assert_non_null(readme);
	char *b = strstr(readme, BEGIN), *e = strstr(readme, END);
	if (!b || !e || e < b)
		fail_msg("scenarios/README.md lacks the %s ... %s markers", BEGIN, END);
	b += strlen(BEGIN);
	*e = '\0';
	if (strcmp(b, out) != 0)
		fail_msg("scenarios/README.md's key table is stale: regenerate it with\n"
			 "  scripts/update-docs");
	free(out);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios_readme_holds_the_current_key_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
