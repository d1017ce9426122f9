/*
 * Workers: independent pieces of work (the runs of a comparison, the
 * replications of a search) on several threads, with the outcome of one
 * thread. Each piece writes its result into a slot of its own, by index, and
 * the caller reduces the slots in index order afterwards, so the output does
 * not depend on how many threads ran or which finished first.
 *
 * The number of threads ("jobs") is the caller's: -j N on the command line;
 * by default the environment variable PORTSIM_JOBS when set, else the
 * machine's online processors.
 */
#ifndef PORTSIM_WORKERS_H
#define PORTSIM_WORKERS_H

#include <stddef.h>

#define PS_JOBS_MAX 1024

/*
 * The number of threads for a request of jobs: jobs itself when it is 1 to
 * PS_JOBS_MAX; for 0, PORTSIM_JOBS when set, else the online processors
 * (at most PS_JOBS_MAX). 0 with *out set, or -1 with a message (jobs too
 * large, or PORTSIM_JOBS not a whole number from 1 to PS_JOBS_MAX).
 */
int ps_workers_jobs(unsigned jobs, unsigned *out, char *err, size_t size);

/*
 * Piece i of a map: 0 when done, anything else (with a message in err) when
 * it failed. Called from any thread, several at once for different i.
 */
typedef int (*ps_workers_fn)(void *arg, size_t i, char *err, size_t size);

/*
 * Runs fn(arg, i) for every i in [0, n) on at most jobs threads (0 counts
 * as 1; one thread is the caller's, more are started only when jobs > 1 and
 * n > 1), handing out the indices in increasing order. After a failure no
 * new index is handed out, but those already running finish. Returns 0 when
 * every piece returned 0; else the return of the lowest failing index, with
 * its message in err: the failure a single thread would have met first,
 * whatever the number of threads. The map has no failure of its own: when
 * threads cannot be had, the caller's thread does all the pieces.
 */
int ps_workers_map(unsigned jobs, size_t n, ps_workers_fn fn, void *arg, char *err, size_t size);

/*
 * One lock for the whole process, for what pieces must not do at once:
 * progress lines, a caller's callbacks that were not written for threads.
 * Hold it briefly, and never across ps_workers_map.
 */
void ps_workers_lock(void);
void ps_workers_unlock(void);

#endif
