# needs: events.csv
# columns: events.csv: t_s event src_port
# Ports chosen by parity: how many connections got an even port and how many an odd one.
# Usage: gnuplot -c scripts/parity.gp DIR    (writes DIR/parity.png and DIR/parity.svg)
# Reads DIR/events.csv (run --events): every `open` row, counted by the parity of its
# src_port, cumulatively over time. Linux's connect() searches the ports of the range's
# low-end parity first (even, for 49152-65535), so at low load its odd line stays at zero
# - port 60409 is never chosen - until the even ports are all taken, at half the pool
# (DIR/scenario.ini gives the pool; half of it is drawn dashed). Strategies without the
# split climb both lines together.

if (ARGC < 1) {
    print "usage: gnuplot -c parity.gp DIR"
    exit status 2
}
dir = ARG1
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"
set datafile separator comma

# Cumulative opens on even and odd ports, one row per tenth of a second that saw one.
counts = sprintf("< awk -F, '%s $c[\"event\"] == \"open\" { if ($c[\"src_port\"] %% 2) odd++; else even++; \
    b = int($c[\"t_s\"] * 10); if (b != last && n++) print t \",\" e \",\" o; last = b } \
    $c[\"event\"] == \"open\" { t = $c[\"t_s\"]; e = even + 0; o = odd + 0 } END { if (n) print t \",\" e \",\" o }' '%s/events.csv'", awk_cols, dir)
half = pool_of(dir) / 2

set title figure_title("Ports chosen, even and odd")
set xlabel "simulated time (s)"
set ylabel "connections given a port (cumulative)"
set border 3
set xtics nomirror
set ytics nomirror
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set key center left reverse Left samplen 2 box opaque
set yrange [0:*]
set format y "%.0f"
if (half > 0) {
    set arrow 1 from graph 0, first half to graph 1, first half nohead lw 1.5 dt 2 lc rgb "#424242" front
}

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,500 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,500 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/parity.%s", dir, fmt)
    plot counts using 1:2 with lines lw 2.5 lc rgb "#1565c0" title "even ports", \
         counts using 1:3 with lines lw 2.5 lc rgb "#c62828" title "odd ports (60409 is one)", \
         NaN with lines dt 2 lw 1.5 lc rgb "#424242" title (half > 0 ? sprintf("half the pool: %s ports of each parity", commas(half)) : "")
    set output
}
