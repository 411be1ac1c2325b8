#!/usr/bin/env bash
# bench/ca_pubinfo.sh — scale benchmark of the `ca_pubinfo` source: a synthetic California
# pubinfo export of a whole session (statehouse-bench ca-pubinfo), loaded into SQLite and
# PostgreSQL, then reloaded three ways. Prints one markdown table row per step; every figure
# is measured.
#
#   bench/ca_pubinfo.sh                           # 5,000 bills (a real session's size), both backends
#   BACKENDS=sqlite bench/ca_pubinfo.sh
#   BILLS=500 BACKENDS=sqlite bench/ca_pubinfo.sh # a quick look
#
# Environment:
#   BILLS      measures in the export (default 5000: 112,000 history rows, 17,000 versions
#              with 8-32 KB CAML texts, 20,000 analyses, 31,000 roll calls, 1.24M member votes;
#              623 MiB in 36,588 files)
#   SEED       generator seed (default 1); the same BILLS and SEED give the same bytes
#   MUTATE     fraction of the bills changed before the last step (default 0.01)
#   BENCH_DIR  working folder (default bench-data, git-ignored)
#   BACKENDS   "sqlite postgres" (default) or either one
#   PG_URL     default postgres://postgres@127.0.0.1:5432/statehouse_bench_ca (the database is
#              dropped and recreated with `psql -h 127.0.0.1 -U postgres`)
#   BUILD      1 (default): `cargo build --release --bins` first; 0: use the binaries as they are
#   CARGO_TARGET_DIR  where the release binaries are (default ./target)
#
# Needs: cargo; GNU time at /usr/bin/time (`apt-get install -y time`; installed here when absent
# and apt-get is usable); psql and a PostgreSQL server on 127.0.0.1:5432 with password-less user
# postgres for the PostgreSQL rows.
#
# Layout under BENCH_DIR:
#   ca-pubinfo-bills<N>-seed<S>/export/     the pristine export (reused when already complete),
#     ca-pipeline.toml, ca-bench-manifest.json  beside it: the pipeline and the generator's counts
#   ca-work/<backend>/                      per backend: the export hard-linked (the mutation
#                                           replaces files, never edits them), the pipelines, data/
#   logs/ca-<backend>-<step>.log            statehouse output; .time: GNU time -v output
#   results-ca-<UTC time>.md                the printed report
#
# Steps per backend:
#   1. full load: the export into an empty warehouse;
#   2. rerun, no change: the same pipeline again (the folder is hashed; same sha256: skipped);
#   3. reparse under a 2nd pipeline: the same export under another pipeline name, whose payload
#      history is empty: parsed, normalized and merged in full, and nothing differs (the cost
#      of the parser plus the comparison with the warehouse);
#   4. rerun, MUTATE changed: `statehouse-bench ca-pubinfo-mutate` adds a history row to that
#      fraction of the bills and bumps their trans_update; the first pipeline runs again.
# "rows" = bills + actions + votes + member votes. "check" compares the warehouse's bills,
# actions, votes, vote records, versions, documents and sponsorships with the manifest.
set -euo pipefail
cd "$(dirname "$0")/.."

BILLS="${BILLS:-5000}"
SEED="${SEED:-1}"
MUTATE="${MUTATE:-0.01}"
BENCH_DIR="${BENCH_DIR:-bench-data}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/statehouse_bench_ca}"
PG_DB="${PG_URL##*/}"
PG_DB="${PG_DB%%\?*}"
BUILD="${BUILD:-1}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"

mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
LOGS="$BENCH_DIR/logs"
mkdir -p "$LOGS"
BIN="$TARGET/release/statehouse"
GEN="$TARGET/release/statehouse-bench"
COUNT_SQL="SELECT (SELECT count(*) FROM bills) AS bills, (SELECT count(*) FROM bill_actions) AS actions, (SELECT count(*) FROM votes) AS votes, (SELECT count(*) FROM vote_records) AS vote_records, (SELECT count(*) FROM bill_versions) AS versions, (SELECT count(*) FROM bill_documents) AS documents, (SELECT count(*) FROM bill_sponsorships) AS sponsorships"
CHECKED="bills actions votes vote_records versions documents sponsorships"

# --- GNU time -------------------------------------------------------------------------
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing GNU time (apt-get install -y time)…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
  fi
  /usr/bin/time -v true >/dev/null 2>&1 || { echo "GNU time is needed at /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
fi

wall_seconds() {
  awk -F': ' '/Elapsed \(wall clock\) time/ {
    n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$1"
}
cpu_seconds() {
  awk -F': ' '/User time \(seconds\)/ {u = $NF} /System time \(seconds\)/ {s = $NF} END {printf "%.1f", u + s}' "$1"
}
peak_rss_mib() {
  awk -F': ' '/Maximum resident set size/ {printf "%.0f", $NF / 1024}' "$1"
}

# --- build ----------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
  echo "building release binaries…" >&2
  cargo build --release --bins >&2
fi

# --- export ---------------------------------------------------------------------------
CORPUS="$BENCH_DIR/ca-pubinfo-bills$BILLS-seed$SEED"
GEN_NOTE="reused"
info() { "$GEN" ca-pubinfo-info --dir "$1" | sed -n "s/^$2=//p"; }
if [ ! -f "$CORPUS/ca-bench-manifest.json" ] || [ "$(info "$CORPUS/export" mutated_bills)" != 0 ]; then
  echo "generating the export ($BILLS bills, seed $SEED) into $CORPUS/export…" >&2
  rm -rf "$CORPUS"
  /usr/bin/time -v -o "$LOGS/ca-generate.time" "$GEN" ca-pubinfo --out "$CORPUS/export" --bills "$BILLS" --seed "$SEED" \
    >"$LOGS/ca-generate.log" 2>&1 || { tail -n 30 "$LOGS/ca-generate.log" >&2; exit 1; }
  GEN_NOTE="generated in $(wall_seconds "$LOGS/ca-generate.time") s"
fi
EXPORT_ROWS="$(info "$CORPUS/export" rows)"

REPORT="$BENCH_DIR/results-ca-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "## ca_pubinfo scale benchmark"
  echo
  echo "- date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "- machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(uname -sr)"
  echo "- $(rustc --version 2>/dev/null || echo 'rustc ?'); $(psql --version 2>/dev/null || echo 'psql ?')"
  echo "- export: $BILLS bills, seed $SEED, $(info "$CORPUS/export" files) files, $(awk -v b="$(info "$CORPUS/export" bytes)" 'BEGIN {printf "%.0f MiB", b / 1048576}') ($(awk -v b="$(info "$CORPUS/export" lob_bytes)" 'BEGIN {printf "%.0f MiB", b / 1048576}') in $(info "$CORPUS/export" lob_files) .lob files; $GEN_NOTE)"
  echo "- export rows: $EXPORT_ROWS = $(info "$CORPUS/export" bills) bills + $(info "$CORPUS/export" actions) history rows + $(info "$CORPUS/export" votes) roll calls + $(info "$CORPUS/export" vote_records) member votes; also $(info "$CORPUS/export" versions) versions, $(info "$CORPUS/export" documents) documents (analyses and veto messages), $(info "$CORPUS/export" sponsorships) sponsorships"
  echo "- inserted / updated / unchanged: records (bills and votes) as statehouse reports them; changes: change events written"
  echo
  echo "| backend | step | wall s | CPU s | peak RSS MiB | warehouse rows | export rows | inserted | updated | unchanged | changes | warnings | check |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} | tee "$REPORT"

# A column of the source's row in `statehouse run`'s summary table (1 = source, 7 = inserted, …).
report_field() {
  awk -F'┆' -v k="$2" '/ca-pubinfo/ && NF >= 11 { v = $k; gsub(/[│ ]/, "", v); print v; exit }' "$1"
}

# run_step BACKEND STEP URL WORK PIPELINE: one `statehouse run`, timed; prints the table row.
run_step() {
  local backend="$1" step="$2" url="$3" work="$4" pipeline="$5"
  local slug
  slug="$(echo "$step" | tr -c 'a-z0-9\n' '-' | tr -s '-' | sed 's/-$//')"
  local log="$LOGS/ca-$backend-$slug.log" tfile="$LOGS/ca-$backend-$slug.time"
  local status=0
  /usr/bin/time -v -o "$tfile" "$BIN" --database "$url" --data-dir "$work/data" \
    run "$pipeline" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    echo "statehouse run failed (exit $status) for $backend / $step; last lines of $log:" >&2
    tail -n 30 "$log" >&2
  fi
  local counts expected_rows check="ok" got want name i=0
  counts="$("$BIN" --database "$url" --data-dir "$work/data" query "$COUNT_SQL" --format csv 2>>"$log" \
    | tail -n 1 | tr -d '\r" ')" || counts=""
  IFS=, read -r -a got <<<"$counts"
  expected_rows="$(info "$work/export" rows)"
  for name in $CHECKED; do
    want="$(info "$work/export" "$name")"
    if [ "${got[$i]:-?}" != "$want" ]; then
      [ "$check" = ok ] && check="differs:"
      check="$check $name ${got[$i]:-?}/$want"
    fi
    i=$((i + 1))
  done
  [ "$status" != 0 ] && check="run failed (exit $status)"
  local rows="?"
  [ "${#got[@]}" -ge 4 ] && rows=$((got[0] + got[1] + got[2] + got[3]))
  echo "| $backend | $step | $(wall_seconds "$tfile") | $(cpu_seconds "$tfile") | $(peak_rss_mib "$tfile") | $rows | $expected_rows | $(report_field "$log" 7) | $(report_field "$log" 8) | $(report_field "$log" 9) | $(report_field "$log" 10) | $(report_field "$log" 11) | $check |" | tee -a "$REPORT"
  return "$status"
}

# bench_backend BACKEND URL
bench_backend() {
  local backend="$1" url="$2" work="$BENCH_DIR/ca-work/$1"
  rm -rf "$work"
  mkdir -p "$work/data"
  cp -al "$CORPUS/export" "$work/export"
  cp "$CORPUS/ca-pipeline.toml" "$CORPUS/ca-bench-manifest.json" "$work/"
  sed 's/^name = "ca-bench"$/name = "ca-bench-reparse"/' "$CORPUS/ca-pipeline.toml" >"$work/ca-pipeline-reparse.toml"
  run_step "$backend" "full load" "$url" "$work" "$work/ca-pipeline.toml" || return 0
  run_step "$backend" "rerun, no change" "$url" "$work" "$work/ca-pipeline.toml" || return 0
  run_step "$backend" "reparse under a 2nd pipeline" "$url" "$work" "$work/ca-pipeline-reparse.toml" || return 0
  "$GEN" ca-pubinfo-mutate --dir "$work/export" --fraction "$MUTATE" --seed "$SEED" >"$LOGS/ca-$backend-mutate.log" 2>&1
  run_step "$backend" "rerun, $(awk -v f="$MUTATE" 'BEGIN {printf "%g%%", f * 100}') of bills changed" "$url" "$work" "$work/ca-pipeline.toml" || return 0
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      bench_backend sqlite "sqlite:$BENCH_DIR/ca-work/sqlite/data/warehouse.db"
      ;;
    postgres)
      if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        echo "| postgres | (skipped: cannot connect as postgres@127.0.0.1:5432) | | | | | | | | | | | |" | tee -a "$REPORT"
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
