# needs: kernel_vs_model.csv
# columns: kernel_vs_model.csv: conn kernel_port model_port
# The live kernel's source ports and the linux model's, against the connection
# number, side by side; failed attempts (no port) are marked at the bottom of each panel.
# Usage: gnuplot -c scripts/kernel_vs_model.gp DIR [TITLE]
#        (writes DIR/kernel_vs_model.png and DIR/kernel_vs_model.svg)
# Reads DIR/kernel_vs_model.csv (conn,kernel_port,model_port,kernel_error,model_error),
# written by scripts/kernel-vs-model; DIR/kernel.txt, if present, names the kernel.

if (ARGC < 1) {
    print "usage: gnuplot -c kernel_vs_model.gp DIR [TITLE]"
    exit status 2
}
dir = ARG1
data = dir . "/kernel_vs_model.csv"
title = (ARGC >= 2) ? ARG2 : "kernel vs model"
release = system(sprintf("cat '%s/kernel.txt' 2>/dev/null", dir))
ktitle = "Linux " . release . " (live kernel)"

set datafile separator comma
set datafile missing ""

stats data using "kernel_port" nooutput
kmin = STATS_min
kmax = STATS_max
stats data using "model_port" nooutput
ymin = (STATS_min < kmin) ? STATS_min : kmin
ymax = (STATS_max > kmax) ? STATS_max : kmax
pad = (ymax - ymin) * 0.06 + 1
fail_y = ymin - pad * 0.5

set xlabel "connection number"
set ylabel "source port"
set yrange [ymin - pad : ymax + pad]
set xrange [0:*]
set format y "%.0f"
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set key top left opaque box

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1400,560 font ",11" noenhanced
    } else {
        set terminal svg size 1400,560 font ",11" dynamic noenhanced
    }
    set output dir . "/kernel_vs_model." . fmt
    set multiplot layout 1,2 title title font ",13"
    set title ktitle
    plot data using "conn":"kernel_port" with points pt 7 ps 0.45 lc rgb "#1f77b4" title "port", \
         data using "conn":(strcol(2) eq "" ? fail_y : 1/0) \
              with points pt 2 ps 0.5 lc rgb "#d62728" title "failed"
    set title "portsim model (linux strategies)"
    plot data using "conn":"model_port" with points pt 7 ps 0.45 lc rgb "#ff7f0e" title "port", \
         data using "conn":(strcol(3) eq "" ? fail_y : 1/0) \
              with points pt 2 ps 0.5 lc rgb "#d62728" title "failed"
    unset multiplot
    unset output
}
