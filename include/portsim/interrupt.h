/*
 * Interrupted commands: SIGINT, SIGTERM and SIGHUP only set a flag, which
 * the long loops poll (the event loop of a run, the replications of
 * compare and capacity through it), so a command stops at a clean point,
 * removes what it was writing and exits 128 + the signal. A second signal
 * ends the process at once, with the default action.
 *
 * The state is one flag per process: a signal handler has nowhere else to
 * put it.
 */
#ifndef PORTSIM_INTERRUPT_H
#define PORTSIM_INTERRUPT_H

#include <sys/types.h>

/* Installs the handlers for SIGINT, SIGTERM and SIGHUP. */
void ps_interrupt_install(void);

/* Puts the default actions back (in a child that should simply die with its signal). */
void ps_interrupt_default(void);

/* The signal that interrupted the process, or 0. Cheap enough for every event of a loop. */
int ps_interrupted(void);

/*
 * Also sends every signal the handlers receive to pid (a child doing the
 * work); 0 stops. If a signal came before the call, pid gets it at once.
 */
void ps_interrupt_forward(pid_t pid);

/* "SIGINT", "SIGTERM", "SIGHUP", or "signal N" (static storage, overwritten by the next call). */
const char *ps_signal_name(int sig);

/*
 * Blocks (block = 1) or unblocks (0) the three signals, so a step that
 * must not stop half-way (publishing an output folder) finishes first.
 */
void ps_interrupt_hold(int block);

#endif
