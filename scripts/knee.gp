# needs: capacity.csv
# columns: capacity.csv: rate_per_s failure_ratio ci95_low ci95_high
# The knee: failure ratio against offered connection rate, with 95 % confidence bars.
# Usage: gnuplot -c scripts/knee.gp DIR    (writes DIR/knee.png and DIR/knee.svg)
# Reads DIR/capacity.csv (portsim capacity --sweep): one row per offered rate, with the
# mean failure ratio over n replications and its 95 % confidence interval. The y axis is
# logarithmic, so the first rare failures show as clearly as the flood past the knee;
# rates where no replication failed are drawn on a floor line below the smallest failure.
# DIR/capacity_summary.csv (portsim capacity without --sweep), if present, adds the rate
# the search found; it or DIR/closed_forms.csv (written by capacity --report, for a sweep
# too) gives the closed-form bounds, drawn as vertical lines. Behind a NAT they are the
# binding pool's (binding_pool: nat or host), named in the key; the other pool's bound is
# drawn too when it is on the chart, else named in a corner. The title says what was run
# (figure.gpi), or names the run directory (results/NAME/capacity -> NAME).

if (ARGC < 1) {
    print "usage: gnuplot -c knee.gp DIR"
    exit status 2
}
dir = ARG1
data = dir . "/capacity.csv"
load system(sprintf("dirname '%s'", ARG0)) . "/figure.gpi"

set datafile separator comma

# One awk pass over the file, by column name: the smallest positive value of
# failure_ratio and ci95_low, the lowest rate with failures, the highest without, and
# the number of replications (n, if the column is there).
facts = system(sprintf("awk -F, ' \
    NR == 1 { for (i = 1; i <= NF; i++) { sub(/\\r$/, \"\", $i); c[$i] = i }; next } \
    { sub(/\\r$/, \"\"); r = $c[\"rate_per_s\"] + 0; f = $c[\"failure_ratio\"] + 0; lo = $c[\"ci95_low\"] + 0; \
      if (f > 0 && (minpos == \"\" || f < minpos)) minpos = f; \
      if (lo > 0 && (minpos == \"\" || lo < minpos)) minpos = lo; \
      if (f > 0 && (knee == \"\" || r < knee)) knee = r; \
      if (f == 0 && (calm == \"\" || r > calm)) calm = r; \
      if (\"n\" in c) n = $c[\"n\"] } \
    END { printf \"%%s %%s %%s %%s\", (minpos == \"\" ? \"none\" : minpos), (knee == \"\" ? \"none\" : knee), \
          (calm == \"\" ? \"none\" : calm), (n == \"\" ? \"none\" : n) }' '%s'", data))
min_positive = word(facts, 1)
knee_rate = word(facts, 2)
calm_rate = word(facts, 3)
reps = word(facts, 4)

# The search's result and the closed forms (metric,value), from capacity_summary.csv (a
# search ran here) or closed_forms.csv (capacity --report), whichever has them first.
summary_value(m) = system(sprintf("cat '%s/capacity_summary.csv' '%s/closed_forms.csv' 2>/dev/null | \
    awk -F, -v m='%s' '$1 == m { sub(/\\r$/, \"\", $2); print $2; exit }'", dir, dir, m))
cap_found = summary_value("capacity_per_s")
cap_det = summary_value("deterministic_bound_per_s")
cap_erl = summary_value("erlang_b_per_s")
cap_target = summary_value("target_failure_ratio")
binding = summary_value("binding_pool")
pool_name(p) = (p eq "nat" ? "the NAT's ports" : "the inside hosts' own ports")
other = (binding eq "nat" ? "host" : "nat")
other_det = (strlen(binding) > 0 ? summary_value(other . "_deterministic_bound_per_s") : "")
stats data using "rate_per_s" nooutput
x_lo = STATS_min
x_hi = STATS_max
do for [v in cap_found . " " . cap_det . " " . cap_erl] {
    if (real(v) > 0) {
        if (real(v) < x_lo) { x_lo = real(v) }
        if (real(v) > x_hi) { x_hi = real(v) }
    }
}
pad = (x_hi > x_lo ? (x_hi - x_lo) * 0.04 : 1)

# The floor: one decade below the smallest positive value (1e-4 when nothing failed).
if (min_positive eq "none") {
    floor = 1e-4
} else {
    floor = 10.0 ** (floor(log10(real(min_positive))) - 1)
}
clamp(v) = (v > floor ? v : floor)

# Title: what was run, else the run directory's name (results/NAME/capacity -> NAME).
name = what
if (strlen(name) == 0) {
    name = system(sprintf("d='%s'; b=$(basename \"$d\"); if [ \"$b\" = capacity ]; then b=$(basename \"$(dirname \"$d\")\"); fi; printf %%s \"$b\"", dir))
}
title = "Failure ratio against offered connection rate"
if (strlen(name) > 0) { title = title . ": " . name }
if (!(reps eq "none")) { title = title . sprintf(" (%s replications per rate)", reps) }

set title title
set xlabel "offered rate (new connections per second)"
set ylabel "failure ratio (failed / attempted connections)"
set logscale y
set yrange [floor / 2.0 : 1.5]
set format y "%g"
set xrange [x_lo - pad : x_hi + pad]
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set key below center horizontal maxcols 3 reverse Left samplen 2

# The floor line, and the knee: between the highest calm rate and the lowest failing one.
set arrow 1 from graph 0, first floor to graph 1, first floor nohead dt 3 lc rgb "#9e9e9e" back
if (!(knee_rate eq "none")) {
    set arrow 2 from first real(knee_rate), graph 0 to first real(knee_rate), graph 1 nohead dt 2 lc rgb "#e53935" back
    if (calm_rate eq "none" || real(calm_rate) > real(knee_rate)) {
        knee_text = sprintf("failures from %s per s", knee_rate)
    } else {
        knee_text = sprintf("knee: none at %s, some at %s per s", calm_rate, knee_rate)
    }
} else {
    knee_text = ""
    set label 1 "no failure at any rate" at graph 0.98, graph 0.95 right tc rgb "#555555" front
}

# Vertical lines: drawn as arrows, named in the key by empty plots of the same style.
found_title = ""
det_title = ""
erl_title = ""
if (strlen(cap_found) > 0) {
    set arrow 3 from first real(cap_found), graph 0 to first real(cap_found), graph 1 nohead lw 2 lc rgb "#6a1b9a" back
    found_title = sprintf("search: %.0f per s (<= %g %% failed)", real(cap_found), 100 * real(cap_target))
}
if (strlen(cap_det) > 0) {
    set arrow 4 from first real(cap_det), graph 0 to first real(cap_det), graph 1 nohead lw 1.5 dt 4 lc rgb "#ef6c00" back
    det_title = sprintf("ports / holding time: %.0f per s", real(cap_det))
    if (strlen(binding) > 0) {
        det_title = sprintf("binding, %s / holding time: %.4g per s", pool_name(binding), real(cap_det))
    }
}
other_title = ""
if (strlen(other_det) > 0) {
    if (real(other_det) >= x_lo - pad && real(other_det) <= x_hi + pad) {
        set arrow 6 from first real(other_det), graph 0 to first real(other_det), graph 1 nohead lw 1.5 dt 3 lc rgb "#757575" back
        other_title = sprintf("%s / holding time: %.4g per s", pool_name(other), real(other_det))
    } else {
        set label 6 sprintf("%s would allow %s per s (off the chart)", pool_name(other), \
            (real(other_det) >= 1000 ? commas(real(other_det)) : sprintf("%.4g", real(other_det)))) \
            at graph 0.02, graph 0.95 left tc rgb "#555555" front
    }
}
if (strlen(cap_erl) > 0) {
    set arrow 5 from first real(cap_erl), graph 0 to first real(cap_erl), graph 1 nohead lw 1.5 dt 5 lc rgb "#00838f" back
    erl_title = sprintf("Erlang-B: %.0f per s", real(cap_erl))
}

do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/knee.%s", dir, fmt)
    plot data using "rate_per_s":(column("failure_ratio") > 0 ? column("failure_ratio") : NaN) \
             with lines lw 1.5 lc rgb "#90caf9" notitle, \
         ""   using "rate_per_s":(column("failure_ratio") > 0 ? column("failure_ratio") : NaN) \
                    :(clamp(column("ci95_low"))):(clamp(column("ci95_high"))) \
             with yerrorbars pt 7 ps 1.1 lw 1.5 lc rgb "#1565c0" title "failure ratio, 95 % interval", \
         ""   using "rate_per_s":(column("failure_ratio") > 0 ? NaN : floor) \
             with points pt 8 ps 1.3 lw 1.5 lc rgb "#2e7d32" \
             title sprintf("no failure (drawn at %g)", floor), \
         NaN with lines dt 2 lc rgb "#e53935" title knee_text, \
         NaN with lines lw 2 lc rgb "#6a1b9a" title found_title, \
         NaN with lines lw 1.5 dt 4 lc rgb "#ef6c00" title det_title, \
         NaN with lines lw 1.5 dt 5 lc rgb "#00838f" title erl_title, \
         NaN with lines lw 1.5 dt 3 lc rgb "#757575" title other_title
    set output
}
