# needs: timeseries.csv
# Ephemeral port occupancy over simulated time, with failed connect() attempts.
# Usage: gnuplot -c scripts/occupancy.gp DIR    (writes DIR/occupancy.png and DIR/occupancy.svg)
# Reads DIR/timeseries.csv; DIR/summary.csv, if present, names the scenario and strategy.

if (ARGC < 1) {
    print "usage: gnuplot -c occupancy.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/timeseries.csv"

set datafile separator comma

# Scenario and strategy: columns 1 and 2 of the data row of summary.csv.
names = system(sprintf("awk -F, 'NR == 2 { sub(/\\r$/, \"\"); print $1 \" / \" $2; exit }' '%s/summary.csv' 2>/dev/null", dir))
title = "Ephemeral port occupancy"
if (strlen(names) > 0) { title = title . ": " . names }

# Any failed attempts at all?
stats data using "failures" nooutput
max_failures = STATS_max
has_failures = (max_failures > 0)

set title title
set xlabel "simulated time (s)"
set ylabel "ports"
set xrange [*:*] noextend
set yrange [0:*]
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set key below center horizontal reverse Left samplen 2 height 1
set format y "%.0f"

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
    if (has_failures) {
        plot data using "t_s":"failures" axes x1y2 with impulses lw 3 lc rgb "#80e53935" \
                 title "failed attempts (right axis)", \
             ""   using "t_s":"established" with lines lw 2 lc rgb "#1565c0" title "established", \
             ""   using "t_s":"time_wait" with lines lw 2 lc rgb "#ef6c00" title "TIME_WAIT", \
             ""   using "t_s":"free_tightest" with lines lw 2 lc rgb "#2e7d32" \
                 title "free ports (tightest destination)"
    } else {
        plot data using "t_s":"established" with lines lw 2 lc rgb "#1565c0" title "established", \
             ""   using "t_s":"time_wait" with lines lw 2 lc rgb "#ef6c00" title "TIME_WAIT", \
             ""   using "t_s":"free_tightest" with lines lw 2 lc rgb "#2e7d32" \
                 title "free ports (tightest destination)"
    }
    set output
}
