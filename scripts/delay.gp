# needs: events.csv timeseries.csv
# columns: events.csv: t_s event delay_s
# columns: timeseries.csv: t_s ports_in_use
# Connect delay: on the left its distribution over the established connections (the time
# from a connection's first SYN to the one that got through, plus its port search's cost),
# on the right each connection's delay against the time it was established, beside the
# host's ports in use - a search that grows with occupancy, a SYN retransmitted after 1 s.
# Usage: gnuplot -c scripts/delay.gp DIR    (writes DIR/delay.png and DIR/delay.svg)
# Reads the `open` rows of DIR/events.csv (run --events) and DIR/timeseries.csv. A delay of
# 0 (probe_ns = 0) is drawn at 1 ns, where the logarithmic axis can show it.

if (ARGC < 1) {
    print "usage: gnuplot -c delay.gp DIR"
    exit status 2
}
dir = ARG1
events = dir . "/events.csv"
series = dir . "/timeseries.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# The established connections, and their largest delay, in one pass of awk.
counts = system(sprintf("awk -F, '%s $c[\"event\"] == \"open\" && $c[\"delay_s\"] != \"\" { n++; if ($c[\"delay_s\"] + 0 > m) m = $c[\"delay_s\"] + 0 } \
    END { printf \"%%d %%.9g\", n, m }' '%s'", awk_cols, events))
n = int(real(word(counts, 1)))
dmax = real(word(counts, 2))
floor_s = 1e-9
delay(x) = (x > floor_s ? x : floor_s)
# The percentiles summary.csv reports.
p50 = summary_names(dir . "/summary.csv", "delay_p50_s")
p99 = summary_names(dir . "/summary.csv", "delay_p99_s")
p999 = summary_names(dir . "/summary.csv", "delay_p999_s")
pmax = summary_names(dir . "/summary.csv", "delay_max_s")
# 1 - CDF at each distinct delay: the share of the connections slower than it.
tail = sprintf("< awk -F, '%s $c[\"event\"] == \"open\" && $c[\"delay_s\"] != \"\" { d = $c[\"delay_s\"] + 0; print (d > 1e-9 ? d : 1e-9) }' '%s' | sort -g | \
    awk -v n=%d '{ i++; if (NR == 1) print $1 \",1\"; if (NR > 1 && $1 != last) print last \",\" (n - i + 1) / n; last = $1 } END { print last \",\" 0 }'", awk_cols, events, n)
# The open rows' time and delay, as two columns.
opens = sprintf("< awk -F, '%s $c[\"event\"] == \"open\" && $c[\"delay_s\"] != \"\" { print $c[\"t_s\"] \",\" $c[\"delay_s\"] }' '%s'", awk_cols, events)

if (n == 0) {
    print sprintf("delay.gp: %s has no established connection with a delay", events)
    exit status 0
}

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1200,560 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1200,560 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/delay.%s", dir, fmt)
    set multiplot layout 1, 2 title figure_title("Connect delay")

    # Left: the distribution as its tail, 1 - CDF, on a logarithmic axis: p99 and p99.9 are
    # where it crosses 0.01 and 0.001, which a plain CDF squeezes against 1.
    unset y2tics
    unset y2label
    set title sprintf("%s connections: p50 %.3g s, p99 %.3g s, p99.9 %.3g s, max %.3g s", commas(n), \
        real(p50), real(p99), real(p999), real(pmax))
    set xlabel "connect delay x (s)"
    set ylabel "share of connections slower than x (1 - CDF)"
    set logscale xy
    set format x "%g"
    set format y "%g"
    set xrange [*:*]
    set yrange [0.5 / n:1.2]
    set grid xtics ytics lc rgb "#d0d0d0" lw 1 front
    set border 3 front
    set xtics nomirror
    set ytics nomirror
    unset key
    set arrow 1 from graph 0, first 0.01 to graph 1, first 0.01 nohead dt 2 lc rgb "#9e9e9e"
    set arrow 2 from graph 0, first 0.001 to graph 1, first 0.001 nohead dt 2 lc rgb "#9e9e9e"
    plot tail using 1:($2 > 0 ? $2 : 0.5 / n) with steps lw 2 lc rgb "#0d47a1"
    unset arrow 1
    unset arrow 2

    # Right: each connection's delay when it was established, and the ports in use then.
    set title "each connection, and the ports in use"
    set xlabel "simulated time (s)"
    set ylabel "connect delay (s)"
    unset logscale x
    set logscale y
    unset logscale y2
    set xrange [*:*] noextend
    set yrange [*:*]
    set format y "%g"
    set y2label "ports in use"
    set y2tics nomirror
    set y2range [0:*]
    set border 11 front
    set key below center horizontal samplen 2
    plot opens using 1:(delay($2)) with points pt 7 ps 0.3 lc rgb "#e53935" title "connect delay", \
         series using "t_s":"ports_in_use" axes x1y2 with lines lw 2 lc rgb "#90a4ae" title "ports in use"
    unset multiplot
    set output
}
