#!/usr/bin/env bash
# Compile times of a Blossom program (issue 6, goal 4), on this machine, one build at a time:
#   expansion  the `program!` macro on a 30-rule program (wide.rs), as rustc's own timer
#              reports it (`-Z time-passes`, the `expand_crate` pass: every macro of the crate,
#              and the crate holds nothing but the program);
#   rebuild    `cargo build` after editing one rule, incremental, dependencies built: of a crate
#              holding only that program, and of an example binary (`shortest_paths`, whose
#              library holds every example program);
#   build      `cargo build` of the program's crate from scratch, dependencies built;
# each the median of RUNS (default 3). It builds in the workspace's target folder with the
# workspace's dev profile, and puts back the rule it edits.
#
#   examples/benches/compile/compile-times.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
runs=${1:-3}
export CARGO_TARGET_DIR="$root/target"

# A crate of its own for the program, built with the workspace's profiles (so that it shares
# the workspace's compiled dependencies).
work=$(mktemp -d)
example="$root/examples/src/shortest.rs"
cp "$example" "$work/shortest.rs.orig"
restore() {
    cp "$work/shortest.rs.orig" "$example"
    rm -rf "$work"
}
trap restore EXIT
mkdir -p "$work/src"
{
    printf '[package]\nname = "blossom-wide"\nversion = "0.0.0"\nedition = "2024"\n\n'
    printf '[dependencies]\nblossom = { path = "%s/engine" }\n\n[workspace]\n\n' "$root"
    sed -n '/^\[profile/,$p' "$root/Cargo.toml"
} > "$work/Cargo.toml"
cp "$here/wide.rs" "$work/src/lib.rs"
manifest="$work/Cargo.toml"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Runs a command quietly; `elapsed` is how long it took, in seconds.
timed() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    elapsed=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
}

# One rule edited back and forth: two terms of a sum swap places (same meaning, new tokens).
forth='s/let t = k.saturating_add(w)/let t = w.saturating_add(k)/'
back='s/let t = w.saturating_add(k)/let t = k.saturating_add(w)/'
example_forth='s/let total = k.saturating_add(w)/let total = w.saturating_add(k)/'
example_back='s/let total = w.saturating_add(k)/let total = k.saturating_add(w)/'

# Builds with `build` (untimed: whatever else ran, this is the state a user edits from), edits
# with `sed` expression `$1` or `$2` (alternately) in file `$3`, and times the same build again.
rebuilds=()
rebuild() {
    local forth=$1 back=$2 file=$3 run
    shift 3
    rebuilds=()
    for run in $(seq "$runs"); do
        timed "$@"
        if (( run % 2 )); then sed -i "$forth" "$file"; else sed -i "$back" "$file"; fi
        timed "$@"
        rebuilds+=("$elapsed")
        echo "  run $run: $elapsed s" >&2
    done
}

echo "rebuild of the program's crate after editing one rule" >&2
rebuild "$forth" "$back" "$work/src/lib.rs" cargo build --manifest-path "$manifest"
wide=("${rebuilds[@]}")
echo "rebuild of the shortest_paths example after editing one rule" >&2
rebuild "$example_forth" "$example_back" "$example" cargo build -p blossom-examples --bin shortest_paths
examples=("${rebuilds[@]}")

# Last: `cargo rustc` with other flags makes the next `cargo build` a build from scratch.
echo "expansion" >&2
expansion=()
for run in $(seq "$runs"); do
    touch "$work/src/lib.rs"
    ms=$(RUSTC_BOOTSTRAP=1 cargo rustc -q --manifest-path "$manifest" --lib -- -Z time-passes 2>&1 |
        awk '/expand_crate/ && !done { sub(";", "", $2); print $2 * 1000; done = 1 }')
    [[ -n $ms ]] || { echo "no expand_crate time from rustc -Z time-passes" >&2; exit 1; }
    expansion+=("$ms")
    echo "  run $run: $ms ms" >&2
done

echo "build of the program's crate, dependencies built" >&2
scratch=()
for run in $(seq "$runs"); do
    cargo clean -q --manifest-path "$manifest" -p blossom-wide
    timed cargo build --manifest-path "$manifest"
    scratch+=("$elapsed")
    echo "  run $run: $elapsed s" >&2
done

echo "| what | median of $runs | each |"
echo "| --- | ---: | --- |"
echo "| expansion of the 30-rule program | $(printf '%s\n' "${expansion[@]}" | median) ms | ${expansion[*]} |"
echo "| rebuild after editing one rule: the program's crate | $(printf '%s\n' "${wide[@]}" | median) s | ${wide[*]} |"
echo "| rebuild after editing one rule: the \`shortest_paths\` example | $(printf '%s\n' "${examples[@]}" | median) s | ${examples[*]} |"
echo "| build of the program's crate from scratch, dependencies built | $(printf '%s\n' "${scratch[@]}" | median) s | ${scratch[*]} |"
