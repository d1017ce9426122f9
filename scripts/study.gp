# needs: study-points.csv
# columns: study-points.csv: point metric mean ci95_low ci95_high n
# A parameter study's figure: one summary column against one variable, one line per value of
# another, each point the mean over the replications with its 95 % confidence interval.
# Usage: gnuplot -c scripts/study.gp DIR [x=VAR] [by=VAR] [y=COLUMN] [VAR=VALUE]... [logx] [logy]
#   (writes DIR/study.png and DIR/study.svg from DIR/study-points.csv, portsim study merge)
# x defaults to the numeric variable with the most values, by to the first other variable
# (none with one variable), y to failure_ratio (any metric of study-points.csv). The other variables are held at their value
# at point 0 unless VAR=VALUE picks another. logx and logy draw an axis on a log scale (zeros
# left out on y).
# A variable whose values are not all numbers is drawn as categories, in the study's order.

if (ARGC < 1) {
    print "usage: gnuplot -c study.gp DIR [x=VAR] [by=VAR] [y=COLUMN] [VAR=VALUE]... [logx] [logy]"
    exit status 2
}
dir = ARG1
data = dir . "/study-points.csv"

# The variables: the columns between point and metric.
vars = system(sprintf("awk -F, 'NR == 1 { sub(/\\r$/, \"\"); for (i = 2; i <= NF && $i != \"metric\"; i++) printf \"%%s \", $i; exit }' '%s'", data))
has(list, w) = sum [i = 1:words(list)] (word(list, i) eq w ? 1 : 0)

# Defaults: x, the numeric variable with the most values; by, the first other one.
x = system(sprintf("awk -F, 'NR == 1 { sub(/\\r$/, \"\"); for (k = 2; k <= NF && $k != \"metric\"; k++) h[k] = $k; m = k; next } \
    { sub(/\\r$/, \"\"); for (k = 2; k < m; k++) { if (!((k, $k) in s)) { s[k, $k] = 1; n[k]++ } if ($k !~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) t[k] = 1 } } \
    END { b = 2; for (k = 2; k < m; k++) if ((t[b] && !t[k]) || (t[b] == t[k] && n[k] > n[b])) b = k; print h[b] }' '%s'", data))
by = ""
do for [i = words(vars):1:-1] { if (!(word(vars, i) eq x)) { by = word(vars, i) } }
y = "failure_ratio"
logx = 0
logy = 0
picks = ""
do for [i = 2:ARGC] {
    a = ARGV[i]
    eq = strstrt(a, "=")
    k = (eq > 0 ? a[1:eq - 1] : a)
    v = (eq > 0 ? a[eq + 1:] : "")
    if (k eq "x") {
        x = v
    } else { if (k eq "by") {
        by = v
    } else { if (k eq "y") {
        y = v
    } else { if (k eq "logy" || k eq "logx") {
        if (k eq "logy") { logy = 1 } else { logx = 1 }
    } else { if (has(vars, k) && eq > 0) {
        picks = picks . k . "=" . v . "|"
    } else {
        print sprintf("study.gp: \"%s\": allowed: x=VAR, by=VAR, y=COLUMN, VAR=VALUE, logx, logy; variables: %s", a, vars)
        exit status 2
    } } } } }
}
if (!has(vars, x) || (strlen(by) > 0 && (!has(vars, by) || by eq x))) {
    print sprintf("study.gp: x=%s by=%s: allowed: two different variables of %s: %s", x, by, data, vars)
    exit status 2
}

# Every other variable held at a value: the one picked, else its value at point 0.
awk_head = "BEGIN { FS = \",\" } NR == 1 { sub(/\\r$/, \"\"); for (i = 1; i <= NF; i++) c[$i] = i; next } { sub(/\\r$/, \"\") }"
first(var) = system(sprintf("awk '%s $c[\"point\"] == 0 { print $c[\"%s\"]; exit }' '%s'", awk_head, var, data))
held = ""
do for [i = 1:words(vars)] {
    w = word(vars, i)
    if (!(w eq x) && !(w eq by)) {
        p = strstrt(picks, w . "=")
        if (p > 0) {
            rest = picks[p + strlen(w) + 1:]
            held = held . w . "=" . rest[1:strstrt(rest, "|") - 1] . "|"
        } else {
            held = held . w . "=" . first(w) . "|"
        }
    }
}

# Rows of metric y whose held variables have their values (and by, when given, the value bv).
# Prints x (its position among the categories when x is not numeric), mean, low, high, x's text.
keep = "function keep(   n, k, f, e) { n = split(held, f, \"|\"); for (k = 1; k <= n; k++) { if (f[k] == \"\") continue; e = index(f[k], \"=\"); \
    if ($c[substr(f[k], 1, e - 1)] != substr(f[k], e + 1)) return 0 } return $c[\"metric\"] == y }"
rows(bv, off) = sprintf("< awk -v y='%s' -v x='%s' -v by='%s' -v bv='%s' -v held='%s' -v off=%g '%s %s \
    $c[\"metric\"] == y { v = $c[x]; if (!(v in pos)) { pos[v] = ++nx; if (v !~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) cat = 1 } \
      if (keep() && (by == \"\" || $c[by] == bv) && $c[\"mean\"] != \"\") { r++; rx[r] = v; rm[r] = $c[\"mean\"]; rl[r] = $c[\"ci95_low\"]; rh[r] = $c[\"ci95_high\"] } } \
    END { for (i = 1; i <= r; i++) printf \"%%s\\t%%s\\t%%s\\t%%s\\t%%s\\n\", (cat ? pos[rx[i]] + off : rx[i]), rm[i], rl[i], rh[i], rx[i] }' '%s'", \
    y, x, by, bv, held, off, awk_head, keep, data)

# The lines: by's values among the rows kept, in the study's order.
bys = (strlen(by) > 0 ? system(sprintf("awk -v y='%s' -v held='%s' -v by='%s' '%s %s keep() && !($c[by] in s) { s[$c[by]] = 1; printf \"%%s \", $c[by] }' '%s'", y, held, by, awk_head, keep, data)) : "-")
nb = words(bys)
categorical = system(sprintf("awk -v y='%s' -v x='%s' '%s $c[\"metric\"] == y && $c[x] !~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/ { print 1; exit }' '%s'", y, x, awk_head, data)) eq "1"
reps = system(sprintf("awk -v y='%s' '%s $c[\"metric\"] == y && $c[\"n\"] + 0 > n { n = $c[\"n\"] + 0 } END { print n + 0 }' '%s'", y, awk_head, data))
labels = system(sprintf("awk -v y='%s' -v x='%s' '%s $c[\"metric\"] == y && !($c[x] in s) { s[$c[x]] = 1; printf \"%%s \", $c[x] }' '%s'", y, x, awk_head, data))

title = sprintf("%s against %s", y, x)
if (strlen(by) > 0) { title = title . sprintf(", one line per %s", by) }
fixed = ""
do for [i = 1:words(vars)] {
    w = word(vars, i)
    p = strstrt(held, w . "=")
    if (p > 0) {
        rest = held[p:]
        fixed = fixed . (strlen(fixed) > 0 ? ", " : "") . rest[1:strstrt(rest, "|") - 1]
    }
}
if (strlen(fixed) > 0) { title = title . "\n(" . fixed . ")" }
name = system(sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"scenario\") s = i; next } s { print $s; exit }' '%s/study.csv' 2>/dev/null", dir))
if (strlen(name) > 0) { title = "study " . name . ": " . title }

set title title noenhanced
set xlabel x noenhanced
set ylabel sprintf("%s (mean of %s replications, 95 %% interval)", y, reps) noenhanced
set datafile separator "\t"
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set border 3
set xtics nomirror
set ytics nomirror
set key outside right top title (strlen(by) > 0 ? by : "") noenhanced
ymax = real(system(sprintf("awk -v y='%s' '%s $c[\"metric\"] == y && $c[\"ci95_high\"] + 0 > m { m = $c[\"ci95_high\"] + 0 } END { print m + 0 }' '%s'", y, awk_head, data)))
if (logy) { set logscale y; set format y "%g" } else { set yrange [0 : (ymax > 0 ? ymax * 1.05 : 1)] }
if (logx && !categorical) { set logscale x 2; set format x "%g" }
if (categorical) {
    set xrange [0.5 : words(labels) + 0.5]
    set xtics ()
    do for [i = 1:words(labels)] { set xtics add (word(labels, i) i) }
} else {
    set offsets graph 0.03, graph 0.03, 0, 0
}
# Lines side by side a little on a category axis, so their bars do not hide each other.
shift(i) = (categorical && nb > 1 ? (i - (nb + 1) / 2.0) * 0.3 / nb : 0)
ok(v) = (logy && v <= 0 ? NaN : v)

palette = "#1565c0 #e53935 #2e7d32 #6a1b9a #ef6c00 #00838f #5d4037 #c2185b #455a64 #9e9d24"
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,600 font "DejaVu Sans,11" noenhanced
    } else {
        set terminal svg size 1000,600 font "DejaVu Sans,11" noenhanced dynamic background rgb "white"
    }
    set output sprintf("%s/study.%s", dir, fmt)
    plot for [i = 1:nb] rows(word(bys, i), shift(i)) using 1:(ok($2)):(ok($3)):(ok($4)) \
         with yerrorlines pt 7 ps 0.9 lw 1.5 lc rgb word(palette, (i - 1) % 10 + 1) \
         title (strlen(by) > 0 ? word(bys, i) : y)
    set output
}
