#!/usr/bin/env bash
# bench/people.sh — Open States' people repository: the four states bundled in
# tests/fixtures/openstates-people (2,160 YAML files: 1,812 current and former legislators,
# 348 committees with their rosters), loaded into an empty SQLite warehouse after Delaware's
# and Illinois' roll calls (so every vote record is relinked to its legislator), then read
# again unchanged (skipped by hash), then read again from a copy (every file parsed and
# merged: zero changes). Release build. Prints one line per step with GNU time's wall time
# and peak RSS.
#
#   bench/people.sh            # RUNS=3 by default
#
# Needs: cargo; GNU time at /usr/bin/time (Debian: apt-get install -y time).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
[ -x /usr/bin/time ] || { echo "GNU time is needed at /usr/bin/time (apt-get install -y time)" >&2; exit 2; }
cargo build --release --locked --quiet
bin="$PWD/target/release/statehouse"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fixtures="$PWD/tests/fixtures"
pipeline() { # name, people path
  cat > "$work/$1.toml" <<TOML
name = "$1"
schedule = "0 30 2 * * *"
timezone = "America/New_York"
[[source]]
name = "people"
kind = "openstates_people"
path = "$2"
TOML
}
cat > "$work/votes.toml" <<TOML
name = "votes"
schedule = "0 30 2 * * *"
timezone = "America/New_York"
[[source]]
name = "de"
kind = "ocd_scrape"
path = "$fixtures/ocd-scrape/de-153"
[[source]]
name = "il"
kind = "ocd_scrape"
path = "$fixtures/ocd-scrape/il-104th-windycivi"
TOML
pipeline people "$fixtures/openstates-people"
cp -r "$fixtures/openstates-people" "$work/copy"
pipeline copy "$work/copy"
step() { # label, data dir, pipeline
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --data-dir "$2" run "$work/$3.toml" > "$work/out" 2>&1
  read -r wall rss < "$work/time"
  changes=$(awk -F'┆' '/^│ people /{gsub(/ /,"",$10); print $10}' "$work/out" | head -n 1)
  printf '%s: %.2f s wall, %d MB peak, %s change events\n' "$1" "$wall" "$((rss / 1024))" "${changes:-?}"
}
for i in $(seq 1 "$runs"); do
  data="$work/data-$i"
  "$bin" --data-dir "$data" run "$work/votes.toml" > /dev/null 2>&1
  step "run $i: load into a warehouse holding DE and IL roll calls" "$data" people
  step "run $i: rerun, files unchanged" "$data" people
  step "run $i: the same files from another folder (all parsed)" "$data" copy
done
