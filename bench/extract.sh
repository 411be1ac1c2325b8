#!/usr/bin/env bash
# bench/extract.sh — throughput and quality of bill text extraction (statehouse::text::extract)
# on the REAL documents of the test fixtures: ilga.gov, NY, MO, MN and TX pages, California CAML
# versions and Word analyses, pubinfo HTML analyses, LegiScan base64 documents, the
# Chromium-printed PDF. Prints two markdown tables: documents, failures (documents without
# text, e.g. ilga.gov placeholders), MB, seconds, documents/s and MB/s per method and overall;
# then, per host (from the Open States record beside the pages, else the folder) and method,
# the share of each page's characters the text kept, paragraphs per document and characters
# per paragraph.
#
#   bench/extract.sh                         # tests/fixtures, each document 200 times
#   DIR=/work/shared/fixtures REPEAT=50 bench/extract.sh
#
# Environment:
#   DIR     folder searched recursively (default tests/fixtures)
#   REPEAT  extractions per document (default 200)
#   BUILD   1 (default): `cargo build --release --bin statehouse-bench` first (a cold release
#           build takes about half an hour: polars); 0: use the binary as it is
#   CARGO_TARGET_DIR  where the release binary is (default ./target)
#
# Documents are read into memory first; only extraction is timed, one thread. The PDF share of
# the fixtures is one 67 KB file, so the pdf row is one document's figure.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${DIR:-tests/fixtures}"
REPEAT="${REPEAT:-200}"
BUILD="${BUILD:-1}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "$BUILD" = 1 ]; then
  echo "building statehouse-bench (release)..." >&2
  cargo build --release --bin statehouse-bench >&2
fi
echo "statehouse-bench extract, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
"$TARGET/release/statehouse-bench" extract --dir "$DIR" --repeat "$REPEAT"
