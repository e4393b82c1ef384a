# SPDX-License-Identifier: Apache-2.0
# charts.gp: the benchmark charts, from the .dat files bench/tables.py writes.
#   gnuplot -e "out='bench/results'; scales='1 10'" bench/charts.gp
set terminal pngcairo size 1100,480 font "sans,10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set logscale y
set yrange [0.0005:*]
set ylabel "seconds, median (log scale)"
set xtics nomirror

set output out."/ops.png"
set multiplot layout 1, words(scales) title "Time per operation: docrel, the plain floor, the floor on docrel's storage, SQLAlchemy (get: 10,000 reads)"
do for [s in scales] {
  set title "×".s
  plot out."/ops-x".s.".dat" using 2:xtic(1) title "docrel" lc rgb "#1f77b4", \
       "" using 3 title "plain floor (C)" lc rgb "#2ca02c", \
       "" using 4 title "floor on docrel's storage (C)" lc rgb "#98df8a", \
       "" using 5 title "SQLAlchemy" lc rgb "#d62728"
}
unset multiplot

set output out."/threads.png"
unset logscale y
set yrange [0:*]
set style data linespoints
set ylabel "requests per second (median)"
set xlabel "threads"
set title "N threads × get on one store"
plot out."/threads.dat" using 1:2 title "docrel (one store)" lc rgb "#1f77b4" lw 2, \
     "" using 1:3 title "plain floor (a connection per thread)" lc rgb "#2ca02c" lw 2
unset xlabel

if (words(scales) > 1) {
  set output out."/growth.png"
  set style data histograms
  set ylabel "×".word(scales, words(scales))." / ×".word(scales, 1)
  set title "Growth ×".word(scales, 1)." → ×".word(scales, words(scales))." in CPU time and instructions (get does fixed work: linear is 1)"
  plot out."/growth.dat" using 2:xtic(1) title "docrel CPU" lc rgb "#1f77b4", \
       "" using 3 title "docrel instructions" lc rgb "#aec7e8", \
       "" using 4 title "plain floor CPU" lc rgb "#2ca02c", \
       "" using 5 title "plain floor instructions" lc rgb "#98df8a", \
       "" using 6 title "linear" lc rgb "black" fs empty
}
