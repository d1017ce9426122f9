# needs: port-*.csv timeseries.csv
# columns: timeseries.csv: t_s established time_wait
# The life of followed ports (run --follow-port P) against the pool's occupancy.
# Usage: gnuplot -c scripts/port_timeline.gp DIR    (writes DIR/port_timeline.png and .svg)
# Reads every DIR/port-P.csv (t_s, event, conn_id, ..., established, time_wait: the
# connections on port P after each event) and DIR/timeseries.csv. One band per port:
# blue while a connection holds it, orange while it sits in TIME_WAIT, empty while it
# is free; a triangle where a connection chose it, a grey tick where a search examined it
# and passed it over. Below, the pool's established and TIME_WAIT connections over time,
# on the same time axis, with the pool (DIR/scenario.ini) dashed.

if (ARGC < 1) {
    print "usage: gnuplot -c port_timeline.gp DIR"
    exit status 2
}
dir = ARG1
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"
set datafile separator comma

# The followed ports whose file has rows: a port nothing touched has nothing to draw.
ports = system(sprintf("cd '%s' && for f in port-*.csv; do [ \"$(wc -l < \"$f\")\" -gt 1 ] && echo \"$f\"; done | sed 's/^port-//; s/[.]csv$//' | sort -n | tr '\\n' ' '", dir))
nports = words(ports)
series = dir . "/timeseries.csv"
stats series using "t_s" nooutput
t_end = STATS_max
pool = pool_of(dir)

# A port's file as steps that hold each count until the next event, then to the end of the run.
steps(p) = sprintf("< awk -F, '%s { s = $c[\"established\"] \",\" $c[\"time_wait\"] } \
    s != last { print $c[\"t_s\"] \",\" s; last = s } END { print %.9g \",\" s }' '%s/port-%s.csv'", awk_cols, t_end, dir, p)
# The times of one event, for the markers; at most one per thousandth of the run, so that a port
# passed over by every search of a long run stays a light figure.
events(p, ev) = sprintf("< awk -F, '%s $c[\"event\"] == \"%s\" { b = int($c[\"t_s\"] * 1000 / %.9g); \
    if (b != last || !n++) print $c[\"t_s\"]; last = b }' '%s/port-%s.csv'", awk_cols, ev, t_end, dir, p)

band = 120
height = band * nports + 340
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,height font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,height font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/port_timeline.%s", dir, fmt)
    set multiplot title figure_title("The life of a port") layout nports + 1, 1 margins 0.08, 0.78, 0.14, 0.9 spacing 0, 0.05
    set xrange [0:t_end]
    set border 3
    set xtics nomirror out format ""
    set ytics nomirror out
    set datafile separator comma
    set style fill solid 0.85 noborder
    do for [i = 1:nports] {
        p = word(ports, i)
        unset xlabel
        set ylabel sprintf("port %s", p)
        set yrange [0:*]
        set ytics 1
        set key outside right top vertical Left reverse samplen 1 font ",10"
        plot steps(p) using 1:(column(2) + column(3)) with fillsteps lc rgb "#ef6c00" title (i == 1 ? "TIME_WAIT" : ""), \
             steps(p) using 1:2 with fillsteps lc rgb "#1565c0" title (i == 1 ? "in use" : ""), \
             events(p, "skipped") using 1:(0.08) with points pt 5 ps 0.15 lc rgb "#9e9e9e" title (i == 1 ? "examined, passed over" : ""), \
             events(p, "chosen") using 1:(1.0) with points pt 9 ps 1.3 lc rgb "#2e7d32" title (i == 1 ? "chosen" : "")
    }
    set xtics format "% h"
    set xlabel "simulated time (s)"
    set ylabel "connections"
    set ytics autofreq
    set key outside right top vertical Left reverse samplen 1 font ",10"
    set yrange [0:*]
    if (pool > 0) {
        set arrow 1 from graph 0, first pool to graph 1, first pool nohead lw 1.5 dt 2 lc rgb "#424242" front
    }
    plot series using "t_s":(column("established") + column("time_wait")) with filledcurves x1 lc rgb "#ef6c00" title "TIME_WAIT (pool)", \
         series using "t_s":"established" with filledcurves x1 lc rgb "#1565c0" title "established (pool)", \
         NaN with lines dt 2 lw 1.5 lc rgb "#424242" title (pool > 0 ? sprintf("pool: %s ports", commas(pool)) : "")
    unset arrow 1
    unset multiplot
    set output
}
