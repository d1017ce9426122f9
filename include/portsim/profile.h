/*
 * Profiles: whole systems. A profile is the [host] settings of one real
 * system — range, TIME_WAIT, tw_reuse, uniqueness rule, the strategy
 * serving each socket mode — as ALLOCATORS.md §9 gives them. Setting
 * host.profile applies them to every [host] key not set explicitly.
 */
#ifndef PORTSIM_PROFILE_H
#define PORTSIM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct ps_profile {
	const char *name;
	const char *summary;   /* the system, in one line */
	const char *source;    /* where the values come from */
	const char *assumed;   /* what is assumed rather than documented, or NULL */
	/* [host] key and value pairs, as they would be written in a scenario; NULL-terminated */
	const char *const *settings;
};

extern const struct ps_profile ps_profiles[];
extern const size_t ps_profiles_len;

/* The profile called name, or NULL. */
const struct ps_profile *ps_profile_find(const char *name);

/* Cloud NAT presets: the same shape, their settings are [nat] keys. */
extern const struct ps_profile ps_nat_presets[];
extern const size_t ps_nat_presets_len;
const struct ps_profile *ps_nat_preset_find(const char *name);

/* Azure's default outbound SNAT ports preallocated per VM for a backend pool of pool_size VMs. */
uint32_t ps_preset_azure_ports_per_vm(uint32_t pool_size);

#endif
