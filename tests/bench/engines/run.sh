#!/bin/sh
# The engine prototypes on the reference data: a fresh columnar store from the CSV (import
# timed), then the four builder aggregates of queries.txt, five runs each, a new session per run
# (the OS file cache warm, no result cache), on 2 threads and on 1.
# Usage: tests/bench/engines/run.sh ROWS...   (e.g. 1000000 5000000; needs the release builds:
#   (cd tests/bench/engines/datafusion && cargo build --release), same for duckdb)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-$(mktemp -d)}
for n in "$@"; do
  csv="$work/sales-$n.csv"
  [ -f "$csv" ] || python3 "$here/../../../../shared/bench/gen_sales.py" "$n" "$csv"
  for e in datafusion duckdb; do
    store="$work/store-$e-$n"; rm -rf "$store"
    bin="$here/$e/target/release/engine-$e"
    echo "== $e, $n rows, 2 threads"
    /usr/bin/time -f "peak RSS %M KB, %e s in all" "$bin" "$csv" "$store" 2 "$here/queries.txt"
    echo "== $e, $n rows, 1 thread"
    "$bin" "$csv" "$store" 1 "$here/queries.txt"
    echo "store: $(du -b "$store" | cut -f1) bytes"
  done
done
