#!/usr/bin/env bash
# A cluster's start-up: the wall time of `reachability` on the bundled graph (ol-cedge), run
# alone and under `blossom launch -n N` for N = 1 to 4, on loopback, alternating.
#
#   examples/benches/cluster/startup.sh [RUNS]      # default: 5
#
# Prints a Markdown table: per configuration, the median (min-max) of the whole run's wall time
# (start, connect, read the graph, compute, exit), its ratio to the process run alone, and the
# pairs process 0 prints, which must agree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
runs="${1:-5}"
cd "$root"
# NO_BUILD=1 runs the binaries already in target/release.
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p blossom-examples --bin reachability -p blossom-net --bin blossom
reach="${CARGO_TARGET_DIR:-$root/target}/release/reachability"
launch="${CARGO_TARGET_DIR:-$root/target}/release/blossom"

median() { sort -g | awk '{ a[NR]=$1 } END { m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f", m, a[1], a[NR] }'; }

declare -A wall pairs
configs=("reachability alone" "launch -n 1" "launch -n 2" "launch -n 3" "launch -n 4")
for run in $(seq "$runs"); do
  for config in "${configs[@]}"; do
    start=$(date +%s.%N)
    case "$config" in
      "reachability alone") out=$("$reach" 2>&1) ;;
      *) out=$("$launch" launch -n "${config##* }" -- "$reach" 2>&1) ;;
    esac
    end=$(date +%s.%N)
    count=$(printf '%s\n' "$out" | sed -n 's/^\(\[p0\] \)\{0,1\}pairs=\([0-9]*\)$/\2/p')
    [ -n "$count" ] || { echo "$config: no result in:"; echo "$out"; exit 1; } >&2
    wall[$config]+="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') "
    pairs[$config]=$count
  done
  echo "[$run/$runs] done" >&2
done

read -r alone _ _ <<<"$(printf '%s\n' ${wall["reachability alone"]} | median)"
echo "| ol-cedge | whole run | ratio to alone | pairs |"
echo "| --- | ---: | ---: | ---: |"
for config in "${configs[@]}"; do
  read -r m lo hi <<<"$(printf '%s\n' ${wall[$config]} | median)"
  ratio=$(awk -v m="$m" -v a="$alone" 'BEGIN { printf "%.2f", m / a }')
  echo "| $config | $m s ($lo–$hi) | ${ratio}× | ${pairs[$config]} |"
done
