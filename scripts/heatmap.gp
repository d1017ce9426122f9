# needs: ports.csv
# columns: ports.csv: t_s port ports in_use
# Which ports are in use when: a port-by-time heat map.
# Usage: gnuplot -c scripts/heatmap.gp DIR    (writes DIR/heatmap.png and DIR/heatmap.svg)
# Reads DIR/ports.csv: one row per sampling time t_s and per bin of `ports` consecutive
# ports starting at `port`; in_use of them carry a socket at t_s. The colour is the
# fraction in_use / ports. A sequential sweep shows as a diagonal band, random
# strategies as speckle, Linux's connect() as a half-filled (even ports) plateau
# before the odd ports fill. The title says what was run (figure.gpi);
# DIR/scenario.ini, if present, gives the number of source addresses.

if (ARGC < 1) {
    print "usage: gnuplot -c heatmap.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/ports.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# Grid: the sampling step (first two distinct t_s) and the bin width (ports column).
# Both come from the file, so any bin size or interval works.
stats data using "t_s" nooutput
t_min = STATS_min
t_max = STATS_max
stats data using "port" nooutput
p_min = STATS_min
p_max = STATS_max
stats data using "ports" nooutput
bin = STATS_max
dt = real(system(sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"t_s\") c = i; next } \
    NR == 2 { t0 = $c; next } $c != t0 { print $c - t0; found = 1; exit } END { if (!found) print 1 }' '%s'", data)))
if (dt <= 0) { dt = 1.0 }

title = figure_title("Ports in use over time")

set title title
set xlabel "simulated time (s)"
# portsim writes the first source address's ports only; say so when there are several.
naddr = system(sprintf("awk -F= '/^[[:space:]]*addresses[[:space:]]*=/ { gsub(/[[:space:]]/, \"\", $2); print $2; exit }' '%s/scenario.ini' 2>/dev/null", dir))
if (strlen(naddr) > 0 && int(naddr) > 1) {
    set ylabel sprintf("source port on the first of %d addresses (bins of %d)", int(naddr), bin)
} else {
    set ylabel sprintf("source port (bins of %d ports)", bin)
}
set cblabel "fraction of the bin's ports in use"
# Each row is drawn as the cell [t_s - dt/2, t_s + dt/2] x [port, port + ports).
set xrange [t_min - dt / 2.0 : t_max + dt / 2.0]
set yrange [p_min : p_max + bin]
set cbrange [0:1]
set format y "%.0f"
set format cb "%.1f"
set cbtics 0.25
set border 3
set xtics nomirror out
set ytics nomirror out
set tics front
unset key
# Zero is white (a free bin), half is orange (Linux's even half), full is dark red.
set palette defined (0 "#ffffff", 0.25 "#fde7a9", 0.5 "#f39c3c", 0.75 "#c0392b", 1 "#3b0a0a")
set palette maxcolors 0

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/heatmap.%s", dir, fmt)
    plot data using "t_s":(column("port") + column("ports") / 2.0):(column("in_use") / column("ports")) \
         with image
    set output
}
