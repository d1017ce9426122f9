# needs: compare.csv
# columns: compare.csv: strategy metric mean ci95_low ci95_high
# Strategies side by side: a few metrics of `portsim compare`, one panel each, one bar per
# strategy (the mean over replications) with its 95 % confidence interval.
# Usage: gnuplot -c scripts/compare_bars.gp DIR    (writes DIR/compare_bars.png and .svg)
# Reads DIR/compare.csv (long form: strategy,metric,mean,ci95_low,ci95_high,n). Panels, in
# this order, for those of these metrics the file has: failure_ratio, probes_mean,
# predict_same_g1, reuse_median_s; if it has none of them, its first four metrics. The title
# names the scenario (figure.gpi: title.txt, scenario.ini or ../summary.csv).

if (ARGC < 1) {
    print "usage: gnuplot -c compare_bars.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/compare.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

strategies = system(sprintf("awk -F, '%s !($c[\"strategy\"] in s) { s[$c[\"strategy\"]] = 1; printf \"%%s \", $c[\"strategy\"] }' '%s'", awk_cols, data))
present = system(sprintf("awk -F, '%s !($c[\"metric\"] in m) { m[$c[\"metric\"]] = 1; printf \"%%s \", $c[\"metric\"] }' '%s'", awk_cols, data))
nstrat = words(strategies)

wanted = "failure_ratio probes_mean predict_same_g1 reuse_median_s"
has(list, w) = sum [i = 1:words(list)] (word(list, i) eq w ? 1 : 0)
metrics = ""
do for [i = 1:words(wanted)] {
    if (has(present, word(wanted, i))) { metrics = metrics . word(wanted, i) . " " }
}
if (words(metrics) == 0) {
    do for [i = 1:(words(present) < 4 ? words(present) : 4)] { metrics = metrics . word(present, i) . " " }
}
npanels = words(metrics)

# A strategy's row: the first strategy at the top.
row(s) = sum [i = 1:nstrat] (word(strategies, i) eq s ? nstrat - i + 1 : 0)

# Per metric: the largest of mean and ci95_high, and the smallest positive mean or ci95_low.
top(m) = real(system(sprintf("awk -F, -v m='%s' '%s $c[\"metric\"] == m { for (k = 0; k < 2; k++) { v = $c[k ? \"ci95_high\" : \"mean\"]; \
    if (v != \"\" && v + 0 > t) t = v + 0 } } END { print t + 0 }' '%s'", m, awk_cols, data)))
low(m) = real(system(sprintf("awk -F, -v m='%s' '%s $c[\"metric\"] == m { for (k = 0; k < 2; k++) { v = $c[k ? \"ci95_low\" : \"mean\"]; \
    if (v != \"\" && v + 0 > 0 && (b == \"\" || v + 0 < b)) b = v + 0 } } END { print (b == \"\" ? 1 : b) }' '%s'", m, awk_cols, data)))

# Panel titles, and axis labels with units (short: four panels share 1000 pixels).
panel_title(m) = (m eq "failure_ratio") ? "failure ratio" : \
                 (m eq "probes_mean") ? "probes per allocation" : \
                 (m eq "predict_same_g1") ? "predictability" : \
                 (m eq "reuse_median_s") ? "median reuse distance" : \
                 (m eq "first_failure_s") ? "first failure" : m
label(m) = (m eq "failure_ratio") ? "failed / attempted\nconnections" : \
           (m eq "probes_mean") ? "candidate ports examined\n(mean, log scale)" : \
           (m eq "predict_same_g1") ? "share of ports guessed\nfrom the last (same dst)" : \
           (m eq "reuse_median_s") ? "seconds from a port's\nrelease to its next use" : \
           (m eq "first_failure_s") ? "simulated time (s)" : m
logx(m) = (m eq "probes_mean" || m eq "probes_p99" || m eq "probes_max")

reps = system(sprintf("awk -F, '%s { if ($c[\"n\"] + 0 > n) n = $c[\"n\"] + 0 } END { if (n > 0) print n }' '%s' 2>/dev/null", awk_cols, data))
title = figure_title("Strategies compared")
if (strlen(reps) > 0) { title = title . sprintf(" (mean of up to %s replications, 95 %% confidence interval)", reps) }

# Layout (screen coordinates): strategy names at the left, panels side by side.
x0 = 0.13
x1 = 0.975
gap = 0.04
pw = (x1 - x0 - (npanels - 1) * gap) / (npanels > 0 ? npanels : 1)

set datafile missing NaN
set border 3
set grid xtics lc rgb "#d0d0d0" lw 1
set ytics nomirror scale 0
set xtics nomirror out
set yrange [0.4 : nstrat + 0.6]
set tmargin at screen 0.86
set bmargin at screen 0.17
set style fill solid 0.85 border -1
unset key

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/compare_bars.%s", dir, fmt)
    set multiplot title title
    do for [p = 1:npanels] {
        m = word(metrics, p)
        set lmargin at screen x0 + (p - 1) * (pw + gap)
        set rmargin at screen x0 + (p - 1) * (pw + gap) + pw
        set title panel_title(m)
        set xlabel label(m)
        # Strategy names only on the first panel.
        set ytics ()
        if (p == 1) {
            do for [i = 1:nstrat] { set ytics add (word(strategies, i) nstrat - i + 1) }
        } else {
            do for [i = 1:nstrat] { set ytics add ("" nstrat - i + 1) }
        }
        t = top(m)
        if (logx(m)) {
            base = 10.0 ** floor(log10(low(m) * 0.99))
            set logscale x
            set xrange [base : (t > base ? t : base) * 4]
            set format x "%g"
        } else {
            base = 0
            unset logscale x
            xmax = (t > 0 ? t * 1.25 : 1)
            set xrange [0 : xmax]
            set format x "%g"
        }
        # About three tics per panel, at 1, 2 or 5 times a power of ten.
        if (logx(m)) {
            # A tic every decade, or every second one when many decades share the panel.
            set xtics ()
            d_hi = ceil(log10((t > base ? t : base) * 4))
            d_step = (d_hi - log10(base) > 4 ? 2 : 1)
            do for [d = int(log10(base) + 0.5) : d_hi : d_step] {
                set xtics add (sprintf("%g", 10.0 ** d) 10.0 ** d)
            }
            set mxtics default
        } else {
            r = xmax / 3.0
            mag = 10.0 ** floor(log10(r))
            f = r / mag
            set xtics 0, (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag
            set mxtics 2
        }
        if (t == 0) {
            set label 1 "all zero" at graph 0.5, graph 0.5 center tc rgb "#757575"
        } else {
            unset label 1
        }
        plot data using (strcol("metric") eq m ? (base + column("mean")) / 2.0 : NaN):(row(strcol("strategy"))) \
                    :(base):(column("mean")):(row(strcol("strategy")) - 0.35):(row(strcol("strategy")) + 0.35) \
                 with boxxyerror lc rgb "#90caf9", \
             ""   using (strcol("metric") eq m ? column("mean") : NaN):(row(strcol("strategy"))) \
                    :(column("ci95_low")):(column("ci95_high")) \
                 with xerrorbars pt 7 ps 0.5 lw 1.5 lc rgb "#0d47a1"
    }
    unset multiplot
    set output
}
