# needs: timeseries.csv
# columns: timeseries.csv: t_s established time_wait free_tightest failures
# Ephemeral port occupancy over simulated time, with failed connect() attempts.
# Usage: gnuplot -c scripts/occupancy.gp DIR    (writes DIR/occupancy.png and DIR/occupancy.svg)
# Reads DIR/timeseries.csv. DIR/scenario.ini, if present, gives the pool (range minus reserved
# ports, times source addresses), drawn as a line; DIR/summary.csv the first failure, marked;
# title.txt or summary.csv what was run (figure.gpi). Established and TIME_WAIT count
# connections, 4-tuples: with several destinations each has its own range, so they can rise
# above the pool, and the figure says so.
# A NAT run (timeseries.csv with nat_live) shows the NAT's pool instead: live and lingering
# mappings, the NAT's free ports where it is fullest, its pool (summary.csv nat_pool_ports)
# as a line and its first drop marked; the inside hosts' free ports too when they fall as
# low as the NAT's or some failures were not the NAT's.

if (ARGC < 1) {
    print "usage: gnuplot -c occupancy.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/timeseries.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# Any failed attempts at all?
stats data using "failures" nooutput
max_failures = STATS_max
has_failures = (max_failures > 0)
stats data using "time_wait" nooutput
max_tw = STATS_max
stats data using "established" nooutput
max_est = STATS_max
stats data using "free_tightest" nooutput
max_free = STATS_max
top = (max_tw > max_est ? max_tw : max_est)
top = (max_free > top ? max_free : top)
pool = pool_of(dir)

# A NAT run: its own columns, its pool and its first drop.
is_nat = int(real(system(sprintf("head -n 1 '%s' | tr -d '\r' | tr ',' '\n' | grep -c '^nat_live$'", data))))
inside_too = 0
if (is_nat) {
    stats data using "nat_live" nooutput
    max_est = STATS_max
    stats data using "nat_lingering" nooutput
    max_tw = STATS_max
    stats data using "nat_free_tightest" nooutput
    max_free = STATS_max
    nat_min_free = STATS_min
    stats data using "free_tightest" nooutput
    inside_min_free = STATS_min
    inside_max_free = STATS_max
    stats data using "nat_drops" nooutput
    nat_drops = STATS_sum
    stats data using "failures" nooutput
    all_failures = STATS_sum
    # The inside pool matters when it gets as tight as the NAT's, or fails on its own.
    inside_too = (inside_min_free <= nat_min_free || all_failures > nat_drops)
    top = (max_tw > max_est ? max_tw : max_est)
    top = (max_free > top ? max_free : top)
    if (inside_too && inside_max_free > top) { top = inside_max_free }
    nat_pool = summary_names(dir . "/summary.csv", "nat_pool_ports")
    pool = (strlen(nat_pool) > 0 ? int(real(nat_pool)) : 0)
    nat_drop = summary_names(dir . "/summary.csv", "nat_first_drop_s")
    if (strlen(nat_drop) > 0) { first_failure = nat_drop }
}

set title figure_title(is_nat ? "NAT port occupancy" : "Ephemeral port occupancy")
set xlabel "simulated time (s)"
set ylabel (is_nat ? "external ports, or mappings holding one" : "ports, or connections holding one")
set xrange [*:*] noextend
set yrange [0:(pool > top ? pool : top) * 1.1 + 1]
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set key below center horizontal reverse Left samplen 2 height 1
set format y "%.0f"

pool_title = ""
if (pool > 0) {
    set arrow 1 from graph 0, first pool to graph 1, first pool nohead lw 1.5 dt 2 lc rgb "#424242" front
    pool_title = sprintf("pool: %s ports", commas(pool))
    if (is_nat) { pool_title = sprintf("NAT pool that runs dry first: %s ports", commas(pool)) }
    # Connections above the pool: only 4-tuples toward several destinations can be.
    if (is_nat) {
        if (max_tw + max_est > pool) {
            set label 2 "mappings count every external address, destination and host; the pool is one of them" \
                at graph 0.02, first pool offset 0, -0.8 left tc rgb "#424242" front
        }
    } else { if (max_tw > pool) {
        set label 2 "TIME_WAIT counts 4-tuples; each destination has its own range" \
            at graph 0.02, first pool offset 0, 0.8 left tc rgb "#ef6c00" front
    } else {
        if (max_est > pool) {
            set label 2 "established counts 4-tuples; each destination has its own range" \
                at graph 0.02, first pool offset 0, 0.8 left tc rgb "#1565c0" front
        }
    } }
}
if (strlen(first_failure) > 0) {
    ff = real(first_failure)
    set arrow 3 from first ff, graph 0 to first ff, graph 0.93 nohead lw 1.5 lc rgb "#c62828" front
    set label 3 sprintf((is_nat && strlen(nat_drop) > 0 ? "first NAT drop: %.4g s" : "first failure: %.4g s"), ff) \
        at first ff, graph 0.96 center tc rgb "#c62828" front
}

if (has_failures) {
    set border 11
    set y2label "failed attempts per interval" tc rgb "#c62828"
    set y2tics nomirror tc rgb "#c62828"
    # Headroom so the bars stay below the top of the plot and the tallest curve.
    set y2range [0:max_failures * 1.25]
    set format y2 "%.0f"
    # Keep the last bar clear of the right border.
    set offsets 0, graph 0.01, 0, 0
}

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/occupancy.%s", dir, fmt)
    if (is_nat) {
        plot data using "t_s":"failures" axes x1y2 with impulses lw 3 lc rgb "#80e53935" \
                 title (has_failures ? "failed attempts (right axis)" : ""), \
             ""   using "t_s":"nat_live" with lines lw 2 lc rgb "#1565c0" title "NAT mappings carrying a connection", \
             ""   using "t_s":"nat_lingering" with lines lw 2 lc rgb "#ef6c00" title "NAT mappings lingering", \
             ""   using "t_s":"nat_free_tightest" with lines lw 2 lc rgb "#2e7d32" \
                 title "NAT free ports (where fullest)", \
             ""   using "t_s":(inside_too ? column("free_tightest") : NaN) with lines lw 1.5 dt 2 lc rgb "#66bb6a" \
                 title (inside_too ? "inside hosts' free ports (tightest)" : ""), \
             NaN with lines lw 1.5 dt 2 lc rgb "#424242" title pool_title
    } else { if (has_failures) {
        plot data using "t_s":"failures" axes x1y2 with impulses lw 3 lc rgb "#80e53935" \
                 title "failed attempts (right axis)", \
             ""   using "t_s":"established" with lines lw 2 lc rgb "#1565c0" title "established", \
             ""   using "t_s":"time_wait" with lines lw 2 lc rgb "#ef6c00" title "TIME_WAIT", \
             ""   using "t_s":"free_tightest" with lines lw 2 lc rgb "#2e7d32" \
                 title "free ports (tightest destination)", \
             NaN with lines lw 1.5 dt 2 lc rgb "#424242" title pool_title
    } else {
        plot data using "t_s":"established" with lines lw 2 lc rgb "#1565c0" title "established", \
             ""   using "t_s":"time_wait" with lines lw 2 lc rgb "#ef6c00" title "TIME_WAIT", \
             ""   using "t_s":"free_tightest" with lines lw 2 lc rgb "#2e7d32" \
                 title "free ports (tightest destination)", \
             NaN with lines lw 1.5 dt 2 lc rgb "#424242" title pool_title
    } }
    set output
}
