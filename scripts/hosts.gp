# needs: hosts.csv
# columns: hosts.csv: host population attempts failures
# Failed connection attempts per inside host behind a NAT, by host number: which VM,
# pod or subscriber runs out first. Grey bars are each host's attempts, red its failures.
# Usage: gnuplot -c scripts/hosts.gp DIR    (writes DIR/hosts.png and DIR/hosts.svg)
# Reads DIR/hosts.csv (host,inside_addr,population,attempts,failures,nat_failures,
# peak_established); hosts of one population are numbered together, so a population
# is a run of bars. With 40 hosts or fewer each bar is labelled with its population.

if (ARGC < 1) {
    print "usage: gnuplot -c hosts.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/hosts.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

stats data using "host" nooutput
nhosts = STATS_records
stats data using "failures" nooutput
total_failures = STATS_sum
max_failures = STATS_max

title = figure_title("Failed attempts per inside host")

set title title
set xlabel "inside host"
set ylabel "connection attempts"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set grid ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set format y "%g"
set style fill solid 1.0 noborder
set boxwidth 0.8 relative
set rmargin 6
set key below center horizontal reverse Left samplen 2 height 1
# Bars one unit wide centred on the host number, with half a bar of margin each side.
set xrange [-0.6:nhosts - 0.4]
if (total_failures == 0) {
    set label 1 "no failed attempts" at graph 0.98, 0.94 right tc rgb "#555555"
} else {
    set label 1 sprintf("%d failed attempts; most on one host: %d", total_failures, max_failures) \
        at graph 0.98, 0.94 right tc rgb "#555555"
}

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/hosts.%s", dir, fmt)
    if (nhosts <= 40) {
        # Few hosts: name each bar "host population", rotated to fit.
        set xtics rotate by -45 left
        plot data using "host":"attempts":xticlabels(sprintf("%d %s", column("host"), strcol("population"))) \
                 with boxes lc rgb "#b0bec5" title "attempts", \
             ""   using "host":"failures" with boxes lc rgb "#e53935" title "failed attempts"
    } else {
        plot data using "host":"attempts" with boxes lc rgb "#b0bec5" title "attempts", \
             ""   using "host":"failures" with boxes lc rgb "#e53935" title "failed attempts"
    }
    set output
}
