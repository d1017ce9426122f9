/*
 * The network namespace a replay runs in: made by unshare(), loopback
 * brought up, and the host's range, reserved ports and tw_reuse written
 * to its /proc/sys/net/ipv4, so the caller's own namespace is untouched.
 */
/* unshare(), CLONE_NEWNET and struct ifreq are GNU/Linux extensions. */
#define _GNU_SOURCE
#include "internal.h"

#ifndef __linux__

bool ps_kernel_available(char *why, size_t size)
{
	ps_kernel_say(why, size, "kernel: not Linux: the live-kernel replay needs Linux network namespaces");
	return false;
}

#else

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_proc(const char *name, const char *value, char *err, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ps_kernel_say(err, size, "kernel: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	int e = errno;
	close(fd);
	if (w != (ssize_t)len) {
		ps_kernel_say(err, size, "kernel: cannot write \"%s\" to %s: %s", value, path,
			      w < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool reserved(const struct ps_host_config *host, uint32_t p)
{
	return host->reserved && (host->reserved[p >> 6] >> (p & 63) & 1);
}

/* The reserved ports of the range as ip_local_reserved_ports wants them: "a,b-c,..." */
static char *reserved_list(const struct ps_host_config *host)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (uint32_t p = host->lo; p <= host->hi;) {
		if (!reserved(host, p)) {
			p++;
			continue;
		}
		uint32_t q = p;
		while (q + 1 <= host->hi && reserved(host, q + 1))
			q++;
		if (cap - len < 16) {
			cap *= 2;
			char *t = realloc(s, cap);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		len += (size_t)snprintf(s + len, cap - len, q > p ? "%s%u-%u" : "%s%u", len ? "," : "", p, q);
		p = q + 1;
	}
	if (len == 0)
		strcpy(s, "\n"); /* an empty write is refused; a lone newline clears the list */
	return s;
}

static int loopback_up(char *err, size_t size)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ps_kernel_say(err, size, "kernel: socket: %s", strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(fd);
	if (rc != 0) {
		ps_kernel_say(err, size, "kernel: cannot bring lo up: %s", strerror(e));
		return -1;
	}
	return 0;
}

int ps_kernel_setup_namespace(const struct ps_host_config *host, bool remote, char *err,
			      size_t size)
{
	if (loopback_up(err, size) != 0)
		return -1;
	char buf[64];
	/* The range's low end may not fall below ip_unprivileged_port_start. */
	if (host->lo < 1024) {
		snprintf(buf, sizeof(buf), "%u", host->lo);
		if (write_proc("ip_unprivileged_port_start", buf, err, size) != 0)
			return -1;
	}
	snprintf(buf, sizeof(buf), "%u %u", host->lo, host->hi);
	if (write_proc("ip_local_port_range", buf, err, size) != 0)
		return -1;
	char *list = reserved_list(host);
	if (!list) {
		ps_kernel_say(err, size, "out of memory");
		return -1;
	}
	int rc = write_proc("ip_local_reserved_ports", list, err, size);
	free(list);
	if (rc != 0)
		return -1;
	int reuse = host->tw_reuse == PS_TW_REUSE_LOOPBACK && remote ? 0 : (int)host->tw_reuse;
	snprintf(buf, sizeof(buf), "%d", reuse);
	if (write_proc("tcp_tw_reuse", buf, err, size) != 0)
		return -1;
	/* Linux 6.14 and later: the delay in ms; older kernels have their fixed 1-2 s. */
	if (reuse && file_exists("/proc/sys/net/ipv4/tcp_tw_reuse_delay")) {
		double ms = (double)host->tw_reuse_delay / 1e6;
		snprintf(buf, sizeof(buf), "%.0f", ms < 1 ? 1 : ms);
		if (write_proc("tcp_tw_reuse_delay", buf, err, size) != 0)
			return -1;
	}
	return 0;
}

uint64_t ps_kernel_raise_nofile(uint64_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return need;
	struct rlimit up = { (rlim_t)need, (rlim_t)need };
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max >= need) {
		up.rlim_max = rl.rlim_max;
	} else if (setrlimit(RLIMIT_NOFILE, &up) == 0) {
		return need;
	} else {
		/* No CAP_SYS_RESOURCE: as far as the hard limit goes. */
		up.rlim_cur = up.rlim_max = rl.rlim_max;
	}
	if (setrlimit(RLIMIT_NOFILE, &up) != 0)
		return rl.rlim_cur;
	return up.rlim_cur;
}

int ps_kernel_unshare(char *err, size_t size)
{
	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	ps_kernel_say(err, size,
		      "kernel: cannot make a network namespace (unshare(CLONE_NEWNET): %s); run as root "
		      "or with CAP_SYS_ADMIN and CAP_NET_ADMIN",
		      strerror(errno));
	return -1;
}

bool ps_kernel_available(char *why, size_t size)
{
	pid_t pid = fork();
	if (pid < 0) {
		ps_kernel_say(why, size, "kernel: fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : (errno & 0x7f) + 1);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	int e = WIFEXITED(status) ? WEXITSTATUS(status) - 1 : 0;
	ps_kernel_say(why, size,
		      "kernel: cannot make a network namespace (unshare(CLONE_NEWNET): %s); it needs root or "
		      "CAP_SYS_ADMIN and CAP_NET_ADMIN, and a kernel with network namespaces",
		      e > 0 ? strerror(e) : "the probe died");
	return false;
}

#endif
