# SPDX-License-Identifier: Apache-2.0
# charts.gp: the benchmark charts, from the .dat files bench/tables.py writes.
#   gnuplot -e "out='bench/results'; scales='1 10'" bench/charts.gp
set terminal pngcairo size 1000,480 font "sans,10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set logscale y
set yrange [0.001:*]
set ylabel "seconds (log scale)"
set xtics nomirror

set output out."/ops.png"
set multiplot layout 1, words(scales) title "Time per operation: docrel, the hand-written SQLite floor, SQLAlchemy"
do for [s in scales] {
  set title "×".s
  plot out."/ops-x".s.".dat" using 2:xtic(1) title "docrel" lc rgb "#1f77b4", \
       "" using 3 title "floor (C)" lc rgb "#2ca02c", \
       "" using 4 title "SQLAlchemy" lc rgb "#d62728"
}
unset multiplot

if (words(scales) > 1) {
  set output out."/growth.png"
  unset logscale y
  set yrange [0:*]
  lin = real(word(scales, words(scales))) / real(word(scales, 1))
  set ylabel "time at ×".word(scales, words(scales))." / time at ×".word(scales, 1)
  set title "Growth ×".word(scales, 1)." → ×".word(scales, words(scales))." (get and delete\\_all do fixed work on more data)"
  plot out."/growth.dat" using 2:xtic(1) title "docrel" lc rgb "#1f77b4", \
       "" using 3 title "floor (C)" lc rgb "#2ca02c", \
       "" using 4 title "SQLAlchemy" lc rgb "#d62728", \
       lin with lines dt 2 lc rgb "black" title "linear"
}
