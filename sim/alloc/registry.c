#include <stdio.h>
#include <string.h>

#include "portsim/alloc.h"

extern const struct ps_alloc_ops ps_alloc_sequential;
extern const struct ps_alloc_ops ps_alloc_rfc6056_1, ps_alloc_rfc6056_2, ps_alloc_rfc6056_3,
	ps_alloc_rfc6056_4, ps_alloc_rfc6056_5;
extern const struct ps_alloc_ops ps_alloc_linux, ps_alloc_linux_4_6, ps_alloc_linux_5_12,
	ps_alloc_linux_bind, ps_alloc_linux_udp;
extern const struct ps_alloc_ops ps_alloc_freebsd, ps_alloc_freebsd_legacy;
extern const struct ps_alloc_ops ps_alloc_openbsd;
extern const struct ps_alloc_ops ps_alloc_xnu;
extern const struct ps_alloc_ops ps_alloc_windows;

const struct ps_alloc_ops *const ps_alloc_registry[] = {
	&ps_alloc_sequential,
	&ps_alloc_rfc6056_1,
	&ps_alloc_rfc6056_2,
	&ps_alloc_rfc6056_3,
	&ps_alloc_rfc6056_4,
	&ps_alloc_rfc6056_5,
	&ps_alloc_linux,
	&ps_alloc_linux_4_6,
	&ps_alloc_linux_5_12,
	&ps_alloc_linux_bind,
	&ps_alloc_linux_udp,
	&ps_alloc_freebsd,
	&ps_alloc_freebsd_legacy,
	&ps_alloc_openbsd,
	&ps_alloc_xnu,
	&ps_alloc_windows,
};

const size_t ps_alloc_registry_len = sizeof(ps_alloc_registry) / sizeof(ps_alloc_registry[0]);

void ps_alloc_params_default(struct ps_alloc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->resalt_ns = 10 * PS_NS_PER_S;
	p->table_size = 65536;
	p->table_length = 10;
	p->increment_max = 500;
	p->randomcps = 10;
	p->randomtime_s = 45;
	p->udp_hash_size = 256;
	p->order = PS_ORDER_SEQUENTIAL;
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
