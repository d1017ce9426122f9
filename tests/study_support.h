/* What the study tests share. */
#ifndef PORTSIM_TEST_STUDY_SUPPORT_H
#define PORTSIM_TEST_STUDY_SUPPORT_H

#include <stdlib.h>

#include "support.h"

/* dir/name's whole text (malloc'd); fails the test when it cannot be read. */
static inline char *pst_read_in(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	char *text = pst_read_file(p, NULL);
	if (!text)
		fail_msg("cannot read %s", p);
	free(p);
	return text;
}

#endif
