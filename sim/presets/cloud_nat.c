/*
 * Cloud NAT presets: the [nat] settings of each cloud's NAT service as its
 * vendor documents them, and the tables behind them. Each row's source
 * field names the vendor page and its assumed field what the vendor does
 * not say; `portsim profiles` prints both.
 */
#include "portsim/profile.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * AWS NAT Gateway. AWS VPC User Guide, "NAT gateway basics": up to 55,000
 * simultaneous connections to each unique destination per IP address, up
 * to 8 IP addresses (the table's max_addresses), 350 s idle timeout;
 * failures show as the ErrorPortAllocation metric.
 */
static const char *const aws_settings[] = {
	"allocator", "random",
	"mapping", "endpoint-dependent",
	"port_range", "1024-56023",
	"time_wait_s", "0",
	"udp_timeout_s", "0",
	"hold_s", "0",
	"idle_timeout_s", "350",
	"drop_error", "ErrorPortAllocation",
	NULL,
};

/*
 * Google Cloud NAT. cloud.google.com/nat/docs/ports-and-addresses and the
 * RouterNat API reference: 64,512 ports per address, minPortsPerVm 64 by
 * default, dynamic port allocation between a minimum and a maximum,
 * TIME_WAIT (tcpTimeWaitTimeoutSec) 120 s, established idle 1200 s.
 */
static const char *const gcp_settings[] = {
	"allocator", "pba",
	"mapping", "endpoint-dependent",
	"port_range", "1024-65535",
	"block_size", "64",
	"max_blocks", "1",
	"dynamic", "false",
	"time_wait_s", "120",
	"udp_timeout_s", "30",
	"hold_s", "0",
	"idle_timeout_s", "1200",
	"drop_error", "OUT_OF_RESOURCES",
	NULL,
};

/*
 * Azure Load Balancer outbound SNAT (outbound rules, or a load-balancing
 * rule's default outbound SNAT). Microsoft Learn:
 * https://learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections
 * ("each frontend IP ... 64,000 ports are eligible for SNAT"; default port
 * allocation by backend pool size, below) and
 * https://learn.microsoft.com/azure/load-balancer/outbound-rules (manual
 * allocation, allocatedOutboundPorts: multiples of 8, rejected beyond
 * 64,000 x frontend IPs; idle timeout 4 min by default). block_size 0
 * makes the resolver compute the VM's share: ports_per_instance when set,
 * else ps_preset_azure_default_ports.
 */
static const char *const azure_lb_settings[] = {
	"allocator", "pba",
	"mapping", "endpoint-dependent",
	"port_range", "1024-65023",
	"block_size", "0",
	"max_blocks", "1",
	"time_wait_s", "0",
	"udp_timeout_s", "0",
	"hold_s", "0",
	"idle_timeout_s", "240",
	"drop_error", "NAT_DROP",
	NULL,
};

/*
 * Azure NAT Gateway. Microsoft Learn, nat-gateway-resource and
 * nat-gateway-snat: 64,512 ports per public address, up to 16 addresses
 * (max_addresses), ports shared on demand and chosen at random, at most
 * 50,000 connections per address to one destination, a port reused toward
 * the same destination 65 s after a FIN, 4 min idle timeout.
 */
static const char *const azure_natgw_settings[] = {
	"allocator", "random",
	"per_destination_limit", "50000",
	"mapping", "endpoint-dependent",
	"port_range", "1024-65535",
	"time_wait_s", "65",
	"udp_timeout_s", "65",
	"hold_s", "0",
	"idle_timeout_s", "240",
	"drop_error", "NAT_DROP",
	NULL,
};

const struct ps_profile ps_nat_presets[] = {
	{
		.name = "aws-nat-gateway",
		.summary = "AWS NAT Gateway: at most 55,000 simultaneous connections per external address to each "
		  "destination, up to 8 addresses, idle timeout 350 s, drops counted as ErrorPortAllocation",
		.source = "docs/profiles.md#aws-nat-gateway; AWS VPC user guide, NAT gateway basics; repost.aws port allocation errors",
		.assumed = "port choice undocumented (random assumed); ports free at once after a close (undocumented)",
		.settings = aws_settings,
		.max_addresses = 8,
	},
	{
		.name = "gcp-cloud-nat",
		.summary = "Google Cloud NAT: 64,512 ports per address, minPortsPerVm (64) reserved per VM, "
		  "or dynamic allocation (dynamic = true, max_blocks = max/min); TIME_WAIT 120 s",
		.source = "docs/profiles.md#gcp-cloud-nat; cloud.google.com/nat/docs/ports-and-addresses; RouterNat API reference",
		.assumed = "port order inside a VM's reservation undocumented (sequential assumed); dynamic growth adds "
		  "blocks so that the VM's ports double; new gateways since mid-2026 use a 30 s TIME_WAIT",
		.settings = gcp_settings,
	},
	{
		.name = "azure-lb-outbound",
		.summary = "Azure Load Balancer outbound SNAT: 64,000 ports per frontend IP (nat.addresses); by default "
		  "each VM gets the pool-size share (1-50 VMs: 1024; 51-100: 512; 101-200: 256; 201-400: 128; "
		  "401-800: 64; 801-1000: 32) per frontend IP, at most 1,024 in all; or ports_per_instance "
		  "(allocatedOutboundPorts, multiples of 8, at most 64,000 x frontend IPs over the pool)",
		.source = "docs/profiles.md#azure-lb-outbound; learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections "
		  "(#preallocatedports); learn.microsoft.com/azure/load-balancer/outbound-rules",
		.assumed = "port order undocumented (sequential assumed); a VM's ports held on one frontend IP; UDP's "
		  "per-destination-IP rule not modelled (TCP's per address and port is applied to both); ports free "
		  "at once after a close",
		.settings = azure_lb_settings,
	},
	{
		.name = "azure-nat-gateway",
		.summary = "Azure NAT Gateway: 64,512 ports per address, up to 16 addresses, shared on demand, random "
		  "choice, at most 50,000 connections per address to one destination, reuse toward the same "
		  "destination after 65 s (FIN)",
		.source = "docs/profiles.md#azure-nat-gateway; MicrosoftDocs/azure-docs articles/nat-gateway/nat-gateway-resource.md, nat-gateway-snat.md",
		.assumed = "the 16 s cool-down after an RST is not modelled (connections close with FIN)",
		.settings = azure_natgw_settings,
		.max_addresses = 16,
	},
};

const size_t ps_nat_presets_len = sizeof(ps_nat_presets) / sizeof(ps_nat_presets[0]);

uint32_t ps_nat_preset_max_addresses(const char *name)
{
	const struct ps_profile *p = ps_nat_preset_find(name);
	return p && p->max_addresses ? p->max_addresses : PS_NAT_ADDRESSES_MAX;
}

/*
 * Azure Load Balancer's default port allocation,
 * https://learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections#preallocatedports
 * (MicrosoftDocs/azure-docs, articles/load-balancer/load-balancer-outbound-connections.md,
 * table "Default port allocation"): the SNAT ports of one frontend IP
 * preallocated to each VM by the size of the backend pool. The last row
 * (801-1000 VMs) also serves larger pools, which Azure does not allow.
 */
static const struct {
	uint32_t pool_max; /* VMs in the backend pool, up to */
	uint32_t ports;    /* SNAT ports per VM and frontend IP */
} azure_default_ports[] = {
	{ 50, 1024 }, { 100, 512 }, { 200, 256 }, { 400, 128 }, { 800, 64 }, { 1000, 32 },
};

uint32_t ps_preset_azure_ports_per_vm(uint32_t pool_size)
{
	size_t last = sizeof(azure_default_ports) / sizeof(azure_default_ports[0]) - 1;
	for (size_t i = 0; i < last; i++)
		if (pool_size <= azure_default_ports[i].pool_max)
			return azure_default_ports[i].ports;
	return azure_default_ports[last].ports;
}

/*
 * The same page, same section: "Backends receive the number of ports
 * defined by the table, per frontend IP, up to a maximum of 1024 ports ...
 * MIN(# of default SNAT ports provided based on pool size * number of
 * frontend IPs associated with the pool, 1024)" (MicrosoftDocs/azure-docs
 * commit 50804513a6af). With 100 VMs: 512 on one frontend IP, 1,024 on two,
 * still 1,024 on three.
 */
uint32_t ps_preset_azure_default_ports(uint32_t pool_size, uint32_t frontends)
{
	uint64_t ports = (uint64_t)ps_preset_azure_ports_per_vm(pool_size) * (frontends ? frontends : 1);
	return ports > PS_AZURE_DEFAULT_PORTS_CAP ? PS_AZURE_DEFAULT_PORTS_CAP : (uint32_t)ports;
}

uint32_t ps_preset_azure_snat_ports(uint32_t pool_size, uint32_t frontends, uint32_t manual)
{
	return manual ? manual : ps_preset_azure_default_ports(pool_size, frontends);
}

static uint32_t round_down_8(uint64_t n)
{
	return (uint32_t)(n / PS_AZURE_PORT_GRANULE * PS_AZURE_PORT_GRANULE);
}

int ps_preset_azure_check(uint32_t manual, uint32_t pool_size, uint32_t frontends, uint32_t ip_ports,
			  char *why, size_t size)
{
	if (manual == 0)
		return 0;
	uint64_t want = (uint64_t)manual * pool_size, have = (uint64_t)ip_ports * frontends;
	/* outbound-rules: "Load balancer gives SNAT ports in multiples of 8 ... the configuration operation is rejected". */
	if (manual % PS_AZURE_PORT_GRANULE) {
		snprintf(why, size,
			 "Azure gives SNAT ports in multiples of %u and rejects any other number; allowed: 0 (the "
			 "default allocation) or a multiple of %u, e.g. %u or %u",
			 PS_AZURE_PORT_GRANULE, PS_AZURE_PORT_GRANULE, round_down_8(manual),
			 round_down_8(manual) + PS_AZURE_PORT_GRANULE);
		return -1;
	}
	/* outbound-rules: "If you attempt to give out more SNAT ports than are available ... rejected". */
	if (want > have) {
		snprintf(why, size,
			 "Azure rejects the outbound rule: %u ports x %u VMs = %llu exceed %u ports x %u frontend "
			 "IP%s = %llu; allowed: at most %u ports per VM (a multiple of %u), or %llu frontend IPs "
			 "(nat.addresses) for %u",
			 manual, pool_size, (unsigned long long)want, ip_ports, frontends, frontends == 1 ? "" : "s",
			 (unsigned long long)have, round_down_8(have / (pool_size ? pool_size : 1)),
			 PS_AZURE_PORT_GRANULE, (unsigned long long)((want + ip_ports - 1) / ip_ports), manual);
		return -1;
	}
	/*
	 * What Azure accepts but the model cannot hold: a VM's ports stay on
	 * one frontend IP (one pba block), so a share that straddles two IPs
	 * has nowhere to go. Refused rather than run with VMs left portless.
	 */
	uint32_t per_ip = ip_ports / manual;
	if ((uint64_t)per_ip * frontends < pool_size) {
		uint32_t shares = (pool_size + frontends - 1) / frontends;
		snprintf(why, size,
			 "Azure accepts %u ports x %u VMs on %u frontend IP%s, but portsim keeps each VM's ports "
			 "on one frontend IP, where %u share%s of %u fit%s (%llu for %u VMs); allowed: at most %u "
			 "ports per VM, or %u frontend IPs (nat.addresses)",
			 manual, pool_size, frontends, frontends == 1 ? "" : "s", per_ip, per_ip == 1 ? "" : "s",
			 manual, per_ip == 1 ? "s" : "", (unsigned long long)per_ip * frontends, pool_size,
			 round_down_8(ip_ports / shares), per_ip ? (pool_size + per_ip - 1) / per_ip : 0);
		return -1;
	}
	return 0;
}
