#!/usr/bin/env bash
# bench/alerts.sh — alert matching at scale (issue 13, item 8): a synthetic national corpus
# loaded into SQLite, then 100 coalitions sharing 1,000 watched terms and 500 tracked bills
# replay its whole ledger (start = "beginning") in one pass: read and matched, then every
# match's email rendered, each timed on its own (`statehouse-bench alerts`). Run twice: with
# terms no title has (matching alone) and with words taken from the titles (many matches).
#
#   bench/alerts.sh                       # scale 0.36: about 1,000,000 change events
#   SCALE=0.1 bench/alerts.sh             # about 280,000
#
# Environment: SCALE (default 0.36), SEED (1), BENCH_DIR (bench-data), COALITIONS (100),
# TERMS (1000), BILLS (500).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-0.36}"
SEED="${SEED:-1}"
BENCH_DIR="${BENCH_DIR:-bench-data}"
COALITIONS="${COALITIONS:-100}"
TERMS="${TERMS:-1000}"
BILLS="${BILLS:-500}"
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
BIN="$TARGET/release/statehouse"
GEN="$TARGET/release/statehouse-bench"

echo "building release binaries…" >&2
cargo build --release --bins >&2

CORPUS="$BENCH_DIR/corpus-scale$SCALE-seed$SEED"
if [ ! -f "$CORPUS/bench-manifest.json" ]; then
  echo "generating the corpus (scale $SCALE, seed $SEED) into $CORPUS…" >&2
  rm -rf "$CORPUS"
  "$GEN" generate --out "$CORPUS" --scale "$SCALE" --seed "$SEED" >/dev/null
fi

WORK="$BENCH_DIR/alerts-scale$SCALE-seed$SEED"
DB="sqlite:$WORK/data/warehouse.db"
if [ ! -f "$WORK/loaded" ]; then
  echo "loading the corpus into $WORK…" >&2
  rm -rf "$WORK"
  mkdir -p "$WORK"
  "$BIN" --database "$DB" --data-dir "$WORK/data" run "$CORPUS/pipeline.toml" >"$WORK/load.log" 2>&1
  touch "$WORK/loaded"
fi

echo "## alert matching: $(git rev-parse --short HEAD 2>/dev/null || echo none), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- machine: $(nproc) CPU, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; corpus scale $SCALE, seed $SEED; SQLite"
for absent in "--absent-terms" ""; do
  "$GEN" alerts --database "$DB" --out "$WORK/coalitions" --coalitions "$COALITIONS" --terms "$TERMS" \
    --bills "$BILLS" --seed "$SEED" $absent
done
