#!/usr/bin/env bash
# Writes the per-backend first migrations (0001) from sql/schema.sql.in (see its header).
# Later migrations (0002_texts.sql: diffs and full-text search) differ per backend and are
# written by hand in sql/sqlite/ and sql/postgres/.
set -euo pipefail
cd "$(dirname "$0")"
sed -e 's/@TS@/TEXT/g' -e 's/@DATE@/TEXT/g' -e 's/@BOOL@/INTEGER/g' \
    -e 's/@SERIAL@/INTEGER PRIMARY KEY AUTOINCREMENT/g' \
    -e "s/@TODAY@/date('now')/g" \
    schema.sql.in > sqlite/0001_init.sql
sed -e 's/@TS@/TIMESTAMPTZ/g' -e 's/@DATE@/DATE/g' -e 's/@BOOL@/BOOLEAN/g' \
    -e 's/@SERIAL@/BIGSERIAL PRIMARY KEY/g' \
    -e 's/@TODAY@/CURRENT_DATE/g' \
    schema.sql.in > postgres/0001_init.sql
