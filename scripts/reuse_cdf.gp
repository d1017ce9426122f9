# needs: reuse_cdf.csv
# columns: reuse_cdf.csv: strategy reuse_s cdf
# How soon a port comes back: the CDF of reuse distances, one curve per strategy.
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

name = system(sprintf("d='%s'; f=\"$d/summary.csv\"; [ -f \"$f\" ] || f=\"$d/../summary.csv\"; \
    awk -F, 'NR == 2 { print $1; exit }' \"$f\" 2>/dev/null", dir))
title = "How soon a released port is used again, by strategy"
if (strlen(name) > 0) { title = title . ": " . name }

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

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/reuse_cdf.%s", dir, fmt)
    plot for [i = 1:nstrat] rows(word(strategies, i)) \
         using (column("reuse_s") > 0 ? column("reuse_s") : NaN):"cdf" \
         with steps lw 2 lc rgb color(i) dt dash(i) title word(strategies, i)
    set output
}
