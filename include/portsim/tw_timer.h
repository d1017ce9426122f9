/*
 * When a Linux TIME_WAIT entry really ends (docs/profiles.md#linux). The
 * kernel does not end TIME_WAIT at exactly TCP_TIMEWAIT_LEN: each entry's
 * timer (inet_twsk_schedule, net/ipv4/inet_timewait_sock.c) is a timer on
 * the timer wheel (kernel/time/timer.c, Linux 4.8 and later; read in
 * 6.x), which files a timeout of 60 s in a level whose buckets are
 * 8^level jiffies wide and rounds the expiry *up* past the next bucket
 * boundary, so that no timer fires early. At HZ = 250 a 60 s timeout
 * lands in level 3: buckets of 512 jiffies (2.048 s), and entries end in
 * batches every 2.048 s, between 60 and 62.048 s after the close.
 *
 * Modelled exactly as calc_wheel_index and calc_index do it, with the
 * wheel's clock equal to jiffies (a busy CPU) and jiffy 0 at simulated
 * time 0 (the real phase depends on the boot time): a close at t is at
 * jiffy j = floor(t x HZ); the timer expires at e = j + ceil(timeout x
 * HZ); at level L the entry ends at jiffy ((e >> 3L) + 1) << 3L, i.e. at
 * that jiffy / HZ seconds.
 */
#ifndef PORTSIM_TW_TIMER_H
#define PORTSIM_TW_TIMER_H

#include <stdint.h>

#include "portsim/types.h"

/* The largest HZ a scenario may give ([host] hz). */
#define PS_TW_HZ_MAX 10000u

/*
 * When a TIME_WAIT of length time_wait entered at close ends under a
 * kernel ticking hz times a second: close + time_wait for hz = 0 (an
 * exact timer) or time_wait = 0, else the wheel's rounded expiry, never
 * earlier than close + time_wait. Non-decreasing in close. Returns the
 * end time; PS_TIME_MAX when it would not fit.
 */
ps_time ps_tw_timer_end(ps_time close, ps_time time_wait, uint32_t hz);

/*
 * The mean TIME_WAIT in seconds over close times spread evenly across the
 * wheel's buckets, for the closed forms: time_wait_s for hz = 0, else
 * ceil(time_wait_s x hz) / hz plus half a bucket (61.024 s for 60 s at 250).
 */
double ps_tw_timer_mean_s(double time_wait_s, uint32_t hz);

/* The wheel level a timeout of `jiffies` is filed in: its buckets are 8^level jiffies wide. */
unsigned ps_tw_timer_level(uint64_t jiffies, uint32_t hz);

#endif
