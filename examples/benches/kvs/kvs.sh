#!/usr/bin/env bash
# The key-value store (`kvs`, one process of two workers) against Debian's redis-server on this
# machine, in one run: redis-benchmark's SET, GET and INCR with 50 clients, without pipelining
# and with 16 commands in flight per client, over one key (redis-benchmark's default: every
# request names `key:__rand_int__`), over 10 keys (`-r 10`, contended) and over a million
# (`-r 1000000`). Servers alternate run by run; each row is the median of RUNS.
#
#   examples/benches/kvs/kvs.sh [REQUESTS] [RUNS] [WORKERS]     # default: 1000000 3 2
#
# Prints a Markdown table: requests per second of each server, and kvs / redis.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
requests="${1:-1000000}"
runs="${2:-3}"
workers="${3:-2}"
for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install redis-server redis-tools" >&2; exit 2; }
done
cd "$root"
cargo build --release -q -p blossom-examples --bin kvs
target="${CARGO_TARGET_DIR:-target}"
kvs_port=7391
redis_port=6391
"$target"/release/kvs --port "$kvs_port" -w "$workers" 2>/dev/null &
kvs_pid=$!
redis-server --port "$redis_port" --save "" --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill $kvs_pid $redis_pid 2>/dev/null || true' EXIT
for port in "$kvs_port" "$redis_port"; do
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "nothing answers on port $port" >&2; exit 1; }
done

median() { sort -g | awk '{ a[NR]=$1 } END { m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.0f", m }'; }

# One redis-benchmark run: requests per second of test $2 on port $1 with options $3.
rps() {
  redis-benchmark -p "$1" -t "$2" -n "$requests" -c 50 $3 --csv 2>/dev/null \
    | awk -F'","' 'NR == 2 { gsub(/"/, "", $2); print $2 }'
}

echo "| test | keys | pipeline | kvs ($workers workers) | redis-server | kvs / redis |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for keys in "1" "10" "1000000"; do
  case "$keys" in 1) range="" ;; *) range="-r $keys" ;; esac
  for pipeline in 1 16; do
    for test in set get incr; do
      kvs_runs=() redis_runs=()
      for _ in $(seq "$runs"); do
        kvs_runs+=("$(rps "$kvs_port" "$test" "-P $pipeline $range")")
        redis_runs+=("$(rps "$redis_port" "$test" "-P $pipeline $range")")
      done
      k=$(printf '%s\n' "${kvs_runs[@]}" | median)
      r=$(printf '%s\n' "${redis_runs[@]}" | median)
      ratio=$(awk -v k="$k" -v r="$r" 'BEGIN { printf "%.2f", k / r }')
      echo "| ${test^^} | $keys | $pipeline | $k | $r | $ratio |"
    done
  done
done
