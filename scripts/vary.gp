# needs: vary.csv
# columns: vary.csv: key value dir first_failure_s
# Several runs overlaid: `portsim run --vary KEY=V1,V2,...` ran the scenario once per value
# into DIR/vary-KEY-V/ and listed them in DIR/vary.csv (key, value, dir, and each run's
# headline numbers). Top: connections holding a port (established + TIME_WAIT) over time, one
# curve per value, with each run's pool as a dashed line of its colour (one grey line when
# they share it); bottom: failed attempts per second, one curve per value.
# Usage: gnuplot -c scripts/vary.gp DIR    (writes DIR/vary.png and DIR/vary.svg)
# The title says what was run (figure.gpi: DIR/title.txt).

if (ARGC < 1) {
    print "usage: gnuplot -c vary.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/vary.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# One word per run, in file order: its value, folder and first failure ("-" for none).
field(col) = system(sprintf("awk -F, '%s { v = $c[\"%s\"]; gsub(/[[:space:]]/, \"_\", v); printf \"%%s \", (v == \"\" ? \"-\" : v) }' '%s'", awk_cols, col, data))
key = system(sprintf("awk -F, '%s { print $c[\"key\"]; exit }' '%s'", awk_cols, data))
values = field("value")
dirs = field("dir")
fails = field("first_failure_s")
n = words(dirs)
ts(i) = dir . "/" . word(dirs, i) . "/timeseries.csv"

# Behind a NAT the hosts' own TIME_WAIT is not what runs out: the curves are the open
# connections, which the NAT's limit caps.
nat = 0
do for [i = 1:n] { if (nat_of(dir . "/" . word(dirs, i))) { nat = 1 } }
held(dummy) = column("established") + (nat ? 0 : column("time_wait"))

# Pools: one line when the runs share one, else one per run in its colour.
pool_list = ""
do for [i = 1:n] { pool_list = pool_list . sprintf("%d ", pool_of(dir . "/" . word(dirs, i))) }
same_pool = 1
do for [i = 2:n] { if (word(pool_list, i) ne word(pool_list, 1)) { same_pool = 0 } }
pool(i) = real(word(pool_list, i))

# Scale: the largest of the curves and the pools; the sampling interval of the first run.
top = 0
max_fail = 0
do for [i = 1:n] {
    stats ts(i) using (held(0)) nooutput
    if (STATS_max > top) { top = STATS_max }
    if (pool(i) > top) { top = pool(i) }
    stats ts(i) using "failures" nooutput
    if (STATS_max > max_fail) { max_fail = STATS_max }
}
stats ts(1) using "t_s" every ::0::1 nooutput
dt = STATS_max - STATS_min
if (STATS_records < 2 || dt <= 0) { dt = 1.0 }

colors = "#1565c0 #c62828 #2e7d32 #ef6c00 #6a1b9a #00838f #8d6e63 #ad1457 #546e7a #9e9d24"
color(i) = word(colors, (i - 1) % 10 + 1)
# Runs that behave alike draw the same curve: a dash pattern per run keeps each one visible.
dash(i) = int(word("1 2 4 5", (i - 1) % 4 + 1))
short_key = system(sprintf("printf %%s '%s' | sed 's/.*\\.//'", key))
label(i) = sprintf("%s = %s: %s", short_key, word(values, i), \
    word(fails, i) eq "-" ? "no failure" : sprintf("first failure at %.4g s", real(word(fails, i))))

title = figure_title(sprintf("One run per value of %s", key))

set xrange [*:*] noextend
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set format y "%.0f"

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,700 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,700 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/vary.%s", dir, fmt)
    set multiplot title title
    set lmargin at screen 0.1
    set rmargin at screen 0.97

    # Top: occupancy.
    set tmargin at screen 0.9
    set bmargin at screen 0.42
    set format x ""
    unset xlabel
    set ylabel (nat ? "established connections" : "established + TIME_WAIT")
    set yrange [0 : top * 1.1 + 1]
    set key bottom right vertical Left reverse samplen 2 opaque box lc rgb "#e0e0e0"
    unset label 1
    if (n > 0 && pool(1) > 0 && same_pool) {
        set label 1 sprintf("pool: %s ports", commas(pool(1))) at graph 0.99, first pool(1) offset 0, 0.7 right tc rgb "#424242"
        if (top > pool(1) * 1.001) {
            set label 2 "above the pool: connections count 4-tuples; each destination has its own range" \
                at graph 0.99, first pool(1) offset 0, -0.9 right tc rgb "#424242"
        }
    }
    plot for [i = 1:n] ts(i) using "t_s":(held(0)) \
             with lines lw 2.5 lc rgb color(i) dt dash(i) title label(i), \
         for [i = 1:n] ts(i) using "t_s":(pool(i) > 0 && (!same_pool || i == 1) ? pool(i) : NaN) \
             with lines lw 1.5 dt 2 lc rgb (same_pool ? "#424242" : color(i)) notitle
    unset label 1
    unset label 2

    # Bottom: failures.
    set tmargin at screen 0.36
    set bmargin at screen 0.09
    set format x "%g"
    set xlabel "simulated time (s)"
    set ylabel "failures per second"
    set yrange [0 : (max_fail > 0 ? max_fail / dt * 1.15 : 1)]
    unset key
    if (max_fail == 0) {
        set label 3 "no failed attempts in any run" at graph 0.5, graph 0.5 center tc rgb "#555555"
    }
    plot for [i = 1:n] ts(i) using "t_s":(column("failures") / dt) with fsteps lw 2 lc rgb color(i) dt dash(i) notitle
    unset label 3
    unset multiplot
    set output
}
