# needs: reuse_cdf.csv
# columns: reuse_cdf.csv: strategy reuse_s cdf
# How soon a port comes back: the CDF of reuse distances, one curve per strategy; with more
# than four strategies, one small panel per strategy (its curve over the others in grey), so
# all sixteen stay readable.
# Usage: gnuplot -c scripts/reuse_cdf.gp DIR    (writes DIR/reuse_cdf.png and DIR/reuse_cdf.svg)
# Reads DIR/reuse_cdf.csv: for each strategy, points (reuse_s, cdf) of the distribution of
# the time between a port's release and its next use. A strategy that walks the range
# (sequential) reuses every port after one full sweep: a step. Random starts reuse a port
# soon after its TIME_WAIT ends: a spread. A port is released when its last socket goes,
# TIME_WAIT included, so the distance counts from the end of TIME_WAIT.

if (ARGC < 1) {
    print "usage: gnuplot -c reuse_cdf.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/reuse_cdf.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# The strategies, in the order they first appear (column found by name).
strategies = system(sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { sub(/\\r$/, \"\", $i); if ($i == \"strategy\") c = i }; next } \
    { sub(/\\r$/, \"\"); if (!($c in seen)) { seen[$c] = 1; printf \"%%s \", $c } }' '%s'", data))
nstrat = words(strategies)

# The rows of one strategy, header kept so columns are still found by name.
rows(s) = sprintf("< awk -F, -v s='%s' 'NR == 1 { for (i = 1; i <= NF; i++) { sub(/\\r$/, \"\", $i); if ($i == \"strategy\") c = i }; print; next } \
    { x = $0; sub(/\\r$/, \"\", x); split(x, f, \",\"); if (f[c] == s) print x }' '%s'", s, data)

# Positive reuse distances only: the x axis is logarithmic.
stats data using "reuse_s" nooutput
x_max = STATS_max
min_pos = real(system(sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { sub(/\\r$/, \"\", $i); if ($i == \"reuse_s\") c = i }; next } \
    $c + 0 > 0 && (m == \"\" || $c + 0 < m) { m = $c + 0 } END { print (m == \"\" ? 1 : m) }' '%s'", data)))

title = figure_title("How soon a released port is used again, by strategy")

set title title
set xlabel "seconds between a port's release and its next use (log scale)"
set ylabel "fraction of reuses (cumulative)"
set logscale x
set xrange [min_pos / 1.5 : x_max * 1.5]
set yrange [0:1.02]
set ytics 0, 0.2, 1 nomirror
set format x "%g"
# Tics at 1, 2 and 5 of every decade when there are few decades, so a few seconds can be
# read off; at every power of ten otherwise.
set xtics ()
d_lo = floor(log10(min_pos / 1.5))
d_hi = ceil(log10(x_max * 1.5))
marks = (d_hi - d_lo <= 3 ? "1 2 5" : "1")
do for [d = d_lo : d_hi] {
    do for [m in marks] {
        set xtics add (sprintf("%g", real(m) * 10.0 ** d) real(m) * 10.0 ** d)
    }
}
set grid xtics ytics mxtics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set key outside right center vertical Left reverse samplen 2 title "strategy"
# Sixteen distinguishable colours; strategies 9 to 16 also get dashed lines.
colors = "#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #17becf #8c564b #e377c2 #7f7f7f #bcbd22 #000000 #00008b #8b0000 #006400 #b8860b #4b0082"
color(i) = word(colors, (i - 1) % 16 + 1)
dash(i) = ((i - 1) / 8) % 2 + 1

xlab = "seconds between a port's release and its next use (log scale)"
ylab = "fraction of reuses (cumulative)"
# One strategy's points from the file itself (other rows undefined): no process per curve,
# which the grid's 16 x 17 curves would make slow.
x_of(s) = (strcol("strategy") eq s && column("reuse_s") > 0 ? column("reuse_s") : NaN)
# Every strategy as one curve, broken (an undefined point) where the strategy changes: the
# grey background of each panel in one pass. Its first point is lost, the highlight keeps it.
x_all(dummy) = (brk = !(strcol("strategy") eq last), last = strcol("strategy"), \
                brk || column("reuse_s") <= 0 ? NaN : column("reuse_s"))
small = (nstrat > 4)
# Small multiples: a grid of ncol x nrow panels between these screen coordinates.
ncol = (nstrat <= 9 ? 3 : 4)
nrow = (nstrat + ncol - 1) / ncol
gx = 0.012
gy = 0.055
x0 = 0.07
x1 = 0.985
y0 = 0.09
y1 = 0.9
pw = (x1 - x0 - (ncol - 1) * gx) / ncol
ph = (y1 - y0 - (nrow - 1) * gy) / nrow

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size (small ? 1200 : 1000),(small ? 800 : 600) font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size (small ? 1200 : 1000),(small ? 800 : 600) font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/reuse_cdf.%s", dir, fmt)
    if (!small) {
        plot for [i = 1:nstrat] rows(word(strategies, i)) \
             using (column("reuse_s") > 0 ? column("reuse_s") : NaN):"cdf" \
             with steps lw 2 lc rgb color(i) dt dash(i) title word(strategies, i)
    } else {
        unset title
        unset key
        unset xlabel
        unset ylabel
        set multiplot title title
        set label 91 xlab at screen (x0 + x1) / 2, screen 0.025 center
        set label 92 ylab at screen 0.018, screen (y0 + y1) / 2 center rotate by 90
        do for [i = 1:nstrat] {
            r = (i - 1) / ncol
            k = (i - 1) % ncol
            set lmargin at screen x0 + k * (pw + gx)
            set rmargin at screen x0 + k * (pw + gx) + pw
            set tmargin at screen y1 - r * (ph + gy)
            set bmargin at screen y1 - r * (ph + gy) - ph
            # Tic labels on the outer panels only: the bottom one of each column, the left column.
            # A tic every decade (every second one when there are many), labelled at the bottom.
            set xtics ()
            d_step = (d_hi - d_lo > 4 ? 2 : 1)
            do for [d = d_lo : d_hi : d_step] {
                set xtics add ((i + ncol > nstrat ? sprintf("%g", 10.0 ** d) : "") 10.0 ** d)
            }
            set format y (k == 0 ? "%g" : "")
            set ytics 0, 0.5, 1
            set label 93 word(strategies, i) at graph 0.03, graph 0.9 left front font ",11" tc rgb color(i)
            last = ""
            plot data using (x_all(0)):"cdf" with steps lw 1 lc rgb "#d9d9d9" notitle, \
                 data using (x_of(word(strategies, i))):"cdf" with steps lw 2.5 lc rgb color(i) notitle
            # The labels above belong to the grid, not to one panel: drawn once, then dropped.
            unset label 91
            unset label 92
        }
        unset label 93
        unset multiplot
    }
    set output
}
