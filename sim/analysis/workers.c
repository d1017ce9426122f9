#include "portsim/workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The process's one lock for callbacks; mutable, but only ever taken and released. */
static pthread_mutex_t callbacks = PTHREAD_MUTEX_INITIALIZER;

void ps_workers_lock(void)
{
	pthread_mutex_lock(&callbacks);
}

void ps_workers_unlock(void)
{
	pthread_mutex_unlock(&callbacks);
}

int ps_workers_jobs(unsigned jobs, unsigned *out, char *err, size_t size)
{
	if (jobs > PS_JOBS_MAX) {
		snprintf(err, size, "jobs: %u out of range; allowed: 1 to %d", jobs, PS_JOBS_MAX);
		return -1;
	}
	if (jobs > 0) {
		*out = jobs;
		return 0;
	}
	/* Read once per analysis, on the caller's thread, before any worker starts. */
	const char *env = getenv("PORTSIM_JOBS");
	if (env) {
		char *end;
		unsigned long v = env[0] >= '0' && env[0] <= '9' ? strtoul(env, &end, 10) : 0;
		if (v < 1 || v > PS_JOBS_MAX || *end != '\0') {
			snprintf(err, size, "environment PORTSIM_JOBS = \"%.40s\": allowed: a whole number from 1 to %d",
				 env, PS_JOBS_MAX);
			return -1;
		}
		*out = (unsigned)v;
		return 0;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*out = cpus < 1 ? 1 : cpus > PS_JOBS_MAX ? PS_JOBS_MAX : (unsigned)cpus;
	return 0;
}

struct pool {
	ps_workers_fn fn;
	void *arg;
	size_t n;
	size_t size;               /* of each message buffer */
	pthread_mutex_t lock;      /* guards everything below */
	size_t next;               /* the next index to hand out */
	bool stop;                 /* a piece failed: hand out no more */
	size_t failed;             /* the lowest failing index so far, SIZE_MAX for none */
	int rc;                    /* its return */
	char *err;                 /* its message */
};

struct worker {
	struct pool *p;
	char *err;                 /* this thread's message buffer, p->size bytes */
	pthread_t thread;
};

static void *work(void *w_)
{
	struct worker *w = w_;
	struct pool *p = w->p;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		bool stop = p->stop || p->next == p->n;
		size_t i = stop ? 0 : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			break;
		w->err[0] = '\0';
		int rc = p->fn(p->arg, i, w->err, p->size);
		if (rc == 0)
			continue;
		pthread_mutex_lock(&p->lock);
		/* Indices go out in order, so every index below i is out already and will report. */
		p->stop = true;
		if (i < p->failed) {
			p->failed = i;
			p->rc = rc;
			snprintf(p->err, p->size, "%s", w->err);
		}
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* The plain loop, on the caller's thread: what every number of threads must reproduce. */
static int serial(size_t n, ps_workers_fn fn, void *arg, char *err, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		int rc = fn(arg, i, err, size);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ps_workers_map(unsigned jobs, size_t n, ps_workers_fn fn, void *arg, char *err, size_t size)
{
	if (jobs > n)
		jobs = (unsigned)n;
	if (jobs <= 1)
		return serial(n, fn, arg, err, size);
	struct worker *w = calloc(jobs, sizeof(*w));
	char *bufs = malloc((size_t)(jobs + 1) * (size ? size : 1));
	struct pool p = { .fn = fn, .arg = arg, .n = n, .size = size ? size : 1, .failed = SIZE_MAX };
	if (!w || !bufs || pthread_mutex_init(&p.lock, NULL) != 0) {
		/* No room for threads: one thread gives the same answer, only later. */
		free(w);
		free(bufs);
		return serial(n, fn, arg, err, size);
	}
	p.err = bufs + (size_t)jobs * p.size;
	unsigned started = 0;
	for (unsigned t = 0; t < jobs; t++) {
		w[t] = (struct worker){ .p = &p, .err = bufs + (size_t)t * p.size };
		/* Worker 0 is this thread; a thread that cannot start leaves its share to the others. */
		if (t > 0 && pthread_create(&w[t].thread, NULL, work, &w[t]) != 0)
			break;
		started = t + 1;
	}
	work(&w[0]);
	for (unsigned t = 1; t < started; t++)
		pthread_join(w[t].thread, NULL);
	pthread_mutex_destroy(&p.lock);
	int rc = p.rc;
	if (p.failed != SIZE_MAX && size)
		snprintf(err, size, "%s", p.err);
	free(bufs);
	free(w);
	return rc;
}
