/*
 * Presets (sim/presets/): whole systems and cloud NATs. A profile is the
 * [host] settings of one real system — range, TIME_WAIT, tw_reuse,
 * uniqueness rule, the strategy serving each socket mode — with where the
 * values come from. Setting host.profile applies them to every [host] key
 * not set explicitly (docs/profiles.md#system-profiles). A cloud NAT preset has the same shape for [nat]
 * keys (nat.preset), plus the limits and tables of the vendor's service.
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
	uint32_t max_addresses; /* NAT presets: external addresses the service allows; 0 = no limit of its own */
};

extern const struct ps_profile ps_profiles[];
extern const size_t ps_profiles_len;

/* The profile called name, or NULL. */
const struct ps_profile *ps_profile_find(const char *name);

/* Cloud NAT presets: the same shape, their settings are [nat] keys. */
extern const struct ps_profile ps_nat_presets[];
extern const size_t ps_nat_presets_len;

/* The cloud NAT preset called name, or NULL. */
const struct ps_profile *ps_nat_preset_find(const char *name);

/* The most external addresses a NAT has in the model ([nat] addresses' largest value). */
#define PS_NAT_ADDRESSES_MAX 256

/*
 * External addresses the preset called name allows: its own limit (AWS NAT
 * Gateway 8, Azure NAT Gateway 16), or PS_NAT_ADDRESSES_MAX for "none", an
 * unknown name, and presets without a limit of their own.
 */
uint32_t ps_nat_preset_max_addresses(const char *name);

/*
 * Azure Load Balancer outbound SNAT (docs/profiles.md#azure-lb-outbound;
 * learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections
 * and .../outbound-rules).
 */
#define PS_AZURE_PORTS_PER_FRONTEND_IP 64000 /* SNAT ports each frontend IP provides */
#define PS_AZURE_DEFAULT_PORTS_CAP 1024      /* the default allocation's most per VM, over all frontend IPs */
#define PS_AZURE_PORT_GRANULE 8              /* allocatedOutboundPorts must be a multiple of it */

/*
 * Azure's default SNAT ports per VM and frontend IP for a backend pool of
 * pool_size VMs ("Default port allocation" table): up to 50 VMs 1024,
 * 100: 512, 200: 256, 400: 128, 800: 64, more: 32. Returns the ports.
 */
uint32_t ps_preset_azure_ports_per_vm(uint32_t pool_size);

/*
 * The default allocation over frontends frontend IPs: the table's share
 * once per frontend IP, at most PS_AZURE_DEFAULT_PORTS_CAP. Returns the
 * ports per VM.
 */
uint32_t ps_preset_azure_default_ports(uint32_t pool_size, uint32_t frontends);

/*
 * SNAT ports per VM of an outbound rule: manual (allocatedOutboundPorts,
 * nat.ports_per_instance) when not 0, else the default allocation.
 */
uint32_t ps_preset_azure_snat_ports(uint32_t pool_size, uint32_t frontends, uint32_t manual);

/*
 * Whether Azure (and the model) take allocatedOutboundPorts = manual for
 * pool_size VMs on frontends frontend IPs of ip_ports SNAT ports each. 0
 * (always for manual = 0), or -1 with the reason and what is allowed in
 * why: not a multiple of 8, or manual x pool_size above ip_ports x
 * frontends, as Azure rejects them; or a share the model cannot place
 * because it keeps each VM's ports on one frontend IP.
 */
int ps_preset_azure_check(uint32_t manual, uint32_t pool_size, uint32_t frontends, uint32_t ip_ports,
			  char *why, size_t size);

#endif
