/*
 * Operating-system profiles: the [host] settings of each real system, one
 * settings list per system and one table row naming it. Each row's source
 * field says where the values come from (the kernel function, sysctl or
 * vendor page) and its assumed field what is not documented; `portsim
 * profiles` prints both, so a reader checks a value against its source
 * without opening this file.
 */
#include "portsim/profile.h"

#include <string.h>

/*
 * hz: CONFIG_HZ, 250 in the kernels of Debian, Ubuntu and Fedora (and of
 * the machine the kernel check ran on: 6.18, CONFIG_HZ=250). TIME_WAIT
 * (TCP_TIMEWAIT_LEN, include/net/tcp.h) is a timer on the timer wheel,
 * kernel/time/timer.c calc_wheel_index: 15,000 jiffies land in level 3,
 * buckets of 512 jiffies = 2.048 s (include/portsim/tw_timer.h).
 */
static const char *const linux_settings[] = {
	"port_range", "32768-60999",
	"time_wait_s", "60",
	"hz", "250",
	"tw_reuse", "2",
	"tw_reuse_delay_ms", "1000",
	"unique", "4tuple",
	"local_time_wait", "true",
	"strategy", "linux",
	"bind_strategy", "linux-bind",
	"udp_strategy", "linux-udp",
	/* TCP_TIMEOUT_INIT 1 s (RFC 6298, since 3.1), doubling; tcp_syn_retries 6: ETIMEDOUT at 127 s */
	"syn_rto_s", "1",
	"syn_retries", "6",
	"syn_backoff", "doubling",
	"tw_collision", "count",
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
	/* TCPTV_RTOBASE 1 s times tcp_syn_backoff[] (tcp_timer.c); TCPTV_KEEP_INIT 75 s ends it */
	"syn_rto_s", "1",
	"syn_retries", "12",
	"syn_backoff", "bsd",
	"syn_timeout_s", "75",
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
	/* XNU tcp_timer.c: the same tcp_syn_backoff[] table; net.inet.tcp.keepinit 75 s */
	"syn_rto_s", "1",
	"syn_retries", "12",
	"syn_backoff", "bsd",
	"syn_timeout_s", "75",
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
	/* tcp_newtcpcb: t_rxtcur from TCPTV_SRTTDFLT 1.5 s = 3 s, tcp_backoff[] doubling; TCPTV_KEEP_INIT 75 s */
	"syn_rto_s", "3",
	"syn_retries", "12",
	"syn_backoff", "doubling",
	"syn_timeout_s", "75",
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
	/* InitialRto 3 s, MaxSynRetransmissions 2: 3 + 6 + 12 = 21 s (Microsoft KB 2786464) */
	"syn_rto_s", "3",
	"syn_retries", "2",
	"syn_backoff", "doubling",
	NULL,
};

/*
 * ns-3 (nsnam/ns-3-dev-git, src/internet/model/tcp-socket-base.cc):
 * TcpSocketBase::TimeWait() schedules CloseAndNotify after
 * Seconds(2 * m_msl), m_msl being the MaxSegLifetime attribute (default
 * 120 s). Client and server are the same TcpSocketBase, so a server that
 * closes first also holds TIME_WAIT for 240 s.
 */
static const char *const ns3_settings[] = {
	"port_range", "49152-65535",
	"time_wait_s", "240",
	"peer_time_wait_s", "240",
	"tw_reuse", "0",
	"unique", "port",
	"local_time_wait", "true",
	"strategy", "sequential",
	"bind_strategy", "sequential",
	"udp_strategy", "sequential",
	"descending", "false",
	"first_port", "49153",
	/* TcpSocket ConnTimeout 3 s, ConnCount 6 SYNs, doubling (TcpSocketBase::SendEmptyPacket): fails at 189 s;
	 * the server's TIME_WAIT socket still owns the 4-tuple and does not answer a new SYN on it */
	"syn_rto_s", "3",
	"syn_retries", "5",
	"syn_backoff", "doubling",
	"tw_collision", "refuse",
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
	{
		.name = "linux",
		.summary = "Linux 5.18 and later (6.x): connect() per destination, bind(0) odd ports first, UDP random",
		.source = "docs/profiles.md#linux; net/ipv4/inet_hashtables.c, inet_connection_sock.c, udp.c; TCP_TIMEWAIT_LEN; "
		  "kernel/time/timer.c calc_wheel_index (TIME_WAIT ends in 2.048 s batches at CONFIG_HZ 250)",
		.settings = linux_settings,
	},
	{
		.name = "freebsd",
		.summary = "FreeBSD 14/15: random start then +1, 4-tuple for connect, no TIME_WAIT toward local peers",
		.source = "docs/profiles.md#freebsd; sys/netinet/in_pcb.c in_pcb_lport_dest; net.inet.tcp.msl 30 s; 14.0 nolocaltimewait",
		.settings = freebsd_settings,
	},
	{
		.name = "macos",
		.summary = "macOS (XNU): TCP sequential, UDP random start, one socket per port, TIME_WAIT 30 s",
		.source = "docs/profiles.md#macos; bsd/netinet/in_pcb.c in_pcbbind; net.inet.tcp.msl 15 s",
		.assumed = "probe direction as in the BSD code; not re-checked against every XNU tag",
		.settings = macos_settings,
	},
	{
		.name = "openbsd",
		.summary = "OpenBSD: uniform start then +1 over 1024-49151, skipping baddynamic ports",
		.source = "docs/profiles.md#openbsd; sys/netinet/in_pcb.c in_pcbpickport; sys/netinet/in.h",
		.assumed = "TIME_WAIT 60 s is the classic BSD value, not re-read for OpenBSD",
		.settings = openbsd_settings,
	},
	{
		.name = "netbsd",
		.summary = "NetBSD default \"bsd\" algorithm: sequential, descending from 65535",
		.source = "docs/profiles.md#netbsd; sys/netinet/portalgo.c",
		.assumed = "TIME_WAIT 60 s and port-level uniqueness are assumed",
		.settings = netbsd_settings,
	},
	{
		.name = "windows",
		.summary = "Windows Vista and later: 49152-65535, one socket per port, TIME_WAIT 120 s",
		.source = "docs/profiles.md#windows; Microsoft KB 929851 (range); TcpTimedWaitDelay",
		.assumed = "allocation order is not documented (sequential assumed, order = random is the alternative); "
		  "TcpTimedWaitDelay default conflicts between 120 s and 240 s in Microsoft's own pages",
		.settings = windows_settings,
	},
	{
		.name = "ns3",
		.summary = "ns-3: one sequential counter per node, first port 49153, TIME_WAIT 240 s, one socket per port",
		.source = "docs/profiles.md#ns3; src/internet/model/ipv4-end-point-demux.cc; tcp-socket-base.cc TimeWait(): 2 x MaxSegLifetime (120 s), both ends",
		.settings = ns3_settings,
	},
	{
		.name = "rfc6056",
		.summary = "RFC 6056 as recommended: Algorithm 4 for connect(), Algorithm 2 for bind(0) and UDP, 1024-65535",
		.source = "docs/profiles.md#rfc6056; RFC 6056 §3.2 (range), §3.3.4, §3.5; RFC 793 2 MSL = 240 s",
		.assumed = "the RFC recommends no single algorithm; Algorithm 4 is the one current Linux follows",
		.settings = rfc6056_settings,
	},
};

const size_t ps_profiles_len = sizeof(ps_profiles) / sizeof(ps_profiles[0]);
