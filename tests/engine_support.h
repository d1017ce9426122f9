/* What the engine tests share: the events a test expects, in the engine's order. */
#ifndef PORTSIM_TEST_ENGINE_SUPPORT_H
#define PORTSIM_TEST_ENGINE_SUPPORT_H

#include <stdint.h>

#include "portsim/types.h"

/* What a test expects to pop: compared field by field with the real event. */
struct expect {
	ps_time t;
	uint64_t seq;
	uint32_t id;
};

/* (time, sequence) order, for qsort. */
static inline int expect_cmp(const void *pa, const void *pb)
{
	const struct expect *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

#endif
