#!/usr/bin/env bash
# Reachability on one process of two workers against two processes of one worker each, on
# loopback (started by `blossom launch`), with one process of one worker for reference.
#
#   examples/benches/cluster/cluster.sh [GRAPH] [RUNS]      # default: ego-facebook 3
#
# Prints a Markdown table: per configuration, the median (min-max) of the closure's time as
# process 0 reports it ("closure computed in ..."), and of the whole run's wall time (start,
# connect, load, compute, exit), and the pairs, which must agree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
graph="${1:-ego-facebook}"
runs="${2:-3}"
file="$root/data/graphs/$graph.tsv"
[ -f "$file" ] || { echo "no graph $file" >&2; exit 2; }
cd "$root"
# NO_BUILD=1 runs the binaries already in target/release.
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p blossom-examples --bin reachability -p blossom-net --bin blossom
reach="${CARGO_TARGET_DIR:-$root/target}/release/reachability"
launch="${CARGO_TARGET_DIR:-$root/target}/release/blossom"

# Seconds in a Rust Duration's Debug form (1.23s, 850.12ms, 12.3µs).
seconds() { awk '{ v=$1; if (v ~ /ms$/) { sub(/ms$/,"",v); print v/1000 } else if (v ~ /µs$/) { sub(/µs$/,"",v); print v/1000000 } else { sub(/s$/,"",v); print v } }'; }
median() { sort -g | awk '{ a[NR]=$1 } END { m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f s (%.3f–%.3f)", m, a[1], a[NR] }'; }

declare -A closure wall pairs
configs=("1 process x 1 worker" "1 process x 2 workers" "2 processes x 1 worker")
for run in $(seq "$runs"); do
  for config in "${configs[@]}"; do
    start=$(date +%s.%N)
    case "$config" in
      "1 process x 1 worker") out=$("$reach" --input "$file" 2>&1) ;;
      "1 process x 2 workers") out=$("$reach" --input "$file" -w 2 2>&1) ;;
      "2 processes x 1 worker") out=$("$launch" launch -n 2 -- "$reach" --input "$file" 2>&1) ;;
    esac
    end=$(date +%s.%N)
    took=$(printf '%s\n' "$out" | sed -n 's/^\(\[p0\] \)\{0,1\}closure computed in \([^ ]*\) on.*/\2/p' | seconds)
    count=$(printf '%s\n' "$out" | sed -n 's/^\(\[p0\] \)\{0,1\}pairs=\([0-9]*\)$/\2/p')
    [ -n "$took" ] && [ -n "$count" ] || { echo "$config: no result in:"; echo "$out"; exit 1; } >&2
    closure[$config]+="$took "
    wall[$config]+="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') "
    pairs[$config]=$count
    echo "[$run/$runs] $graph, $config: closure $took s, pairs $count" >&2
  done
done

echo "| $graph | closure (process 0) | whole run | pairs |"
echo "| --- | ---: | ---: | ---: |"
for config in "${configs[@]}"; do
  c=$(printf '%s\n' ${closure[$config]} | median)
  w=$(printf '%s\n' ${wall[$config]} | median)
  echo "| $config | $c | $w | ${pairs[$config]} |"
done
