#include <stdio.h>
#include <string.h>

#include "portsim/alloc.h"

extern const struct ps_alloc_ops ps_alloc_sequential;
extern const struct ps_alloc_ops ps_alloc_rfc6056_1;
extern const struct ps_alloc_ops ps_alloc_linux;

const struct ps_alloc_ops *const ps_alloc_registry[] = {
	&ps_alloc_sequential,
	&ps_alloc_rfc6056_1,
	&ps_alloc_linux,
};

const size_t ps_alloc_registry_len = sizeof(ps_alloc_registry) / sizeof(ps_alloc_registry[0]);

void ps_alloc_params_default(struct ps_alloc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->resalt_ns = 10 * PS_NS_PER_S;
	p->table_size = 65536;
}

const struct ps_alloc_ops *ps_alloc_find(const char *name)
{
	for (size_t i = 0; i < ps_alloc_registry_len; i++)
		if (strcmp(ps_alloc_registry[i]->name, name) == 0)
			return ps_alloc_registry[i];
	return NULL;
}

void ps_alloc_names(char *buf, size_t size, const char *sep)
{
	size_t used = 0;
	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ps_alloc_registry_len && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? sep : "", ps_alloc_registry[i]->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
