#!/usr/bin/env bash
# Compile times of a Blossom program (issue 6, goal 4), on this machine, one build at a time:
#   expansion  the `program!` macro on a 30-rule program (wide.rs), as rustc's own timer
#              reports it (`-Z time-passes`, the `expand_crate` pass: every macro of the crate,
#              and the crate holds nothing but the program);
#   rebuild    `cargo build` after editing one rule, incremental, dependencies built: of a crate
#              holding only that program, and of an example binary (`shortest_paths`, whose
#              library holds every example program);
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

echo "warming up (dependencies, both crates)" >&2
cargo build -q --manifest-path "$manifest"
cargo build -q -p blossom-examples --bin shortest_paths

# One rule edited back and forth: `k` and `w` swap places in a sum (same meaning, new tokens).
edit() { sed -i "$1" "$2"; }
forth='s/let t = k.saturating_add(w)/let t = w.saturating_add(k)/'
back='s/let t = w.saturating_add(k)/let t = k.saturating_add(w)/'
example_forth='s/let total = k.saturating_add(w)/let total = w.saturating_add(k)/'
example_back='s/let total = w.saturating_add(k)/let total = k.saturating_add(w)/'

expansion=() wide=() examples=()
for run in $(seq "$runs"); do
    touch "$work/src/lib.rs"
    ms=$(RUSTC_BOOTSTRAP=1 cargo rustc -q --manifest-path "$manifest" --lib -- -Z time-passes 2>&1 |
        awk '/expand_crate/ && !done { sub(";", "", $2); print $2 * 1000; done = 1 }')
    [[ -n $ms ]] || { echo "no expand_crate time from rustc -Z time-passes" >&2; exit 1; }
    expansion+=("$ms")
    if (( run % 2 )); then e=$forth; x=$example_forth; else e=$back; x=$example_back; fi
    edit "$e" "$work/src/lib.rs"
    timed cargo build --manifest-path "$manifest"
    wide+=("$elapsed")
    edit "$x" "$example"
    timed cargo build -p blossom-examples --bin shortest_paths
    examples+=("$elapsed")
    echo "run $run: expansion ${ms} ms, rebuild ${wide[-1]} s (program), ${examples[-1]} s (example)" >&2
done

echo "| what | median of $runs | each |"
echo "| --- | ---: | --- |"
echo "| expansion of the 30-rule program | $(printf '%s\n' "${expansion[@]}" | median) ms | ${expansion[*]} |"
echo "| rebuild after editing one rule: the program's crate | $(printf '%s\n' "${wide[@]}" | median) s | ${wide[*]} |"
echo "| rebuild after editing one rule: the \`shortest_paths\` example | $(printf '%s\n' "${examples[@]}" | median) s | ${examples[*]} |"
