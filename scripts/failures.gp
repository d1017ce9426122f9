# needs: timeseries.csv
# Connection attempts and failed attempts per second over simulated time.
# Usage: gnuplot -c scripts/failures.gp DIR    (writes DIR/failures.png and DIR/failures.svg)
# timeseries.csv holds counts per sampling interval (ending at t_s); dividing by the
# interval length turns them into rates.

if (ARGC < 1) {
    print "usage: gnuplot -c failures.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/timeseries.csv"

set datafile separator comma

# Sampling interval: the step between the first two t_s values.
stats data using "t_s" every ::0::1 nooutput
dt = STATS_max - STATS_min
if (STATS_records < 2 || dt <= 0) { dt = 1.0 }

stats data using "failures" nooutput
has_failures = (STATS_max > 0)

names = system(sprintf("awk -F, 'NR == 2 { sub(/\\r$/, \"\"); print $1 \" / \" $2; exit }' '%s/summary.csv' 2>/dev/null", dir))
title = "Connection attempts and failures"
if (strlen(names) > 0) { title = title . ": " . names }

set title title
set xlabel "simulated time (s)"
set ylabel "per second"
set xrange [*:*] noextend
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set format y "%g"
set key below center horizontal reverse Left samplen 2 height 1
if (!has_failures) {
    set label 1 "no failed attempts" at graph 0.98, 0.06 right tc rgb "#555555"
}

# Counts are for the interval ending at t_s, so each value is drawn over
# (t_s - dt, t_s]: fsteps rises at the previous sample and holds to this one.
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/failures.%s", dir, fmt)
    plot data using "t_s":(column("attempts") / dt) with fsteps lw 2 lc rgb "#1565c0" \
             title sprintf("connection attempts (interval %g s)", dt), \
         ""   using "t_s":(column("failures") / dt) with fsteps lw 2 lc rgb "#e53935" \
             title "failed attempts"
    set output
}
