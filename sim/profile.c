#include "portsim/profile.h"

#include <string.h>

/* Values from ALLOCATORS.md §9 and the sections it cites. */

static const char *const linux_settings[] = {
	"port_range", "32768-60999",
	"time_wait_s", "60",
	"tw_reuse", "2",
	"tw_reuse_delay_ms", "1000",
	"unique", "4tuple",
	"local_time_wait", "true",
	"strategy", "linux",
	"bind_strategy", "linux-bind",
	"udp_strategy", "linux-udp",
	NULL,
};

static const char *const freebsd_settings[] = {
	"port_range", "10000-65535",
	"time_wait_s", "60",
	"tw_reuse", "0",
	"unique", "4tuple",
	"local_time_wait", "false",
	"strategy", "freebsd",
	"bind_strategy", "freebsd",
	"udp_strategy", "freebsd",
	NULL,
};

static const char *const macos_settings[] = {
	"port_range", "49152-65535",
	"time_wait_s", "30",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "xnu",
	"bind_strategy", "xnu",
	"udp_strategy", "xnu",
	NULL,
};

static const char *const openbsd_settings[] = {
	"port_range", "1024-49151",
	"time_wait_s", "60",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "openbsd",
	"bind_strategy", "openbsd",
	"udp_strategy", "openbsd",
	NULL,
};

static const char *const netbsd_settings[] = {
	"port_range", "49152-65535",
	"time_wait_s", "60",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "sequential",
	"bind_strategy", "sequential",
	"udp_strategy", "sequential",
	"descending", "true",
	"first_port", "65535",
	NULL,
};

static const char *const windows_settings[] = {
	"port_range", "49152-65535",
	"time_wait_s", "120",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "windows",
	"bind_strategy", "windows",
	"udp_strategy", "windows",
	"order", "sequential",
	NULL,
};

static const char *const ns3_settings[] = {
	"port_range", "49152-65535",
	"time_wait_s", "240",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "sequential",
	"bind_strategy", "sequential",
	"udp_strategy", "sequential",
	"descending", "false",
	"first_port", "49153",
	NULL,
};

static const char *const rfc6056_settings[] = {
	"port_range", "1024-65535",
	"time_wait_s", "240",
	"tw_reuse", "0",
	"unique", "4tuple",
	"local_time_wait", "true",
	"strategy", "rfc6056-4",
	"bind_strategy", "rfc6056-2",
	"udp_strategy", "rfc6056-2",
	NULL,
};

const struct ps_profile ps_profiles[] = {
	{ "linux", "Linux 5.18 and later (6.x): connect() per destination, bind(0) odd ports first, UDP random",
	  "ALLOCATORS.md §2; net/ipv4/inet_hashtables.c, inet_connection_sock.c, udp.c; TCP_TIMEWAIT_LEN",
	  NULL, linux_settings },
	{ "freebsd", "FreeBSD 14/15: random start then +1, 4-tuple for connect, no TIME_WAIT toward local peers",
	  "ALLOCATORS.md §3; sys/netinet/in_pcb.c in_pcb_lport_dest; net.inet.tcp.msl 30 s; 14.0 nolocaltimewait",
	  NULL, freebsd_settings },
	{ "macos", "macOS (XNU): TCP sequential, UDP random start, one socket per port, TIME_WAIT 30 s",
	  "ALLOCATORS.md §4.3; bsd/netinet/in_pcb.c in_pcbbind; net.inet.tcp.msl 15 s",
	  "probe direction as in the BSD code; not re-checked against every XNU tag", macos_settings },
	{ "openbsd", "OpenBSD: uniform start then +1 over 1024-49151, skipping baddynamic ports",
	  "ALLOCATORS.md §4.1; sys/netinet/in_pcb.c in_pcbpickport; sys/netinet/in.h",
	  "TIME_WAIT 60 s is the classic BSD value, not re-read for OpenBSD", openbsd_settings },
	{ "netbsd", "NetBSD default \"bsd\" algorithm: sequential, descending from 65535",
	  "ALLOCATORS.md §4.2; sys/netinet/portalgo.c",
	  "TIME_WAIT 60 s and port-level uniqueness are assumed", netbsd_settings },
	{ "windows", "Windows Vista and later: 49152-65535, one socket per port, TIME_WAIT 120 s",
	  "ALLOCATORS.md §5; Microsoft KB 929851 (range); TcpTimedWaitDelay",
	  "allocation order is not documented (sequential assumed, order = random is the alternative); "
	  "TcpTimedWaitDelay default conflicts between 120 s and 240 s in Microsoft's own pages",
	  windows_settings },
	{ "ns3", "ns-3: one sequential counter per node, first port 49153, TIME_WAIT 240 s, one socket per port",
	  "ALLOCATORS.md §6; src/internet/model/ipv4-end-point-demux.cc; TcpSocketBase MaxSegLifetime 120 s",
	  NULL, ns3_settings },
	{ "rfc6056", "RFC 6056 as recommended: Algorithm 4 for connect(), Algorithm 2 for bind(0) and UDP, 1024-65535",
	  "RFC 6056 §3.2 (range), §3.3.4, §3.5; RFC 793 2 MSL = 240 s",
	  "the RFC recommends no single algorithm; Algorithm 4 is the one current Linux follows", rfc6056_settings },
};

const size_t ps_profiles_len = sizeof(ps_profiles) / sizeof(ps_profiles[0]);

const struct ps_profile *ps_profile_find(const char *name)
{
	for (size_t i = 0; i < ps_profiles_len; i++)
		if (!strcmp(ps_profiles[i].name, name))
			return &ps_profiles[i];
	return NULL;
}

/* ALLOCATORS.md §7.3 and FIELD.md §2.2: what the vendors document, and what is assumed. */

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
	{ "aws-nat-gateway",
	  "AWS NAT Gateway: at most 55,000 simultaneous connections per external address to each "
	  "destination, up to 8 addresses, idle timeout 350 s, drops counted as ErrorPortAllocation",
	  "AWS VPC user guide, NAT gateway basics; repost.aws port allocation errors",
	  "port choice undocumented (random assumed); ports free at once after a close (undocumented)",
	  aws_settings },
	{ "gcp-cloud-nat",
	  "Google Cloud NAT: 64,512 ports per address, minPortsPerVm (64) reserved per VM, "
	  "or dynamic allocation (dynamic = true, max_blocks = max/min); TIME_WAIT 120 s",
	  "cloud.google.com/nat/docs/ports-and-addresses; RouterNat API reference",
	  "port order inside a VM's reservation undocumented (sequential assumed); dynamic growth adds "
	  "blocks so that the VM's ports double; new gateways since mid-2026 use a 30 s TIME_WAIT",
	  gcp_settings },
	{ "azure-lb-outbound",
	  "Azure Load Balancer default outbound SNAT: 64,000 ports per frontend IP preallocated per VM by "
	  "backend pool size (1-50 VMs: 1024; 51-100: 512; 101-200: 256; 201-400: 128; 401-800: 64; "
	  "801-1000: 32)",
	  "MicrosoftDocs/azure-docs articles/load-balancer/load-balancer-outbound-connections.md",
	  "port order undocumented (sequential assumed); UDP's per-destination-IP rule not modelled "
	  "(TCP's per address and port is applied to both); ports free at once after a close",
	  azure_lb_settings },
	{ "azure-nat-gateway",
	  "Azure NAT Gateway: 64,512 ports per address, up to 16 addresses, shared on demand, random "
	  "choice, at most 50,000 connections per address to one destination, reuse toward the same "
	  "destination after 65 s (FIN)",
	  "MicrosoftDocs/azure-docs articles/nat-gateway/nat-gateway-resource.md, nat-gateway-snat.md",
	  "the 16 s cool-down after an RST is not modelled (connections close with FIN)",
	  azure_natgw_settings },
};

const size_t ps_nat_presets_len = sizeof(ps_nat_presets) / sizeof(ps_nat_presets[0]);

const struct ps_profile *ps_nat_preset_find(const char *name)
{
	for (size_t i = 0; i < ps_nat_presets_len; i++)
		if (!strcmp(ps_nat_presets[i].name, name))
			return &ps_nat_presets[i];
	return NULL;
}

/* The tiers of Azure Load Balancer's default outbound SNAT preallocation (temporary, superseded by presets). */
uint32_t ps_preset_azure_ports_per_vm(uint32_t pool)
{
	return pool <= 50 ? 1024 : pool <= 100 ? 512 : pool <= 200 ? 256 : pool <= 400 ? 128 : pool <= 800 ? 64 : 32;
}
