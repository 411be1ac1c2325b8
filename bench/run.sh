#!/usr/bin/env bash
# bench/run.sh — scale benchmark: load a synthetic national corpus (50 states, Open States
# scraper output format) into SQLite and PostgreSQL, then rerun it unchanged and with 1% of
# the bill files changed. Prints one markdown table row per run; every figure is measured.
#
#   bench/run.sh                          # scale 0.1 (~15,000 bills, ~560,000 rows)
#   SCALE=1 bench/run.sh                  # ~150,000 bills, ~5.7M rows, 1.2 GiB of JSON
#   SCALE=0.01 BACKENDS=sqlite bench/run.sh
#
# Environment:
#   SCALE      corpus scale (default 0.1; 1.0 = ~150k bills, 1.5M actions, 50k roll calls
#              with 4M individual votes, 10k hearings)
#   SEED       generator seed (default 1); the same SCALE and SEED give the same bytes
#   BENCH_DIR  working folder (default bench-data, git-ignored)
#   BACKENDS   "sqlite postgres" (default) or either one
#   PG_URL     default postgres://postgres@127.0.0.1:5432/statehouse_bench (the database is
#              dropped and recreated with `psql -h 127.0.0.1 -U postgres`)
#
# Needs: cargo; GNU time at /usr/bin/time for wall time and peak RSS (Debian/Ubuntu:
# `apt-get install -y time`; installed here when absent and apt-get is usable); psql and a
# PostgreSQL server on 127.0.0.1:5432 with password-less user postgres (`scripts/test`
# starts one) for the PostgreSQL rows.
#
# Layout under BENCH_DIR:
#   corpus-scale<S>-seed<N>/   pristine generated corpus (reused when already complete)
#   work/<backend>/corpus/     a fresh copy per backend (the 1% mutation happens here)
#   work/<backend>/data/       the --data-dir (raw archive; the SQLite warehouse.db)
#   logs/<backend>-<step>.log  statehouse output; .time: GNU time -v output
#   results-<UTC time>.md      the printed report
#
# Steps per backend: full load into an empty warehouse; rerun with nothing changed;
# `statehouse-bench mutate --fraction 0.01` (1% of bill files gain one action) then rerun.
# "corpus rows" = bills + actions + roll calls + individual votes + hearings in the
# corpus (from the generator's manifest); "rows/s" divides it by the run's wall time for
# every step, including reruns (there, it is the rate at which the corpus is re-checked,
# not the rate of rows written). "warehouse rows" is the same sum counted in the
# warehouse after the run; "check" says whether the two agree.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-0.1}"
SEED="${SEED:-1}"
BENCH_DIR="${BENCH_DIR:-bench-data}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/statehouse_bench}"
PG_DB="${PG_URL##*/}"
PG_DB="${PG_DB%%\?*}"

mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
LOGS="$BENCH_DIR/logs"
mkdir -p "$LOGS"
BIN="$PWD/target/release/statehouse"
GEN="$PWD/target/release/statehouse-bench"
COUNT_SQL="SELECT (SELECT count(*) FROM bills)+(SELECT count(*) FROM bill_actions)+(SELECT count(*) FROM votes)+(SELECT count(*) FROM vote_records)+(SELECT count(*) FROM events) AS n"

# --- GNU time -------------------------------------------------------------------------
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing GNU time (apt-get install -y time)…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
  fi
  /usr/bin/time -v true >/dev/null 2>&1 || { echo "GNU time is needed at /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
fi

# Seconds of wall clock and peak RSS (MiB) from a `/usr/bin/time -v -o FILE` report.
wall_seconds() {
  awk -F': ' '/Elapsed \(wall clock\) time/ {
    n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"
}
cpu_seconds() {
  awk -F': ' '/User time \(seconds\)/ {u = $NF} /System time \(seconds\)/ {s = $NF} END {printf "%.2f", u + s}' "$1"
}
peak_rss_mib() {
  awk -F': ' '/Maximum resident set size/ {printf "%.1f", $NF / 1024}' "$1"
}

# --- build ----------------------------------------------------------------------------
echo "building release binaries…" >&2
cargo build --release --bins >&2

# --- corpus ---------------------------------------------------------------------------
CORPUS="$BENCH_DIR/corpus-scale$SCALE-seed$SEED"
GEN_NOTE="reused"
if [ ! -f "$CORPUS/bench-manifest.json" ]; then
  echo "generating the corpus (scale $SCALE, seed $SEED) into $CORPUS…" >&2
  rm -rf "$CORPUS"
  /usr/bin/time -v -o "$LOGS/generate.time" "$GEN" generate --out "$CORPUS" --scale "$SCALE" --seed "$SEED" \
    >"$LOGS/generate.log" 2>&1 || { tail -n 30 "$LOGS/generate.log" >&2; exit 1; }
  GEN_NOTE="generated in $(wall_seconds "$LOGS/generate.time") s"
fi
info() { "$GEN" info --dir "$1" | sed -n "s/^$2=//p"; }
CORPUS_ROWS="$(info "$CORPUS" corpus_rows)"

REPORT="$BENCH_DIR/results-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "## statehouse scale benchmark"
  echo
  echo "- date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "- machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(uname -sr)"
  echo "- $(rustc --version 2>/dev/null || echo 'rustc ?'); $(psql --version 2>/dev/null || echo 'psql ?')"
  echo "- corpus: scale $SCALE, seed $SEED, $(info "$CORPUS" files) files, $(awk -v b="$(info "$CORPUS" bytes)" 'BEGIN {printf "%.1f MiB", b / 1048576}') of JSON ($GEN_NOTE)"
  echo "- corpus rows: $CORPUS_ROWS = $(info "$CORPUS" bills) bills + $(info "$CORPUS" actions) actions + $(info "$CORPUS" votes) roll calls + $(info "$CORPUS" vote_records) individual votes + $(info "$CORPUS" events) hearings"
  echo "- rows/s = corpus rows / wall seconds, for reruns too (the corpus re-checked per second, not rows written)"
  echo
  echo "| backend | step | wall s | CPU s | warehouse rows | corpus rows | rows/s | peak RSS MiB | check |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
} | tee "$REPORT"

# run_step BACKEND STEP URL WORK: one `statehouse run`, timed; prints the table row.
run_step() {
  local backend="$1" step="$2" url="$3" work="$4"
  local log="$LOGS/$backend-$step.log" tfile="$LOGS/$backend-$step.time"
  local status=0
  /usr/bin/time -v -o "$tfile" "$BIN" --database "$url" --data-dir "$work/data" \
    run "$work/corpus/pipeline.toml" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    echo "statehouse run failed (exit $status) for $backend / $step; last lines of $log:" >&2
    tail -n 30 "$log" >&2
  fi
  local wall cpu rss rows corpus_rows rate check
  wall="$(wall_seconds "$tfile")"
  cpu="$(cpu_seconds "$tfile")"
  rss="$(peak_rss_mib "$tfile")"
  rows="$("$BIN" --database "$url" --data-dir "$work/data" query "$COUNT_SQL" --format csv 2>>"$log" \
    | tail -n 1 | tr -d '\r" ')" || rows="?"
  corpus_rows="$(info "$work/corpus" corpus_rows)"
  rate="$(awk -v r="$corpus_rows" -v s="$wall" 'BEGIN { if (s > 0) printf "%.0f", r / s; else print "?" }')"
  if [ "$status" != 0 ]; then check="run failed (exit $status)"
  elif [ "$rows" = "$corpus_rows" ]; then check="ok"
  else check="differs"; fi
  echo "| $backend | $step | $wall | $cpu | $rows | $corpus_rows | $rate | $rss | $check |" | tee -a "$REPORT"
  return "$status"
}

# bench_backend BACKEND URL
bench_backend() {
  local backend="$1" url="$2" work="$BENCH_DIR/work/$1"
  rm -rf "$work"
  mkdir -p "$work/data"
  cp -a "$CORPUS" "$work/corpus"
  run_step "$backend" "full load" "$url" "$work" || return 0
  run_step "$backend" "rerun, no change" "$url" "$work" || return 0
  "$GEN" mutate --dir "$work/corpus" --fraction 0.01 --seed "$SEED" >"$LOGS/$backend-mutate.log" 2>&1
  run_step "$backend" "rerun, 1% of bills changed" "$url" "$work" || return 0
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      bench_backend sqlite "sqlite:$BENCH_DIR/work/sqlite/data/warehouse.db"
      ;;
    postgres)
      if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        echo "| postgres | (skipped: cannot connect as postgres@127.0.0.1:5432) | | | | | | | |" | tee -a "$REPORT"
        continue
      fi
      psql -h 127.0.0.1 -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
      bench_backend postgres "$PG_URL"
      ;;
    *)
      echo "unknown backend '$backend' (use sqlite and/or postgres)" >&2
      exit 1
      ;;
  esac
done

echo
echo "report: $REPORT; logs: $LOGS" >&2
