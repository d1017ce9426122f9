/*
 * Every run of a study on this machine's cores: one child process per run,
 * at most jobs at once, each doing exactly what "--run K" does, so a run
 * made here and a run made by a scheduler are the same bytes. A child that
 * crashes takes only its own run with it: the run stays missing and is
 * reported. A child's message comes back through a pipe, so errors stay
 * values up to the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct child {
	pid_t pid;
	size_t run;
	int fd; /* the read end of the child's message pipe */
};

struct pool {
	const struct ps_study *s;
	const char *dir;
	struct ps_study_batch *b;
	struct child *kids;
	size_t active;
	bool *failed; /* [nruns] */
};

/* The child's side: run K, send the message, end without touching the parent's buffers. */
static void child(const struct pool *p, size_t run, int fd)
{
	char err[PS_ERR_MAX] = "";
	enum ps_status st = ps_study_run_one(p->s, p->dir, run, err, sizeof(err));
	if (st != PS_DONE) {
		size_t n = strlen(err), done = 0;
		while (done < n) {
			ssize_t w = write(fd, err + done, n - done);
			if (w <= 0 && errno != EINTR)
				break;
			done += w > 0 ? (size_t)w : 0;
		}
	}
	close(fd);
	_exit((int)st);
}

static void read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
}

/* Waits for one child to end and reports it. */
static void reap(struct pool *p)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, 0)) < 0 && errno == EINTR)
		;
	size_t i = 0;
	while (i < p->active && p->kids[i].pid != pid)
		i++;
	if (i == p->active) {
		/* Not ours (pid < 0: none left at all, which cannot be while active > 0). */
		if (pid < 0)
			p->active = 0;
		return;
	}
	struct child c = p->kids[i];
	p->kids[i] = p->kids[--p->active];
	char why[PS_ERR_MAX];
	read_all(c.fd, why, sizeof(why));
	enum ps_status st = PS_DONE;
	if (WIFEXITED(status) && WEXITSTATUS(status) != PS_DONE) {
		st = WEXITSTATUS(status) == PS_BAD_INPUT ? PS_BAD_INPUT : PS_FAILED;
		if (!why[0])
			snprintf(why, sizeof(why), "run %zu: ended with status %d", c.run, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		st = PS_FAILED;
		snprintf(why, sizeof(why), "run %zu: killed by signal %d (%s)", c.run, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	}
	if (st == PS_DONE) {
		p->b->ran++;
	} else {
		p->b->failed++;
		p->failed[c.run] = true;
	}
	if (p->b->ended)
		p->b->ended(p->b->arg, c.run, st, st == PS_DONE ? NULL : why);
}

/* Starts run K in a child; -1 with errno when no child could be made. */
static int start(struct pool *p, size_t run)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	/* What the parent has buffered must not be written twice. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child(p, run, fds[1]);
	}
	close(fds[1]);
	p->kids[p->active++] = (struct child){ pid, run, fds[0] };
	return 0;
}

enum ps_status ps_study_run_all(const struct ps_study *s, const char *dir, struct ps_study_batch *b,
				char *err, size_t size)
{
	unsigned jobs = b->jobs ? b->jobs : 1;
	struct pool p = { s, dir, b, calloc(jobs, sizeof(struct child)), 0, calloc(s->nruns + 1, sizeof(bool)) };
	b->skipped = b->ran = b->failed = 0;
	enum ps_status st = PS_DONE;
	if (!p.kids || !p.failed) {
		snprintf(err, size, "%s: out of memory", s->origin);
		st = PS_FAILED;
		goto out;
	}
	for (size_t run = 0; run < s->nruns; run++) {
		if (ps_study_done(dir, run)) {
			b->skipped++;
			continue;
		}
		while (p.active >= jobs)
			reap(&p);
		if (start(&p, run) != 0) {
			snprintf(err, size, "run %zu: cannot start a process: %s", run, strerror(errno));
			st = PS_FAILED;
			break;
		}
	}
	while (p.active > 0)
		reap(&p);
	if (st == PS_DONE && b->failed) {
		char *list = ps_st_ranges(p.failed, s->nruns);
		snprintf(err, size, "%zu of %zu runs failed: %s", b->failed, s->nruns, list ? list : "(out of memory)");
		free(list);
		st = PS_FAILED;
	}
out:
	free(p.kids);
	free(p.failed);
	return st;
}
