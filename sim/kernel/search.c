/*
 * What a connect() search costs the live kernel (docs/profiles.md#syn-retransmission):
 * connect() to a loopback listener timed on an empty range and on the same
 * range with every port but one held by connections to that listener, in
 * the namespace the caller entered. The difference over the candidates a
 * search then examines is the cost of one candidate, which `probe_ns`
 * stands for in the model.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portsim/csv.h"

#define LISTEN_PORT 80

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* A connected client socket (the accepted end closed at once); -1 with errno. */
static int open_one(int lfd, const struct sockaddr_in *to, bool reset, int64_t *took)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (reset) {
		/* Closed with a reset: the timed socket leaves no TIME_WAIT behind, so its port comes back. */
		struct linger l = { 1, 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	int64_t t0 = now_ns();
	int rc = connect(fd, (const struct sockaddr *)to, sizeof(*to));
	int64_t t1 = now_ns();
	if (rc != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (took)
		*took = t1 - t0;
	int afd = accept(lfd, NULL, NULL);
	if (afd >= 0)
		close(afd);
	return fd;
}

/* The median time of trials connect() calls, each closed again; -1 with errno. */
static int64_t median_connect(int lfd, const struct sockaddr_in *to, unsigned trials)
{
	int64_t *t = malloc(trials * sizeof(*t));
	if (!t)
		return -1;
	for (unsigned i = 0; i < trials; i++) {
		int fd = open_one(lfd, to, true, &t[i]);
		if (fd < 0) {
			free(t);
			return -1;
		}
		close(fd);
	}
	qsort(t, trials, sizeof(*t), cmp_i64);
	int64_t m = t[trials / 2];
	free(t);
	return m;
}

enum ps_status ps_kernel_search_time(const struct ps_run_config *cfg, unsigned trials, double probe_ns,
				     struct ps_kernel_search *out, const char *dir, char *err, size_t size)
{
	const struct ps_host_config *h = &cfg->host;
	uint32_t n = (uint32_t)h->hi - h->lo + 1;
	memset(out, 0, sizeof(*out));
	out->ports = n;
	out->trials = trials;
	if (h->lo <= LISTEN_PORT && LISTEN_PORT <= h->hi) {
		ps_kernel_say(err, size, "kernel: --search-time listens on port %d, inside the range %u-%u",
			      LISTEN_PORT, h->lo, h->hi);
		return PS_BAD_INPUT;
	}
	if (ps_kernel_raise_nofile((uint64_t)n + 64) < (uint64_t)n + 64) {
		ps_kernel_say(err, size, "kernel: --search-time holds %u sockets, more than the descriptor limit "
					 "allows; narrow [host] port_range", n);
		return PS_BAD_INPUT;
	}
	if (ps_kernel_unshare(err, size) != 0 || ps_kernel_setup_namespace(h, false, err, size) != 0)
		return PS_FAILED;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(LISTEN_PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	int *held = calloc(n, sizeof(*held));
	uint32_t nheld = 0;
	enum ps_status st = PS_FAILED;
	if (lfd < 0 || !held || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (const struct sockaddr *)&to, sizeof(to)) != 0 || listen(lfd, 4096) != 0) {
		ps_kernel_say(err, size, "kernel: listener on 127.0.0.1:%d: %s", LISTEN_PORT, strerror(errno));
		goto out;
	}
	int64_t empty = median_connect(lfd, &to, trials);
	for (; empty >= 0 && nheld + 1 < n; nheld++)
		if ((held[nheld] = open_one(lfd, &to, false, NULL)) < 0)
			break;
	int64_t full = nheld + 1 == n ? median_connect(lfd, &to, trials) : -1;
	if (empty < 0 || full < 0) {
		ps_kernel_say(err, size, "kernel: connect() with %u of %u ports held: %s", nheld, n, strerror(errno));
		goto out;
	}
	/* One port free: a search examines n / 2 candidates at the median, over the free port's places. */
	out->empty_ns = (double)empty;
	out->full_ns = (double)full;
	out->per_candidate_ns = (double)(full - empty) / (n / 2.0);
	out->model_full_ns = (double)empty + n / 2.0 * probe_ns;
	st = PS_DONE;
	if (dir) {
		struct ps_csv c;
		if (ps_csv_open(&c, dir, "search_time.csv",
				"ports,trials,kernel_empty_ns,kernel_full_ns,kernel_per_candidate_ns,probe_ns,model_full_ns") != 0) {
			ps_kernel_say(err, size, "%s: cannot write outputs: %s", dir, strerror(errno));
			st = PS_FAILED;
			goto out;
		}
		fprintf(c.f, "%u,%u,%.0f,%.0f,%.1f,%g,%.0f\n", n, trials, out->empty_ns, out->full_ns,
			out->per_candidate_ns, probe_ns, out->model_full_ns);
		if (ps_csv_commit(&c) != 0) {
			ps_kernel_say(err, size, "%s: cannot write outputs: %s", dir, strerror(errno));
			st = PS_FAILED;
		}
	}
out:
	for (uint32_t i = 0; i < nheld; i++)
		if (held[i] >= 0)
			close(held[i]);
	free(held);
	if (lfd >= 0)
		close(lfd);
	return st;
}
