# Throughput against client threads, one line per target, as SVG.
#
#   gnuplot -e "datafile='throughput.dat'; outfile='throughput.svg'; \
#               chart_title='CreateUsers ...'" throughput.gnuplot
#
# datafile holds one block per target, blocks separated by two blank lines;
# each block starts with the target's name in double quotes, then lines of
# "THREADS REQUESTS_PER_SECOND". make_report.py writes it.

if (!exists("datafile")) datafile = 'throughput.dat'
if (!exists("outfile")) outfile = 'throughput.svg'
if (!exists("chart_title")) chart_title = 'Throughput against client threads'

set terminal svg size 960,600 dynamic enhanced font 'sans,14' background rgb 'white'
set output outfile
set encoding utf8

set title chart_title noenhanced
set xlabel 'client threads (one keep-alive connection each)'
set ylabel 'throughput (requests per second)'
set logscale x 2
set xtics 2 nomirror
set ytics nomirror
set format y '%.0f'
set yrange [0:*]
set grid xtics ytics lc rgb '#dddddd'
set key outside right top noenhanced title 'target'
set border 3
# Okabe-Ito colours, which stay apart for colour-blind readers.
array colours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000']
do for [i = 1:|colours|] { set linetype i linecolor rgb colours[i] }
set linetype cycle |colours|

stats datafile using 1 nooutput
plot for [block = 0:STATS_blocks - 1] datafile index block using 1:2 \
     with linespoints linewidth 2 pointsize 1.2 title columnheader(1)
