# needs: timeseries.csv
# columns: timeseries.csv: t_s ports_in_use attempts probes_mean
# Search cost against occupancy: mean probes per allocation in each sampling interval,
# against the ports in use at its end, coloured by simulated time.
# Usage: gnuplot -c scripts/probes.gp DIR    (writes DIR/probes.png and DIR/probes.svg)
# Reads DIR/timeseries.csv; intervals without attempts are left out (no mean to show).
# The title says what was run (figure.gpi); DIR/scenario.ini, if
# present, gives the port range, drawn as its size and half (Linux's even half).

if (ARGC < 1) {
    print "usage: gnuplot -c probes.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/timeseries.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

title = figure_title("Probes per allocation against occupancy")

# Range size from scenario.ini ("port_range = LO-HI"), when there.
range = system(sprintf("awk -F= '/^[[:space:]]*port_range[[:space:]]*=/ { gsub(/[[:space:]]/, \"\", $2); split($2, r, \"-\"); \
    if (r[2] + 0 >= r[1] + 0 && r[1] != \"\") print r[2] - r[1] + 1; exit }' '%s/scenario.ini' 2>/dev/null", dir))

stats data using "t_s" nooutput
t_max = STATS_max
stats data using "ports_in_use" nooutput
x_top = STATS_max
stats data using (column("attempts") > 0 ? column("probes_mean") : 1) nooutput
y_top = STATS_max

set title title
set xlabel "ports in use at the end of the interval"
set ylabel "mean probes per allocation in the interval (log scale)"
set cblabel "simulated time at the end of the interval (s)"
set logscale y
set yrange [0.8 : (y_top > 10 ? y_top * 2 : 20)]
set format y "%g"
set format x "%.0f"
set xrange [0 : *]
set cbrange [0 : t_max]
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set key below center horizontal reverse Left samplen 2 height 1
set palette defined (0 "#0d47a1", 0.5 "#26a69a", 1 "#fdd835")
if (strlen(range) > 0) {
    n = int(range)
    if (x_top < n) { set xrange [0 : n * 1.02] }
    set arrow 1 from first n, graph 0 to first n, graph 1 nohead dt 2 lw 1.5 lc rgb "#616161" back
    set arrow 2 from first n / 2.0, graph 0 to first n / 2.0, graph 1 nohead dt 3 lw 1.5 lc rgb "#616161" back
}
# The key names the two lines (drawn as arrows above); the points are explained by the colour box.
range_title = (strlen(range) > 0 ? sprintf("port range: %d ports", int(range)) : "")
half_title = (strlen(range) > 0 ? sprintf("half the range: %d (Linux connect() tries one parity first)", int(range) / 2) : "")

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/probes.%s", dir, fmt)
    plot data using "ports_in_use":(column("attempts") > 0 && column("probes_mean") > 0 ? column("probes_mean") : NaN):"t_s" \
         with points pt 7 ps 0.8 lc palette notitle, \
         NaN with lines dt 2 lw 1.5 lc rgb "#616161" title range_title, \
         NaN with lines dt 3 lw 1.5 lc rgb "#616161" title half_title
    set output
}
