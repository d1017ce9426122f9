/*
 * The Linux timer wheel's rounding of a TIME_WAIT timer
 * (include/portsim/tw_timer.h). Constants and arithmetic as in
 * kernel/time/timer.c (Linux 6.x, unchanged since the non-cascading wheel
 * of 4.8, commit 500462a9de65): LVL_CLK_SHIFT 3, LVL_BITS 6,
 * LVL_START(n) = 63 << 3(n - 1), LVL_DEPTH 9 when HZ > 100 else 8, and
 * calc_index's "expires = (expires >> LVL_SHIFT(lvl)) + 1".
 */
#include "portsim/tw_timer.h"

#include <math.h>

#define LVL_CLK_SHIFT 3
#define LVL_SIZE 64u

static uint64_t lvl_start(unsigned n)
{
	return (uint64_t)(LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT);
}

unsigned ps_tw_timer_level(uint64_t jiffies, uint32_t hz)
{
	unsigned depth = hz > 100 ? 9 : 8;
	unsigned lvl = 0;
	/* Timeouts beyond the last level's start stay in the last level (the kernel caps them there too). */
	while (lvl + 1 < depth && jiffies >= lvl_start(lvl + 1))
		lvl++;
	return lvl;
}

double ps_tw_timer_mean_s(double time_wait_s, uint32_t hz)
{
	if (hz == 0 || !(time_wait_s > 0))
		return time_wait_s;
	/* The expiry's bucket minus the exact end is uniform over 1..G jiffies, the close's jiffy over [0, 1): G / 2. */
	double timeo = ceil(time_wait_s * hz);
	double gran = (double)(1ULL << (ps_tw_timer_level((uint64_t)timeo, hz) * LVL_CLK_SHIFT));
	return (timeo + gran / 2) / hz;
}

ps_time ps_tw_timer_end(ps_time close, ps_time time_wait, uint32_t hz)
{
	if (hz == 0 || time_wait == 0)
		return close > PS_TIME_MAX - time_wait ? PS_TIME_MAX : close + time_wait;
	/* Whole seconds apart from the rest, so that t x HZ cannot overflow for any run's times. */
	uint64_t j = close / PS_NS_PER_S * hz + close % PS_NS_PER_S * hz / PS_NS_PER_S;
	uint64_t timeo = time_wait / PS_NS_PER_S * hz + (time_wait % PS_NS_PER_S * hz + PS_NS_PER_S - 1) / PS_NS_PER_S;
	unsigned shift = ps_tw_timer_level(timeo, hz) * LVL_CLK_SHIFT;
	uint64_t bucket = (((j + timeo) >> shift) + 1) << shift;
	/* The tick of jiffy `bucket`, rounded up to the nanosecond: never before the exact end. */
	uint64_t s = bucket / hz, rest = bucket % hz;
	if (s > (PS_TIME_MAX - PS_NS_PER_S) / PS_NS_PER_S)
		return PS_TIME_MAX;
	ps_time end = s * PS_NS_PER_S + (rest * PS_NS_PER_S + hz - 1) / hz;
	ps_time exact = close > PS_TIME_MAX - time_wait ? PS_TIME_MAX : close + time_wait;
	return end < exact ? exact : end;
}
