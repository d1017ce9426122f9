/* The interrupt flag and its async-signal-safe handler. */
#include "portsim/interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t got;      /* the first signal received, 0 before */
static volatile sig_atomic_t forward;  /* a child's pid to pass signals on to, 0 for none */

static const int handled[] = { SIGINT, SIGTERM, SIGHUP };
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))

static void set_action(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* Restarted calls: the loops poll the flag, no call needs to be cut short. */
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &sa, NULL);
}

/* Only async-signal-safe calls: kill, signal, raise; errno kept. */
static void on_signal(int sig)
{
	int saved = errno;
	if (forward > 0)
		kill((pid_t)forward, sig);
	if (got) {
		/* Asked twice: stop now, as if no handler were there. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	got = sig;
	errno = saved;
}

void ps_interrupt_install(void)
{
	set_action(on_signal);
}

void ps_interrupt_default(void)
{
	forward = 0;
	set_action(SIG_DFL);
}

int ps_interrupted(void)
{
	return got;
}

void ps_interrupt_forward(pid_t pid)
{
	forward = pid > 0 ? (sig_atomic_t)pid : 0;
	int sig = got;
	if (pid > 0 && sig)
		kill(pid, sig);
}

const char *ps_signal_name(int sig)
{
	static char buf[32];
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		snprintf(buf, sizeof(buf), "signal %d", sig);
		return buf;
	}
}

void ps_interrupt_hold(int block)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < NHANDLED; i++)
		sigaddset(&set, handled[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}
