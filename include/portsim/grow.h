/*
 * Growing an array by doubling, the one way portsim's tables grow.
 */
#ifndef PORTSIM_GROW_H
#define PORTSIM_GROW_H

#include <stddef.h>
#include <stdlib.h>

/*
 * array (of *cap elements of elem bytes) with room for element n: itself,
 * or a copy twice as large (first elements when it had none), with *cap
 * updated; NULL, with array and *cap as they were, when memory runs out.
 */
static inline void *ps_room_for(void *array, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return array;
	size_t grow = *cap ? 2 * *cap : first;
	void *p = realloc(array, grow * elem);
	if (p)
		*cap = grow;
	return p;
}

#endif
