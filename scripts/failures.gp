# needs: timeseries.csv
# columns: timeseries.csv: t_s attempts failures
# Connection attempts per second over simulated time, split into those that succeeded and
# those that failed, stacked: the top edge is every attempt, so both stay visible even when
# every attempt fails.
# Usage: gnuplot -c scripts/failures.gp DIR    (writes DIR/failures.png and DIR/failures.svg)
# timeseries.csv holds counts per sampling interval (ending at t_s); dividing by the
# interval length turns them into rates. The title says what was run (figure.gpi).

if (ARGC < 1) {
    print "usage: gnuplot -c failures.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/timeseries.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# Sampling interval: the step between the first two t_s values.
stats data using "t_s" every ::0::1 nooutput
dt = STATS_max - STATS_min
if (STATS_records < 2 || dt <= 0) { dt = 1.0 }

stats data using "failures" nooutput
total_failures = STATS_sum
stats data using "attempts" nooutput
total_attempts = STATS_sum

set title figure_title("Connection attempts and failures")
set xlabel "simulated time (s)"
set ylabel "attempts per second"
set xrange [*:*] noextend
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set grid xtics ytics lc rgb "#d0d0d0" lw 1 front
set border 3 front
set xtics nomirror
set ytics nomirror
set format y "%g"
set style fill solid 1.0 noborder
set key below center horizontal reverse Left samplen 2 height 1
if (total_failures == 0) {
    set label 1 sprintf("no failed attempts (of %s)", commas(total_attempts)) at graph 0.98, graph 0.95 right tc rgb "#555555" front
} else {
    set label 1 sprintf("%s of %s attempts failed (%.1f %%)", commas(total_failures), commas(total_attempts), \
        100.0 * total_failures / total_attempts) at graph 0.98, graph 0.95 right tc rgb "#c62828" front
}

# Counts are for the interval ending at t_s: each is drawn over (t_s - dt, t_s], as a box
# (filled) and an fsteps line (the attempts' top edge).
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/failures.%s", dir, fmt)
    plot data using (column("t_s") - dt / 2.0):(column("attempts") / dt):(dt) with boxes lc rgb "#90caf9" \
             title "succeeded", \
         ""   using (column("t_s") - dt / 2.0):(column("failures") / dt):(dt) with boxes lc rgb "#e53935" \
             title "failed", \
         ""   using "t_s":(column("attempts") / dt) with fsteps lw 2 lc rgb "#0d47a1" \
             title sprintf("all attempts (interval %g s)", dt)
    set output
}
