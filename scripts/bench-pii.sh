#!/usr/bin/env bash
# Measures `piaf pii scan` beside ripgrep on the same generated file and prints both throughputs,
# their ratio, and piaf's peak memory (RSS). ripgrep runs comparable patterns for every entity
# type, counting every match (--count-matches), not just matching lines.
#
# Usage: scripts/bench-pii.sh [SIZE_MB]   (default 1024: a 1 GB file)
# Env:   BENCH_DIR keeps the corpus between runs (default: a temporary folder, removed at the end)
#        RUNS: runs of each tool; the best is kept (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

size_mb=${1:-1024}
runs=${RUNS:-3}
if ! command -v rg >/dev/null; then
  echo "ripgrep (rg) is missing: apt-get install -y ripgrep" >&2
  exit 1
fi
if ! [ -x /usr/bin/time ]; then
  echo "GNU time is missing (for peak memory): apt-get install -y time" >&2
  exit 1
fi

dir=${BENCH_DIR:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
corpus="$dir/corpus-${size_mb}mb.txt"
go build -o "$dir/piaf" ./cmd/piaf
if ! [ -s "$corpus" ]; then
  echo "generating $corpus ($size_mb MB)..." >&2
  go run ./assessments/pii/internal/corpus/gencorpus -size $((size_mb << 20)) -format text > "$corpus"
fi
bytes=$(stat -c %s "$corpus")

# Patterns comparable to what piaf detects (before its validation, which rg cannot do).
given=$(grep -v '^#' assessments/pii/names/given.txt | tr -s ' \n' '\n' | grep . | paste -sd '|')
surnames=$(grep -v '^#' assessments/pii/names/surnames.txt | tr -s ' \n' '\n' | grep . | paste -sd '|')
patterns=(
  -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
  -e '(?:\+[0-9]{1,3}[ -]?(?:\(0\) ?)?)?\(?[0-9]{2,5}\)?[ ./-]?[0-9]{2,8}(?:[ ./-][0-9]{2,4}){0,3}'
  -e '\b(?:[0-9]{4}[ -]?){3}[0-9]{1,4}\b|\b[0-9]{4}[ -]?[0-9]{6}[ -]?[0-9]{5}\b'
  -e '\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b'
  -e '\b[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}\b'
  -e '\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b'
  -e '\b(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}\b'
  -e '\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b'
  -e "\\b(?:$given) (?:$surnames)\\b"
)

cat "$corpus" > /dev/null # warm the page cache for both tools
# Each run records wall seconds, CPU seconds (user+sys) and peak RSS. On a shared machine the CPU
# figures are the steadier comparison; both are printed.
rg_runs=() piaf_runs=()
for _ in $(seq "$runs"); do
  rg_runs+=("$( { /usr/bin/time -f '%e %U %S %M' rg --count-matches "${patterns[@]}" "$corpus" > "$dir/rg.out"; } 2>&1 )")
  piaf_runs+=("$( { /usr/bin/time -f '%e %U %S %M' "$dir/piaf" pii scan --json "$corpus" > "$dir/piaf.out"; } 2>&1 )")
done
printf '%s\n' "${rg_runs[@]}" > "$dir/rg.times"
printf '%s\n' "${piaf_runs[@]}" > "$dir/piaf.times"
awk -v b="$bytes" -v n="$runs" -v rgm="$(cat "$dir/rg.out")" '
  function best(file,   w, c, line, f) {
    w = c = 1e18
    while ((getline line < file) > 0) { split(line, f, " "); if (f[1] < w) w = f[1]; if (f[2] + f[3] < c) c = f[2] + f[3]; if (f[4] > rss) rss = f[4] }
    bw = w > 0 ? w : 0.001; bc = c > 0 ? c : 0.001
  }
  BEGIN {
    mb = b / 1e6
    rss = 0; best(ARGV[1]); rw = bw; rc = bc
    rss = 0; best(ARGV[2]); pw = bw; pc = bc; prss = rss
    printf "file: %.0f MB of generated text, best of %d runs each\n", mb, n
    printf "ripgrep --count-matches: %7.1f MB/s wall (%.2f s), %7.1f MB/s CPU (%.2f s); %s matches\n", mb / rw, rw, mb / rc, rc, rgm
    printf "piaf pii scan:           %7.1f MB/s wall (%.2f s), %7.1f MB/s CPU (%.2f s); peak RSS %.1f MB\n", mb / pw, pw, mb / pc, pc, prss / 1024
    printf "ratio piaf/ripgrep:      %7.2f wall, %.2f CPU (goal: at least 0.50)\n", rw / pw, rc / pc
  }' "$dir/rg.times" "$dir/piaf.times"
echo "piaf summary: $(cat "$dir/piaf.out")"
